//! The one write path of a build: to disk (`ayuda build`) or to memory (`ayuda serve`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a build's files go. Paths are `/`-separated and relative to the output root
/// (`site/es/index.html`, `search/es/…`, `theme/…`).
///
/// On disk, files whose bytes did not change are left alone (their modification time too, which
/// keeps uploads to a CDN incremental) and files a build no longer writes are removed afterwards
/// by [`Output::remove_stale`]; deleting the whole folder first makes file systems such as ext4
/// crawl when thousands of files are created again right after.
pub enum Output {
    Disk {
        root: PathBuf,
        written: Mutex<HashSet<PathBuf>>,
    },
    Memory(Mutex<BTreeMap<String, Vec<u8>>>),
}

impl Output {
    /// An output writing below `root`.
    pub fn disk(root: PathBuf) -> Output {
        Output::Disk {
            root,
            written: Mutex::new(HashSet::new()),
        }
    }

    /// An in-memory output.
    pub fn memory() -> Output {
        Output::Memory(Mutex::new(BTreeMap::new()))
    }

    /// Writes one file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Disk { root, written } => {
                let path = root.join(rel);
                let unchanged = std::fs::metadata(&path)
                    .is_ok_and(|m| m.len() == bytes.len() as u64)
                    && std::fs::read(&path).is_ok_and(|old| old == bytes);
                if !unchanged {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&path, bytes)?;
                }
                if let Ok(mut w) = written.lock() {
                    w.insert(path);
                }
                Ok(())
            }
            Output::Memory(map) => {
                map.lock()
                    .map_err(|_| std::io::Error::other("output lock poisoned"))?
                    .insert(rel.to_string(), bytes.to_vec());
                Ok(())
            }
        }
    }

    /// Copies a source file into the output.
    pub fn copy(&self, from: &Path, rel: &str) -> std::io::Result<()> {
        match self {
            Output::Disk { .. } => self.write(rel, &std::fs::read(from)?),
            Output::Memory(_) => self.write(rel, &std::fs::read(from)?),
        }
    }

    /// The disk folder, when writing to disk.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Output::Disk { root, .. } => Some(root),
            Output::Memory(_) => None,
        }
    }

    /// Takes the files of a memory output.
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        match self {
            Output::Disk { .. } => BTreeMap::new(),
            Output::Memory(m) => m.into_inner().unwrap_or_default(),
        }
    }
}

impl Output {
    /// Removes files under `sub` (e.g. `site`) that this build did not write, and empty folders.
    pub fn remove_stale(&self, sub: &str) -> std::io::Result<()> {
        let Output::Disk { root, written } = self else {
            return Ok(());
        };
        let dir = root.join(sub);
        if !dir.is_dir() {
            return Ok(());
        }
        let written = written
            .lock()
            .map_err(|_| std::io::Error::other("output lock poisoned"))?;
        let mut dirs = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).contents_first(true) {
            let entry = entry.map_err(std::io::Error::other)?;
            if entry.file_type().is_dir() {
                dirs.push(entry.into_path());
            } else if !written.contains(entry.path()) {
                std::fs::remove_file(entry.path())?;
            }
        }
        for d in dirs {
            // Fails (and is ignored) when the folder still has files.
            let _ = std::fs::remove_dir(d);
        }
        Ok(())
    }
}

/// The file a site URL is served from: `/es/x/` → `es/x/index.html`.
pub fn url_to_file(url: &str) -> String {
    let trimmed = url.trim_start_matches('/');
    let decoded = crate::util::decode_path(trimmed);
    if decoded.is_empty() || decoded.ends_with('/') {
        format!("{decoded}index.html")
    } else {
        decoded
    }
}
