//! The rendering of every HTML page; what pages share per locale is in [`super::context`].

use super::nav::SectionIndex;
use super::output::{Output, url_to_file};
use super::urls;
use super::{BuildError, Site};
use crate::content::Article;
use crate::i18n::format_date;
use crate::util::{escape_html, truncate_words};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub use super::context::{
    CategoryView, ListItem, LocaleContext, LocaleContexts, SectionView, categories,
    locale_contexts, taxonomy_names,
};
use super::context::{article_order, locale_context, locale_display};
use super::listing_pages::{locale_pages, not_found_page};

/// A page being assembled.
pub(super) struct Page {
    pub(super) template: &'static str,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) description: String,
    /// (locale, url) of this page in each locale it exists in.
    pub(super) versions: Vec<(String, String)>,
    pub(super) breadcrumbs: Vec<(String, String)>,
    pub(super) json_ld: Value,
    pub(super) extra: Vec<(&'static str, Value)>,
}

pub(super) fn absolute(site: &Site, url: &str) -> String {
    format!("{}{}", site.config.base(), url)
}

/// Serializes JSON-LD for a `<script>` element (no `</` inside).
fn script_json(v: &Value) -> String {
    v.to_string().replace("</", "<\\/")
}

fn render_page(
    site: &Site,
    lc: &LocaleContext,
    locale: &str,
    page: Page,
) -> Result<String, BuildError> {
    let mut ctx = lc.base.clone();
    let mut alternates: Vec<Value> = Vec::new();
    if page.versions.len() > 1 {
        for (l, u) in &page.versions {
            alternates.push(json!({"hreflang": l, "href": absolute(site, u)}));
        }
        let default = page
            .versions
            .iter()
            .find(|(l, _)| *l == site.library.default_locale)
            .or(page.versions.first());
        if let Some((_, u)) = default {
            alternates.push(json!({"hreflang": "x-default", "href": absolute(site, u)}));
        }
    }
    let translations: Vec<Value> = site
        .library
        .locales
        .iter()
        .map(|l| {
            let url = page
                .versions
                .iter()
                .find(|(vl, _)| vl == l)
                .map(|(_, u)| u.clone())
                .unwrap_or_else(|| urls::home_url(l));
            json!({"locale": l, "name": locale_display(site, l), "url": url, "current": l == locale})
        })
        .collect();
    let breadcrumbs: Vec<Value> = page
        .breadcrumbs
        .iter()
        .map(|(n, u)| json!({"name": n, "url": u}))
        .collect();
    ctx.insert(
        "page",
        &json!({
            "kind": page.template.trim_end_matches(".html").replace("404", "not_found"),
            "title": page.title,
            "url": page.url,
            "canonical": absolute(site, &page.url),
            "description": page.description,
            "lang": locale,
            "alternates": alternates,
            "translations": translations,
            "breadcrumbs": breadcrumbs,
            "json_ld": script_json(&page.json_ld),
            "feed_url": format!("/{locale}/feed.xml"),
        }),
    );
    for (k, v) in &page.extra {
        ctx.insert(*k, v);
    }
    Ok(site.theme.render(page.template, &ctx)?)
}

pub(super) fn breadcrumb_ld(site: &Site, crumbs: &[(String, String)]) -> Value {
    json!({
        "@type": "BreadcrumbList",
        "itemListElement": crumbs.iter().enumerate().map(|(n, (name, url))| json!({
            "@type": "ListItem", "position": n + 1, "name": name, "item": absolute(site, url)
        })).collect::<Vec<_>>()
    })
}

pub(super) fn home_crumb(site: &Site, lc: &LocaleContext, locale: &str) -> (String, String) {
    let name = lc
        .strings
        .get("breadcrumb_home")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| site.config.title(locale).to_string());
    (name, urls::home_url(locale))
}

/// Translations of article `i` that are published in this build: (locale, index), in site
/// locale order, including `i` itself.
pub fn translations(site: &Site, i: usize) -> Vec<(String, usize)> {
    site.groups
        .get(&site.library.articles[i].id)
        .map(|members| {
            members
                .iter()
                .map(|&j| (site.library.articles[j].locale.clone(), j))
                .collect()
        })
        .unwrap_or_default()
}

/// (locale, category, section) of an article: the articles that list each other as related.
pub fn group_key(a: &Article) -> (&str, &str, &str) {
    (
        a.locale.as_str(),
        a.category.as_str(),
        a.section.as_deref().unwrap_or_default(),
    )
}

/// The members of each group, in listing order.
type Groups<'a> = BTreeMap<(&'a str, &'a str, &'a str), Vec<usize>>;

fn related(site: &Site, i: usize, by_group: &Groups) -> Vec<Value> {
    let a = &site.library.articles[i];
    let mut candidates: Vec<(usize, usize)> = by_group
        .get(&group_key(a))
        .map(|v| {
            v.iter()
                .copied()
                .filter(|&j| j != i)
                .map(|j| {
                    let shared = site.library.articles[j]
                        .front
                        .tags
                        .iter()
                        .filter(|t| a.front.tags.contains(t))
                        .count();
                    (j, shared)
                })
                .collect()
        })
        .unwrap_or_default();
    // Groups are already in listing order; a stable sort keeps it among equal tag counts.
    candidates.sort_by_key(|&(_, shared)| std::cmp::Reverse(shared));
    candidates
        .into_iter()
        .take(site.config.related_articles)
        .map(|(j, _)| json!({"title": site.library.articles[j].title, "url": site.urls[&j]}))
        .collect()
}

fn article_page(
    site: &Site,
    lc: &LocaleContext,
    i: usize,
    html: String,
    by_group: &Groups,
    sections: &SectionIndex,
) -> Page {
    let a = &site.library.articles[i];
    let r = &site.rendered[&i];
    let url = site.urls[&i].clone();
    let (cat_name, sec_name) = taxonomy_names(site, a);
    let mut crumbs = vec![home_crumb(site, lc, &a.locale)];
    let cat_url = urls::category_url(&a.locale, &a.category);
    crumbs.push((cat_name.clone(), cat_url.clone()));
    let section = match (&a.section, &sec_name) {
        (Some(s), Some(n)) => {
            let u = urls::section_url(&a.locale, &a.category, s);
            crumbs.push((n.clone(), u.clone()));
            json!({"key": s, "name": n, "url": u})
        }
        _ => Value::Null,
    };
    crumbs.push((a.title.clone(), url.clone()));
    let description = a
        .front
        .description
        .clone()
        .unwrap_or_else(|| truncate_words(&r.summary, 160));
    let record = site.history.record(a); // dates, version, history (issue 6)
    let updated = record.updated;
    let versions: Vec<(String, String)> = translations(site, i)
        .into_iter()
        .map(|(l, j)| (l, site.urls[&j].clone()))
        .collect();
    let kind = if a
        .front
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_lowercase().contains("tutorial"))
    {
        "TechArticle"
    } else {
        "Article"
    };
    let mut article_ld = json!({
        "@type": kind,
        "headline": a.title,
        "description": description,
        "inLanguage": a.locale,
        "url": absolute(site, &url),
        "mainEntityOfPage": absolute(site, &url),
    });
    if let Some(t) = updated {
        article_ld["dateModified"] = json!(t.to_string());
    }
    if let Some(t) = a
        .front
        .first_published
        .or(a.front.published)
        .or(record.created)
    {
        article_ld["datePublished"] = json!(t.to_string());
    }
    let json_ld = json!({"@context": "https://schema.org", "@graph": [article_ld, breadcrumb_ld(site, &crumbs)]});
    let article = json!({
        "id": a.id,
        "title": a.title,
        "short_title": a.front.short_title.as_deref().unwrap_or(&a.title),
        "heading": a.heading.as_deref().unwrap_or(&a.title),
        "html": html,
        "toc": r.toc,
        "description": description,
        "updated": updated.map(|t| format_date(t, &a.locale)).unwrap_or_default(),
        "updated_iso": updated.map(|t| t.to_string()).unwrap_or_default(),
        "created": record.created.map(|t| format_date(t, &a.locale)).unwrap_or_default(),
        "version": record.version,
        "author": a.front.author.clone().unwrap_or_default(),
        "tags": a.front.tags,
        "category": {"key": a.category, "name": cat_name, "url": cat_url},
        "section": section,
        "related": related(site, i, by_group),
        "section_nav": sections.for_article(i),
        "history": record.items(&a.locale, crate::history::PANEL_LIMIT, crate::history::show_commits(site)),
        "revisions": record.revisions,
        "status": a.status,
        "extra": a.front.extra,
    });
    Page {
        template: "article.html",
        url,
        title: a.title.clone(),
        description,
        versions,
        breadcrumbs: crumbs,
        json_ld,
        extra: vec![("article", article)],
    }
}

/// Which pages a rebuild renders (`ayuda serve` renders only what a change touched).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Article pages, by article index.
    pub articles: BTreeSet<usize>,
    /// Locales whose home, category, section and other fixed pages are rendered.
    pub listings: BTreeSet<String>,
    /// Theme assets and the files next to articles.
    pub assets: bool,
}

impl Selection {
    /// Every page of the site.
    pub fn all(site: &Site) -> Selection {
        Selection {
            articles: site.urls.keys().copied().collect(),
            listings: site.library.locales.iter().cloned().collect(),
            assets: true,
        }
    }
}

/// Renders and writes every HTML page; returns how many. Article pages take their body's
/// HTML out of `html` where it has it (dropping it once written), else from the rendered
/// article.
pub fn write_pages(
    site: &Site,
    output: &Output,
    html: BTreeMap<usize, String>,
) -> Result<usize, BuildError> {
    write_selected_taking(
        site,
        output,
        &Selection::all(site),
        &LocaleContexts::new(),
        html,
    )
}

/// Renders and writes the selected pages; returns how many.
pub fn write_selected(site: &Site, output: &Output, sel: &Selection) -> Result<usize, BuildError> {
    write_selected_with(site, output, sel, &LocaleContexts::new())
}

/// Like [`write_selected`], reusing the shared contexts in `known` (they must have been built
/// from a site whose pages of those locales are the same); the others are built.
pub fn write_selected_with(
    site: &Site,
    output: &Output,
    sel: &Selection,
    known: &LocaleContexts,
) -> Result<usize, BuildError> {
    write_selected_taking(site, output, sel, known, BTreeMap::new())
}

fn write_selected_taking(
    site: &Site,
    output: &Output,
    sel: &Selection,
    known: &LocaleContexts,
    mut html: BTreeMap<usize, String>,
) -> Result<usize, BuildError> {
    let mut locales: BTreeSet<&String> = sel.listings.iter().collect();
    locales.extend(
        sel.articles
            .iter()
            .filter_map(|i| site.library.articles.get(*i))
            .map(|a| &a.locale),
    );
    if !sel.listings.is_empty() {
        // Category pages list the locales a category exists in.
        locales.extend(site.library.locales.iter());
    }
    let mut contexts = known.clone();
    contexts.extend(locale_contexts(
        site,
        locales.into_iter().filter(|l| !known.contains_key(*l)),
    ));
    // "Related articles" need the groups of the selected articles only.
    let wanted: BTreeSet<(&str, &str, &str)> = sel
        .articles
        .iter()
        .filter_map(|&i| site.library.articles.get(i))
        .map(|a| group_key(a))
        .collect();
    let mut by_group: Groups = BTreeMap::new();
    for &i in site.urls.keys() {
        let key = group_key(&site.library.articles[i]);
        if wanted.contains(&key) {
            by_group.entry(key).or_default().push(i);
        }
    }
    for members in by_group.values_mut() {
        members.sort_by_cached_key(|&i| article_order(site, i));
    }
    let sections = SectionIndex::new(site, &by_group);
    let progress = if site.options.progress {
        indicatif::ProgressBar::new(sel.articles.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    tracing::debug!("contexts ready");
    // Articles, in parallel; each job owns the HTML it moves into its page, if taken.
    let jobs: Vec<(usize, Option<String>)> = sel
        .articles
        .iter()
        .filter(|i| site.urls.contains_key(i))
        .map(|&i| (i, html.remove(&i)))
        .collect();
    let count = jobs.len();
    jobs.into_par_iter()
        .try_for_each(|(i, html)| -> Result<(), BuildError> {
            let a = &site.library.articles[i];
            let lc = &contexts[&a.locale];
            let html = html.unwrap_or_else(|| site.rendered[&i].html.clone());
            let page = article_page(site, lc, i, html, &by_group, &sections);
            let url = page.url.clone();
            let html = render_page(site, lc, &a.locale, page)?;
            output.write(&format!("site/{}", url_to_file(&url)), html.as_bytes())?;
            progress.inc(1);
            Ok(())
        })?;
    progress.finish_and_clear();
    tracing::debug!("article pages written");
    let mut count = count;

    // Listing and fixed pages per locale.
    let other_pages: Vec<(String, Page)> = sel
        .listings
        .iter()
        .filter(|l| contexts.contains_key(*l))
        .flat_map(|l| locale_pages(site, &contexts[l], l, &contexts))
        .collect();
    let other_count = other_pages.len();
    other_pages
        .into_par_iter()
        .try_for_each(|(l, page)| -> Result<(), BuildError> {
            let target = if page.template == "404.html" {
                format!("site/{l}/404.html")
            } else {
                format!("site/{}", url_to_file(&page.url))
            };
            let html = render_page(site, &contexts[&l], &l, page)?;
            output
                .write(&target, html.as_bytes())
                .map_err(BuildError::from)
        })?;
    count += other_count;

    tracing::debug!("listing pages written");
    // Root: language chooser, and the site-wide 404 in the default locale.
    let dl = site.library.default_locale.clone();
    let Some(lc) = contexts.get(&dl).filter(|_| sel.listings.contains(&dl)) else {
        if sel.assets {
            write_assets(site, output)?;
        }
        return Ok(count);
    };
    let root = Page {
        template: "root.html",
        url: "/".into(),
        title: site.config.title(&dl).to_string(),
        description: String::new(),
        versions: Vec::new(),
        breadcrumbs: Vec::new(),
        json_ld: json!({"@context": "https://schema.org", "@type": "WebSite", "name": site.config.title(&dl), "url": absolute(site, "/")}),
        extra: Vec::new(),
    };
    output.write(
        "site/index.html",
        render_page(site, lc, &dl, root)?.as_bytes(),
    )?;
    let not_found = not_found_page(lc, "/404.html".into());
    output.write(
        "site/404.html",
        render_page(site, lc, &dl, not_found)?.as_bytes(),
    )?;
    count += 2;
    if sel.assets {
        write_assets(site, output)?;
    }
    Ok(count)
}

/// Theme assets and the files articles link to.
fn write_assets(site: &Site, output: &Output) -> Result<(), BuildError> {
    for (name, bytes) in &site.theme.static_files {
        output.write(&format!("site/assets/{name}"), bytes)?;
    }
    // Files referenced by articles.
    let mut files: Vec<&String> = site
        .rendered
        .values()
        .flat_map(|r| r.assets.iter())
        .collect();
    files.sort();
    files.dedup();
    let content_dir = site.root.join(&site.config.content_dir);
    for url in files {
        let rel = crate::util::decode_path(url.trim_start_matches("/files/"));
        output.copy(&content_dir.join(&rel), &format!("site/files/{rel}"))?;
    }
    Ok(())
}

/// The shared context of every locale (`site`, `t`, `assets`), for pages the service renders.
pub fn service_contexts(site: &Site) -> BTreeMap<String, Value> {
    site.library
        .locales
        .iter()
        .map(|l| {
            let lc = locale_context(site, l);
            (
                l.clone(),
                json!({"site": lc.site, "t": lc.strings, "assets": lc.assets}),
            )
        })
        .collect()
}

/// What the service needs to know about the built site (locales, titles, categories).
pub fn service_meta(site: &Site) -> Value {
    json!({
        "default_locale": site.library.default_locale,
        "locales": site.library.locales,
        "base_url": site.config.base(),
        "titles": site.library.locales.iter().map(|l| (l.clone(), site.config.title(l).to_string())).collect::<BTreeMap<_, _>>(),
    })
}

/// An HTML page that sends readers (and crawlers, via the canonical link) to `to`.
pub fn redirect_page(to: &str, lang: &str) -> String {
    let to = escape_html(to);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Redirecting…</title><link rel=\"canonical\" href=\"{to}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={to}\"></head><body><main><a href=\"{to}\">{to}</a></main></body></html>\n"
    )
}
