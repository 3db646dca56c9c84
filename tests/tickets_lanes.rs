//! Head-of-line: a webhook that never answers must not hold back the other targets. While the
//! first attempt to the hanging webhook is still open, a later ticket's JSONL line is written.

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use ayuda::tickets::TicketsState;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts the requests it receives and never answers them.
async fn hang(State(seen): State<Arc<AtomicUsize>>) -> StatusCode {
    seen.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    StatusCode::OK
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
    let hook = format!("{}/hook", common::serve_locally(app).await);
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("LANES_TEST_HOOK", &hook) };

    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(
        "support:\n  partner_key_required: false\n  targets:\n    - {kind: webhook, url_env: LANES_TEST_HOOK}\n    - {kind: jsonl, path: out.jsonl}\n  deliveries: {timeout: 30s, concurrency: 2}\n",
    )
    .unwrap();
    let state = TicketsState::open(&config, dir.path(), None).await.unwrap();
    let _worker = state.spawn_worker();
    let first = common::post_ticket(&state, "Primera").await;
    eventually(Duration::from_secs(10), "the webhook is called", || {
        seen.load(Ordering::SeqCst) >= 1
    })
    .await;

    let second = common::post_ticket(&state, "Segunda").await;
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
