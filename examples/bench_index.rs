//! Benchmark of search indexing alone: the CPU time and wall time `write_indexes` takes for a
//! corpus, measured in-process after one load and render, repeated.
//!
//! `cargo run --release --example bench_index -- [RUNS] [ROOT]` (defaults: 7 runs, /tmp/gen10k,
//! made by `cargo run --release --example gen_corpus -- --articles 10000 /tmp/gen10k`). Indexing
//! overlaps page rendering in a build, and the build keeps both cores busy, so what indexing adds
//! to a build is close to its CPU time divided by the number of cores: this figure is the
//! stable one to compare changes by, on a machine whose wall times are noisy.

use std::path::PathBuf;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time (user and system) of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(7).max(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/gen10k".into()));
    if !root.join("ayuda.yaml").exists() {
        eprintln!(
            "{} is not an ayuda site; make one with gen_corpus (see the header of this file)",
            root.display()
        );
        std::process::exit(2);
    }
    let options = ayuda::site::BuildOptions {
        root: root.clone(),
        ..Default::default()
    };
    let site = match ayuda::site::Site::load(&options) {
        Ok(site) => site,
        Err(e) => {
            eprintln!("cannot load {}: {e}", root.display());
            std::process::exit(1);
        }
    };
    // The build makes these on its indexing thread too.
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let docs = site.search_docs();
    let prepared = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let text: usize = docs
        .iter()
        .flat_map(|d| d.sections.iter())
        .map(|s| s.heading.len() + s.text.len())
        .sum();
    let out = std::env::temp_dir().join(format!("ayuda-bench-index-{}", std::process::id()));
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        if let Err(e) = ayuda::search::write_indexes(
            &out,
            &docs,
            &site.config.search,
            &site.library.default_locale,
        ) {
            eprintln!("indexing failed: {e}");
            std::process::exit(1);
        }
        cpus.push(cpu_seconds() - cpu);
        walls.push(wall.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "{} articles, {:.1} MB of text: documents prepared in {:.0} ms wall, {:.0} ms CPU; \
         indexing median {:.0} ms wall, {:.0} ms CPU over {runs} runs",
        docs.len(),
        text as f64 / 1e6,
        prepared.0 * 1000.0,
        prepared.1 * 1000.0,
        median(walls) * 1000.0,
        median(cpus) * 1000.0
    );
}
