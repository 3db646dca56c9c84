//! Search benchmark on a generated 10k-article corpus (es, pt, en):
//! build time with and without indexing, index size per locale against the Markdown size,
//! query latency in the library and over HTTP with 50 concurrent clients.
//!
//! Run: `cargo run --release --example bench_search [-- ARTICLES]` (default 10000).

use ayuda::search::{Engine, SearchRequest};

// The allocator of the `ayuda` binary, so builds here cost what `ayuda build` costs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const SYLLABLES: &[&str] = &[
    "ca", "con", "fi", "gu", "ra", "ción", "pe", "di", "do", "ta", "men", "te", "lo", "ma", "pa",
    "go", "so", "li", "ci", "tu", "ven", "tas", "pro", "duc", "to", "ár", "ti", "cu", "la", "ção",
    "ne", "ri", "bo", "ze", "ex", "por", "tar", "sin", "cro", "ni", "za", "ble", "ment", "ing",
];

fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut words = std::collections::BTreeSet::new();
    while words.len() < n {
        let k = 2 + rng.below(3);
        let w: String = (0..k)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        words.insert(w);
    }
    let mut v: Vec<String> = words.into_iter().collect();
    // Shuffle so that frequency is independent of alphabetical order.
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
    v
}

fn sentence(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    let mut s: Vec<&str> = (0..words)
        .map(|_| vocab[rng.zipf(vocab.len())].as_str())
        .collect();
    if let Some(first) = s.first_mut() {
        *first = first;
    }
    let mut out = s.join(" ");
    out.push('.');
    out
}

/// Writes `n` articles under `content/<locale>/<category>/`; returns the Markdown bytes per locale.
fn generate(root: &Path, n: usize) -> std::collections::BTreeMap<String, u64> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let vocab = vocabulary(&mut rng, 6000);
    let locales = ["es", "pt", "en"];
    let mut sizes = std::collections::BTreeMap::new();
    for i in 0..n {
        let locale = locales[i % 3];
        let category = format!("categoria-{}", rng.below(12));
        let dir = root.join("content").join(locale).join(&category);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let title_words = 4 + rng.below(5);
        let title = sentence(&mut rng, &vocab, title_words);
        let title = title.trim_end_matches('.');
        let mut body = format!(
            "---\ntitle: \"{title}\"\nid: art-{}\ndescription: \"{}\"\n---\n\n{}\n",
            i / 3,
            sentence(&mut rng, &vocab, 12),
            sentence(&mut rng, &vocab, 40)
        );
        let headings = 2 + rng.below(4);
        for h in 0..headings {
            body.push_str(&format!(
                "\n## {} {h}\n\n",
                sentence(&mut rng, &vocab, 3).trim_end_matches('.')
            ));
            let paragraphs = 2 + rng.below(3);
            for _ in 0..paragraphs {
                let words = 30 + rng.below(40);
                body.push_str(&sentence(&mut rng, &vocab, words));
                body.push_str("\n\n");
            }
        }
        *sizes.entry(locale.to_string()).or_default() += body.len() as u64;
        std::fs::write(dir.join(format!("a{i}.md")), body).expect("write");
    }
    std::fs::write(
        root.join("ayuda.yaml"),
        "base_url: https://help.example.org\ndefault_locale: es\nlocales: [es, pt, en]\n",
    )
    .expect("config");
    sizes
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Queries partners would type against the generated vocabulary: frequent and rare words,
/// two- and three-word queries, half-typed last words, one-letter typos.
fn queries(n: usize) -> Vec<String> {
    let mut rng = Rng(0xDEAD_BEEF_1234_5678);
    let vocab = vocabulary(&mut Rng(0x9E37_79B9_7F4A_7C15), 6000);
    (0..n)
        .map(|i| {
            let words = 1 + rng.below(3);
            let mut q: Vec<String> = (0..words)
                .map(|_| vocab[rng.zipf(vocab.len())].clone())
                .collect();
            match i % 4 {
                1 => {
                    if let Some(last) = q.last_mut() {
                        let keep = (last.chars().count() * 2 / 3).max(2);
                        *last = last.chars().take(keep).collect();
                    }
                }
                2 => {
                    if let Some(first) = q.first_mut() {
                        let mut c: Vec<char> = first.chars().collect();
                        if c.len() > 4 {
                            c.swap(1, 2);
                        }
                        *first = c.into_iter().collect();
                    }
                }
                _ => {}
            }
            q.join(" ")
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().expect("temp");
    let root = tmp.path().join("root");
    let md_sizes = generate(&root, n);
    println!("generated {n} articles");

    // Builds with and without search indexes, interleaved, into kept output folders: what
    // indexing adds to the build (it runs beside the page rendering).
    let out = tmp.path().join("dist");
    let build_ms = |out: &Path, skip_search: bool| {
        let opts = ayuda::site::BuildOptions {
            root: root.clone(),
            out: Some(out.to_path_buf()),
            skip_search,
            ..Default::default()
        };
        let t = Instant::now();
        let report = ayuda::site::build(&opts).expect("build");
        assert!(report.errors.is_empty(), "{:?}", report.errors.first());
        t.elapsed()
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        with.push(build_ms(&out, false));
        without.push(build_ms(&tmp.path().join("dist-no-search"), true));
    }
    with.sort();
    without.sort();
    let (with, without) = (
        percentile(&with, 0.5).as_secs_f64() * 1000.0,
        percentile(&without, 0.5).as_secs_f64() * 1000.0,
    );
    println!(
        "build median {with:.0} ms, without search indexes {without:.0} ms: indexing adds {:.0}%",
        100.0 * (with / without - 1.0)
    );
    for (locale, md) in &md_sizes {
        let idx = dir_size(&out.join("search").join(locale));
        println!(
            "index {locale}: {:.1} MB for {:.1} MB of Markdown ({:.2}x)",
            idx as f64 / 1e6,
            *md as f64 / 1e6,
            idx as f64 / *md as f64
        );
    }

    // Library latency.
    let engine = Engine::open(&out).expect("open");
    let qs = queries(3000);
    let locales = ["es", "pt", "en"];
    for q in qs.iter().take(300) {
        let _ = engine.search(&SearchRequest {
            query: q.clone(),
            locale: Some("es".into()),
            ..Default::default()
        });
    }
    let mut lat = Vec::with_capacity(qs.len());
    let mut zero = 0;
    for (i, q) in qs.iter().enumerate() {
        let t = Instant::now();
        let r = engine
            .search(&SearchRequest {
                query: q.clone(),
                locale: Some(locales[i % 3].into()),
                ..Default::default()
            })
            .expect("search");
        lat.push(t.elapsed());
        zero += usize::from(r.total == 0);
    }
    lat.sort();
    println!(
        "library: {} queries (10 hits with snippets), p50 {:.2} ms, p99 {:.2} ms, {zero} with no result",
        lat.len(),
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );

    let mut lat = Vec::with_capacity(qs.len());
    for (i, q) in qs.iter().enumerate() {
        let t = Instant::now();
        let _ = engine.search(&SearchRequest {
            query: q.clone(),
            locale: Some(locales[i % 3].into()),
            no_snippets: true,
            ..Default::default()
        });
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "library without snippets: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );

    // HTTP with 50 concurrent clients.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let data = tempfile::tempdir().expect("temp");
        let state =
            ayuda::server::AppState::new(ayuda::server::LoadedSite::open(&out), data.path());
        let app = ayuda::server::router(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        let qs = std::sync::Arc::new(queries(5000));
        let clients = 50;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let client = client.clone();
            let qs = qs.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut i = c;
                while i < qs.len() {
                    let q = percent_encoding::utf8_percent_encode(
                        &qs[i],
                        percent_encoding::NON_ALPHANUMERIC,
                    );
                    let url = format!(
                        "http://{addr}/api/search?q={q}&locale={}",
                        ["es", "pt", "en"][i % 3]
                    );
                    let t = Instant::now();
                    let res = client.get(&url).send().await;
                    if let Ok(r) = res {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    i += clients;
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        let wall = started.elapsed();
        all.sort();
        println!(
            "http: {} requests, 50 clients, {:.0} req/s, client-side p50 {:.2} ms, p99 {:.2} ms",
            all.len(),
            all.len() as f64 / wall.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1000.0,
            percentile(&all, 0.99).as_secs_f64() * 1000.0
        );
        // Server-side: the service's own request-latency histogram for /api/search.
        let metrics = state.metrics.render();
        let mut total = 0.0;
        let mut under = Vec::new();
        for line in metrics.lines() {
            if let Some(rest) = line.strip_prefix(
                "ayuda_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"",
            ) {
                let (le, count) = rest.split_once("\"} ").unwrap_or(("", "0"));
                let count: f64 = count.parse().unwrap_or(0.0);
                if le == "+Inf" {
                    total = count;
                } else {
                    under.push((le.to_string(), count));
                }
            }
        }
        let shares: Vec<String> = under
            .iter()
            .filter(|(le, _)| ["0.001", "0.002", "0.005", "0.01"].contains(&le.as_str()))
            .map(|(le, c)| {
                format!(
                    "{:.1}% <= {} ms",
                    100.0 * c / total.max(1.0),
                    le.parse::<f64>().unwrap_or(0.0) * 1000.0
                )
            })
            .collect();
        println!(
            "http server-side (router incl. JSON): {}",
            shares.join(", ")
        );
    });
}
