//! The one write path of a build: to disk (`ayuda build`) or to memory (`ayuda serve`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a build's files go. Paths are `/`-separated and relative to the output root
/// (`site/es/index.html`, `search/es/…`, `theme/…`).
pub enum Output {
    Disk(PathBuf),
    Memory(Mutex<BTreeMap<String, Vec<u8>>>),
}

impl Output {
    /// An in-memory output.
    pub fn memory() -> Output {
        Output::Memory(Mutex::new(BTreeMap::new()))
    }

    /// Writes one file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Disk(root) => {
                let path = root.join(rel);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(path, bytes)
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
            Output::Disk(root) => {
                let path = root.join(rel);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::copy(from, path).map(|_| ())
            }
            Output::Memory(_) => self.write(rel, &std::fs::read(from)?),
        }
    }

    /// The disk folder, when writing to disk.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Output::Disk(p) => Some(p),
            Output::Memory(_) => None,
        }
    }

    /// Takes the files of a memory output.
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        match self {
            Output::Disk(_) => BTreeMap::new(),
            Output::Memory(m) => m.into_inner().unwrap_or_default(),
        }
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
