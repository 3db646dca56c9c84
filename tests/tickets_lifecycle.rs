//! The ticket lifecycle from the agents' command line: the real binary's `ayuda tickets
//! ack|assign|escalate|resolve|close|reopen|note` on a data folder holding a ticket filed
//! through the HTTP API, `tickets show` and `tickets list` with their new fields and filters,
//! and a change reaching a webhook with its event name and idempotency key.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `ayuda ARGS --root ROOT --data ROOT/data`.
fn ayuda(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(args)
        .arg("--root")
        .arg(root)
        .arg("--data")
        .arg(root.join("data"))
        .output()
        .expect("run ayuda")
}

/// Runs a command that must succeed and print JSON.
fn json(root: &Path, args: &[&str]) -> Value {
    let out = ayuda(root, args);
    assert!(
        out.status.success(),
        "ayuda {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// A site root whose configuration has `targets`, with one ticket filed through the HTTP API.
fn root_with_ticket(targets: &str) -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().expect("temp dir");
    let yaml = format!("support:\n  partner_key_required: false\n  targets: {targets}\n");
    std::fs::write(root.path().join("ayuda.yaml"), &yaml).expect("config");
    let config = ayuda::Config::parse(&yaml).expect("config parses");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let id = rt.block_on(async {
        let state = ayuda::tickets::TicketsState::open(&config, &root.path().join("data"), None)
            .await
            .expect("open the queue");
        common::post_ticket(&state, "No puedo publicar la campaña").await
    });
    (root, id)
}

#[test]
fn agents_take_a_ticket_through_the_lifecycle() {
    let (root, id) = root_with_ticket("[{kind: jsonl, path: out.jsonl}]");
    let root = root.path();

    let ack = json(
        root,
        &[
            "tickets",
            "ack",
            &id,
            "--as",
            "ticket administrator",
            "--json",
        ],
    );
    assert_eq!(ack["status"], "acknowledged");
    assert_eq!(ack["event"]["event"], "ticket.acknowledged");
    assert_eq!(ack["event"]["from"], "received");
    assert_eq!(ack["event"]["actor"], "ticket administrator");
    assert_eq!(ack["deliveries"], serde_json::json!(["jsonl"]));

    let esc = json(
        root,
        &[
            "tickets",
            "escalate",
            &id,
            "--level",
            "2",
            "--to",
            "level 2 agent",
            "--note",
            "Needs the publishing logs",
            "--json",
        ],
    );
    assert_eq!(
        (&esc["status"], &esc["level"], &esc["assignee"]),
        (
            &Value::from("in_progress"),
            &Value::from(2),
            &Value::from("level 2 agent")
        )
    );
    json(
        root,
        &[
            "tickets",
            "escalate",
            &id,
            "--to",
            "technical team",
            "--json",
        ],
    );
    json(
        root,
        &[
            "tickets",
            "resolve",
            &id,
            "--note",
            "Fixed in 3.2",
            "--public",
            "--json",
        ],
    );
    json(root, &["tickets", "close", &id, "--json"]);
    json(root, &["tickets", "reopen", &id, "--json"]);
    json(
        root,
        &[
            "tickets",
            "note",
            &id,
            "--note",
            "Partner wrote again",
            "--json",
        ],
    );

    // An illegal transition is refused with the ticket's status, and nothing is recorded.
    let refused = ayuda(root, &["tickets", "close", &id]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains(&id) && err.contains("reopened"), "{err}");
    let missing = ayuda(root, &["tickets", "ack", "T-0000-00"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no ticket T-0000-00"));

    let show = json(root, &["tickets", "show", &id, "--json"]);
    assert_eq!(show["status"], "reopened");
    assert_eq!(show["level"], 3);
    assert_eq!(show["assignee"], "technical team");
    assert_eq!(show["ticket"]["status"], "reopened");
    assert_eq!(show["sla_met"], true, "acknowledged at once: {show}");
    let events: Vec<(&str, &str, &str)> = show["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap_or(""),
                e["from"].as_str().unwrap_or(""),
                e["to"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("ticket.acknowledged", "received", "acknowledged"),
            ("ticket.escalated", "acknowledged", "in_progress"),
            ("ticket.escalated", "in_progress", "in_progress"),
            ("ticket.resolved", "in_progress", "resolved"),
            ("ticket.closed", "resolved", "closed"),
            ("ticket.reopened", "closed", "reopened"),
            ("ticket.noted", "reopened", "reopened"),
        ]
    );
    assert_eq!(show["events"][1]["note"], "Needs the publishing logs");
    assert_eq!(show["events"][3]["public"], true);
    assert_eq!(show["events"][1]["public"], false);
    let first_response = show["first_response_at"].as_str().expect("first response");
    assert_eq!(
        first_response,
        show["events"][0]["at"].as_str().unwrap_or("")
    );
    // One job for the reception and one per change, each naming its event.
    let deliveries: Vec<&str> = show["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| d["event"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(deliveries.len(), 8, "{deliveries:?}");
    assert_eq!(deliveries[0], "ticket.created");
    assert_eq!(deliveries[1], "ticket.acknowledged");

    // The same for people: the timeline and the deliveries per event.
    let text = ayuda(root, &["tickets", "show", &id]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("reopened · level 3 · technical team · SLA met"),
        "{text}"
    );
    assert!(text.contains("escalate by "), "{text}");
    assert!(text.contains("    note (public): Fixed in 3.2"), "{text}");
    assert!(
        text.contains("jsonl ticket.noted: pending after 0 attempt(s)"),
        "{text}"
    );

    let by = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["tickets", "list", "--json"];
        all.extend_from_slice(args);
        json(root, &all)
            .as_array()
            .expect("list")
            .iter()
            .map(|t| t["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(by(&["--status", "reopened", "--level", "3"]), [id.as_str()]);
    assert!(by(&["--status", "received"]).is_empty());
    assert!(by(&["--level", "1"]).is_empty());
    assert!(by(&["--breached"]).is_empty());
    // `--state` stays an alias, for delivery states too.
    assert_eq!(by(&["--state", "pending"]), [id.as_str()]);
    let list = json(root, &["tickets", "list", "--json"]);
    assert_eq!(list[0]["level"], 3);
    assert_eq!(list[0]["breached"], false);
    let bad = ayuda(root, &["tickets", "list", "--status", "open"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown status `open`"));
}

#[derive(Default)]
struct Hook {
    /// (X-Ayuda-Event, Idempotency-Key, body) per post.
    posts: Vec<(String, String, Value)>,
}

async fn receive(
    State(hook): State<Arc<Mutex<Hook>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut h = hook.lock().expect("hook");
    h.posts
        .push((header("x-ayuda-event"), header("idempotency-key"), body));
    StatusCode::NO_CONTENT
}

/// Waits until the hook received a post of `event`; returns it.
fn wait_for(hook: &Arc<Mutex<Hook>>, event: &str) -> (String, String, Value) {
    let start = Instant::now();
    loop {
        if let Some(p) = hook
            .lock()
            .expect("hook")
            .posts
            .iter()
            .find(|p| p.0 == event)
        {
            return p.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no {event} delivered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_change_made_from_the_cli_reaches_the_webhook_of_the_running_service() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let hook = Arc::new(Mutex::new(Hook::default()));
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(hook.clone());
    let url = format!("{}/hook", rt.block_on(common::serve_locally(app)));
    let (root, id) = root_with_ticket("[{kind: webhook, url_env: LIFECYCLE_HOOK_URL}]");
    let root = root.path();

    // The service delivers; the CLI only enqueues.
    let mut service = Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(["tickets", "serve-api", "--bind", "127.0.0.1:0", "--root"])
        .arg(root)
        .arg("--data")
        .arg(root.join("data"))
        .env("LIFECYCLE_HOOK_URL", &url)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the service");
    let mut line = String::new();
    let stdout = service.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("address");
    assert!(line.starts_with("listening on"), "{line}");

    let created = wait_for(&hook, "ticket.created");
    assert_eq!(created.1, id);

    let ack = json(
        root,
        &["tickets", "ack", &id, "--as", "level 1 agent", "--json"],
    );
    let event_id = ack["event"]["id"].as_i64().expect("event id");
    let (_, key, body) = wait_for(&hook, "ticket.acknowledged");
    let _ = service.kill();
    let _ = service.wait();
    assert_eq!(key, format!("{id}:{event_id}"));
    assert_eq!(body["event"], "ticket.acknowledged");
    assert_eq!(body["ticket"]["id"], id.as_str());
    assert_eq!(body["ticket"]["status"], "acknowledged");
    assert_eq!(body["change"]["from"], "received");
    assert_eq!(body["change"]["actor"], "level 1 agent");
    let posts = hook.lock().expect("hook").posts.len();
    assert_eq!(posts, 2, "one post per event");
}
