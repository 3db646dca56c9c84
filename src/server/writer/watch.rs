//! Watching the site root: notify events (or polling) filtered, classified and debounced into
//! batches of [`Changes`].

use super::build::{Changes, DEBOUNCE};
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running watcher; dropping it stops watching.
pub struct Watch {
    _watcher: Box<dyn Watcher + Send>,
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
    content_dir: PathBuf,
}

/// How often the polling watcher scans.
const POLL_EVERY: Duration = Duration::from_millis(200);
/// A batch never waits longer than this for quiet (an editor saving in a loop).
const MAX_WAIT: Duration = Duration::from_millis(50);

impl Watch {
    /// Watches `content/`, `themes/`, `templates/`, `static/` and `ayuda.yaml` under `root`
    /// (those that exist; the root itself non-recursively so new ones and the config are seen).
    pub fn start(root: &Path, content_dir: &Path, poll: bool) -> notify::Result<Watch> {
        let (tx, rx) = mpsc::channel();
        let handler = move |e| {
            let _ = tx.send(e);
        };
        let mut watcher: Box<dyn Watcher + Send> = if poll {
            let config = notify::Config::default()
                .with_poll_interval(POLL_EVERY)
                .with_compare_contents(false);
            Box::new(notify::PollWatcher::new(handler, config)?)
        } else {
            Box::new(notify::recommended_watcher(handler)?)
        };
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        let content = root.join(content_dir);
        for dir in [
            content.clone(),
            root.join("themes"),
            root.join("templates"),
            root.join("static"),
        ] {
            if dir.is_dir() {
                watcher.watch(&dir, RecursiveMode::Recursive)?;
            }
        }
        Ok(Watch {
            _watcher: watcher,
            rx,
            root: root.to_path_buf(),
            content_dir: content,
        })
    }

    /// Blocks until a batch of relevant changes has arrived and the files have been quiet for
    /// the debounce delay. Returns `None` when the watcher stopped.
    pub fn next_batch(&self) -> Option<Changes> {
        let mut changes = Changes::default();
        // Wait for the first relevant event.
        loop {
            let event = self.rx.recv().ok()?;
            self.classify(event, &mut changes);
            if !changes.is_empty() {
                break;
            }
        }
        // Then for quiet.
        let started = Instant::now();
        loop {
            let left = MAX_WAIT.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match self.rx.recv_timeout(DEBOUNCE.min(left)) {
                Ok(event) => self.classify(event, &mut changes),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        Some(changes)
    }

    fn classify(&self, event: notify::Result<notify::Event>, changes: &mut Changes) {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("watcher: {e}");
                changes.relist = true;
                return;
            }
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        if event.need_rescan() {
            changes.relist = true;
        }
        for path in event.paths {
            if is_ignored(&path) {
                continue;
            }
            if path.starts_with(&self.content_dir) {
                if is_content_file(&path) {
                    changes.content.insert(path);
                } else if path.is_dir() || path.extension().is_none() {
                    // A folder created, removed or renamed: its files are listed again.
                    changes.relist = true;
                } else {
                    // Images and files next to articles.
                    changes.content.insert(path);
                }
            } else if path == self.root.join("ayuda.yaml") {
                changes.config = true;
            } else if ["themes", "templates", "static"]
                .iter()
                .any(|d| path.starts_with(self.root.join(d)))
            {
                changes.theme = true;
            } else if path == self.content_dir {
                changes.relist = true;
            }
        }
    }
}

/// Markdown and folder metadata.
fn is_content_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "md" || e == "markdown" || e == "yaml" || e == "yml")
}

/// Editor temporary, swap and backup files, and hidden files.
pub fn is_ignored(p: &Path) -> bool {
    let Some(name) = p.file_name().map(|n| n.to_string_lossy()) else {
        return true;
    };
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".crswap",
            ".kate-swp",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || name.contains(".sb-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for n in [
            "content/.a.md.swp",
            "content/a.md~",
            "content/#a.md#",
            "content/.#a.md",
            "content/4913",
            "content/a.md.tmp",
            "content/a.md.crswap",
        ] {
            assert!(is_ignored(Path::new(n)), "{n}");
        }
        assert!(!is_ignored(Path::new("content/es/a.md")));
    }
}
