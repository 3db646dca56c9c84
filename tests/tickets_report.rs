//! `GET /_ayuda/report`: the ticket report page served to agents behind an agent key, under
//! the service's Content-Security-Policy (figures themselves: `src/tickets/report/tests.rs`).

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ayuda::server::headers::{SecurityHeaders, add};
use ayuda::tickets::{TicketsState, router};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

async fn state(dir: &tempfile::TempDir) -> TicketsState {
    let yaml = "base_url: https://help.example.org\nlocales: [es, en]\ndefault_locale: es\nsupport:\n  time_zone: Europe/Madrid\n  partner_key_required: false\n  targets: [{kind: jsonl, path: out.jsonl}]\n  limits: {rate_limit_per_minute: 1000}\n";
    let config = ayuda::Config::parse(yaml).unwrap();
    TicketsState::open(&config, &dir.path().join("data"), None)
        .await
        .unwrap()
}

/// The ticket routes with the service's security headers.
async fn send(s: &TicketsState, path: &str, key: Option<&str>) -> (StatusCode, HeaderMap, String) {
    let app = router(s.clone()).layer(axum::middleware::from_fn_with_state(
        Arc::new(SecurityHeaders::default()),
        add,
    ));
    let mut req = Request::get(path);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let resp = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn agents_get_the_report_page_with_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir).await;
    common::post_ticket(&s, "Campaña de marzo").await;
    common::post_ticket(&s, "Campaña de abril").await;
    let key = s.inner().agents.add("team-lead").await.unwrap();

    let (status, headers, _) = send(&s, "/_ayuda/report", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let (status, _, _) = send(&s, "/_ayuda/report", Some("ayuda_agent_00")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A partner key or anything else is no agent key either.
    let (status, _, _) = send(&s, "/_ayuda/report", Some("partner-key")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, headers, page) = send(&s, "/_ayuda/report", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // Nothing the policy would block: no inline style or script, the stylesheet is the site's.
    assert!(!page.contains("<style") && !page.contains("<script") && !page.contains("style="));
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/_ayuda/report.css\">"));
    assert_eq!(page.matches("<svg role=\"img\"").count(), 2);
    assert_eq!(page.matches("class=\"bar received\"").count(), 28);
    assert!(
        page.contains("Days and ISO weeks in Europe/Madrid"),
        "{page}"
    );
    // Both tickets were received today, in the calendar's zone.
    assert!(page.contains("<td>2</td>"), "{page}");

    let (status, headers, css) = send(&s, "/_ayuda/report.css", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains(".breached{"));

    let (status, _, page) = send(
        &s,
        "/_ayuda/report?from=2026-03-23&to=2026-04-05",
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("class=\"bar received\"").count(), 14);
    let (status, _, msg) = send(&s, "/_ayuda/report?from=2026-13-01", Some(&key)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("from: \"2026-13-01\" is not a date"), "{msg}");
    let (status, _, msg) = send(
        &s,
        "/_ayuda/report?from=2026-04-02&to=2026-04-01",
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("is after"), "{msg}");
}
