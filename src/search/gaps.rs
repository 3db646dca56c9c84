//! Content gaps: queries that found nothing, counted per locale and kept in the data folder
//! (`DATA/search-gaps.json`) so writers see what partners looked for and did not find.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// File name inside the data folder.
pub const GAPS_FILE: &str = "search-gaps.json";
/// Queries kept per locale; the least frequent are dropped past it.
const MAX_PER_LOCALE: usize = 5000;

/// One zero-result query.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Gap {
    pub count: u64,
    /// Last time it was asked, RFC 3339.
    pub last: String,
}

/// Locale → normalized query → counts.
pub type GapTable = BTreeMap<String, BTreeMap<String, Gap>>;

/// Records zero-result queries in memory; [`GapRecorder::flush`] writes them out.
pub struct GapRecorder {
    path: PathBuf,
    table: Mutex<GapTable>,
    dirty: AtomicBool,
}

impl GapRecorder {
    /// A recorder writing to `data_dir/search-gaps.json`, starting from what is already there.
    pub fn open(data_dir: &Path) -> GapRecorder {
        let path = data_dir.join(GAPS_FILE);
        GapRecorder {
            table: Mutex::new(load(&path)),
            path,
            dirty: AtomicBool::new(false),
        }
    }

    /// Counts one query that found nothing.
    pub fn record(&self, locale: &str, query: &str) {
        let q = normalize(query);
        if q.is_empty() {
            return;
        }
        let Ok(mut table) = self.table.lock() else {
            return;
        };
        let per = table.entry(locale.to_string()).or_default();
        if per.len() >= MAX_PER_LOCALE && !per.contains_key(&q) {
            return;
        }
        let e = per.entry(q).or_insert(Gap {
            count: 0,
            last: String::new(),
        });
        e.count += 1;
        e.last = jiff::Timestamp::now().to_string();
        self.dirty.store(true, Ordering::Relaxed);
    }

    /// A copy of the counts.
    pub fn snapshot(&self) -> GapTable {
        self.table.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Writes the counts when they changed since the last flush (atomically: temp file + rename).
    pub fn flush(&self) -> std::io::Result<()> {
        if !self.dirty.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(&self.snapshot()).map_err(std::io::Error::other)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            self.dirty.store(true, Ordering::Relaxed);
        })
    }
}

/// Reads a gaps file; a missing or unreadable file is an empty table.
pub fn load(path: &Path) -> GapTable {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The `top` most frequent zero-result queries of each locale, most frequent first.
pub fn report(data_dir: &Path, top: usize) -> BTreeMap<String, Vec<(String, Gap)>> {
    load(&data_dir.join(GAPS_FILE))
        .into_iter()
        .map(|(locale, queries)| {
            let mut list: Vec<(String, Gap)> = queries.into_iter().collect();
            list.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
            list.truncate(top);
            (locale, list)
        })
        .collect()
}

/// Lower case, single spaces, at most 200 characters: "Cómo  PAGAR" and "cómo pagar" count once.
pub fn normalize(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .take(200)
        .collect()
}
