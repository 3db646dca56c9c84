//! "What's new": the recently added and updated articles of a locale, as a page context
//! (`changes` of `whats_new.html`) and as an Atom feed (`/{locale}/whats-new.xml`).

use super::ChangeKind;
use crate::i18n::format_date;
use crate::site::Site;
use crate::util::escape_html;
use jiff::Timestamp;
use serde::Serialize;
use std::fmt::Write as _;

/// One line of the what's new page: the latest change of one article.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub title: String,
    pub url: String,
    /// Display date in the page's locale.
    pub date: String,
    pub date_iso: String,
    pub summary: String,
    /// `added` or `updated`.
    pub kind: ChangeKind,
    pub author: String,
    #[serde(skip)]
    time: Timestamp,
}

/// The what's new page of a locale.
pub fn url(locale: &str) -> String {
    format!("/{locale}/whats-new/")
}

/// The Atom feed of the what's new page.
pub fn feed_url(locale: &str) -> String {
    format!("/{locale}/whats-new.xml")
}

/// Page title: the theme's `whats_new_title` string, else a built-in one.
pub fn title(site: &Site, locale: &str) -> String {
    if let Some(t) = site.theme.strings_for(locale).get("whats_new_title") {
        return t.clone();
    }
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "es" => "Novedades",
        "pt" => "Novidades",
        _ => "What's new",
    }
    .to_string()
}

/// The latest change of every visible article of `locale`, newest first, at most `feed_entries`.
pub fn changes(site: &Site, locale: &str) -> Vec<Item> {
    let mut items: Vec<(Item, &str)> = site
        .urls
        .iter()
        .filter(|(i, _)| site.library.articles[**i].locale == locale)
        .filter_map(|(&i, url)| {
            let a = &site.library.articles[i];
            let record = site.history.record(a);
            let latest = record.latest()?;
            // Explicit front-matter dates win: an article whose `updatedAt` is older than its
            // last commit is listed at its `updatedAt`.
            let time = record.updated.unwrap_or(latest.time);
            let kind = if latest.kind == ChangeKind::Added {
                ChangeKind::Added
            } else {
                ChangeKind::Updated
            };
            // Readers get the summary a writer wrote for them, else the article's description;
            // the commit subject and author only when pages show commits.
            let show_commits = super::show_commits(site);
            let summary = match record.reader_summary(locale) {
                Some(s) if !show_commits || latest.summary.is_empty() => s.to_string(),
                _ if show_commits && !latest.summary.is_empty() => latest.summary.clone(),
                _ => a.front.description.clone().unwrap_or_default(),
            };
            let author = if show_commits || latest.commit.is_empty() {
                latest.author.clone()
            } else {
                String::new()
            };
            Some((
                Item {
                    title: a.title.clone(),
                    url: url.clone(),
                    date: format_date(time, locale),
                    date_iso: time.to_string(),
                    summary,
                    kind,
                    author,
                    time,
                },
                a.file.as_str(),
            ))
        })
        .collect();
    items.sort_by(|(x, fx), (y, fy)| y.time.cmp(&x.time).then_with(|| fx.cmp(fy)));
    items.truncate(site.config.feed_entries);
    items.into_iter().map(|(item, _)| item).collect()
}

/// The Atom feed of the what's new page of `locale`.
pub fn atom(site: &Site, locale: &str, items: &[Item]) -> String {
    let base = site.config.base();
    let newest = items
        .first()
        .map_or("1970-01-01T00:00:00Z".to_string(), |i| i.date_iso.clone());
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{locale}\">\n  <title>{} · {}</title>\n  <id>{base}{page}</id>\n  <link href=\"{base}{page}\"/>\n  <link rel=\"self\" href=\"{base}{}\"/>\n  <updated>{newest}</updated>\n",
        escape_html(site.config.title(locale)),
        escape_html(&title(site, locale)),
        feed_url(locale),
        page = url(locale),
    );
    for item in items {
        let link = format!("{base}{}", item.url);
        let author = if item.author.is_empty() {
            String::new()
        } else {
            format!(
                "    <author><name>{}</name></author>\n",
                escape_html(&item.author)
            )
        };
        let _ = write!(
            feed,
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <updated>{}</updated>\n{author}    <category term=\"{}\"/>\n    <summary>{}</summary>\n  </entry>\n",
            escape_html(&item.title),
            escape_html(&link),
            escape_html(&link),
            item.date_iso,
            match item.kind {
                ChangeKind::Added => "added",
                _ => "updated",
            },
            escape_html(&item.summary),
        );
    }
    feed.push_str("</feed>\n");
    feed
}
