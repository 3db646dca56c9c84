//! The writers' to-do list (`ayuda report content`): what partners did not find, in one list
//! per locale sorted by impact.
//!
//! Four signals, each counted in partners failed so they sort together:
//! - `no_results`: searches that found nothing (`DATA/search-gaps.json`), impact = searches;
//! - `not_opened`: searches of the results page that found something but whose results nobody
//!   opened (`DATA/search-opens.json`), impact = searches;
//! - `unhelpful`: articles voted "no" (`feedback` table), impact = "no" votes, with the
//!   comments;
//! - `opened_before_ticket`: articles the ticket form suggested and the partner opened, who
//!   then sent the ticket anyway (`tickets`), impact = tickets.
//!
//! Articles carry their source file from the build's `theme/articles.json`.

use super::store::{FeedbackStore, SqlFeedback, StoredVote, TicketArticles};
use crate::search::gaps::{self, GapTable};
use crate::site::ArticleSource;
use crate::tickets::queue::database::Backend;
use crate::tickets::store::StoreError;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Comments kept per article (the newest).
const MAX_COMMENTS: usize = 10;

/// The article an item is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRef {
    pub id: String,
    /// Empty when the build's article list does not know it (deleted, or no build).
    pub title: String,
    pub url: String,
    /// Source file relative to the site root.
    pub file: String,
}

/// One thing a writer could fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `no_results`, `not_opened`, `unhelpful` or `opened_before_ticket`.
    pub kind: &'static str,
    /// Partners this failed: searches, "no" votes or tickets.
    pub impact: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<ArticleRef>,
    /// Searches: when it was last asked (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// Votes: how many said yes and no.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<String>,
}

/// `ayuda report content --json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContentReport {
    /// The `--since` instant, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Locale → items, most impact first.
    pub locales: BTreeMap<String, Vec<Item>>,
}

/// What the report reads, already loaded.
pub struct Signals<'a> {
    pub gaps: GapTable,
    pub searches: GapTable,
    pub votes: Vec<StoredVote>,
    pub tickets: Vec<TicketArticles>,
    pub articles: &'a [ArticleSource],
}

/// Reads the data folder (search gaps), the database (votes, tickets) and the build's article
/// list, and combines them.
pub async fn content_report(
    data: &Path,
    db: &crate::tickets::queue::database::DatabaseUrl,
    dist: &Path,
    since: Option<Timestamp>,
) -> Result<ContentReport, StoreError> {
    let database = crate::tickets::queue::database::connect(db).await?;
    let store = SqlFeedback::with_db(&database);
    let articles = load_articles(dist);
    let (gap_table, searches) = match database.backend {
        Backend::Sqlite => (
            gaps::load(&data.join(gaps::GAPS_FILE)),
            gaps::load(&data.join(gaps::OPENS_FILE)),
        ),
        Backend::Postgres => crate::search::gaps_db::load(&database.pool).await?,
    };
    Ok(combine(
        Signals {
            gaps: gap_table,
            searches,
            votes: store.votes(since).await?,
            tickets: store.ticket_articles(since).await?,
            articles: &articles,
        },
        since,
    ))
}

/// The build's `theme/articles.json`; empty when there is none (items then show ids only).
pub fn load_articles(dist: &Path) -> Vec<ArticleSource> {
    std::fs::read(dist.join(crate::site::ARTICLES_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Parses `--since`: a date (`2026-03-01`, midnight UTC) or an RFC 3339 instant.
pub fn parse_since(text: &str) -> Result<Timestamp, String> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    t.parse::<jiff::civil::Date>()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|z| z.timestamp())
        .map_err(|_| format!("--since: {t:?} is not a date (2026-03-01) or an RFC 3339 instant"))
}

/// Looks articles up by locale and id, or by URL (ticket forms may send either).
struct Lookup<'a> {
    by_id: BTreeMap<(&'a str, &'a str), &'a ArticleSource>,
    by_url: BTreeMap<&'a str, &'a ArticleSource>,
}

impl<'a> Lookup<'a> {
    fn new(articles: &'a [ArticleSource]) -> Lookup<'a> {
        Lookup {
            by_id: articles
                .iter()
                .map(|a| ((a.locale.as_str(), a.id.as_str()), a))
                .collect(),
            by_url: articles.iter().map(|a| (a.url.as_str(), a)).collect(),
        }
    }

    fn find(&self, locale: &str, key: &str) -> ArticleRef {
        let path = key.split('#').next().unwrap_or(key);
        match self
            .by_id
            .get(&(locale, key))
            .or_else(|| self.by_url.get(path))
        {
            Some(a) => ArticleRef {
                id: a.id.clone(),
                title: a.title.clone(),
                url: a.url.clone(),
                file: a.file.clone(),
            },
            None => ArticleRef {
                id: key.to_string(),
                title: String::new(),
                url: String::new(),
                file: String::new(),
            },
        }
    }
}

fn query_items(
    table: GapTable,
    kind: &'static str,
    since: Option<Timestamp>,
) -> Vec<(String, Item)> {
    let recent = |last: &str| since.is_none_or(|s| last.parse::<Timestamp>().is_ok_and(|t| t >= s));
    let mut out = Vec::new();
    for (locale, queries) in table {
        for (query, g) in queries {
            if !recent(&g.last) || (kind == "not_opened" && g.opened > 0) {
                continue;
            }
            out.push((
                locale.clone(),
                Item {
                    kind,
                    impact: g.count,
                    query: Some(query),
                    article: None,
                    last: Some(g.last),
                    yes: None,
                    no: None,
                    comments: Vec::new(),
                },
            ));
        }
    }
    out
}

fn article_item(kind: &'static str, impact: u64, article: ArticleRef) -> Item {
    Item {
        kind,
        impact,
        query: None,
        article: Some(article),
        last: None,
        yes: None,
        no: None,
        comments: Vec::new(),
    }
}

/// Combines the signals (pure: `content_report` does the reading). Votes and tickets are
/// already limited to `since`; searches keep the queries last asked since then.
pub fn combine(s: Signals<'_>, since: Option<Timestamp>) -> ContentReport {
    let lookup = Lookup::new(s.articles);
    let mut items = query_items(s.gaps, "no_results", since);
    items.extend(query_items(s.searches, "not_opened", since));

    // (locale, article) → (yes, no, comments of "no" votes, newest first).
    let mut votes: BTreeMap<(String, String), (u64, u64, Vec<String>)> = BTreeMap::new();
    for v in s.votes.into_iter().rev() {
        let e = votes.entry((v.vote.locale, v.vote.article)).or_default();
        if v.vote.helpful {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
        if !v.vote.comment.is_empty() && e.2.len() < MAX_COMMENTS {
            e.2.push(v.vote.comment);
        }
    }
    for ((locale, id), (yes, no, comments)) in votes {
        if no == 0 {
            continue;
        }
        let mut item = article_item("unhelpful", no, lookup.find(&locale, &id));
        item.yes = Some(yes);
        item.no = Some(no);
        item.comments = comments;
        items.push((locale, item));
    }

    let mut opened: BTreeMap<(String, String), u64> = BTreeMap::new();
    for t in s.tickets {
        let distinct: BTreeSet<&String> = t.opened.iter().collect();
        for id in distinct {
            *opened.entry((t.locale.clone(), id.clone())).or_default() += 1;
        }
    }
    for ((locale, id), tickets) in opened {
        let item = article_item("opened_before_ticket", tickets, lookup.find(&locale, &id));
        items.push((locale, item));
    }

    let mut locales: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for (locale, item) in items {
        locales.entry(locale).or_default().push(item);
    }
    for list in locales.values_mut() {
        list.sort_by(|a, b| {
            b.impact
                .cmp(&a.impact)
                .then_with(|| a.kind.cmp(b.kind))
                .then_with(|| a.query.cmp(&b.query))
                .then_with(|| {
                    a.article
                        .as_ref()
                        .map(|x| &x.id)
                        .cmp(&b.article.as_ref().map(|x| &x.id))
                })
        });
    }
    ContentReport {
        since: since.map(|t| t.to_string()),
        locales,
    }
}

/// The report as a writer reads it: per locale, most impact first, with what to open.
pub fn render_text(r: &ContentReport) -> String {
    let mut out = String::new();
    for (locale, items) in &r.locales {
        out.push_str(&format!("{locale}\n"));
        for i in items {
            let what = match i.kind {
                "no_results" => "searched, found nothing",
                "not_opened" => "searched, opened no result",
                "unhelpful" => "voted not helpful",
                _ => "opened, then sent a ticket",
            };
            let subject = match (&i.query, &i.article) {
                (Some(q), _) => format!("\"{q}\""),
                (None, Some(a)) if !a.file.is_empty() => format!("{} ({})", a.title, a.file),
                (None, Some(a)) => format!("article {} (not in the build)", a.id),
                (None, None) => String::new(),
            };
            out.push_str(&format!("  {:>5}  {what:<27} {subject}\n", i.impact));
            if let (Some(yes), Some(no)) = (i.yes, i.no) {
                out.push_str(&format!("{:>36}{no} no, {yes} yes\n", ""));
            }
            for c in &i.comments {
                let one_line: String = c.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push_str(&format!("{:>36}“{one_line}”\n", ""));
            }
        }
    }
    out
}
