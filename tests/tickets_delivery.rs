//! A receiver answering 429 with Retry-After: the worker waits as asked, then delivers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use ayuda::tickets::{TicketsState, router};
use http_body_util::BodyExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

async fn receive(
    State(times): State<Arc<Mutex<Vec<Instant>>>>,
    _h: HeaderMap,
) -> axum::response::Response {
    let mut t = times.lock().unwrap();
    t.push(Instant::now());
    if t.len() == 1 {
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")]).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(times.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("RETRY_AFTER_TEST_HOOK", &hook) };

    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(
        "support:\n  partner_key_required: false\n  targets: [{kind: webhook, url_env: RETRY_AFTER_TEST_HOOK}]\n  deliveries: {backoff_initial: 50ms, backoff_max: 10s}\n",
    )
    .unwrap();
    let state = TicketsState::open(&config, dir.path(), None).await.unwrap();
    let _worker = state.spawn_worker();
    let body = serde_json::json!({"name": "Ana", "email": "ana@partner.example.org", "partner": "P",
        "type": "business", "subject": "Campaña", "description": "Pregunta sobre la campaña de marzo."});
    let req = axum::http::Request::post("/api/tickets")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let v: serde_json::Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let id = v["id"].as_str().unwrap().to_string();

    let start = Instant::now();
    loop {
        let view = state.inner().store.get(id.clone()).await.unwrap().unwrap();
        if view.deliveries[0].state == "done" {
            assert_eq!(view.deliveries[0].attempts, 2);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "not delivered: {view:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let t = times.lock().unwrap();
    assert_eq!(t.len(), 2);
    let gap = t[1] - t[0];
    assert!(
        gap >= Duration::from_millis(1900),
        "retried after {gap:?}, not after Retry-After: 2"
    );
}
