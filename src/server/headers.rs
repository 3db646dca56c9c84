//! Security headers on every answer of the service.
//!
//! - `X-Content-Type-Options: nosniff`: files are what their type says (an uploaded `.txt` next
//!   to an article never runs as a script);
//! - `Referrer-Policy: same-origin`: other sites never learn which page (or which thank-you
//!   link, which carries a signature) a reader came from; the ticket form still reads its own
//!   site's referrer;
//! - `Content-Security-Policy` ([`DEFAULT_CSP`], or `server.content_security_policy`): scripts,
//!   styles and connections from the site only, no inline script, no plugins; the default theme
//!   has no inline script, style or event handler;
//! - ticket pages (the form, the thank-you page, every answer of `/api/tickets`) may not be
//!   framed by any site (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), and answers of
//!   `/api/tickets` are `Cache-Control: no-store`: a form sent back with errors carries what the
//!   partner typed, key included.
//!
//! HSTS belongs to the TLS-terminating proxy in front (see docs/security.md).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The policy the default theme satisfies. Images and embedded media may come from any https
/// site (articles link them); everything that runs comes from the site itself.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https:; media-src 'self' https:; frame-src 'self' https:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

/// What [`add`] sets; built once from the configuration.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// Pages in general (absent: no policy, when the configuration turns it off).
    csp: Option<HeaderValue>,
    /// Ticket pages: the policy plus `frame-ancestors 'none'`.
    csp_tickets: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// Headers with `policy` as the Content-Security-Policy (empty: none is sent).
    pub fn new(policy: &str) -> SecurityHeaders {
        let policy = policy.trim().trim_end_matches(';').trim();
        if policy.is_empty() {
            return SecurityHeaders {
                csp: None,
                csp_tickets: None,
            };
        }
        SecurityHeaders {
            csp: HeaderValue::from_str(policy).ok(),
            csp_tickets: HeaderValue::from_str(&format!("{policy}; frame-ancestors 'none'")).ok(),
        }
    }
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        SecurityHeaders::new(DEFAULT_CSP)
    }
}

/// True for the ticket form, the thank-you page and the ticket API.
fn is_ticket_path(path: &str) -> bool {
    path.starts_with("/api/tickets") || path.contains("/tickets/")
}

/// Middleware: adds the headers to every response.
pub async fn add(State(h): State<Arc<SecurityHeaders>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A handler that sets its own (stricter) policy keeps it: an attachment's download is
    // sandboxed and sends no referrer at all.
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    let tickets = is_ticket_path(&path);
    let csp = if tickets { &h.csp_tickets } else { &h.csp };
    if let Some(v) = csp {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(v.clone());
    }
    if tickets {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if path.starts_with("/api/tickets") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    async fn headers_of(app: &Router, req: axum::http::Request<Body>) -> axum::http::HeaderMap {
        app.clone().oneshot(req).await.unwrap().headers().clone()
    }

    #[tokio::test]
    async fn pages_and_ticket_pages_get_their_headers() {
        let app = Router::new()
            .route("/es/articles/a/", get(|| async { "article" }))
            .route("/es/tickets/new/", get(|| async { "form" }))
            .route(
                "/api/tickets",
                post(|| async { ([(header::CACHE_CONTROL, "public")], "form again") }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(SecurityHeaders::default()),
                add,
            ));
        let get_req = |p: &str| axum::http::Request::get(p).body(Body::empty()).unwrap();
        let h = headers_of(&app, get_req("/es/articles/a/")).await;
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(
            !csp.contains("frame-ancestors"),
            "articles may be embedded: {csp}"
        );
        let h = headers_of(&app, get_req("/es/tickets/new/")).await;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        let post_req = axum::http::Request::post("/api/tickets")
            .body(Body::empty())
            .unwrap();
        let h = headers_of(&app, post_req).await;
        assert_eq!(h["cache-control"], "no-store", "answers may echo the key");
        assert!(h.contains_key("content-security-policy"));
    }

    #[test]
    fn an_empty_policy_sends_none() {
        assert!(SecurityHeaders::new("  ").csp.is_none());
        let h = SecurityHeaders::new("default-src 'self';");
        assert_eq!(
            h.csp_tickets.unwrap(),
            "default-src 'self'; frame-ancestors 'none'"
        );
    }
}
