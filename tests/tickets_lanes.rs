//! Head-of-line: a webhook that never answers must not hold back the other targets. While the
//! first attempt to the hanging webhook is still open, a later ticket's JSONL line is written.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use ayuda::tickets::{TicketsState, router};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Counts the requests it receives and never answers them.
async fn hang(State(seen): State<Arc<AtomicUsize>>) -> StatusCode {
    seen.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    StatusCode::OK
}

async fn post_ticket(state: &TicketsState, subject: &str) -> String {
    let body = serde_json::json!({"name": "Ana", "email": "ana@partner.example.org", "partner": "P",
        "type": "business", "subject": subject, "description": "Pregunta sobre la campaña de marzo."});
    let req = axum::http::Request::post("/api/tickets")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Polls `check` every 20 ms until it holds, panicking with `what` after `limit`.
async fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_webhook_does_not_delay_the_jsonl_target() {
    let seen = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route("/hook", post(hang))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("LANES_TEST_HOOK", &hook) };

    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(
        "support:\n  partner_key_required: false\n  targets:\n    - {kind: webhook, url_env: LANES_TEST_HOOK}\n    - {kind: jsonl, path: out.jsonl}\n  deliveries: {timeout: 30s, concurrency: 2}\n",
    )
    .unwrap();
    let state = TicketsState::open(&config, dir.path(), None).await.unwrap();
    let _worker = state.spawn_worker();
    let first = post_ticket(&state, "Primera").await;
    eventually(Duration::from_secs(10), "the webhook is called", || {
        seen.load(Ordering::SeqCst) >= 1
    })
    .await;

    let second = post_ticket(&state, "Segunda").await;
    let jsonl = dir.path().join("out.jsonl");
    // Generous: the hanging attempt ends after 30 s; the line must come before that.
    eventually(
        Duration::from_secs(25),
        "the second ticket's line is written",
        || std::fs::read_to_string(&jsonl).is_ok_and(|t| t.contains(&second)),
    )
    .await;
    let view = state.inner().store.get(first).await.unwrap().unwrap();
    let hook = view
        .deliveries
        .iter()
        .find(|d| d.target == "webhook")
        .unwrap();
    assert_eq!(
        (
            hook.state.as_str(),
            hook.attempts,
            hook.last_error.as_deref()
        ),
        ("pending", 1, None),
        "the line was written while the first webhook attempt was still open"
    );
}
