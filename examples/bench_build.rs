//! Benchmark of `ayuda build` on generated corpora of 1k, 10k and (on demand) 100k articles.
//!
//! `cargo build --release --examples` then
//! `cargo run --release --example bench_build -- [RUNS] [--articles 1000,10000,100000] [DIR...]`
//! (or `AYUDA_BENCH_ARTICLES=1000,10000,100000`). Corpora of the given sizes are generated
//! into `/tmp/gen1k`, `/tmp/gen10k`, `/tmp/gen100k` when missing (three locales, es/en/pt).
//! Prints, for each corpus, the median and spread of wall time over RUNS builds (default 5)
//! into a new output folder and into the previous build's folder, each with and without
//! search indexes (what indexing adds), the median of `cp -al` of the build's own output (the
//! floor for laying out the same tree of files), and the peak resident memory of the build
//! processes; then a scaling table of all corpora. From 50,000 articles on, each new folder
//! is deleted right after its build (five 100k outputs do not fit on most disks): the builds
//! after it then run in a file system that just deleted a whole site, as on a CI runner.

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

/// `1000` → `1k`, `100000` → `100k`.
fn short(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Corpus sizes from `--articles 1000,10000` or AYUDA_BENCH_ARTICLES.
fn sizes(list: &str) -> Vec<usize> {
    list.split(',')
        .filter_map(|n| match n.trim().parse() {
            Ok(n) => Some(n),
            Err(_) => {
                eprintln!("ignoring article count `{n}`");
                None
            }
        })
        .collect()
}

/// Wall time of `cp -al FROM TO` in ms: hard links and folders only, one thread.
fn timed_cp_al(from: &Path, to: &Path) -> Result<f64, String> {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let status = Command::new("cp")
        .arg("-al")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| format!("cannot run cp: {e}"))?;
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    if !status.success() {
        return Err(format!("cp -al {} failed", from.display()));
    }
    Ok(elapsed)
}

/// The article count of an `ayuda build --json` report.
fn articles_of(json: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["articles"].as_u64())
        .unwrap_or(0)
}

/// One line of the scaling table.
struct Row {
    name: String,
    articles: u64,
    fresh: f64,
    kept: f64,
    cp_al: f64,
    rss_mb: i64,
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
    let mut counts = std::env::var("AYUDA_BENCH_ARTICLES")
        .map(|v| sizes(&v))
        .unwrap_or_default();
    if let Some(at) = args.iter().position(|a| a == "--articles") {
        args.remove(at);
        if at < args.len() {
            counts = sizes(&args.remove(at));
        }
    }
    if counts.is_empty() {
        counts = vec![1000, 10000];
    }
    let corpora: Vec<(PathBuf, usize)> = if args.is_empty() {
        counts
            .iter()
            .map(|&n| (PathBuf::from(format!("/tmp/gen{}", short(n))), n))
            .collect()
    } else {
        args.iter().map(|a| (PathBuf::from(a), 0)).collect()
    };
    let ayuda = ayuda_binary();
    println!("ayuda binary: {}", ayuda.display());
    let mut rows = Vec::new();
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
        if let Some(row) = bench_corpus(&ayuda, &dir, runs) {
            rows.push(row);
        }
    }
    println!("\nscaling (medians of {runs} runs; per article in µs):");
    println!(
        "| corpus | articles | new folder | kept folder | cp -al of the output | peak RSS so far |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let per = |ms: f64| 1000.0 * ms / r.articles.max(1) as f64;
        println!(
            "| {} | {} | {:.0} ms ({:.0} µs) | {:.0} ms ({:.0} µs) | {:.0} ms ({:.0} µs) | {} MB |",
            r.name,
            r.articles,
            r.fresh,
            per(r.fresh),
            r.kept,
            per(r.kept),
            r.cp_al,
            per(r.cp_al),
            r.rss_mb
        );
    }
}

/// Runs the interleaved builds of one corpus and prints their medians.
fn bench_corpus(ayuda: &Path, dir: &Path, runs: usize) -> Option<Row> {
    let tmp = std::env::temp_dir();
    let out = tmp.join(format!("ayuda-bench-out-{}", std::process::id()));
    // Four kinds of build, interleaved so that machine noise hits them alike: into a new
    // output folder and into the previous build's folder (unchanged files are not
    // rewritten), each with and without search indexes (what indexing adds). New folders
    // are removed only at the end for small corpora: creating thousands of files right after
    // deleting thousands is slow on ext4, which would measure the file system rather than the
    // build. Large ones do not fit on the disk five times over.
    let kinds = [
        ("new folder", true, None),
        ("new folder without search", true, Some("--skip-search")),
        ("kept folder", false, None),
        ("kept folder without search", false, Some("--skip-search")),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    let mut cp_times = Vec::new();
    let mut last_json = String::new();
    let mut new_dirs = Vec::new();
    // The kept folder starts from one build.
    let first = match timed_build(ayuda, dir, &out, None) {
        Ok((_, json)) => json,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    let delete_soon = articles_of(&first) >= 50_000;
    'runs: for run in 0..runs {
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
            match timed_build(ayuda, dir, &target, *extra) {
                Ok((ms, json)) => {
                    times.push(ms);
                    last_json = json;
                }
                Err(e) => {
                    eprintln!("{e}");
                    break 'runs;
                }
            }
            if *new && delete_soon {
                let _ = std::fs::remove_dir_all(&target);
            }
        }
        // The floor: laying out the kept output's tree with hard links.
        let copy = tmp.join(format!("ayuda-bench-cp-{}-{run}", std::process::id()));
        match timed_cp_al(&out.join("site"), &copy) {
            Ok(ms) => cp_times.push(ms),
            Err(e) => eprintln!("{e}"),
        }
        if delete_soon {
            let _ = std::fs::remove_dir_all(&copy);
        } else {
            new_dirs.push(copy);
        }
    }
    for d in new_dirs {
        let _ = std::fs::remove_dir_all(d);
    }
    let _ = std::fs::remove_dir_all(&out);
    if times.iter().any(Vec::is_empty) {
        return None;
    }
    let articles = articles_of(&last_json);
    let rss_mb = peak_rss_children_kb() / 1024;
    println!(
        "{}: {articles} articles, {runs} runs; peak RSS so far {rss_mb} MB",
        dir.display(),
    );
    let medians: Vec<(f64, f64, f64)> = times.into_iter().map(median).collect();
    for ((name, _, _), (m, lo, hi)) in kinds.iter().zip(&medians) {
        println!("  {name:<27} median {m:>5.0} ms (min {lo:.0}, max {hi:.0})");
    }
    let cp_al = if cp_times.is_empty() {
        f64::NAN
    } else {
        let (m, lo, hi) = median(cp_times);
        println!(
            "  {:<27} median {m:>5.0} ms (min {lo:.0}, max {hi:.0})",
            "cp -al of the site"
        );
        m
    };
    println!(
        "  indexing adds {:.0}% (new folder), {:.0}% (kept folder)",
        100.0 * (medians[0].0 / medians[1].0 - 1.0),
        100.0 * (medians[2].0 / medians[3].0 - 1.0)
    );
    Some(Row {
        name: dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        articles,
        fresh: medians[0].0,
        kept: medians[2].0,
        cp_al,
        rss_mb,
    })
}
