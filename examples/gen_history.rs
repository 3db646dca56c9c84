//! Generates a help center with a long git history, to measure what history costs a build.
//!
//! ```text
//! cargo run --release --example gen_history -- OUT --commits 1600 --corpus ../shared/corpora/arduino-help-center
//! cargo run --release --example gen_history -- OUT --commits 50000 --articles 10000
//! ```
//!
//! The final tree is the corpus as it is (or `--articles` synthetic articles); the history
//! leading to it is synthetic: articles are added over the first half of the commits, 40% of them
//! move once (another section or another name), and every other commit edits one or two
//! articles, by eight authors. The stream goes through one `git fast-import`. Then the example
//! times `History::load` on the result (median of 5).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

struct Art {
    path: String,
    old: Option<String>,
    text: Vec<u8>,
    birth: usize,
    moved: Option<usize>,
    touches: Vec<usize>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: gen_history OUT [--commits N] [--articles N] [--corpus DIR]")?,
    );
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let commits: usize = opt("--commits").map_or(Ok(1600), |s| s.parse())?;
    let n_articles: usize = opt("--articles").map_or(Ok(400), |s| s.parse())?;
    let corpus = opt("--corpus").map(PathBuf::from);

    // Final tree.
    let mut others: Vec<(String, Vec<u8>)> = Vec::new();
    let mut finals: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(dir) = &corpus {
        for e in walkdir::WalkDir::new(dir.join("content")).sort_by_file_name() {
            let e = e?;
            if !e.file_type().is_file() {
                continue;
            }
            let rel = e
                .path()
                .strip_prefix(dir)?
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(e.path())?;
            if rel.ends_with(".md") {
                finals.push((rel, bytes));
            } else {
                others.push((rel, bytes));
            }
        }
    } else {
        for k in 0..n_articles {
            let text = format!(
                "---\ntitle: Article {k}\nid: \"{k}\"\n---\n\n# Overview\n\nHow to do task {k} with the product. {}\n\n## Steps\n\n1. Open the settings.\n2. Change option {k}.\n3. Save.\n",
                "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(6)
            );
            finals.push((
                format!("content/cat-{}/sec-{}/article-{k}.md", k % 12, k % 7),
                text.into_bytes(),
            ));
        }
    }
    let dirs: Vec<String> = finals
        .iter()
        .filter_map(|(p, _)| p.rsplit_once('/').map(|(d, _)| d.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut used: BTreeSet<String> = finals.iter().map(|(p, _)| p.clone()).collect();
    let half = (commits / 2).max(1);
    let mut arts: Vec<Art> = finals
        .into_iter()
        .enumerate()
        .map(|(k, (path, text))| {
            let birth = if k == 0 { 0 } else { rng.below(half) };
            let moved = (rng.below(10) < 4 && birth + 1 < commits)
                .then(|| birth + 1 + rng.below(commits - birth - 1));
            let old = moved.map(|_| {
                let (_, name) = path.rsplit_once('/').unwrap_or(("content", &path));
                let stem = name.trim_end_matches(".md");
                let dir = &dirs[rng.below(dirs.len())];
                let mut candidate = format!("{dir}/{stem}-old.md");
                if used.contains(&candidate) {
                    candidate = format!("{dir}/{stem}-old-{k}.md");
                }
                used.insert(candidate.clone());
                candidate
            });
            Art {
                path,
                old,
                text,
                birth,
                moved,
                touches: Vec::new(),
            }
        })
        .collect();
    // Every commit changes something: births and moves, else an edit of one or two articles.
    let mut events: Vec<Vec<usize>> = vec![Vec::new(); commits];
    for (k, a) in arts.iter().enumerate() {
        events[a.birth].push(k);
        if let Some(m) = a.moved {
            events[m].push(k);
        }
    }
    let mut born: Vec<usize> = Vec::new();
    for (c, ev) in events.iter_mut().enumerate() {
        born.extend(
            arts.iter()
                .enumerate()
                .filter(|(_, a)| a.birth == c)
                .map(|(k, _)| k),
        );
        if ev.is_empty() || rng.below(10) < 2 {
            let edits = 1 + usize::from(rng.below(10) < 3);
            for _ in 0..edits {
                if !born.is_empty() {
                    ev.push(born[rng.below(born.len())]);
                }
            }
        }
        ev.sort();
        ev.dedup();
        for &k in ev.iter() {
            arts[k].touches.push(c);
        }
    }

    // The fast-import stream.
    let authors = [
        "Ana Pérez",
        "Bruno Silva",
        "Carla Gómez",
        "Dev Patel",
        "Eva Müller",
        "Femi Ade",
        "Gu Li",
        "Hana Sato",
    ];
    let start: i64 = 1_546_300_800; // 2019-01-01
    let step = (5 * 365 * 86_400 / commits as i64).max(1);
    let mut stream: Vec<u8> = Vec::new();
    for (c, ev) in events.iter().enumerate() {
        let author = authors[c % authors.len()];
        let email = author.to_lowercase().replace(' ', ".");
        let when = start + c as i64 * step;
        let msg = format!("Update help articles ({c})");
        writeln!(stream, "commit refs/heads/main\nmark :{}", c + 1)?;
        writeln!(stream, "author {author} <{email}@example.org> {when} +0000")?;
        writeln!(
            stream,
            "committer {author} <{email}@example.org> {when} +0000"
        )?;
        writeln!(stream, "data {}\n{msg}", msg.len())?;
        if c > 0 {
            writeln!(stream, "from :{c}")?;
        }
        if c == 0 {
            for (p, bytes) in &others {
                writeln!(stream, "M 100644 inline {p}\ndata {}", bytes.len())?;
                stream.extend_from_slice(bytes);
                stream.push(b'\n');
            }
        }
        for &k in ev {
            let a = &arts[k];
            let is_move = a.moved == Some(c);
            let last = a.touches.last() == Some(&c);
            let path = match (&a.old, a.moved) {
                (Some(old), Some(m)) if c < m => old.clone(),
                _ => a.path.clone(),
            };
            if is_move && let Some(old) = &a.old {
                writeln!(stream, "D {old}")?;
            }
            let mut text = a.text.clone();
            if !last {
                let n = a.touches.iter().position(|&t| t == c).unwrap_or(0);
                // Pure moves keep the previous text so git sees them as R100.
                let n = if is_move { n.saturating_sub(1) } else { n };
                text.extend_from_slice(format!("\n<!-- revision {n} -->\n").as_bytes());
            }
            writeln!(stream, "M 100644 inline {path}\ndata {}", text.len())?;
            stream.extend_from_slice(&text);
            stream.push(b'\n');
        }
        stream.push(b'\n');
    }

    if out.join(".git").exists() && args.iter().any(|a| a == "--time-only") {
        return time_history(&out);
    }
    if out.exists() {
        return Err(format!("{} exists; give a new folder", out.display()).into());
    }
    std::fs::create_dir_all(&out)?;
    git(&out, &["init", "-q", "-b", "main"])?;
    let t = Instant::now();
    let mut child = Command::new("git")
        .current_dir(&out)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()?;
    child.stdin.take().ok_or("no stdin")?.write_all(&stream)?;
    if !child.wait()?.success() {
        return Err("git fast-import failed".into());
    }
    git(&out, &["reset", "-q", "--hard", "main"])?;
    git(&out, &["gc", "-q"])?;
    eprintln!(
        "generated {} articles, {commits} commits in {} ms",
        arts.len(),
        t.elapsed().as_millis()
    );
    time_history(&out)
}

fn git(dir: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()?
        .success();
    if ok {
        Ok(())
    } else {
        Err(format!("git {args:?} failed").into())
    }
}

/// Median time of `History::load` (git log, rename following, old versions, redirects).
fn time_history(root: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let config = ayuda::Config::load(root)?;
    let (library, _) = ayuda::content::Library::load(root, &config);
    let urls: std::collections::BTreeMap<usize, String> = library
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| (i, ayuda::site::urls::article_url(&config.permalink, a)))
        .collect();
    let mut times = Vec::new();
    let mut history = ayuda::history::History::default();
    for _ in 0..5 {
        let t = Instant::now();
        history = ayuda::history::History::load(root, &config, &library, &urls);
        times.push(t.elapsed().as_millis());
    }
    times.sort();
    let revisions: usize = library
        .articles
        .iter()
        .map(|a| history.record(a).revisions)
        .sum();
    println!("phases of the last run (cumulative): {:?}", history.phases);
    println!(
        "history: {} articles, {revisions} revisions, {} redirects, median {} ms (runs {times:?})",
        library.articles.len(),
        history.redirects.len(),
        times[times.len() / 2]
    );
    Ok(())
}
