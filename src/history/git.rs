//! The git side of history: one `git log` process over the content folder, parsed here, and one
//! `git cat-file --batch` process for the old versions whose URLs we need.
//!
//! The command line is used rather than a library (gix, git2) because one `git log --raw -M`
//! process already walks the whole history with git's own rename detection in a few tens of
//! milliseconds for a help center of thousands of commits, works with every repository layout git
//! itself supports (worktrees, alternates, shallow and partial clones, future formats), and adds
//! no dependency to the build. See docs/history.md for the figures.

use jiff::Timestamp;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Where the site root sits in its git checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// Path of the site root relative to the top of the checkout, `/`-terminated or empty.
    pub prefix: String,
    /// True when the clone is shallow (history is cut).
    pub shallow: bool,
}

/// Why history could not be read from git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("`git {command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
}

/// One file entry of a commit (`git log --raw`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `A`, `M`, `D`, `R`, `C` or `T`.
    pub status: char,
    /// The path before a rename or copy.
    pub from: Option<String>,
    /// The path after the commit (relative to the top of the checkout).
    pub path: String,
    /// The blob of the file after the commit (none for deletions).
    pub blob: Option<String>,
    /// True for `R100`/`C100`: the content did not change.
    pub score_is_full: bool,
}

/// One commit with the entries under the content folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub hash: String,
    /// Author date: when the writer made the change (rebases keep it).
    pub time: Timestamp,
    pub author: String,
    pub subject: String,
    /// Summaries for readers from `Changelog:` trailers (see [`super::notes`]).
    pub notes: super::notes::Notes,
    pub entries: Vec<Entry>,
}

fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root)
        // Never fetch missing objects of a partial clone from the network during a build.
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null());
    cmd
}

/// Finds the checkout `root` is in; `None` when it is not in one or git is not installed.
pub fn checkout(root: &Path) -> Option<Checkout> {
    let out = git(root)
        .args([
            "rev-parse",
            "--show-prefix",
            "--is-shallow-repository",
            "--verify",
            "-q",
            "HEAD",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let prefix = lines.next()?.to_string();
    let shallow = lines.next()? == "true";
    Some(Checkout { prefix, shallow })
}

/// Runs `git log` over `pathspec` (relative to `root`) and returns its raw output.
pub fn log(root: &Path, pathspec: &str) -> Result<Vec<u8>, GitError> {
    let out = git(root)
        .args([
            "-c",
            "log.showSignature=false",
            "-c",
            "core.quotePath=false",
            "log",
            "-z",
            "--raw",
            "--no-abbrev",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--format=%x1e%H%x1f%at%x1f%an%x1f%(trailers:only,unfold,separator=%x1d)%x1f%s",
            "--",
            pathspec,
        ])
        .stderr(Stdio::piped())
        .output()?;
    if !out.status.success() {
        return Err(GitError::Failed {
            command: "log".into(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

/// Parses the output of [`log`] (pure): commits newest first, as git printed them.
pub fn parse_log(bytes: &[u8]) -> Vec<Commit> {
    let mut commits: Vec<Commit> = Vec::new();
    let mut tokens = bytes.split(|&b| b == 0).peekable();
    while let Some(raw) = tokens.next() {
        let token = trim_newlines(raw);
        if token.is_empty() {
            continue;
        }
        if let Some(header) = token.strip_prefix(b"\x1e") {
            if let Some(c) = parse_header(header) {
                commits.push(c);
            }
            continue;
        }
        let Some(meta) = token.strip_prefix(b":") else {
            continue;
        };
        // ":100644 100644 <old> <new> R087"
        let meta = String::from_utf8_lossy(meta);
        let fields: Vec<&str> = meta.split(' ').collect();
        let status = fields.get(4).and_then(|s| s.chars().next()).unwrap_or('M');
        let blob = fields
            .get(3)
            .filter(|b| !b.bytes().all(|c| c == b'0'))
            .map(|b| b.to_string());
        let score_is_full = fields
            .get(4)
            .is_some_and(|s| s.len() > 1 && &s[1..] == "100");
        let first = tokens.next().map(lossy).unwrap_or_default();
        let (from, path) = if matches!(status, 'R' | 'C') {
            (Some(first), tokens.next().map(lossy).unwrap_or_default())
        } else {
            (None, first)
        };
        if let Some(c) = commits.last_mut() {
            c.entries.push(Entry {
                status,
                from,
                path,
                blob,
                score_is_full,
            });
        }
    }
    commits
}

fn trim_newlines(mut b: &[u8]) -> &[u8] {
    while let [b'\n', rest @ ..] = b {
        b = rest;
    }
    b
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_header(header: &[u8]) -> Option<Commit> {
    let text = String::from_utf8_lossy(header);
    // The subject comes last: it may hold the separator itself.
    let mut parts = text.splitn(5, '\x1f');
    let hash = parts.next()?.to_string();
    let secs: i64 = parts.next()?.trim().parse().ok()?;
    let author = parts.next()?.to_string();
    let notes = super::notes::from_trailers(parts.next().unwrap_or(""), '\x1d');
    let subject = parts.next().unwrap_or("").trim().to_string();
    Some(Commit {
        hash,
        time: Timestamp::from_second(secs).ok()?,
        author,
        subject,
        notes,
        entries: Vec::new(),
    })
}

/// Reads blobs with one `git cat-file --batch`; blobs git does not have are left out.
pub fn read_blobs(root: &Path, blobs: &[String]) -> Result<Vec<(String, Vec<u8>)>, GitError> {
    if blobs.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("git cat-file has no stdin"))?;
    let input: String = blobs.iter().map(|b| format!("{b}\n")).collect();
    // Feed from a thread: git's output pipe would fill up while we were still writing.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("git cat-file has no stdout"))?;
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut out = Vec::with_capacity(blobs.len());
    let mut line = String::new();
    for _ in blobs {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        // "<sha> blob <size>" or "<sha> missing"
        let mut fields = line.split_whitespace();
        let (Some(sha), Some(kind)) = (fields.next(), fields.next()) else {
            break;
        };
        if kind == "missing" || kind == "ambiguous" {
            continue;
        }
        let size: usize = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut data = vec![0; size + 1];
        reader.read_exact(&mut data)?;
        data.pop();
        if kind == "blob" {
            out.push((sha.to_string(), data));
        }
    }
    let _ = writer.join();
    let status = child.wait()?;
    if !status.success() && out.is_empty() {
        return Err(GitError::Failed {
            command: "cat-file --batch".into(),
            stderr: format!("exit status {status}"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_log_with_renames() {
        let log = b"\x1eabc\x1f1700000000\x1fB\x1fChangelog: Moved.\x1fMove it\0\n:100644 100644 1111111111111111111111111111111111111111 2222222222222222222222222222222222222222 R090\0content/a.md\0content/b/a.md\0:000000 100644 0000000000000000000000000000000000000000 3333333333333333333333333333333333333333 A\0content/new.md\0\x1edef\x1f1600000000\x1fA \xc3\xa9\x1f\x1fFirst: a \x1f b\0\n:000000 100644 0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 A\0content/a.md\0";
        let commits = parse_log(log);
        assert_eq!(commits.len(), 2);
        assert_eq!(commits[0].subject, "Move it");
        assert_eq!(
            commits[0].notes,
            vec![(String::new(), "Moved.".to_string())]
        );
        assert_eq!(commits[0].entries.len(), 2);
        assert_eq!(commits[0].entries[0].status, 'R');
        assert_eq!(commits[0].entries[0].from.as_deref(), Some("content/a.md"));
        assert_eq!(commits[0].entries[0].path, "content/b/a.md");
        assert_eq!(commits[0].entries[1].path, "content/new.md");
        assert_eq!(commits[1].author, "A é");
        assert_eq!(commits[1].subject, "First: a \x1f b");
        assert_eq!(commits[1].time.as_second(), 1_600_000_000);
    }

    #[test]
    fn deletions_have_no_blob() {
        let log = b"\x1eabc\x1f1700000000\x1fB\x1f\x1fDrop\0\n:100644 000000 1111111111111111111111111111111111111111 0000000000000000000000000000000000000000 D\0content/a.md\0";
        let commits = parse_log(log);
        assert_eq!(commits[0].entries[0].status, 'D');
        assert_eq!(commits[0].entries[0].blob, None);
    }
}
