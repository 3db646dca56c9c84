//! Every notification carries the signed action links: Slack messages as Block Kit buttons,
//! JSONL (and webhook) bodies as a `links` object, each fitting the ticket's state; a
//! button's URL opens the confirmation page, and confirming acknowledges the ticket.

mod common;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use ayuda::tickets::{TicketsState, router};
use http_body_util::BodyExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

type Inbox = Arc<Mutex<Vec<serde_json::Value>>>;

async fn receive(State(inbox): State<Inbox>, body: axum::Json<serde_json::Value>) -> StatusCode {
    inbox.lock().unwrap().push(body.0);
    StatusCode::OK
}

/// Waits until `n` items are there.
async fn wait_for<T: Clone>(what: &str, n: usize, read: impl Fn() -> Vec<T>) -> Vec<T> {
    let start = Instant::now();
    loop {
        let items = read();
        if items.len() >= n {
            return items;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what}: {} of {n}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The buttons of a Slack message: (label, URL).
fn buttons(message: &serde_json::Value) -> Vec<(String, String)> {
    message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            assert_eq!(e["type"], "button");
            let label = e["text"]["text"].as_str().unwrap_or_default().to_string();
            (label, e["url"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

fn labels(b: &[(String, String)]) -> Vec<&str> {
    b.iter().map(|(l, _)| l.as_str()).collect()
}

async fn send(state: &TicketsState, req: Request<Body>) -> (StatusCode, String) {
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_buttons_and_jsonl_links_fit_the_ticket_and_acknowledge_it() {
    let inbox: Inbox = Arc::default();
    let slack = axum::Router::new()
        .route("/slack", post(receive))
        .with_state(inbox.clone());
    let url = format!("{}/slack", common::serve_locally(slack).await);
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("ACTION_LINKS_TEST_SLACK", &url) };
    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(
        "base_url: https://help.example.org\nsupport:\n  partner_key_required: false\n  targets: [{kind: slack, url_env: ACTION_LINKS_TEST_SLACK}, {kind: jsonl, path: out.jsonl}]\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let state = TicketsState::open(&config, &data, None).await.unwrap();
    let _worker = state.spawn_worker();
    // A business ticket: its first contact, whom the links act as, is the VP of marketing.
    let id = common::post_ticket(&state, "Campaña de marzo").await;
    let jsonl = || {
        std::fs::read_to_string(data.join("out.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };

    let messages = wait_for("Slack messages", 1, || inbox.lock().unwrap().clone()).await;
    let new = buttons(&messages[0]);
    assert_eq!(
        labels(&new),
        ["Acknowledge", "Escalate"],
        "{:#}",
        messages[0]
    );
    let lines = wait_for("JSONL lines", 1, jsonl).await;
    let links = lines[0]["links"].as_object().unwrap();
    assert_eq!(links.keys().collect::<Vec<_>>(), ["ack", "escalate"]);
    for (_, url) in &new {
        assert!(
            url.starts_with("https://help.example.org/tickets/act?ticket="),
            "{url}"
        );
        assert!(url.contains("&as=vp-marketing-business&"), "{url}");
    }

    // The button opens the confirmation page; confirming acknowledges the ticket.
    let path = new[0].1.strip_prefix("https://help.example.org").unwrap();
    let get = Request::get(path)
        .header("accept-language", "en")
        .body(Body::empty())
        .unwrap();
    let (status, page) = send(&state, get).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Acknowledge the ticket") && page.contains(&id),
        "{page}"
    );
    let query = path.split_once('?').unwrap().1.to_string();
    let confirm = Request::post("/tickets/act")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(query))
        .unwrap();
    assert_eq!(send(&state, confirm).await.0, StatusCode::OK);

    // The acknowledgement's notification offers what fits now.
    let messages = wait_for("Slack messages", 2, || inbox.lock().unwrap().clone()).await;
    assert!(
        messages[1]["text"]
            .as_str()
            .unwrap()
            .contains("acknowledged (by vp-marketing-business)"),
        "{:#}",
        messages[1]
    );
    assert_eq!(labels(&buttons(&messages[1])), ["Escalate", "Resolve"]);
    let lines = wait_for("JSONL lines", 2, jsonl).await;
    assert_eq!(lines[1]["event"], "ticket.acknowledged");
    let links = lines[1]["links"].as_object().unwrap();
    assert_eq!(links.keys().collect::<Vec<_>>(), ["escalate", "resolve"]);
}
