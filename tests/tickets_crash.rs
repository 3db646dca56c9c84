//! Crash safety: the real binary takes concurrent tickets, is killed with SIGKILL mid-way and
//! restarted; every ticket that got a 201 is in the queue exactly once and reaches a webhook
//! receiver that fails its first attempts, and the JSONL file. The SLA watcher runs with SLAs
//! in seconds through the kill: every ticket's reminder, warning and breach reach the webhook,
//! each recorded once (one idempotency key per ticket and event). A second test kills the service
//! repeatedly while it works through a backlog of thousands of deliveries: the posts a target
//! receives twice are bounded by the deliveries in flight at each kill, not by the backlog.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::crash::{
    Receiver, body, check_outcome, idempotency_key, jsonl_ids, post_ticket, receive, service,
    sla_in_seconds, wait_delivered,
};

fn spawn(root: &Path, hook: &str) -> (Child, String) {
    let mut child = service(hook)
        .args(["tickets", "serve-api", "--bind", "127.0.0.1:0", "--root"])
        .arg(root)
        .spawn()
        .expect("spawn ayuda");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read address");
    let addr = line.trim().trim_start_matches("listening on ").to_string();
    assert!(!addr.is_empty(), "no address printed");
    (child, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_service_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ayuda.yaml"), sla_in_seconds()).unwrap();

    let receiver = Arc::new(Mutex::new(Receiver::default()));
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let hook = format!("{}/hook", common::serve_locally(app).await);

    let (mut child, addr) = spawn(root, &hook);
    let client = reqwest::Client::new();
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (client, accepted, next, url) = (
            client.clone(),
            accepted.clone(),
            next.clone(),
            format!("http://{addr}/api/tickets"),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= 1500 {
                    break;
                }
                if post_ticket(&client, &url, i, &accepted).await.is_err() {
                    break; // the service is gone
                }
            }
        }));
    }
    // Kill once a good share of the tickets got their 201 and the watcher is at work.
    let start = Instant::now();
    let watching = |r: &Receiver| r.events.keys().any(|(_, e)| e == "ticket.contact_notified");
    while (accepted.lock().unwrap().len() < 300 || !watching(&receiver.lock().unwrap()))
        && start.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let at_kill = receiver.lock().unwrap().events.len();
    for t in tasks {
        let _ = t.await;
    }
    let accepted: Vec<String> = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= 300,
        "only {} tickets before the kill",
        accepted.len()
    );

    // Restart; deliveries resume, and the watcher once the killed process's lease (three
    // intervals) runs out; every ticket is past its breach time by then.
    let (mut child, _addr) = spawn(root, &hook);
    let data = root.join("data");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let items = wait_delivered(
        &["--data".into(), data.clone().into()],
        Duration::from_secs(120),
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();

    let r = receiver.lock().unwrap();
    let (stored, watcher_events) = check_outcome(&r, &items, &accepted);
    let in_file = jsonl_ids(&[data.join("out/tickets.jsonl")]);
    for id in stored.keys() {
        assert!(in_file.contains(id), "{id} missing from the JSONL file");
    }
    println!(
        "accepted before kill: {}, stored: {} (answered or not), delivered to webhook: {}, watcher events: {watcher_events} ((ticket, event) pairs seen before the kill: {at_kill})",
        accepted.len(),
        stored.len(),
        r.delivered.len()
    );
}

/// Posts per idempotency key; each post takes a few milliseconds, like a real receiver.
async fn count_posts(
    State(posts): State<Arc<Mutex<BTreeMap<String, u32>>>>,
    headers: HeaderMap,
) -> StatusCode {
    let key = idempotency_key(&headers);
    *posts.lock().unwrap().entry(key).or_insert(0) += 1;
    tokio::time::sleep(Duration::from_millis(5)).await;
    StatusCode::OK
}

/// Posts `n` tickets with 16 clients; the references answered 201.
async fn post_tickets(addr: &str, n: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, next, url) = (
            client.clone(),
            next.clone(),
            format!("http://{addr}/api/tickets"),
        );
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    return ids;
                }
                let r = client.post(&url).json(&body(i)).send().await.unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
                let v: serde_json::Value = r.json().await.unwrap();
                ids.push(v["id"].as_str().unwrap().to_string());
            }
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_a_backlog_repeat_only_the_deliveries_in_flight() {
    const TICKETS: usize = 2000;
    const CONCURRENCY: u32 = 4;
    const KILLS: u32 = 5;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("ayuda.yaml"),
        format!("base_url: https://help.example.org\nsupport:\n  partner_key_required: false\n  targets:\n    - {{kind: webhook, url_env: CRASH_HOOK_URL, secret_env: CRASH_HOOK_SECRET}}\n  deliveries: {{backoff_initial: 50ms, backoff_max: 500ms, max_attempts: 30, timeout: 5s, concurrency: {CONCURRENCY}}}\n"),
    )
    .unwrap();
    let posts = Arc::new(Mutex::new(BTreeMap::<String, u32>::new()));
    let app = axum::Router::new()
        .route("/hook", post(count_posts))
        .with_state(posts.clone());
    let hook = format!("{}/hook", common::serve_locally(app).await);

    let (mut child, addr) = spawn(root, &hook);
    let accepted = post_tickets(&addr, TICKETS).await;
    assert_eq!(accepted.len(), TICKETS);
    let sent = |posts: &Mutex<BTreeMap<String, u32>>| posts.lock().unwrap().values().sum::<u32>();
    let mut kills = 0;
    while kills < KILLS {
        // A random moment while the backlog is being worked through.
        tokio::time::sleep(Duration::from_millis(rand::random_range(150..600))).await;
        if sent(&posts) as usize >= TICKETS {
            break;
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        kills += 1;
        child = spawn(root, &hook).0;
    }
    let items = wait_delivered(
        &["--data".into(), root.join("data").into()],
        Duration::from_secs(180),
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();

    assert!(
        kills >= 2,
        "the backlog drained before the service was killed twice"
    );
    assert!(items.iter().all(|t| t["deliveries"] == "delivered"));
    let posts = posts.lock().unwrap();
    for id in &accepted {
        assert!(posts.contains_key(id), "{id} never delivered");
    }
    let duplicates: u32 = posts.values().map(|n| n - 1).sum();
    let most = posts.values().max().copied().unwrap_or(0);
    println!(
        "backlog {TICKETS} jobs, concurrency {CONCURRENCY}, {kills} SIGKILLs: {} posts, {duplicates} duplicates, at most {most} posts of one ticket",
        posts.values().sum::<u32>()
    );
    assert!(
        duplicates <= kills * CONCURRENCY,
        "{duplicates} duplicate posts after {kills} kills; at most {CONCURRENCY} deliveries are in flight at a kill"
    );
}
