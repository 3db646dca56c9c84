//! Writer mode of `ayuda serve`: build into memory, watch the site root, rebuild what changed,
//! publish the new pages to the running service and tell open pages to reload.
//!
//! Pages are served from memory (no disk writes on the save path). The search indexes and the
//! theme snapshot the service's own pages need live on disk in a private temporary folder,
//! because the search engine opens tantivy indexes from a folder; a save updates only the index
//! entries of the changed articles, after the new pages are already served.

pub mod build;
pub mod live;
mod plan;
pub mod watch;

use crate::server::{AppState, LoadedSite};
use build::{Changes, Outcome, Workspace};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why `root` does not look like a help center, if it does not: it has neither `ayuda.yaml`
/// nor a `content/` folder. `ayuda serve` refuses such a folder unless `--root` names it (then
/// it warns), so that starting it in the wrong folder does not watch it and create `data/`.
pub fn root_problem(root: &Path) -> Option<String> {
    let has_config = root.join(crate::config::CONFIG_FILE).is_file();
    let has_content = root.join("content").is_dir();
    (!has_config && !has_content).then(|| {
        format!(
            "{} has no ayuda.yaml and no content/ folder: it does not look like a help center",
            root.display()
        )
    })
}

/// A private folder for the service files of writer mode, removed when dropped.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    /// Creates `$TMPDIR/ayuda-serve-<pid>`.
    pub fn create() -> std::io::Result<ScratchDir> {
        let dir = std::env::temp_dir().join(format!("ayuda-serve-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(ScratchDir(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Prints the outcome of a build on the terminal.
pub fn report(o: &Outcome, first: bool) {
    if let Some(f) = &o.fatal {
        eprintln!("ayuda: build failed: {f}");
        return;
    }
    for d in o.errors.iter() {
        eprintln!("{d}");
    }
    if !o.ok {
        eprintln!(
            "ayuda: {} error(s); still serving the last good build (fix and save)",
            o.errors.len()
        );
        return;
    }
    if first {
        for d in &o.warnings {
            eprintln!("{d}");
        }
        eprintln!(
            "ayuda: built {} pages in {} ms ({} warnings)",
            o.rendered,
            o.elapsed_ms,
            o.warnings.len()
        );
    } else {
        let shown: Vec<&str> = o.changed.iter().take(3).map(String::as_str).collect();
        let more = o.changed.len().saturating_sub(shown.len());
        eprintln!(
            "ayuda: rebuilt in {} ms: {} pages rendered, {} changed{}{}",
            o.elapsed_ms,
            o.rendered,
            o.changed.len(),
            if shown.is_empty() {
                String::new()
            } else {
                format!(" ({}", shown.join(", "))
            },
            if shown.is_empty() {
                String::new()
            } else if more > 0 {
                format!(" and {more} more)")
            } else {
                ")".to_string()
            }
        );
    }
}

/// Makes the workspace's last good build the one the service answers with.
fn publish(state: &AppState, ws: &Workspace, reopen_engine: bool) {
    let current = state.site.load_full();
    let (engine, renderer) = if reopen_engine {
        let fresh = LoadedSite::open(&ws.dist);
        (fresh.engine, fresh.renderer)
    } else {
        (current.engine.clone(), current.renderer.clone())
    };
    state.site.store(Arc::new(LoadedSite {
        dist: ws.dist.clone(),
        engine,
        renderer,
        pages: Some(ws.pages()),
    }));
}

/// Builds everything once and publishes it; returns the outcome.
pub fn first_build(state: &AppState, ws: &mut Workspace) -> Outcome {
    let outcome = ws.rebuild(&Changes::default());
    report(&outcome, true);
    if outcome.ok {
        if let Err(e) = ws.update_search() {
            eprintln!("ayuda: search index: {e}");
        }
        publish(state, ws, true);
    }
    if let Some(live) = &state.live {
        live.publish(&outcome);
    }
    outcome
}

/// Watches and rebuilds until the watcher stops (runs on its own thread).
pub fn watch_loop(state: AppState, mut ws: Workspace, watch: watch::Watch) {
    let mut had_good = state
        .site
        .load()
        .pages
        .as_ref()
        .is_some_and(|p| !p.is_empty());
    while let Some(changes) = watch.next_batch() {
        let outcome = ws.rebuild(&changes);
        if outcome.ok {
            // Pages first, so a save shows at once; the search index follows.
            publish(&state, &ws, !had_good || outcome.all);
            had_good = true;
        }
        report(&outcome, false);
        if let Some(live) = &state.live {
            live.publish(&outcome);
        }
        if outcome.ok {
            match ws.update_search() {
                Ok(true) => publish(&state, &ws, true),
                Ok(false) => {}
                Err(e) => eprintln!("ayuda: search index not updated: {e}"),
            }
        }
    }
}

/// Opens the default browser at `url` (best effort).
pub fn open_browser(url: &str) {
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = result {
        eprintln!("ayuda: cannot open a browser ({e}); open {url}");
    }
}

/// The content folder of `root` per its configuration (default `content`).
pub fn content_dir(root: &Path) -> PathBuf {
    crate::Config::load(root)
        .map(|c| c.content_dir)
        .unwrap_or_else(|_| PathBuf::from("content"))
}
