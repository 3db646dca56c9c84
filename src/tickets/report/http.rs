//! `GET /_ayuda/report`: the report page for agents, behind an agent key (`ayuda agents add`)
//! sent as `Authorization: Bearer KEY`; `?from=DATE&to=DATE` as on the command line. Its
//! styles come from `GET /_ayuda/report.css`, so the service's Content-Security-Policy
//! (`style-src 'self'`, no inline script) holds for it unchanged.

use super::html::{STYLE, Styles, render_html};
use super::period;
use crate::tickets::TicketsState;
use crate::tickets::guard;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;

/// The page's path.
pub const REPORT_PATH: &str = "/_ayuda/report";
/// Its stylesheet's path.
pub const STYLE_PATH: &str = "/_ayuda/report.css";

fn plain(status: StatusCode, msg: impl Into<String>) -> Response {
    let mut r = (status, msg.into()).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn unauthorized(msg: &str) -> Response {
    let mut r = plain(StatusCode::UNAUTHORIZED, msg);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"ayuda agents\""),
    );
    r
}

/// `from` and `to` of the query string, each a date or absent.
fn dates(query: Option<&str>) -> Result<(Option<Date>, Option<Date>), String> {
    let (mut from, mut to) = (None, None);
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "from" => &mut from,
            "to" => &mut to,
            _ => continue,
        };
        if v.trim().is_empty() {
            continue;
        }
        *slot = Some(
            v.trim()
                .parse::<Date>()
                .map_err(|_| format!("{k}: {v:?} is not a date such as 2026-03-01"))?,
        );
    }
    Ok((from, to))
}

/// The page, for an agent key.
pub async fn page(State(s): State<TicketsState>, req: Request) -> Response {
    let inner = s.inner();
    let ip = inner.proxy.client_of(req.headers(), req.extensions());
    if let Err(wait) = inner.limiter.take(ip, 1.0) {
        let msg = format!("too many requests; try again in {wait} s");
        return guard::with_retry_after(plain(StatusCode::TOO_MANY_REQUESTS, msg), wait);
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(guard::bearer_token);
    let Some(key) = bearer else {
        return unauthorized("send an agent key: Authorization: Bearer KEY (ayuda agents add)");
    };
    match inner.agents.verify(key).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let _ = inner.limiter.take(ip, 4.0);
            return unauthorized("unknown or revoked agent key");
        }
        Err(e) => {
            tracing::error!("agent keys: {e}");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "try again later");
        }
    }
    let tz = inner.calendar.time_zone();
    let now = Timestamp::now();
    let days = match dates(req.uri().query()).and_then(|(f, t)| period(tz, now, f, t)) {
        Ok(d) => d,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e),
    };
    let pool = inner.agents.database();
    let name = inner.calendar.time_zone_name();
    match super::cli::report(pool, tz, name, days, now).await {
        Ok(r) => {
            let mut resp = render_html(&r, Styles::Linked(STYLE_PATH)).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            resp
        }
        Err(e) => {
            tracing::error!("ticket report: {e}");
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}

/// The page's stylesheet.
pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}
