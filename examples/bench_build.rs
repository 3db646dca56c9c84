//! Benchmark of `ayuda build` on generated corpora of 1k and 10k articles.
//!
//! `cargo build --release && cargo run --release --example gen_corpus -- --articles 10000 /tmp/gen10k`
//! then `cargo run --release --example bench_build -- [RUNS] [DIR...]`. Prints, for each corpus,
//! the median and spread of wall time over RUNS builds (default 5) and the peak resident memory
//! of the build processes. Corpora default to /tmp/gen1k and /tmp/gen10k, generated if missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn ayuda_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/release/examples/bench_build -> target/release/ayuda
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("ayuda"))
        .unwrap_or_else(|| PathBuf::from("ayuda"))
}

fn gen_binary() -> PathBuf {
    std::env::current_exe()
        .unwrap_or_default()
        .with_file_name("gen_corpus")
}

fn peak_rss_children_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = match args.first().and_then(|a| a.parse().ok()) {
        Some(n) => {
            args.remove(0);
            n
        }
        None => 5,
    };
    let corpora: Vec<(PathBuf, usize)> = if args.is_empty() {
        vec![
            (PathBuf::from("/tmp/gen1k"), 1000),
            (PathBuf::from("/tmp/gen10k"), 10000),
        ]
    } else {
        args.iter().map(|a| (PathBuf::from(a), 0)).collect()
    };
    let ayuda = ayuda_binary();
    println!("ayuda binary: {}", ayuda.display());
    for (dir, n) in corpora {
        if !dir.join("ayuda.yaml").exists() && n > 0 {
            let status = Command::new(gen_binary())
                .args(["--articles", &n.to_string(), "--locales", "es,en,pt"])
                .arg(&dir)
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("could not generate {}", dir.display());
                continue;
            }
        }
        let out = std::env::temp_dir().join(format!("ayuda-bench-out-{}", std::process::id()));
        let mut times = Vec::new();
        let mut last_json = String::new();
        for _ in 0..runs {
            let start = Instant::now();
            let output = Command::new(&ayuda)
                .args(["build", "--json", "--root"])
                .arg(&dir)
                .arg("--out")
                .arg(&out)
                .output();
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            match output {
                Ok(o) if o.status.success() => {
                    last_json = String::from_utf8_lossy(&o.stdout).into_owned();
                    times.push(elapsed);
                }
                Ok(o) => {
                    eprintln!("build failed: {}", String::from_utf8_lossy(&o.stderr));
                    break;
                }
                Err(e) => {
                    eprintln!("cannot run {}: {e}", ayuda.display());
                    return;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&out);
        if times.is_empty() {
            continue;
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let articles = serde_json::from_str::<serde_json::Value>(&last_json)
            .ok()
            .and_then(|v| v["articles"].as_u64())
            .unwrap_or(0);
        println!(
            "{}: {articles} articles, {runs} runs: median {median:.0} ms (min {:.0}, max {:.0}); peak RSS so far {} MB",
            dir.display(),
            times[0],
            times[times.len() - 1],
            peak_rss_children_kb() / 1024
        );
    }
}
