//! Abuse guards: a keyed token-bucket rate limiter, the signed time-trap token, the Origin /
//! Sec-Fetch-Site check of browser form posts, and bounded reading of the request.
//!
//! The ticket page is static (built once), so it cannot carry a fresh time token. The theme's
//! script asks `GET /api/tickets/token` for one when the page loads; the service signs the issue
//! time with its secret and refuses forms sent sooner than `support.form.min_fill_seconds` or
//! later than `max_age_hours`. A form posted without a valid token (no JavaScript, or a bot) is
//! not stored: the service answers with the form, values kept, and a fresh token, so a person
//! without JavaScript only confirms once more.

use crate::tickets::keys::ct_eq;
use hmac::{KeyInit, Mac};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Token buckets per client address: `per_minute` requests, refilled continuously.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter of `per_minute` requests per client (0 = off).
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limit, overridden by `AYUDA_TICKETS_RATE_LIMIT` when set to a number.
    pub fn from_env(configured: u32) -> RateLimiter {
        let limit = std::env::var("AYUDA_TICKETS_RATE_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(configured);
        RateLimiter::new(limit)
    }

    /// The effective limit per minute.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Takes `cost` tokens for `ip`; on refusal, the seconds until enough are back.
    pub fn take(&self, ip: IpAddr, cost: f64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let now = Instant::now();
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        if map.len() > 100_000 {
            map.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < cap);
        }
        let (tokens, at) = map.entry(ip).or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= cost.min(*tokens);
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (the scheme in any case, RFC 9110).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The media type of a request, lower case, without parameters (`application/jsonp` is not
/// JSON); empty when there is none.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Adds `Retry-After: wait` to a refusal of the rate limiter.
pub fn with_retry_after(mut r: axum::response::Response, wait: u64) -> axum::response::Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

/// 400: a JSON body that does not parse.
pub fn bad_json(e: &serde_json::Error) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({"error": format!("invalid JSON: {e}"), "code": "bad_json"})),
    )
        .into_response()
}

/// 408: the body did not arrive in time (`server.body_timeout_seconds`).
pub fn body_timeout() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::REQUEST_TIMEOUT,
        [(axum::http::header::CONNECTION, "close")],
        axum::Json(serde_json::json!({"error": "the request body did not arrive in time", "code": "timeout"})),
    )
        .into_response()
}

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Longer than the limit (413).
    TooLarge,
    /// Stopped arriving: no piece within the server's body timeout, or not all of it within
    /// `timeout` (408).
    Timeout,
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
pub async fn read_body(
    body: axum::body::Body,
    limit: usize,
    timeout: Duration,
) -> Result<axum::body::Bytes, BodyError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) if !is_timeout(&e) => Err(BodyError::TooLarge),
        _ => Err(BodyError::Timeout),
    }
}

/// Why a posted input could not be read.
pub enum InputError {
    /// Longer than the limit, by `Content-Length` or by what arrived: the caller answers 413
    /// in its own shape.
    TooLarge,
    /// Answered already: 408 for a body that stopped arriving, 400 for JSON that does not parse.
    Answer(axum::response::Response),
}

/// Reads a posted input of at most `limit` bytes within `timeout`: form-urlencoded through
/// `from_form` when `form`, else JSON. A `Content-Length` over the limit is refused before
/// anything is read.
pub async fn read_input<T: serde::de::DeserializeOwned>(
    req: axum::extract::Request,
    form: bool,
    limit: usize,
    timeout: Duration,
    from_form: fn(&[u8]) -> T,
) -> Result<T, InputError> {
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(InputError::TooLarge);
    }
    let body = match read_body(req.into_body(), limit, timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return Err(InputError::TooLarge),
        Err(BodyError::Timeout) => return Err(InputError::Answer(body_timeout())),
    };
    if form {
        return Ok(from_form(&body));
    }
    serde_json::from_slice(&body).map_err(|e| InputError::Answer(bad_json(&e)))
}

/// True when reading the body failed because a piece did not arrive in time (tower-http's
/// `RequestBodyTimeoutLayer`).
pub(crate) fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn mac(secret: &[u8], purpose: &str, msg: &str) -> Vec<u8> {
    let Ok(mut m) = HmacSha256::new_from_slice(secret) else {
        return Vec::new();
    };
    m.update(purpose.as_bytes());
    m.update(b"\0");
    m.update(msg.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// A short signature of `msg` for `purpose` (hex, 128 bits).
pub fn signature(secret: &[u8], purpose: &str, msg: &str) -> String {
    hex::encode(&mac(secret, purpose, msg)[..16])
}

/// Checks a [`signature`] in constant time.
pub fn verify_signature(secret: &[u8], purpose: &str, msg: &str, sig: &str) -> bool {
    hex::decode(sig.trim()).is_ok_and(|s| ct_eq(&s, &mac(secret, purpose, msg)[..16]))
}

/// A time-trap token issued at `now_ms`: `v1.<ms>.<signature>`.
pub fn issue_token(secret: &[u8], now_ms: i64) -> String {
    format!(
        "v1.{now_ms}.{}",
        signature(secret, "form", &now_ms.to_string())
    )
}

/// Result of a time-trap check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    Ok,
    /// No token or not ours (static page without JavaScript, or forged).
    Missing,
    TooFast,
    Expired,
}

/// Checks a time-trap token against `now_ms`.
pub fn check_token(
    secret: &[u8],
    token: &str,
    now_ms: i64,
    min: Duration,
    max: Duration,
) -> TokenCheck {
    let mut parts = token.trim().split('.');
    let (Some("v1"), Some(ms), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return TokenCheck::Missing;
    };
    let Ok(issued) = ms.parse::<i64>() else {
        return TokenCheck::Missing;
    };
    if !verify_signature(secret, "form", ms, sig) {
        return TokenCheck::Missing;
    }
    let age = now_ms.saturating_sub(issued);
    if age < min.as_millis() as i64 {
        TokenCheck::TooFast
    } else if age > max.as_millis() as i64 {
        TokenCheck::Expired
    } else {
        TokenCheck::Ok
    }
}

/// The origin (`scheme://host[:port]`) of a URL.
pub fn origin_of(url: &str) -> String {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// True when a browser request may post the form: `Sec-Fetch-Site` is same-origin, same-site
/// or none, and `Origin` (when sent) is the site, an allowed origin, or the request's own host.
pub fn origin_allowed(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    host: Option<&str>,
    base_url: &str,
    allowed: &[String],
) -> bool {
    if let Some(site) = sec_fetch_site
        && !matches!(site.trim(), "same-origin" | "same-site" | "none")
    {
        return false;
    }
    let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let o = origin_of(origin);
    o == origin_of(base_url)
        || allowed.iter().any(|a| origin_of(a) == o)
        || host.is_some_and(|h| {
            o.split_once("://")
                .is_some_and(|(_, oh)| oh == h.trim().to_ascii_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_then_refills() {
        let l = RateLimiter::new(2);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(l.take(ip, 1.0).is_ok());
        assert!(l.take(ip, 1.0).is_ok());
        let wait = l.take(ip, 1.0).unwrap_err();
        assert!((1..=30).contains(&wait), "{wait}");
        let other: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.take(other, 1.0).is_ok(), "buckets are per client");
        assert!(RateLimiter::new(0).take(ip, 1.0).is_ok(), "0 turns it off");
    }

    #[test]
    fn bearer_scheme_in_any_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[tokio::test]
    async fn bodies_are_bounded_in_size_and_time() {
        let ok = read_body(axum::body::Body::from("hello"), 10, Duration::from_secs(5)).await;
        assert_eq!(ok.unwrap(), "hello");
        let big = read_body(
            axum::body::Body::from("x".repeat(11)),
            10,
            Duration::from_secs(5),
        );
        assert_eq!(big.await.unwrap_err(), BodyError::TooLarge);
        // A body whose end never comes.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
        tx.send(Ok("par".into())).await.unwrap();
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let slow = read_body(
            axum::body::Body::from_stream(stream),
            10,
            Duration::from_millis(50),
        );
        assert_eq!(slow.await.unwrap_err(), BodyError::Timeout);
        drop(tx);
    }

    #[test]
    fn token_checks() {
        let s = b"secret";
        let min = Duration::from_secs(3);
        let max = Duration::from_secs(3600);
        let t = issue_token(s, 1_000_000);
        assert_eq!(check_token(s, &t, 1_000_500, min, max), TokenCheck::TooFast);
        assert_eq!(check_token(s, &t, 1_005_000, min, max), TokenCheck::Ok);
        assert_eq!(
            check_token(s, &t, 1_000_000 + 3_700_000, min, max),
            TokenCheck::Expired
        );
        assert_eq!(
            check_token(b"other", &t, 1_005_000, min, max),
            TokenCheck::Missing
        );
        let forged = t.replace("v1.1000000", "v1.900000");
        assert_eq!(
            check_token(s, &forged, 1_005_000, min, max),
            TokenCheck::Missing
        );
        assert_eq!(check_token(s, "", 1_005_000, min, max), TokenCheck::Missing);
    }

    #[test]
    fn origin_rules() {
        let base = "https://help.example.org";
        assert!(origin_allowed(
            Some("https://help.example.org"),
            Some("same-origin"),
            None,
            base,
            &[]
        ));
        assert!(origin_allowed(None, None, None, base, &[]));
        assert!(origin_allowed(
            Some("http://127.0.0.1:8080"),
            None,
            Some("127.0.0.1:8080"),
            base,
            &[]
        ));
        assert!(!origin_allowed(
            Some("https://evil.example"),
            None,
            Some("help.example.org"),
            base,
            &[]
        ));
        assert!(!origin_allowed(None, Some("cross-site"), None, base, &[]));
        assert!(!origin_allowed(Some("null"), None, None, base, &[]));
        assert!(origin_allowed(
            Some("https://www.example.org"),
            None,
            None,
            base,
            &["https://www.example.org/".into()]
        ));
    }
}
