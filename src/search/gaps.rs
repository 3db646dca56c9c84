//! Content gaps: queries that found nothing, counted per locale and kept in the data folder
//! (`DATA/search-gaps.json`) so writers see what partners looked for and did not find.
//!
//! Anyone can search, so one client must not be able to flood the list: within an hour a
//! client counts once per query (asking the same thing a thousand times counts once) and for
//! at most [`PER_CLIENT_PER_HOUR`] different queries. Real gaps, asked by many people, keep
//! counting.
//!
//! The same recorder keeps the searches of the results page that did find something
//! (`DATA/search-opens.json`) with how many of them led to an opened result: the article page
//! reports `POST /api/search/opened` when the partner arrived from the results page (its
//! same-origin referrer). Those counts follow the same flood rules, and an open counts only for
//! a query the results page answered, never more often than it was asked. Both lists feed
//! `ayuda report content`.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// File name inside the data folder.
pub const GAPS_FILE: &str = "search-gaps.json";
/// Searches of the results page that found something, with how often a result was opened.
pub const OPENS_FILE: &str = "search-opens.json";
/// Queries kept per locale; the least frequent are dropped past it.
const MAX_PER_LOCALE: usize = 5000;
/// Different zero-result queries one client may add to the counts per hour.
pub const PER_CLIENT_PER_HOUR: u32 = 20;
/// Clients remembered per hour; past it, new clients are not counted until the hour ends.
const MAX_CLIENTS: usize = 50_000;
const WINDOW: Duration = Duration::from_secs(3600);

/// Who counted what in the current hour.
struct Window {
    started: Instant,
    /// Per client: how many queries it counted, and their hashes.
    clients: HashMap<IpAddr, (u32, HashSet<u64>)>,
}

impl Window {
    fn new() -> Window {
        Window {
            started: Instant::now(),
            clients: HashMap::new(),
        }
    }

    /// True when `client` may count `key` now (and notes that it did).
    fn admit(&mut self, client: IpAddr, key: u64) -> bool {
        if self.started.elapsed() >= WINDOW {
            *self = Window::new();
        }
        if !self.clients.contains_key(&client) && self.clients.len() >= MAX_CLIENTS {
            return false;
        }
        let (n, seen) = self.clients.entry(client).or_default();
        if *n >= PER_CLIENT_PER_HOUR || !seen.insert(key) {
            return false;
        }
        *n += 1;
        true
    }
}

fn key_of(locale: &str, query: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(locale.as_bytes());
    h.write_u8(0);
    h.write(query.as_bytes());
    h.finish()
}

/// One recorded query: a zero-result one, or (in [`OPENS_FILE`]) one that found something.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Gap {
    pub count: u64,
    /// Last time it was asked, RFC 3339.
    pub last: String,
    /// How many of those searches led to an opened result (searches that found something).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub opened: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Locale → normalized query → counts.
pub type GapTable = BTreeMap<String, BTreeMap<String, Gap>>;

/// One table of query counts and the file it is flushed to.
struct Counts {
    path: PathBuf,
    table: Mutex<GapTable>,
    /// What was counted since [`GapRecorder::take_pending`] last took it: the increments a
    /// shared database adds to what the other instances counted.
    pending: Mutex<GapTable>,
    dirty: AtomicBool,
    window: Mutex<Window>,
}

impl Counts {
    fn open(path: PathBuf) -> Counts {
        Counts {
            table: Mutex::new(load(&path)),
            pending: Mutex::new(GapTable::new()),
            path,
            dirty: AtomicBool::new(false),
            window: Mutex::new(Window::new()),
        }
    }

    /// Counts `query` once for `client` (see the module's flood rules).
    fn count(&self, locale: &str, query: &str, client: IpAddr) {
        let q = normalize(query);
        if q.is_empty() {
            return;
        }
        let admitted = self
            .window
            .lock()
            .is_ok_and(|mut w| w.admit(client, key_of(locale, &q)));
        if !admitted {
            return;
        }
        let Ok(mut table) = self.table.lock() else {
            return;
        };
        let per = table.entry(locale.to_string()).or_default();
        if per.len() >= MAX_PER_LOCALE && !per.contains_key(&q) {
            return;
        }
        let e = per.entry(q.clone()).or_insert(Gap {
            count: 0,
            last: String::new(),
            opened: 0,
        });
        e.count += 1;
        e.last = jiff::Timestamp::now().to_string();
        let last = e.last.clone();
        drop(table);
        self.add_pending(locale, q, |p| {
            p.count += 1;
            p.last = last;
        });
        self.dirty.store(true, Ordering::Relaxed);
    }

    fn add_pending(&self, locale: &str, query: String, change: impl FnOnce(&mut Gap)) {
        if let Ok(mut pending) = self.pending.lock() {
            let e = pending
                .entry(locale.to_string())
                .or_default()
                .entry(query)
                .or_insert(Gap {
                    count: 0,
                    last: String::new(),
                    opened: 0,
                });
            change(e);
        }
    }

    fn take_pending(&self) -> GapTable {
        self.pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default()
    }

    /// Puts back increments that could not be stored.
    fn restore_pending(&self, table: GapTable) {
        for (locale, queries) in table {
            for (q, g) in queries {
                self.add_pending(&locale, q, |p| {
                    p.count += g.count;
                    p.opened += g.opened;
                    if g.last > p.last {
                        p.last = g.last;
                    }
                });
            }
        }
    }

    fn replace(&self, table: GapTable) {
        if let Ok(mut t) = self.table.lock() {
            *t = table;
        }
    }

    fn snapshot(&self) -> GapTable {
        self.table.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Writes the counts when they changed since the last flush (atomically: temp file + rename).
    fn flush(&self) -> std::io::Result<()> {
        if !self.dirty.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(&self.snapshot()).map_err(std::io::Error::other)?;
        if let Some(dir) = self.path.parent() {
            crate::private::create_dir(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        crate::private::write(&tmp, &json)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            self.dirty.store(true, Ordering::Relaxed);
        })
    }
}

/// Records zero-result queries, and the answered searches with their opens, in memory;
/// [`GapRecorder::flush`] writes them out.
pub struct GapRecorder {
    gaps: Counts,
    searches: Counts,
    /// Who reported which open in the current hour.
    opens: Mutex<Window>,
}

impl GapRecorder {
    /// A recorder writing to `data_dir/search-gaps.json` and `data_dir/search-opens.json`,
    /// starting from what is already there.
    pub fn open(data_dir: &Path) -> GapRecorder {
        GapRecorder {
            gaps: Counts::open(data_dir.join(GAPS_FILE)),
            searches: Counts::open(data_dir.join(OPENS_FILE)),
            opens: Mutex::new(Window::new()),
        }
    }

    /// Counts one query that found nothing, asked by `client` (see the module's flood rules).
    pub fn record(&self, locale: &str, query: &str, client: IpAddr) {
        self.gaps.count(locale, query, client);
    }

    /// Counts one search of the results page that found something.
    pub fn record_answered(&self, locale: &str, query: &str, client: IpAddr) {
        self.searches.count(locale, query, client);
    }

    /// Counts a result of `query` opened by `client`: once per client, query and hour, only
    /// for a query [`GapRecorder::record_answered`] counted, at most as often as it was asked.
    pub fn record_opened(&self, locale: &str, query: &str, client: IpAddr) {
        let q = normalize(query);
        let known = self
            .searches
            .table
            .lock()
            .is_ok_and(|t| t.get(locale).is_some_and(|per| per.contains_key(&q)));
        if !known {
            return;
        }
        let admitted = self
            .opens
            .lock()
            .is_ok_and(|mut w| w.admit(client, key_of(locale, &q)));
        if !admitted {
            return;
        }
        let mut opened = false;
        if let Ok(mut table) = self.searches.table.lock()
            && let Some(e) = table.get_mut(locale).and_then(|per| per.get_mut(&q))
        {
            opened = e.opened < e.count;
            e.opened = (e.opened + 1).min(e.count);
            self.searches.dirty.store(true, Ordering::Relaxed);
        }
        if opened {
            self.searches.add_pending(locale, q, |p| p.opened += 1);
        }
    }

    /// The zero-result and answered searches counted since the last call, for a database
    /// shared by several instances (`gaps_db`); hand them back with
    /// [`GapRecorder::restore_pending`] when they could not be stored.
    pub fn take_pending(&self) -> (GapTable, GapTable) {
        (self.gaps.take_pending(), self.searches.take_pending())
    }

    /// Puts back what [`GapRecorder::take_pending`] took.
    pub fn restore_pending(&self, (gaps, searches): (GapTable, GapTable)) {
        self.gaps.restore_pending(gaps);
        self.searches.restore_pending(searches);
    }

    /// Replaces the totals (with what the shared database holds).
    pub fn replace(&self, gaps: GapTable, searches: GapTable) {
        self.gaps.replace(gaps);
        self.searches.replace(searches);
    }

    /// A copy of the zero-result counts.
    pub fn snapshot(&self) -> GapTable {
        self.gaps.snapshot()
    }

    /// A copy of the answered searches and their opens.
    pub fn searches(&self) -> GapTable {
        self.searches.snapshot()
    }

    /// Writes what changed since the last flush.
    pub fn flush(&self) -> std::io::Result<()> {
        let gaps = self.gaps.flush();
        self.searches.flush()?;
        gaps
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
    report_of(load(&data_dir.join(GAPS_FILE)), top)
}

/// The `top` queries of each locale of `table`, most counted first.
pub fn report_of(table: GapTable, top: usize) -> BTreeMap<String, Vec<(String, Gap)>> {
    table
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

#[cfg(test)]
mod tests {
    use super::*;

    fn count(r: &GapRecorder, q: &str) -> u64 {
        r.snapshot()
            .get("es")
            .and_then(|t| t.get(q))
            .map_or(0, |g| g.count)
    }

    #[test]
    fn one_client_cannot_flood_the_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let r = GapRecorder::open(dir.path());
        let flooder: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..1000 {
            r.record("es", "factura duplicada", flooder);
        }
        assert_eq!(
            count(&r, "factura duplicada"),
            1,
            "once per client and query"
        );
        for i in 0..1000 {
            r.record("es", &format!("spam {i}"), flooder);
        }
        let spam = r.snapshot()["es"]
            .keys()
            .filter(|q| q.starts_with("spam"))
            .count();
        assert_eq!(spam as u32, PER_CLIENT_PER_HOUR - 1, "a budget per client");
        // A real gap, asked by many people, keeps counting.
        for i in 0..50u8 {
            r.record("es", "Factura  DUPLICADA", IpAddr::from([198, 51, 100, i]));
        }
        assert_eq!(count(&r, "factura duplicada"), 51);
    }

    #[cfg(unix)]
    #[test]
    fn the_gap_log_is_private_to_the_service() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let r = GapRecorder::open(&data);
        r.record("es", "factura duplicada", IpAddr::from([198, 51, 100, 1]));
        r.flush().unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "data folder");
        assert_eq!(mode(&data.join(GAPS_FILE)), 0o600, "gap log");
    }

    #[test]
    fn opens_count_only_for_answered_searches_once_per_client() {
        let dir = tempfile::tempdir().unwrap();
        let r = GapRecorder::open(dir.path());
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "198.51.100.1".parse().unwrap();
        r.record_opened("es", "clave partner", a);
        assert!(r.searches().is_empty(), "an open of a query never asked");
        r.record_answered("es", "Clave  partner", a);
        r.record_answered("es", "clave partner", b);
        for _ in 0..10 {
            r.record_opened("es", "clave partner", a);
        }
        assert_eq!(r.searches()["es"]["clave partner"].opened, 1);
        r.record_opened("es", "clave partner", b);
        r.record_opened("es", "clave partner", "192.0.2.1".parse().unwrap());
        let e = &r.searches()["es"]["clave partner"];
        assert_eq!(
            (e.count, e.opened),
            (2, 2),
            "never more opens than searches"
        );
        r.flush().unwrap();
        let saved = load(&dir.path().join(OPENS_FILE));
        assert_eq!(saved["es"]["clave partner"].opened, 2);
        // The gaps file keeps its format: no `opened` field.
        r.record("es", "nada", a);
        r.flush().unwrap();
        let text = std::fs::read_to_string(dir.path().join(GAPS_FILE)).unwrap();
        assert!(!text.contains("opened"), "{text}");
    }
}
