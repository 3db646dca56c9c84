//! Article history: revisions from git when the content is in a checkout, front matter otherwise.
//!
//! [`History::load`] reads the whole history of the content folder once (see [`git`]), follows
//! renames back from each article's current file, and keeps per article its changes and every URL
//! it was published at. [`History::record`] applies the precedence rules (docs/history.md):
//! explicit front-matter dates and `version` win over git; without git, front matter alone.

pub mod git;
pub mod notes;
pub mod whats_new;

pub use notes::HistoryConfig;

use crate::config::Config;
use crate::content::{Article, Library, Status, parse_article};
use crate::diag::Diagnostic;
use crate::site::urls;
use jiff::Timestamp;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// What a change did to the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The article was created (first commit of its file, or front-matter creation date).
    Added,
    /// The content changed (possibly together with a rename).
    Updated,
    /// The file moved or was renamed without a content change.
    Renamed,
}

/// One change of one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub time: Timestamp,
    pub author: String,
    /// The commit subject (or a generic label for front-matter dates).
    pub summary: String,
    /// Commit hash; empty for front-matter changes.
    pub commit: String,
    /// The summaries written for readers (`Changelog:` trailers).
    pub notes: notes::Notes,
    /// The article's file at that change, relative to the site root.
    pub file: String,
    pub kind: ChangeKind,
    blob: Option<String>,
}

/// Where the history of a build comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Source {
    /// No git checkout (or no git): front matter only.
    #[default]
    FrontMatter,
    /// A git checkout; `shallow` when its history is cut.
    Git { shallow: bool },
}

#[derive(Debug, Clone, Default)]
struct ArticleHistory {
    /// Newest first.
    changes: Vec<Change>,
    /// URLs the article was published at in the past → last time it was there.
    old_urls: BTreeMap<String, Timestamp>,
}

/// The history of every article of a site.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub source: Source,
    by_file: HashMap<String, ArticleHistory>,
    /// Old URL (seen in history) → the visible article it now redirects to.
    pub redirects: BTreeMap<String, usize>,
    /// Shallow clones, git failures, old URLs claimed by two articles.
    pub diagnostics: Vec<Diagnostic>,
    /// Time spent reading history.
    pub elapsed: Duration,
    /// Time per phase (`git log`, parse, old versions, redirects), for benchmarks and debug logs.
    pub phases: Vec<(&'static str, Duration)>,
}

/// Whether pages show commit subjects and authors: in writer mode, or when `history.show_commits`.
pub fn show_commits(site: &crate::site::Site) -> bool {
    site.options.writer_mode || site.config.history.show_commits
}

/// One line of an article's history panel.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    /// Display date in the article's locale.
    pub date: String,
    pub date_iso: String,
    pub author: String,
    pub summary: String,
    pub kind: ChangeKind,
}

/// An article's dates, version and history after the precedence rules.
#[derive(Debug, Clone)]
pub struct Record {
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    /// Number of changes (commits, or front-matter dates without git).
    pub revisions: usize,
    /// Front matter `version`, else the revision number; empty when neither exists.
    pub version: String,
    /// Newest first.
    pub changes: Vec<Change>,
    /// The front-matter `changes:` list, newest first: when given, readers see it instead.
    pub written: Vec<notes::WrittenChange>,
}

impl Record {
    /// The newest change that altered content (pure renames do not make an article "updated").
    pub fn latest(&self) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.kind != ChangeKind::Renamed)
            .or(self.changes.first())
    }
}

/// How many changes an article page lists (its `revisions` counts them all).
pub const PANEL_LIMIT: usize = 50;

impl History {
    /// Reads the history of the visible articles (`urls`: article index → current URL).
    /// Never fails: problems become warnings and the front matter is used.
    pub fn load(
        root: &Path,
        config: &Config,
        library: &Library,
        urls: &BTreeMap<usize, String>,
    ) -> History {
        let start = Instant::now();
        let mut history = History::default();
        let Some(checkout) = git::checkout(root) else {
            return history;
        };
        history.source = Source::Git {
            shallow: checkout.shallow,
        };
        let content = config.content_dir.to_string_lossy().replace('\\', "/");
        if checkout.shallow {
            history.diagnostics.push(Diagnostic::warning(
                &content,
                "shallow-history",
                "the git checkout is a shallow clone: creation dates, revision counts, histories and \
                 old URLs are incomplete; fetch the full history (`git fetch --unshallow`, or \
                 `fetch-depth: 0` with actions/checkout; see docs/history.md)",
            ));
        }
        let log = match git::log(root, &content) {
            Ok(log) => log,
            Err(e) => {
                history.diagnostics.push(Diagnostic::warning(
                    &content,
                    "history-unavailable",
                    format!("{e}; dates and versions come from front matter only"),
                ));
                history.source = Source::FrontMatter;
                return history;
            }
        };
        history.phases.push(("git log", start.elapsed()));
        let commits = git::parse_log(&log);
        let files: Vec<(usize, &str)> = urls
            .keys()
            .map(|&i| (i, library.articles[i].file.as_str()))
            .collect();
        let mut per_article = attribute(&commits, &checkout.prefix, &files);
        history
            .phases
            .push(("parse and follow renames", start.elapsed()));
        let old = old_urls(root, config, library, &per_article);
        history
            .phases
            .push(("old versions and URLs", start.elapsed()));
        for (i, changes) in per_article.drain() {
            let old_urls = old.get(&i).cloned().unwrap_or_default();
            history.by_file.insert(
                library.articles[i].file.clone(),
                ArticleHistory { changes, old_urls },
            );
        }
        history.resolve_redirects(library, urls);
        history.elapsed = start.elapsed();
        history.phases.push(("redirects", history.elapsed));
        tracing::debug!(
            commits = commits.len(),
            ms = history.elapsed.as_millis() as u64,
            phases = ?history.phases,
            "history read from git"
        );
        history
    }

    /// Dates, version and changes of an article, front matter first (see docs/history.md).
    pub fn record(&self, a: &Article) -> Record {
        let changes = match self.by_file.get(&a.file) {
            Some(h) if !h.changes.is_empty() => h.changes.clone(),
            _ => notes::front_matter_changes(a),
        };
        let from_git = self
            .by_file
            .get(&a.file)
            .is_some_and(|h| !h.changes.is_empty());
        let mut record = Record {
            created: None,
            updated: None,
            revisions: changes.len(),
            version: String::new(),
            changes,
            written: notes::written_changes(a).0,
        };
        let git_updated = if from_git {
            record.latest().map(|c| c.time)
        } else {
            None
        };
        let git_created = if from_git {
            record.changes.last().map(|c| c.time)
        } else {
            None
        };
        record.created = a
            .front
            .created
            .or(git_created)
            .or(a.front.first_published)
            .or(a.front.published);
        record.updated = a.front.updated.or(git_updated).or_else(|| a.updated());
        record.version = match &a.front.version {
            Some(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ if record.revisions > 0 => record.revisions.to_string(),
            _ => String::new(),
        };
        record
    }

    /// The last update of an article after the precedence rules.
    pub fn updated(&self, a: &Article) -> Option<Timestamp> {
        let git = self.by_file.get(&a.file).and_then(|h| {
            h.changes
                .iter()
                .find(|c| c.kind != ChangeKind::Renamed)
                .or(h.changes.first())
                .map(|c| c.time)
        });
        a.front.updated.or(git).or_else(|| a.updated())
    }

    /// URLs article `a` had in its history (not counting its current one).
    pub fn old_urls(&self, a: &Article) -> impl Iterator<Item = &str> {
        self.by_file
            .get(&a.file)
            .into_iter()
            .flat_map(|h| h.old_urls.keys().map(String::as_str))
    }

    /// Decides which article each old URL leads to: the one that held it last. Old URLs that are
    /// a current page are left alone; two articles claiming one old URL get a warning.
    fn resolve_redirects(&mut self, library: &Library, urls: &BTreeMap<usize, String>) {
        // Current pages and permanent short links are never taken over by an old URL.
        let mut taken: HashSet<String> = urls.values().cloned().collect();
        taken.extend(urls.keys().map(|&i| {
            let a = &library.articles[i];
            urls::id_url(&a.locale, &a.id)
        }));
        let mut claims: BTreeMap<&str, Vec<(Timestamp, usize)>> = BTreeMap::new();
        for &i in urls.keys() {
            let Some(h) = self.by_file.get(&library.articles[i].file) else {
                continue;
            };
            for (url, &time) in &h.old_urls {
                // Old versions were parsed like current files (unsafe values left them out);
                // a URL whose file would leave the site folder is never a redirect.
                if !taken.contains(url) && crate::site::output::url_is_safe(url) {
                    claims.entry(url).or_default().push((time, i));
                }
            }
        }
        let mut redirects = BTreeMap::new();
        let mut diagnostics = Vec::new();
        for (url, mut holders) in claims {
            // Latest holder first; ties go to the first article in library order.
            holders.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            let winner = holders[0].1;
            redirects.insert(url.to_string(), winner);
            for &(_, loser) in &holders[1..] {
                let (w, l) = (&library.articles[winner], &library.articles[loser]);
                if w.id == l.id {
                    continue;
                }
                diagnostics.push(Diagnostic::warning(
                    &l.file,
                    "history-redirect-conflict",
                    format!(
                        "old URL {url} was used by this article and by {}; it now redirects to {}, \
                         which held it last (list it under `aliases` of the article it should lead to)",
                        w.file, w.file
                    ),
                ));
            }
        }
        self.redirects = redirects;
        self.diagnostics.extend(diagnostics);
    }
}

/// Follows each article back through the log (newest first), across renames, until the commit
/// that added it. Pure: `files` are (article index, file relative to the site root).
fn attribute(
    commits: &[git::Commit],
    prefix: &str,
    files: &[(usize, &str)],
) -> HashMap<usize, Vec<Change>> {
    let mut tracked: HashMap<String, usize> = files
        .iter()
        .map(|&(i, f)| (format!("{prefix}{f}"), i))
        .collect();
    let mut out: HashMap<usize, Vec<Change>> = HashMap::new();
    let strip = |p: &str| p.strip_prefix(prefix).unwrap_or(p).to_string();
    for c in commits {
        for e in &c.entries {
            let kind = match e.status {
                'A' | 'C' => ChangeKind::Added,
                'R' => ChangeKind::Renamed,
                'D' => {
                    // A file deleted later than the current (uncommitted) one was created.
                    tracked.remove(&e.path);
                    continue;
                }
                _ => ChangeKind::Updated,
            };
            let Some(i) = tracked.remove(&e.path) else {
                continue;
            };
            let mut kind = kind;
            if e.status == 'R' {
                if let Some(from) = &e.from {
                    tracked.insert(from.clone(), i);
                }
                // A rename with edits is an update too; git only reports R100 for pure moves.
                if e.blob.is_some() && !is_pure_rename(e) {
                    kind = ChangeKind::Updated;
                }
            } else if kind == ChangeKind::Updated {
                tracked.insert(e.path.clone(), i);
            }
            out.entry(i).or_default().push(Change {
                time: c.time,
                author: c.author.clone(),
                summary: c.subject.clone(),
                commit: c.hash.clone(),
                notes: c.notes.clone(),
                file: strip(&e.path),
                kind,
                blob: e.blob.clone(),
            });
        }
    }
    out
}

fn is_pure_rename(e: &git::Entry) -> bool {
    e.status == 'R' && e.score_is_full
}

/// URLs each article was published at in past versions: every distinct (file, blob) of its history
/// is read with one `git cat-file --batch` and parsed like a current file.
fn old_urls(
    root: &Path,
    config: &Config,
    library: &Library,
    per_article: &HashMap<usize, Vec<Change>>,
) -> HashMap<usize, BTreeMap<String, Timestamp>> {
    let mut blobs: Vec<String> = per_article
        .values()
        .flatten()
        .filter_map(|c| c.blob.clone())
        .collect();
    blobs.sort();
    blobs.dedup();
    let texts: HashMap<String, Vec<u8>> = match git::read_blobs(root, &blobs) {
        Ok(v) => v.into_iter().collect(),
        Err(e) => {
            tracing::warn!("cannot read old versions from git: {e}");
            HashMap::new()
        }
    };
    let known: Vec<String> = config.locale_codes();
    let default_locale = library.default_locale.as_str();
    let content_dir = config.content_dir.to_string_lossy().replace('\\', "/");
    let mut indices: Vec<&usize> = per_article.keys().collect();
    indices.sort();
    indices
        .into_par_iter()
        .map(|&i| {
            let current = &library.articles[i];
            let now = urls::article_url(&config.permalink, current);
            let now_id = urls::id_url(&current.locale, &current.id);
            // An old URL depends on the file path and the front matter only: versions that
            // differ in their body alone are parsed once.
            let mut seen: HashMap<(&str, String), Option<(String, String)>> = HashMap::new();
            let mut out: BTreeMap<String, Timestamp> = BTreeMap::new();
            for c in &per_article[&i] {
                let Some(blob) = &c.blob else { continue };
                let Some(bytes) = texts.get(blob) else {
                    continue;
                };
                let text = String::from_utf8_lossy(bytes);
                let front = match crate::content::frontmatter::split(&text) {
                    Ok(parts) => parts
                        .yaml
                        .map(|y| format!("---\n{y}\n---\n"))
                        .unwrap_or_default(),
                    Err(_) => continue,
                };
                let found = seen
                    .entry((c.file.as_str(), front))
                    .or_insert_with_key(|(_, text)| {
                        let under = Path::new(&c.file)
                            .strip_prefix(&content_dir)
                            .unwrap_or(Path::new(&c.file));
                        let (old, _) = parse_article(
                            text,
                            &c.file,
                            &root.join(&c.file),
                            under,
                            &known,
                            default_locale,
                        );
                        let mut old = old.filter(|o| o.status == Status::Published)?;
                        // A slug from the file name may have been qualified by its folder
                        // (content::qualify_colliding_slugs), which needs the whole library:
                        // the same file, with no slug written then or now, had the same one.
                        if c.file == current.file
                            && old.front.slug.is_none()
                            && current.front.slug.is_none()
                        {
                            old.slug = current.slug.clone();
                        }
                        Some((
                            urls::article_url(&config.permalink, &old),
                            urls::id_url(&old.locale, &old.id),
                        ))
                    });
                let Some((url, id_url)) = found else { continue };
                for u in [url, id_url] {
                    if *u != now && *u != now_id {
                        let t = out.entry(u.clone()).or_insert(c.time);
                        *t = (*t).max(c.time);
                    }
                }
            }
            (i, out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::git::{Commit, Entry};
    use super::*;

    fn commit(hash: &str, secs: i64, entries: Vec<Entry>) -> Commit {
        Commit {
            hash: hash.into(),
            time: Timestamp::from_second(secs).unwrap(),
            author: format!("author-{hash}"),
            subject: format!("subject {hash}"),
            notes: Vec::new(),
            entries,
        }
    }

    fn entry(status: char, from: Option<&str>, path: &str, full: bool) -> Entry {
        Entry {
            status,
            from: from.map(str::to_string),
            path: path.into(),
            blob: (status != 'D').then(|| format!("blob-{path}")),
            score_is_full: full,
        }
    }

    #[test]
    fn follows_renames_back_to_the_first_commit() {
        let log = vec![
            commit(
                "c4",
                400,
                vec![entry('M', None, "site/content/b/x.md", false)],
            ),
            commit(
                "c3",
                300,
                vec![entry(
                    'R',
                    Some("site/content/a/x.md"),
                    "site/content/b/x.md",
                    true,
                )],
            ),
            commit(
                "c2",
                200,
                vec![entry('M', None, "site/content/a/x.md", false)],
            ),
            commit(
                "c1",
                100,
                vec![entry('A', None, "site/content/a/x.md", false)],
            ),
            commit(
                "c0",
                50,
                vec![entry('D', None, "site/content/a/x.md", false)],
            ),
        ];
        let got = attribute(&log, "site/", &[(7, "content/b/x.md")]);
        let kinds: Vec<ChangeKind> = got[&7].iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Updated,
                ChangeKind::Renamed,
                ChangeKind::Updated,
                ChangeKind::Added
            ]
        );
        assert_eq!(got[&7][3].file, "content/a/x.md");
    }

    #[test]
    fn a_readded_file_starts_a_new_history() {
        let log = vec![
            commit("c3", 300, vec![entry('A', None, "content/x.md", false)]),
            commit("c2", 200, vec![entry('D', None, "content/x.md", false)]),
            commit("c1", 100, vec![entry('A', None, "content/x.md", false)]),
        ];
        let got = attribute(&log, "", &[(0, "content/x.md")]);
        assert_eq!(got[&0].len(), 1);
        assert_eq!(got[&0][0].time.as_second(), 300);
    }
}
