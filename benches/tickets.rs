//! Accepted (durable) tickets per second at 50 concurrent clients over real HTTP.
//!
//! `cargo bench --bench tickets [-- SECONDS RUNS [sqlite|postgres]]`: each run starts the
//! ticket router on 127.0.0.1 with a fresh queue and the delivery worker writing a JSONL file,
//! then 50 keep-alive clients post JSON tickets for SECONDS (default 10). Prints per-run
//! figures and the median run, for each setup:
//!
//! - `sqlite`: the data folder's SQLite file (WAL, synchronous=FULL);
//! - `postgres, 1 instance` and `postgres, 2 instances` (two ticket services in this process,
//!   each with its own pool and group-commit writer, the clients spread over both): the
//!   database `AYUDA_BENCH_DATABASE_URL` names, else a throwaway cluster with fsync on started
//!   from /usr/lib/postgresql/*/bin; skipped with a reason when there is neither.

#[path = "../tests/common/pg.rs"]
mod pg;

use ayuda::tickets::queue::database::DatabaseUrl;
use ayuda::tickets::{TicketsState, router};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;

struct RunResult {
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

/// Starts one ticket service on `db` with its data folder in `dir`; returns its URL.
async fn start(dir: &std::path::Path, db: &DatabaseUrl) -> String {
    let config = ayuda::Config::parse(
        "support:\n  partner_key_required: false\n  limits: {rate_limit_per_minute: 0}\n  targets: [{kind: jsonl, path: bench.jsonl}]\n",
    )
    .expect("config");
    let state = TicketsState::open_on(&config, dir, db, None)
        .await
        .expect("open");
    std::mem::forget(state.spawn_worker());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/api/tickets",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// One run on `instances` services sharing `db` (a fresh SQLite file when `None`).
async fn run(seconds: u64, db: Option<String>, instances: usize) -> RunResult {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db.map_or_else(|| DatabaseUrl::in_folder(dir.path()), DatabaseUrl::Postgres);
    let mut urls = Vec::new();
    for i in 0..instances {
        urls.push(start(&dir.path().join(format!("data-{i}")), &db).await);
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let body = serde_json::json!({
        "name": "Bench", "email": "bench@partner.example.org", "partner": "Bench TV",
        "type": "technical", "subject": "Benchmark ticket",
        "description": "A ticket posted by the benchmark to measure durable intake.", "locale": "en",
    })
    .to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, url, body, stop, measuring) = (
            client.clone(),
            urls[c % urls.len()].clone(),
            body.clone(),
            stop.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED);
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        lat.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // warm-up
    measuring.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    RunResult {
        per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    }
}

/// The PostgreSQL database of one run: `AYUDA_BENCH_DATABASE_URL`, else a fresh database of
/// `cluster`.
fn postgres_url(cluster: &Option<pg::PgCluster>) -> Option<String> {
    match std::env::var("AYUDA_BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => cluster.as_ref().map(|c| c.database()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let seconds = args.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let runs = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3usize);
    let only = args.get(2).map(String::as_str);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let wants_pg = only.is_none_or(|o| o == "postgres");
    let cluster = match std::env::var("AYUDA_BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => None,
        _ if wants_pg => pg::PgCluster::start(true),
        _ => None,
    };
    let mut setups: Vec<(&str, bool, usize)> = Vec::new();
    if only.is_none_or(|o| o == "sqlite") {
        setups.push(("sqlite", false, 1));
    }
    if wants_pg && (cluster.is_some() || postgres_url(&None).is_some()) {
        setups.push(("postgres, 1 instance", true, 1));
        setups.push(("postgres, 2 instances", true, 2));
    }
    for (name, postgres, instances) in setups {
        println!("{name}:");
        let mut results = Vec::new();
        for i in 0..runs {
            let db = if postgres {
                postgres_url(&cluster)
            } else {
                None
            };
            let r = rt.block_on(run(seconds, db, instances));
            println!(
                "  run {}: {:.0} tickets/s, p50 {:.1} ms, p99 {:.1} ms, errors {}",
                i + 1,
                r.per_sec,
                r.p50_ms,
                r.p99_ms,
                r.errors
            );
            results.push(r);
        }
        results.sort_by(|a, b| a.per_sec.total_cmp(&b.per_sec));
        let m = &results[results.len() / 2];
        println!(
            "  median of {runs} runs ({CLIENTS} clients, {seconds} s each): {:.0} tickets/s, p50 {:.1} ms, p99 {:.1} ms",
            m.per_sec, m.p50_ms, m.p99_ms
        );
    }
}
