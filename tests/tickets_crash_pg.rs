//! Crash safety of several instances on one PostgreSQL: two `ayuda serve --dist` processes
//! share a throwaway cluster and take tickets from 32 clients while one of them, picked at
//! random, is SIGKILLed at random moments and restarted. Every ticket answered 201 is stored
//! once, every delivery reaches the webhook (whose first two attempts fail) and each instance's
//! JSONL file holds what that instance delivered; the SLA watcher (SLAs in seconds) moves to the
//! surviving instance when its holder dies, and records each reminder, warning and breach once.

mod common;

use axum::routing::post;
use common::crash::{
    Receiver, check_outcome, jsonl_ids, post_ticket, receive, run_ok, service, sla_in_seconds,
    wait_delivered,
};
use common::pg::PgCluster;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TICKETS: usize = 800;
const KILLS: usize = 3;

/// One `ayuda serve --dist` instance with its own data folder.
struct Instance {
    child: Child,
    addr: String,
}

fn start(dist: &Path, data: &Path, database: &str, hook: &str) -> Instance {
    let mut child = service(hook)
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .arg("--data")
        .arg(data)
        .args(["--database", database])
        .spawn()
        .expect("spawn ayuda serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    while !line.contains("serving http://") {
        line.clear();
        assert!(
            reader.read_line(&mut line).expect("read address") > 0,
            "ayuda serve exited before serving"
        );
    }
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or("")
        .to_string();
    // Keep draining its output so that the process never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    Instance { child, addr }
}

fn kill(instance: &mut Instance) {
    instance.child.kill().expect("SIGKILL");
    let _ = instance.child.wait();
}

/// A help center with one article and SLAs in seconds, built into `ROOT/dist`.
fn built_site(root: &Path) -> PathBuf {
    std::fs::write(root.join("ayuda.yaml"), sla_in_seconds()).unwrap();
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(
        root.join("content/partner-key.md"),
        "---\ntitle: Your partner key\n---\n\nAsk ops for a partner key.\n",
    )
    .unwrap();
    run_ok(&[OsString::from("build"), "--root".into(), root.into()]);
    root.join("dist")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_lose_nothing_when_one_is_killed() {
    let Some(cluster) = PgCluster::start(false) else {
        return;
    };
    let database = cluster.database();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let dist = built_site(root);
    let data = [root.join("data-a"), root.join("data-b")];

    let receiver = Arc::new(Mutex::new(Receiver::default()));
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let hook = format!("{}/hook", common::serve_locally(app).await);

    let instances: Arc<Vec<Mutex<Instance>>> = Arc::new(
        data.iter()
            .map(|d| Mutex::new(start(&dist, d, &database, &hook)))
            .collect(),
    );
    let client = reqwest::Client::new();
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..32 {
        let (client, accepted, next, instances) = (
            client.clone(),
            accepted.clone(),
            next.clone(),
            instances.clone(),
        );
        clients.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= TICKETS {
                    break;
                }
                // Half the clients on each instance, as a proxy would spread them.
                let addr = instances[(c + i) % 2].lock().unwrap().addr.clone();
                let url = format!("http://{addr}/api/tickets");
                if post_ticket(&client, &url, i, &accepted).await.is_err() {
                    // That instance is being killed: the proxy would retry elsewhere; this
                    // ticket was never acknowledged.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    // SIGKILL one instance at random moments while tickets come in and the watcher works.
    let start_at = Instant::now();
    let mut kills = 0;
    while kills < KILLS && start_at.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(rand::random_range(300..1500))).await;
        let victim = rand::random_range(0..2usize);
        let mut instance = instances[victim].lock().unwrap();
        kill(&mut instance);
        *instance = start(&dist, &data[victim], &database, &hook);
        kills += 1;
    }
    for c in clients {
        c.await.unwrap();
    }
    let accepted: Vec<String> = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= TICKETS / 2,
        "only {} tickets acknowledged",
        accepted.len()
    );
    // Every ticket is past its breach time after a few seconds; a killed watcher's lease (three
    // intervals) has run out by then.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let place: Vec<OsString> = vec!["--database".into(), database.clone().into()];
    let items = wait_delivered(&place, Duration::from_secs(180)).await;
    let watched = Instant::now() + Duration::from_secs(30);
    while receiver.lock().unwrap().events.len() < items.len() * 4 && Instant::now() < watched {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for instance in instances.iter() {
        kill(&mut instance.lock().unwrap());
    }

    let r = receiver.lock().unwrap();
    let (stored, watcher_events) = check_outcome(&r, &items, &accepted);
    let in_files = jsonl_ids(&data.map(|d| d.join("out/tickets.jsonl")));
    for id in stored.keys() {
        assert!(in_files.contains(id), "{id} missing from both JSONL files");
    }
    println!(
        "2 instances, {kills} SIGKILLs: acknowledged {}, stored {}, delivered to webhook {}, watcher events {watcher_events}",
        accepted.len(),
        stored.len(),
        r.delivered.len()
    );
}
