//! Benchmark of `ayuda serve` live editing: edit one article, poll its page until the edit
//! shows, repeat; prints the median and spread of save-to-visible time.
//!
//! `cargo build --release && cargo run --release --example bench_reload -- [RUNS] ROOT`
//! (ROOT defaults to the example content, `.`). The site is copied to a temporary folder first;
//! the original is never edited. For the 10k corpus:
//! `cargo run --release --example gen_corpus -- --articles 10000 /tmp/gen10k` then
//! `cargo run --release --example bench_reload -- 20 /tmp/gen10k`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/binary.rs"]
mod binary;
use binary::ayuda_binary;

fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for name in ["ayuda.yaml", "content", "templates", "static", "themes"] {
        let src = from.join(name);
        if src.is_file() {
            std::fs::copy(&src, to.join(name))?;
        } else if src.is_dir() {
            let status = Command::new("cp").arg("-r").arg(&src).arg(to).status()?;
            if !status.success() {
                return Err(std::io::Error::other("cp failed"));
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = match args.first().and_then(|a| a.parse().ok()) {
        Some(n) => {
            args.remove(0);
            n
        }
        None => 20,
    };
    let source = PathBuf::from(args.first().map_or(".", String::as_str));
    let work = std::env::temp_dir().join(format!("ayuda-bench-reload-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    copy_tree(&source, &work)?;
    // The article to edit: the first published Markdown file of the default locale folder.
    let mut files: Vec<PathBuf> = walk(&work.join("content"));
    files.sort();
    let article = files
        .into_iter()
        .find(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.starts_with("---") && !t.contains("status: draft") && !t.contains("draft: true")
            })
        })
        .ok_or("no article to edit")?;
    let original = std::fs::read_to_string(&article)?;

    let start = Instant::now();
    let mut child = Command::new(ayuda_binary())
        .args(["serve", "--bind", "127.0.0.1:0", "--root"])
        .arg(&work)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    let addr = loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err("ayuda serve exited".into());
        }
        if let Some(a) = line.trim().strip_prefix("ayuda: serving http://") {
            break a.to_string();
        }
    };
    std::thread::spawn(move || for _ in reader.lines() {});
    println!(
        "{}: serving after {} ms; editing {}",
        source.display(),
        start.elapsed().as_millis(),
        article.strip_prefix(&work).unwrap_or(&article).display()
    );

    // Find the page of the article through search, with a first edit.
    let edit = |n: usize| -> std::io::Result<String> {
        let marker = format!("benchmarkmarker{n}x");
        std::fs::write(&article, format!("{original}\n\n{marker}\n"))?;
        Ok(marker)
    };
    // Search answers in the default locale unless told: ask in the article's locale folder.
    let locale = article
        .strip_prefix(work.join("content"))
        .ok()
        .and_then(|p| p.iter().next())
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| s.len() == 2)
        .map(|l| format!("&locale={l}"))
        .unwrap_or_default();
    let marker = edit(0)?;
    let t = Instant::now();
    let url = loop {
        if let Some(body) = get(&addr, &format!("/api/search?q={marker}&limit=1{locale}"))
            && let Some(pos) = body.find("\"url\":\"")
        {
            let rest = &body[pos + 7..];
            let end = rest.find(['"', '#']).unwrap_or(rest.len());
            break rest[..end].to_string();
        }
        if t.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            return Err("the first edit never reached the search index".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    println!("page: {url}");

    let mut times = Vec::with_capacity(runs);
    for n in 1..=runs {
        std::thread::sleep(Duration::from_millis(300));
        let t = Instant::now();
        let marker = edit(n)?;
        loop {
            if get(&addr, &url).is_some_and(|b| b.contains(&marker)) {
                break;
            }
            if t.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                return Err(format!("edit {n} never showed").into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = child.kill();
    let _ = child.wait();
    std::fs::write(&article, original)?;
    let _ = std::fs::remove_dir_all(&work);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "save → page shows, {runs} edits: median {median:.1} ms, min {:.1} ms, max {:.1} ms",
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out
}
