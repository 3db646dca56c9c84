//! Benchmark of `ayuda build` on generated corpora of 1k and 10k articles.
//!
//! `cargo build --release && cargo run --release --example gen_corpus -- --articles 10000 /tmp/gen10k`
//! then `cargo run --release --example bench_build -- [RUNS] [DIR...]`. Prints, for each corpus,
//! the median and spread of wall time over RUNS builds (default 5) into a new output folder and
//! into the previous build's folder, each with and without search indexes (what indexing adds),
//! and the peak resident memory of the build processes. Corpora default to /tmp/gen1k and
//! /tmp/gen10k, generated if missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "support/binary.rs"]
mod binary;
use binary::ayuda_binary;

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

/// Median, min and max of some timings.
fn median(mut times: Vec<f64>) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

/// Runs `ayuda build --json` once; returns its wall time in ms and its JSON report.
fn timed_build(
    ayuda: &Path,
    root: &Path,
    out: &Path,
    extra: Option<&str>,
) -> Result<(f64, String), String> {
    // Each build starts with the previous one's files on disk, so that writing them back does
    // not land on the next measurement.
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let output = Command::new(ayuda)
        .args(["build", "--json", "--root"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ayuda.display()))?;
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    if !output.status.success() {
        return Err(format!(
            "build failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((
        elapsed,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
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
        let tmp = std::env::temp_dir();
        let out = tmp.join(format!("ayuda-bench-out-{}", std::process::id()));
        // Four kinds of build, interleaved so that machine noise hits them alike: into a new
        // output folder and into the previous build's folder (unchanged files are not
        // rewritten), each with and without search indexes (what indexing adds). New folders
        // are removed only at the end: creating thousands of files right after deleting
        // thousands is slow on ext4, which would measure the file system rather than the build.
        let kinds = [
            ("new folder", true, None),
            ("new folder without search", true, Some("--skip-search")),
            ("kept folder", false, None),
            ("kept folder without search", false, Some("--skip-search")),
        ];
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
        let mut last_json = String::new();
        let mut new_dirs = Vec::new();
        // The kept folder starts from one build.
        if let Err(e) = timed_build(&ayuda, &dir, &out, None) {
            eprintln!("{e}");
            continue;
        }
        'runs: for _ in 0..runs {
            for ((_, new, extra), times) in kinds.iter().zip(times.iter_mut()) {
                let target = if *new {
                    let d = tmp.join(format!(
                        "ayuda-bench-new-{}-{}",
                        std::process::id(),
                        new_dirs.len()
                    ));
                    new_dirs.push(d.clone());
                    d
                } else {
                    out.clone()
                };
                match timed_build(&ayuda, &dir, &target, *extra) {
                    Ok((ms, json)) => {
                        times.push(ms);
                        last_json = json;
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        break 'runs;
                    }
                }
            }
        }
        for d in new_dirs {
            let _ = std::fs::remove_dir_all(d);
        }
        let _ = std::fs::remove_dir_all(&out);
        if times.iter().any(Vec::is_empty) {
            continue;
        }
        let articles = serde_json::from_str::<serde_json::Value>(&last_json)
            .ok()
            .and_then(|v| v["articles"].as_u64())
            .unwrap_or(0);
        println!(
            "{}: {articles} articles, {runs} runs; peak RSS so far {} MB",
            dir.display(),
            peak_rss_children_kb() / 1024
        );
        let medians: Vec<(f64, f64, f64)> = times.into_iter().map(median).collect();
        for ((name, _, _), (m, lo, hi)) in kinds.iter().zip(&medians) {
            println!("  {name:<27} median {m:>5.0} ms (min {lo:.0}, max {hi:.0})");
        }
        println!(
            "  indexing adds {:.0}% (new folder), {:.0}% (kept folder)",
            100.0 * (medians[0].0 / medians[1].0 - 1.0),
            100.0 * (medians[2].0 / medians[3].0 - 1.0)
        );
    }
}
