//! A receiver answering 429 with Retry-After: the worker waits as asked, then delivers.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use ayuda::tickets::TicketsState;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    let hook = format!("{}/hook", common::serve_locally(app).await);
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("RETRY_AFTER_TEST_HOOK", &hook) };

    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(
        "support:\n  partner_key_required: false\n  targets: [{kind: webhook, url_env: RETRY_AFTER_TEST_HOOK}]\n  deliveries: {backoff_initial: 50ms, backoff_max: 10s}\n",
    )
    .unwrap();
    let state = TicketsState::open(&config, dir.path(), None).await.unwrap();
    let _worker = state.spawn_worker();
    let id = common::post_ticket(&state, "Campaña").await;

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
