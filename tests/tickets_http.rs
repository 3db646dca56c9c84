//! The ticket endpoints through `tower::ServiceExt::oneshot`: 201, 303, 401, 403, 413, 422, 429,
//! the honeypot and the time trap, and nothing stored when a request is refused.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::router;
use common::tickets::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn json_ticket_is_accepted_with_deadlines() {
    let s = site("").await;
    let (status, headers, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = v["id"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^T-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")
            .unwrap()
            .is_match(id),
        "{id}"
    );
    assert_eq!(v["type"], "technical");
    assert_eq!(v["status"], "received");
    assert_eq!(v["time_zone"], "America/Bogota");
    assert!(
        v["first_response_due"]
            .as_str()
            .unwrap()
            .ends_with("-05:00")
    );
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/tickets/thanks?id=")
    );
    let view = s.state.inner().store.get(id.into()).await.unwrap().unwrap();
    assert_eq!(
        view.ticket.partner, "Partner TV",
        "partner defaults to the key's partner"
    );
    assert_eq!(view.ticket.partner_key.as_deref(), Some("Partner TV"));
    assert_eq!(view.ticket.opened, vec!["a2"]);
    assert_eq!(view.deliveries.len(), 1);
    assert_eq!(view.deliveries[0].state, "pending");
    assert!(!view.ticket.deadlines.contacts.is_empty());
}

#[tokio::test]
async fn keys_are_required_and_checked() {
    let s = site("").await;
    let (status, headers, body) = send(&s, json_post(&ticket(), None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key("www-authenticate"));
    assert!(body.contains("Falta la clave"), "{body}");
    let (status, _, body) = send(&s, json_post(&ticket(), Some("ayk_AAAAAAAA_wrong"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("no es válida"), "{body}");
    let mut en = ticket();
    en["locale"] = "en".into();
    let bad = format!("{}x", s.key);
    let (status, _, body) = send(&s, json_post(&en, Some(&bad))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("not valid"), "{body}");
    assert_eq!(count(&s).await, 0, "nothing stored");
}

#[tokio::test]
async fn keys_can_be_turned_off() {
    let s = site("  partner_key_required: false\n").await;
    let mut t = ticket();
    t["partner"] = "Partner TV".into();
    let (status, _, body) = send(&s, json_post(&t, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn field_errors_in_the_partner_language() {
    let s = site("").await;
    let mut t = ticket();
    t["locale"] = "pt".into();
    t["email"] = "ana@".into();
    t["type"] = "billing".into();
    t["subject"] = "".into();
    let (status, _, body) = send(&s, json_post(&t, Some(&s.key))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["errors"]["email"],
        "Informe um endereço de e-mail válido, como nome@empresa.com."
    );
    assert_eq!(v["errors"]["type"], "Escolha um tipo de ticket da lista.");
    assert_eq!(v["errors"]["subject"], "Este campo é obrigatório.");
    assert_eq!(count(&s).await, 0);
}

#[tokio::test]
async fn large_bodies_get_413() {
    let s = site("  limits: {max_body_bytes: 2048}\n").await;
    let mut t = ticket();
    t["description"] = "x".repeat(4000).into();
    let (status, _, _) = send(&s, json_post(&t, Some(&s.key))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without Content-Length (chunked), the limit still holds while reading.
    let body = Body::from_stream(futures_stream(t.to_string()));
    let req = Request::post("/api/tickets")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", s.key))
        .body(body)
        .unwrap();
    let (status, _, _) = send(&s, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&s).await, 0);
}

fn futures_stream(
    s: String,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        s.into_bytes().chunks(512).map(|c| Ok(c.to_vec())).collect();
    tokio_stream_iter(chunks)
}

fn tokio_stream_iter<T: Send + Unpin + 'static>(
    items: Vec<T>,
) -> impl futures_core::Stream<Item = T> + Send {
    struct It<T>(std::vec::IntoIter<T>);
    impl<T> futures_core::Stream for It<T>
    where
        T: Unpin,
    {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    It(items.into_iter())
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = site("  limits: {rate_limit_per_minute: 3}\n").await;
    for _ in 0..3 {
        let (status, _, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, headers, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(count(&s).await, 3);
}

#[tokio::test]
async fn html_form_posts_redirect_to_the_thank_you_page() {
    let s = site("  form: {min_fill_seconds: 0}\n").await;
    let location = send_valid_form(&s).await;
    assert!(location.contains("tz=Europe%2FMadrid"), "{location}");
    let (status, _, page) = get_page(&s, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&only_ticket(&s).await.ticket.id), "{page}");
    assert!(
        page.contains("(Europe/Madrid)"),
        "deadline in the partner's zone: {page}"
    );
    assert!(page.contains("Dudas y operaciones"), "{page}");
    // A forged thank-you link is not served.
    let forged = location.replace("sig=", "sig=00");
    let (status, _, _) = send(&s, Request::get(&forged).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn form_guards_refuse_bots_and_keep_values() {
    let s = site("  form: {min_fill_seconds: 5}\n").await;
    // No token (static page without JavaScript): 303 to the form again, with a fresh token.
    let (status, _, _, _, page) =
        send_and_follow(&s, form_post(&form_body(&s.key, "", ""), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(page.contains("envíalo de nuevo"), "{page}");
    assert!(
        page.contains("Reporte mensual"),
        "keeps what was typed: {page}"
    );
    assert!(page.contains("v1."), "a fresh token: {page}");
    // Too fast.
    let token = fresh_token(&s).await;
    let (status, _, _, _, page) =
        send_and_follow(&s, form_post(&form_body(&s.key, &token, ""), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(page.contains("demasiado rápido"), "{page}");
    // Honeypot.
    let (status, _, _) = send(
        &s,
        form_post(&form_body(&s.key, &token, "http://spam.example"), None),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Cross-site.
    let (status, _, _) = send(
        &s,
        form_post(&form_body(&s.key, &token, ""), Some("https://evil.example")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A bad key in the form: the form again with the error next to the key field.
    let s0 = site("  form: {min_fill_seconds: 0}\n").await;
    let token = fresh_token(&s0).await;
    let (status, _, _, _, page) =
        send_and_follow(&s0, form_post(&form_body("ayk_X_y", &token, ""), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(page.contains("no es válida"), "{page}");
    assert_eq!(count(&s).await, 0);
    assert_eq!(count(&s0).await, 0);
}

/// A JSON post with a wrong secret for the site's key id, arriving from TCP peer `peer` with
/// `X-Forwarded-For: xff`.
fn bad_key_post_from(s: &Site, peer: &str, xff: Option<&str>) -> Request<Body> {
    let (prefix, _) = s.key.rsplit_once('_').unwrap();
    let mut req = json_post(&ticket(), Some(&format!("{prefix}_wrong")));
    if let Some(x) = xff {
        req.headers_mut()
            .insert("x-forwarded-for", x.parse().unwrap());
    }
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    req
}

#[tokio::test]
async fn rate_limits_are_per_client_behind_a_trusted_proxy() {
    // Loopback is the trusted proxy by default.
    let s = site("  limits: {trust_forwarded_for: true}\n").await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let req = bad_key_post_from(&s, "127.0.0.1", Some("203.0.113.7"));
        statuses.push(send(&s, req).await.0);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[9], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    // Another client behind the same proxy, writing the first one's address on the left of
    // the header (which it controls): the proxy appended its real address on the right.
    let req = bad_key_post_from(&s, "127.0.0.1", Some("203.0.113.7, 198.51.100.2"));
    assert_eq!(send(&s, req).await.0, StatusCode::UNAUTHORIZED);
    // Nor can it escape its own limit by changing the left-most entry.
    let mut last = StatusCode::OK;
    for i in 0..10 {
        let xff = format!("192.0.2.{i}, 198.51.100.2");
        last = send(&s, bad_key_post_from(&s, "127.0.0.1", Some(&xff)))
            .await
            .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let s = site("  limits: {trust_forwarded_for: true}\n").await;
    let mut last = StatusCode::OK;
    for i in 0..10 {
        let xff = format!("192.0.2.{i}");
        last = send(&s, bad_key_post_from(&s, "198.51.100.9", Some(&xff)))
            .await
            .0;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "the peer is the client"
    );
    let req = bad_key_post_from(&s, "198.51.100.10", None);
    assert_eq!(send(&s, req).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let s = site("").await;
    for scheme in ["BEARER", "bearer", "BeArEr"] {
        let req = Request::post("/api/tickets")
            .header("content-type", "application/json; charset=utf-8")
            .header("authorization", format!("{scheme} {}", s.key))
            .body(Body::from(ticket().to_string()))
            .unwrap();
        let (status, _, body) = send(&s, req).await;
        assert_eq!(status, StatusCode::CREATED, "{scheme}: {body}");
    }
}

#[tokio::test]
async fn content_types_match_exactly() {
    let s = site("").await;
    for ct in [
        "application/jsonp",
        "application/json-seq",
        "application/x-www-form-urlencodedx",
        "text/plain",
    ] {
        let req = Request::post("/api/tickets")
            .header("content-type", ct)
            .header("authorization", format!("Bearer {}", s.key))
            .body(Body::from(ticket().to_string()))
            .unwrap();
        let (status, _, body) = send(&s, req).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}: {body}");
    }
    assert_eq!(count(&s).await, 0);
}

#[tokio::test]
async fn the_key_names_the_partner_whatever_the_body_says() {
    let s = site("").await;
    let mut t = ticket();
    t["partner"] = "Partner B".into();
    let (status, _, body) = send(&s, json_post(&t, Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let view = s.state.inner().store.get(id).await.unwrap().unwrap();
    assert_eq!(view.ticket.partner, "Partner TV");
}

#[tokio::test]
async fn single_line_fields_refuse_line_breaks_and_bidi_overrides() {
    let s = site("").await;
    let cases = [
        ("subject", "Hola\r\n<!channel> urgente", "una sola línea"),
        ("name", "Ana\nBcc: x@example.org", "una sola línea"),
        ("subject", "factura \u{202E}fdp.exe", "dirección del texto"),
    ];
    for (field, value, message) in cases {
        let mut t = ticket();
        t[field] = value.into();
        let (status, _, body) = send(&s, json_post(&t, Some(&s.key))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            v["errors"][field].as_str().unwrap().contains(message),
            "{field}: {body}"
        );
    }
    assert_eq!(count(&s).await, 0, "nothing stored");
}

/// The whole service (search routes, health, metrics) with the ticket routes of `s`.
fn service(s: &Site) -> axum::Router {
    let site = ayuda::server::LoadedSite {
        dist: s.dir.path().join("dist"),
        engine: None,
        renderer: None,
        pages: None,
    };
    let mut state = ayuda::server::AppState::new(site, &s.dir.path().join("data"));
    state.tickets = Some(s.state.clone());
    ayuda::server::router(state).merge(router(s.state.clone()))
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn metrics_show_the_queue_per_target() {
    let s = site("").await;
    let app = service(&s);
    let (_, _, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert!(body.contains("\"id\""), "{body}");
    let (status, text) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        "ayuda_queue_depth 1",
        "ayuda_queue_jobs{state=\"pending\",target=\"jsonl\"} 1",
        "ayuda_queue_jobs{state=\"dead\",target=\"jsonl\"} 0",
        "ayuda_queue_oldest_pending_seconds{target=\"jsonl\"} ",
        "# TYPE ayuda_delivery_latency_seconds histogram",
        "ayuda_tickets{level=\"1\",status=\"received\"} 1",
        "ayuda_tickets_breached 0",
        "ayuda_tickets_unacknowledged_past_target 0",
        "ayuda_tickets_sla_met 0",
        "ayuda_tickets_first_response_seconds_count 0",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}

#[tokio::test]
async fn metrics_show_idle_targets_as_zero() {
    let s = site("").await;
    let (_, text) = get(&service(&s), "/metrics").await;
    assert!(text.contains("ayuda_queue_depth 0"), "{text}");
    assert!(
        text.contains("ayuda_queue_jobs{state=\"pending\",target=\"jsonl\"} 0"),
        "{text}"
    );
}

#[tokio::test]
async fn healthz_reports_a_stopped_delivery_worker() {
    let s = site("").await;
    let app = service(&s);
    let worker = s.state.spawn_worker();
    let start = std::time::Instant::now();
    loop {
        let (status, body) = get(&app, "/healthz").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body.contains("\"worker\":\"running\"") {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{body}"
        );
        tokio::task::yield_now().await;
    }
    worker.abort();
    let _ = worker.await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["worker"], "stopped");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = site("").await;
    let (status, _, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let data = s.dir.path().join("data");
    let mode = |p: &str| {
        std::fs::metadata(data.join(p))
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    assert_eq!(mode(""), 0o700, "data folder");
    for file in [
        "tickets.sqlite",
        "tickets.sqlite-wal",
        "secret.key",
        "partners.json",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
}
