//! What readers see of an article's history: the summaries writers wrote for them, as a
//! `Changelog:` commit trailer (`Changelog-es:` for one locale) or a front-matter `changes:` list
//! of `{date, summary}` where `summary` is a text or a map of texts per locale.

use super::{Change, ChangeKind, HistoryItem};
use crate::content::Article;
use crate::content::frontmatter::parse_date;
use crate::diag::Diagnostic;
use crate::i18n::format_date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `history` settings of `ayuda.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Pages show commit subjects and authors (always so in `ayuda serve`'s writer mode).
    pub show_commits: bool,
}

/// A summary for readers: per locale (`""` stands for every locale), in the order written.
pub type Notes = Vec<(String, String)>;

/// The note of `locale` in `notes`: its own first, else the one for every locale.
pub fn pick<'a>(notes: &'a Notes, locale: &str) -> Option<&'a str> {
    let lang = locale.split(['-', '_']).next().unwrap_or(locale);
    let find = |want: &str| {
        notes
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(want))
            .map(|(_, t)| t.as_str())
    };
    find(locale).or_else(|| find(lang)).or_else(|| find(""))
}

/// The `Changelog` trailers of a commit, from git's `%(trailers:only,unfold)` output separated
/// by `sep`: `Changelog: text` for every locale, `Changelog-es: text` for one.
pub fn from_trailers(trailers: &str, sep: char) -> Notes {
    trailers
        .split(sep)
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let key = key.trim().to_ascii_lowercase();
            let locale = if key == "changelog" {
                ""
            } else {
                key.strip_prefix("changelog-")?
            };
            let value = value.trim();
            (!value.is_empty()).then(|| (locale.to_string(), value.to_string()))
        })
        .collect()
}

/// One entry of a front-matter `changes:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenChange {
    pub time: Timestamp,
    pub notes: Notes,
}

/// The front-matter `changes:` list of `a`, newest first, and a warning per entry it cannot
/// read (the entry is left out).
pub fn written_changes(a: &Article) -> (Vec<WrittenChange>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let Some(value) = a.front.extra.get("changes") else {
        return (out, problems);
    };
    let mut bad = |n: usize, what: &str| {
        problems.push(Diagnostic::warning(
            &a.file,
            "bad-changes",
            format!(
                "`changes` entry {n}: {what}; write `- {{date: 2024-01-08, summary: Text}}` (summary may be a map per locale: `{{es: …, en: …}}`)"
            ),
        ));
    };
    let Value::Array(entries) = value else {
        bad(1, "`changes` must be a list");
        return (out, problems);
    };
    for (n, entry) in entries.iter().enumerate() {
        let n = n + 1;
        let Some(time) = entry
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| parse_date(d.trim()))
        else {
            bad(n, "`date` is missing or not an ISO 8601 date");
            continue;
        };
        let notes: Notes = match entry.get("summary") {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                vec![(String::new(), s.trim().into())]
            }
            Some(Value::Object(map)) => map
                .iter()
                .filter_map(|(l, t)| Some((l.clone(), t.as_str()?.trim().to_string())))
                .filter(|(_, t)| !t.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        if notes.is_empty() {
            bad(n, "`summary` is missing or empty");
            continue;
        }
        out.push(WrittenChange { time, notes });
    }
    out.sort_by_key(|w| std::cmp::Reverse(w.time));
    (out, problems)
}

impl super::Record {
    /// The history panel, newest first, at most `limit` lines, dates in `locale`. Readers get
    /// the summaries written for them; commit subjects and authors only with `show_commits`.
    pub fn items(&self, locale: &str, limit: usize, show_commits: bool) -> Vec<HistoryItem> {
        let item = |time: Timestamp, author: &str, summary: &str, kind| HistoryItem {
            date: format_date(time, locale),
            date_iso: time.to_string(),
            author: author.to_string(),
            summary: summary.to_string(),
            kind,
        };
        if !show_commits && !self.written.is_empty() {
            let oldest = self.written.len().saturating_sub(1);
            return (self.written.iter().enumerate().take(limit))
                .map(|(n, w)| {
                    let kind = if n == oldest && self.created.is_none_or(|c| c >= w.time) {
                        ChangeKind::Added
                    } else {
                        ChangeKind::Updated
                    };
                    item(w.time, "", pick(&w.notes, locale).unwrap_or(""), kind)
                })
                .collect();
        }
        (self.changes.iter().take(limit))
            .map(|c| {
                if show_commits || c.commit.is_empty() {
                    // Front-matter dates carry the writer's name and a label in the page's language.
                    item(c.time, &c.author, &c.summary, c.kind)
                } else {
                    item(c.time, "", pick(&c.notes, locale).unwrap_or(""), c.kind)
                }
            })
            .collect()
    }

    /// The summary readers get for the latest change (what's new), if a writer wrote one.
    pub fn reader_summary(&self, locale: &str) -> Option<&str> {
        match self.written.first() {
            Some(w) => pick(&w.notes, locale),
            None => self.latest().and_then(|c| pick(&c.notes, locale)),
        }
    }
}

/// History from front matter alone: its creation and update dates.
pub(super) fn front_matter_changes(a: &Article) -> Vec<Change> {
    let author = a.front.author.clone().unwrap_or_default();
    let created = a
        .front
        .created
        .or(a.front.first_published)
        .or(a.front.published);
    let mut out = Vec::new();
    let label = |kind| labels(&a.locale, kind).to_string();
    if let Some(u) = a.front.updated
        && Some(u) != created
    {
        out.push(Change {
            time: u,
            author: author.clone(),
            summary: label(ChangeKind::Updated),
            commit: String::new(),
            notes: Vec::new(),
            file: a.file.clone(),
            kind: ChangeKind::Updated,
            blob: None,
        });
    }
    if let Some(c) = created {
        out.push(Change {
            time: c,
            author,
            summary: label(ChangeKind::Added),
            commit: String::new(),
            notes: Vec::new(),
            file: a.file.clone(),
            kind: ChangeKind::Added,
            blob: None,
        });
    }
    out
}

/// Summary of a front-matter change in the reader's language.
fn labels(locale: &str, kind: ChangeKind) -> &'static str {
    let lang = locale.split(['-', '_']).next().unwrap_or(locale);
    match (lang, kind) {
        ("es", ChangeKind::Added) => "Publicado",
        ("es", _) => "Actualizado",
        ("pt", ChangeKind::Added) => "Publicado",
        ("pt", _) => "Atualizado",
        (_, ChangeKind::Added) => "Published",
        (_, _) => "Updated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_give_notes_per_locale() {
        let notes = from_trailers(
            "Signed-off-by: A <a@example.org>\x1dChangelog: Prices updated.\x1dchangelog-ES: Precios actualizados.",
            '\x1d',
        );
        assert_eq!(pick(&notes, "es"), Some("Precios actualizados."));
        assert_eq!(pick(&notes, "es-MX"), Some("Precios actualizados."));
        assert_eq!(pick(&notes, "pt"), Some("Prices updated."));
        assert!(from_trailers("Reviewed-by: B", '\x1d').is_empty());
    }
}
