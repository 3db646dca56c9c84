//! The one write path of a build: to disk (`ayuda build`) or to memory (`ayuda serve`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a build's files go. Paths are `/`-separated and relative to the output root
/// (`site/es/index.html`, `search/es/…`, `theme/…`).
///
/// On disk, a build is staged and then committed, so that a build that fails while writing
/// leaves the previous output as it was: [`Output::write`] puts changed files into a staging
/// folder inside the root (`.ayuda-staging`), [`Output::commit`] checks that no path is both a
/// file and a folder and then moves them into place. Files whose bytes did not change are left
/// alone (their modification time too, which keeps uploads to a CDN incremental) and files a
/// build no longer writes are removed afterwards by [`Output::remove_stale`]; deleting the whole
/// folder first makes file systems such as ext4 crawl when thousands of files are created again
/// right after. Staging is dropped when the output is, unless committed.
pub enum Output {
    Disk(Box<Disk>),
    Memory(Mutex<BTreeMap<String, Vec<u8>>>),
}

/// The state of a disk output.
pub struct Disk {
    root: PathBuf,
    staging: PathBuf,
    /// Every path this build wrote, changed or not.
    written: Mutex<HashSet<String>>,
    /// Paths written into the staging folder (their bytes changed).
    staged: Mutex<BTreeSet<String>>,
    /// Folders written whole by another writer (the search indexes), replaced at commit.
    trees: Mutex<BTreeSet<String>>,
    /// Top folders the live output did not have, moved in whole at commit: they hold only
    /// what this build wrote, so there is nothing stale in them to look for.
    moved_whole: Mutex<BTreeSet<String>>,
    /// Whether the output folder existed when the build started: in a new folder no file can
    /// be unchanged, so none is compared.
    had_output: bool,
}

/// An output problem, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct OutputError {
    /// The file or folder that could not be written.
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Wraps an IO error with the path it is about.
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
    move |source| {
        std::io::Error::new(
            source.kind(),
            OutputError {
                path: path.to_path_buf(),
                source,
            },
        )
    }
}

/// The name of the staging folder inside a disk output.
pub const STAGING: &str = ".ayuda-staging";

fn lock<T>(m: &Mutex<T>) -> std::io::Result<std::sync::MutexGuard<'_, T>> {
    m.lock()
        .map_err(|_| std::io::Error::other("output lock poisoned"))
}

impl Output {
    /// An output writing below `root`. A staging folder left by a build that was killed is
    /// cleared first: its files were never committed.
    pub fn disk(root: PathBuf) -> Output {
        let _ = std::fs::remove_dir_all(root.join(STAGING));
        let had_output = root.exists();
        Output::Disk(Box::new(Disk {
            staging: root.join(STAGING),
            root,
            written: Mutex::new(HashSet::new()),
            staged: Mutex::new(BTreeSet::new()),
            trees: Mutex::new(BTreeSet::new()),
            moved_whole: Mutex::new(BTreeSet::new()),
            had_output,
        }))
    }

    /// An in-memory output.
    pub fn memory() -> Output {
        Output::Memory(Mutex::new(BTreeMap::new()))
    }

    /// Writes one file. A path that would leave the output root (see
    /// [`crate::util::path_problem`]) is refused, whoever asks: content values reach it.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.put(rel, Source::Bytes(bytes))
    }

    /// Copies a source file into the output. On disk the output gets a hard link to it when
    /// both are on one file system (no data is copied), else a copy; either way the output file
    /// is only ever replaced by a rename, never written through, so the source cannot change.
    pub fn copy(&self, from: &Path, rel: &str) -> std::io::Result<()> {
        match self {
            Output::Disk(_) => self.put(rel, Source::File(from)),
            Output::Memory(_) => self.write(rel, &std::fs::read(from).map_err(at(from))?),
        }
    }

    fn put(&self, rel: &str, source: Source) -> std::io::Result<()> {
        check_rel(rel)?;
        let rel = &normalize_rel(rel);
        match self {
            Output::Disk(d) => {
                let live = d.root.join(rel);
                if d.had_output && source.same_as(&live)? {
                    // Written again with the live bytes: an earlier staged version loses.
                    if lock(&d.staged)?.remove(rel.as_str()) {
                        remove_any(&d.staging.join(rel))?;
                    }
                } else {
                    let path = d.staging.join(rel);
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(at(&live))?;
                    }
                    // A file staged earlier in this build may be a link to a source file:
                    // it is replaced, not written through.
                    if lock(&d.staged)?.contains(rel.as_str()) {
                        remove_any(&path)?;
                    }
                    source.stage(&path, &live)?;
                    lock(&d.staged)?.insert(rel.to_string());
                }
                lock(&d.written)?.insert(rel.to_string());
                Ok(())
            }
            Output::Memory(map) => {
                let bytes = match source {
                    Source::Bytes(b) => b.to_vec(),
                    Source::File(from) => std::fs::read(from).map_err(at(from))?,
                };
                lock(map)?.insert(rel.to_string(), bytes);
                Ok(())
            }
        }
    }

    /// A folder (such as `search`) that another writer fills whole; on disk it is staged and
    /// each of its entries replaces the live one at commit. None for memory outputs.
    pub fn tree_dir(&self, sub: &str) -> Option<PathBuf> {
        match self {
            Output::Disk(d) => {
                let mut trees = d.trees.lock().ok()?;
                trees.insert(sub.to_string());
                Some(d.staging.join(sub))
            }
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

    /// Puts a disk build in place: refuses a path written both as a file and as a folder
    /// (nothing of the live output changes then), then moves the staged files and folders into
    /// the live output. Memory outputs have nothing to do.
    pub fn commit(&self) -> std::io::Result<()> {
        let Output::Disk(d) = self else {
            return Ok(());
        };
        let written = lock(&d.written)?;
        for rel in written.iter() {
            let mut prefix = rel.as_str();
            while let Some((parent, _)) = prefix.rsplit_once('/') {
                if written.contains(parent) {
                    let path = d.root.join(parent);
                    return Err(at(&path)(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        format!("this build writes it as a file and also writes `{rel}` inside it"),
                    )));
                }
                prefix = parent;
            }
        }
        let staged = lock(&d.staged)?;
        // A top folder (`site`, `theme`) the live output does not have yet (a first build) moves
        // in one rename; the others file by file.
        let mut whole: BTreeSet<&str> = BTreeSet::new();
        for top in staged.iter().filter_map(|rel| rel.split('/').next()) {
            let live = d.root.join(top);
            if !whole.contains(top) && std::fs::symlink_metadata(&live).is_err() {
                std::fs::rename(d.staging.join(top), &live).map_err(at(&live))?;
                whole.insert(top);
            }
        }
        lock(&d.moved_whole)?.extend(whole.iter().map(|top| top.to_string()));
        for rel in staged.iter() {
            if rel.split('/').next().is_some_and(|top| whole.contains(top)) {
                continue;
            }
            let live = d.root.join(rel);
            clear_way(&d.root, rel)?;
            std::fs::rename(d.staging.join(rel), &live).map_err(at(&live))?;
        }
        for sub in lock(&d.trees)?.iter() {
            let from = d.staging.join(sub);
            let Ok(entries) = std::fs::read_dir(&from) else {
                continue;
            };
            let into = d.root.join(sub);
            std::fs::create_dir_all(&into).map_err(at(&into))?;
            for entry in entries {
                let entry = entry.map_err(at(&from))?;
                let live = into.join(entry.file_name());
                remove_any(&live)?;
                std::fs::rename(entry.path(), &live).map_err(at(&live))?;
            }
        }
        remove_any(&d.staging)
    }
}

/// What an output file is made from.
enum Source<'a> {
    Bytes(&'a [u8]),
    /// A source file (an image an article links to), linked or copied.
    File(&'a Path),
}

impl Source<'_> {
    /// True when the live file `live` already has these bytes (a source file linked there by
    /// an earlier build is the same file).
    fn same_as(&self, live: &Path) -> std::io::Result<bool> {
        let Ok(meta) = std::fs::symlink_metadata(live) else {
            return Ok(false);
        };
        if !meta.is_file() {
            return Ok(false);
        }
        let same_bytes = |bytes: &[u8]| {
            meta.len() == bytes.len() as u64 && std::fs::read(live).is_ok_and(|old| old == bytes)
        };
        Ok(match self {
            Source::Bytes(bytes) => same_bytes(bytes),
            Source::File(from) => {
                let source = std::fs::metadata(from).map_err(at(from))?;
                same_inode(&source, &meta)
                    || (source.len() == meta.len()
                        && same_bytes(&std::fs::read(from).map_err(at(from))?))
            }
        })
    }

    /// Creates the staged file `path` (reported as `live`, where it goes).
    fn stage(&self, path: &Path, live: &Path) -> std::io::Result<()> {
        match self {
            Source::Bytes(bytes) => std::fs::write(path, bytes).map_err(at(live)),
            Source::File(from) => {
                // Only a regular file is linked: a link to a symlink would publish the symlink.
                let regular = std::fs::symlink_metadata(from).map_err(at(from))?.is_file();
                if regular && std::fs::hard_link(from, path).is_ok() {
                    return Ok(());
                }
                // Another file system, or one without hard links: copy (which the kernel may
                // do by sharing blocks, see copy_file_range(2)).
                std::fs::copy(from, path).map(|_| ()).map_err(at(live))
            }
        }
    }
}

/// True when two files' metadata are of the same file.
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Makes room for the file `rel`: a stale file where a folder must be, or a stale folder where
/// the file must be, goes (the commit's conflict check leaves only stale ones).
fn clear_way(root: &Path, rel: &str) -> std::io::Result<()> {
    let mut path = root.to_path_buf();
    let segments: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    for (n, seg) in segments.iter().enumerate() {
        path.push(seg);
        let last = n + 1 == segments.len();
        match std::fs::symlink_metadata(&path) {
            Ok(m) if last && m.is_dir() => remove_any(&path)?,
            Ok(m) if !last && !m.is_dir() => remove_any(&path)?,
            Ok(_) => {}
            Err(_) if !last => {
                std::fs::create_dir_all(&path).map_err(at(&path))?;
            }
            Err(_) => {}
        }
    }
    Ok(())
}

/// Removes a file, link or folder, if there.
fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).map_err(at(path)),
        Ok(_) => std::fs::remove_file(path).map_err(at(path)),
        Err(_) => Ok(()),
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // A build that failed before its commit leaves no staging folder behind.
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

impl Output {
    /// Removes files under `sub` (e.g. `site`) that this build did not write, and empty folders.
    pub fn remove_stale(&self, sub: &str) -> std::io::Result<()> {
        let Output::Disk(d) = self else {
            return Ok(());
        };
        let dir = d.root.join(sub);
        if !dir.is_dir() || lock(&d.moved_whole)?.contains(sub) {
            return Ok(());
        }
        let written = lock(&d.written)?;
        let mut dirs = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).contents_first(true) {
            let entry = entry.map_err(std::io::Error::other)?;
            if entry.file_type().is_dir() {
                dirs.push(entry.into_path());
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&d.root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if !written.contains(&rel) {
                std::fs::remove_file(entry.path()).map_err(at(entry.path()))?;
            }
        }
        for d in dirs {
            // Fails (and is ignored) when the folder still has files.
            let _ = std::fs::remove_dir(d);
        }
        Ok(())
    }
}

/// Refuses a relative output path that would leave the output root.
pub fn check_rel(rel: &str) -> std::io::Result<()> {
    match crate::util::path_problem(rel) {
        Some(why) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to write `{}`: the path {why}", rel.escape_debug()),
        )),
        None => Ok(()),
    }
}

/// True when the file of a site URL stays inside the site folder.
pub fn url_is_safe(url: &str) -> bool {
    crate::util::path_problem(&url_to_file(url)).is_none()
}

/// `a//./b` → `a/b`: the key a file is known by, whatever way its path was spelled.
fn normalize_rel(rel: &str) -> String {
    rel.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(&["..", "/", "\\", ".", "\0", "C:", "site", "x"][..])
    }

    #[test]
    fn a_staging_folder_left_by_a_killed_build_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join(STAGING);
        std::fs::create_dir_all(staging.join("site")).unwrap();
        std::fs::write(staging.join("site/en"), "left over").unwrap();
        let out = Output::disk(dir.path().to_path_buf());
        out.write("site/en/index.html", b"home").unwrap();
        out.commit().unwrap();
        let home = std::fs::read_to_string(dir.path().join("site/en/index.html")).unwrap();
        assert_eq!(home, "home");
        assert!(!staging.exists());
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().ino()
    }

    #[cfg(unix)]
    #[test]
    fn copied_files_are_linked_and_writes_never_reach_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("screen.png");
        std::fs::write(&source, b"image").unwrap();
        let root = dir.path().join("out");
        let out = Output::disk(root.clone());
        out.copy(&source, "site/files/screen.png").unwrap();
        // The same path written again in the same build replaces the staged link.
        out.copy(&source, "site/files/again.png").unwrap();
        out.write("site/files/again.png", b"other").unwrap();
        out.commit().unwrap();
        let linked = root.join("site/files/screen.png");
        assert_eq!(
            inode(&linked),
            inode(&source),
            "a link, no copy of the data"
        );
        assert_eq!(
            std::fs::read(root.join("site/files/again.png")).unwrap(),
            b"other"
        );
        assert_eq!(std::fs::read(&source).unwrap(), b"image");
        // A later build into the kept folder: the linked file is left alone when unchanged,
        // and replaced (not written through) when the output gets other bytes there.
        let out = Output::disk(root.clone());
        out.copy(&source, "site/files/screen.png").unwrap();
        out.write("site/files/again.png", b"other").unwrap();
        out.commit().unwrap();
        assert_eq!(inode(&linked), inode(&source));
        let out = Output::disk(root.clone());
        out.write("site/files/screen.png", b"changed").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read(&linked).unwrap(), b"changed");
        assert_eq!(std::fs::read(&source).unwrap(), b"image");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_source_is_copied_not_linked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.png");
        std::fs::write(&target, b"image").unwrap();
        let source = dir.path().join("screen.png");
        std::os::unix::fs::symlink(&target, &source).unwrap();
        let root = dir.path().join("out");
        let out = Output::disk(root.clone());
        out.copy(&source, "site/files/screen.png").unwrap();
        out.commit().unwrap();
        let copied = root.join("site/files/screen.png");
        assert!(std::fs::symlink_metadata(&copied).unwrap().is_file());
        assert_eq!(std::fs::read(&copied).unwrap(), b"image");
    }

    #[test]
    fn outputs_refuse_paths_that_leave_their_root() {
        let sentinel = tempfile::tempdir().unwrap();
        let out = Output::disk(sentinel.path().join("a/b/out"));
        for rel in ["../x", "site/../../x", "/tmp/x", "a\\..\\..\\x", "a\0b", ""] {
            assert!(out.write(rel, b"x").is_err(), "{rel:?}");
            assert!(Output::memory().write(rel, b"x").is_err(), "{rel:?}");
        }
        assert_eq!(
            walkdir::WalkDir::new(sentinel.path()).into_iter().count(),
            1
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Whatever relative path a caller passes, nothing lands outside the disk root, and the
        /// memory output keeps only paths the disk one would accept.
        #[test]
        fn no_relative_path_escapes(parts in prop::collection::vec(piece(), 1..8)) {
            let rel = parts.concat();
            let sentinel = tempfile::tempdir().unwrap();
            let root = sentinel.path().join("a/b/c/out");
            let out = Output::disk(root.clone());
            let _ = out.write(&rel, b"x");
            for e in walkdir::WalkDir::new(sentinel.path()).into_iter().filter_map(Result::ok) {
                prop_assert!(e.file_type().is_dir() || e.path().starts_with(&root), "{rel:?} wrote {}", e.path().display());
            }
            let mem = Output::memory();
            if mem.write(&rel, b"x").is_ok() {
                prop_assert_eq!(crate::util::path_problem(&rel), None);
            }
        }
    }
}
