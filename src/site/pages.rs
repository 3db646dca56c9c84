//! Page contexts (see docs/templates.md) and the rendering of every HTML page.

use super::nav::SectionIndex;
use super::output::{Output, url_to_file};
use super::urls;
use super::{BuildError, Site};
use crate::content::Article;
use crate::i18n::format_date;
use crate::util::{escape_html, truncate_words};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tera::Context;

/// An article in a listing.
#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub id: String,
    pub title: String,
    pub url: String,
    pub description: String,
    pub updated: String,
}

/// A section of a category in one locale.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub key: String,
    pub name: String,
    pub description: String,
    /// Intro HTML from the folder's `_index.md`.
    pub intro: String,
    pub url: String,
    pub count: usize,
    pub articles: Vec<ListItem>,
    #[serde(skip)]
    order: (i64, String),
}

/// A category in one locale.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub key: String,
    pub name: String,
    pub description: String,
    /// Intro HTML from the folder's `_index.md`.
    pub intro: String,
    pub url: String,
    pub count: usize,
    pub sections: Vec<SectionView>,
    pub articles: Vec<ListItem>,
    #[serde(skip)]
    order: (i64, String),
}

/// Display names of an article's category and section in its locale.
pub fn taxonomy_names(site: &Site, a: &Article) -> (String, Option<String>) {
    let dl = &site.library.default_locale;
    let strings_general = || {
        site.strings
            .get(&a.locale)
            .and_then(|s| s.get("general_category"))
            .cloned()
            .unwrap_or_else(|| "General".into())
    };
    let cat_fallback = if a.category == "general" && a.front.category.is_none() {
        strings_general()
    } else {
        a.category_label.clone()
    };
    let cat = site
        .library
        .taxonomy
        .category(&a.category)
        .name(&a.locale, dl, &cat_fallback);
    let sec = a.section.as_ref().map(|s| {
        site.library.taxonomy.section(&a.category, s).name(
            &a.locale,
            dl,
            a.section_label.as_deref().unwrap_or(s),
        )
    });
    (cat, sec)
}

fn list_item(site: &Site, i: usize) -> ListItem {
    let a = &site.library.articles[i];
    let description = a
        .front
        .description
        .clone()
        .unwrap_or_else(|| truncate_words(&site.rendered[&i].summary, 160));
    ListItem {
        id: a.id.clone(),
        title: a.title.clone(),
        url: site.urls[&i].clone(),
        description,
        updated: site
            .history
            .updated(a)
            .map(|t| format_date(t, &a.locale))
            .unwrap_or_default(),
    }
}

fn article_order(site: &Site, i: usize) -> (i64, String) {
    let a = &site.library.articles[i];
    (a.front.order.unwrap_or(i64::MAX), a.title.to_lowercase())
}

/// Categories of a locale with their sections and articles, ordered.
pub fn categories(site: &Site, locale: &str) -> Vec<CategoryView> {
    let dl = &site.library.default_locale;
    let mut cats: BTreeMap<String, CategoryView> = BTreeMap::new();
    let mut idxs: Vec<usize> = site
        .urls
        .keys()
        .copied()
        .filter(|&i| site.library.articles[i].locale == locale)
        .collect();
    idxs.sort_by_cached_key(|&i| article_order(site, i));
    for i in idxs {
        let a = &site.library.articles[i];
        let (cat_name, sec_name) = taxonomy_names(site, a);
        let node = site.library.taxonomy.category(&a.category);
        let cat = cats
            .entry(a.category.clone())
            .or_insert_with(|| CategoryView {
                key: a.category.clone(),
                name: cat_name.clone(),
                description: node.description(locale, dl),
                intro: node.intro(locale),
                url: urls::category_url(locale, &a.category),
                count: 0,
                sections: Vec::new(),
                articles: Vec::new(),
                order: (node.order.unwrap_or(i64::MAX), cat_name.to_lowercase()),
            });
        cat.count += 1;
        let item = list_item(site, i);
        match (&a.section, sec_name) {
            (Some(sec), Some(name)) => {
                let pos = match cat.sections.iter().position(|s| s.key == *sec) {
                    Some(p) => p,
                    None => {
                        let snode = site.library.taxonomy.section(&a.category, sec);
                        cat.sections.push(SectionView {
                            key: sec.clone(),
                            name: name.clone(),
                            description: snode.description(locale, dl),
                            intro: snode.intro(locale),
                            url: urls::section_url(locale, &a.category, sec),
                            count: 0,
                            articles: Vec::new(),
                            order: (snode.order.unwrap_or(i64::MAX), name.to_lowercase()),
                        });
                        cat.sections.len() - 1
                    }
                };
                cat.sections[pos].count += 1;
                cat.sections[pos].articles.push(item);
            }
            _ => cat.articles.push(item),
        }
    }
    let mut out: Vec<CategoryView> = cats.into_values().collect();
    for c in &mut out {
        c.sections.sort_by(|a, b| a.order.cmp(&b.order));
    }
    out.sort_by(|a, b| a.order.cmp(&b.order));
    out
}

/// Context shared by every page of a locale.
pub struct LocaleContext {
    site: Value,
    strings: Value,
    categories: Vec<CategoryView>,
    assets: Value,
    /// `site`, `t` and `assets` converted once; cloning a Tera context shares its values.
    base: Context,
}

fn asset_url(site: &Site, name: &str) -> String {
    match site.theme.static_files.get(name) {
        Some(bytes) => {
            let hash = Sha256::digest(bytes);
            format!("/assets/{name}?v={}", &hex::encode(hash)[..10])
        }
        None => format!("/assets/{name}"),
    }
}

/// The shared contexts of the locales, by locale code. `ayuda serve` keeps them between
/// rebuilds: they list every article of their locale, so building one costs a pass over it.
pub type LocaleContexts = BTreeMap<String, Arc<LocaleContext>>;

impl LocaleContext {
    /// The `site` value templates see in every page of the locale (navigation, locales): when
    /// it changes, every page of the locale changes.
    pub fn site_value(&self) -> &Value {
        &self.site
    }
}

/// Builds the shared contexts of `locales`, in parallel.
pub fn locale_contexts<'a>(
    site: &Site,
    locales: impl IntoIterator<Item = &'a String>,
) -> LocaleContexts {
    let locales: Vec<&String> = locales.into_iter().collect();
    locales
        .into_par_iter()
        .map(|l| (l.clone(), Arc::new(locale_context(site, l))))
        .collect()
}

fn locale_context(site: &Site, locale: &str) -> LocaleContext {
    let categories = categories(site, locale);
    let cat_summaries: Vec<Value> = categories
        .iter()
        .map(|c| {
            json!({
                "key": c.key, "name": c.name, "description": c.description, "url": c.url,
                "count": c.count,
                "sections": c.sections.iter().map(|s| json!({
                    "key": s.key, "name": s.name, "description": s.description, "url": s.url, "count": s.count
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let locales: Vec<Value> = site
        .library
        .locales
        .iter()
        .map(|l| json!({"code": l, "name": locale_display(site, l), "url": urls::home_url(l)}))
        .collect();
    let site_value = json!({
            "title": site.config.title(locale),
            "base_url": site.config.base(),
            "locale": locale,
            "default_locale": site.library.default_locale,
            "locales": locales,
            "categories": cat_summaries,
            "writer_mode": site.options.writer_mode,
            "tickets_enabled": site.config.support.tickets_enabled(),
            "search_url": "/search",
            "search_example": site.search_examples.get(locale),
            "ticket_url": urls::ticket_url(locale),
    });
    let strings = serde_json::to_value(site.strings.get(locale)).unwrap_or(Value::Null);
    let assets = json!({"css": asset_url(site, "ayuda.css"), "js": asset_url(site, "ayuda.js")});
    let mut base = Context::new();
    base.insert("site", &site_value);
    base.insert("t", &strings);
    base.insert("assets", &assets);
    LocaleContext {
        site: site_value,
        strings,
        categories,
        assets,
        base,
    }
}

fn locale_display(site: &Site, code: &str) -> String {
    site.config
        .configured_locales()
        .into_iter()
        .find(|l| l.code == code)
        .map(|l| l.name)
        .unwrap_or_else(|| crate::config::locale_name(code).to_string())
}

/// A page being assembled.
struct Page {
    template: &'static str,
    url: String,
    title: String,
    description: String,
    /// (locale, url) of this page in each locale it exists in.
    versions: Vec<(String, String)>,
    breadcrumbs: Vec<(String, String)>,
    json_ld: Value,
    extra: Vec<(&'static str, Value)>,
}

fn absolute(site: &Site, url: &str) -> String {
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

fn breadcrumb_ld(site: &Site, crumbs: &[(String, String)]) -> Value {
    json!({
        "@type": "BreadcrumbList",
        "itemListElement": crumbs.iter().enumerate().map(|(n, (name, url))| json!({
            "@type": "ListItem", "position": n + 1, "name": name, "item": absolute(site, url)
        })).collect::<Vec<_>>()
    })
}

fn home_crumb(site: &Site, lc: &LocaleContext, locale: &str) -> (String, String) {
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
        "html": r.html,
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

/// Renders and writes every HTML page; returns how many.
pub fn write_pages(site: &Site, output: &Output) -> Result<usize, BuildError> {
    write_selected(site, output, &Selection::all(site))
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
    // Articles, in parallel.
    let indices: Vec<usize> = sel
        .articles
        .iter()
        .copied()
        .filter(|i| site.urls.contains_key(i))
        .collect();
    indices
        .par_iter()
        .try_for_each(|&i| -> Result<(), BuildError> {
            let a = &site.library.articles[i];
            let lc = &contexts[&a.locale];
            let page = article_page(site, lc, i, &by_group, &sections);
            let url = page.url.clone();
            let html = render_page(site, lc, &a.locale, page)?;
            output.write(&format!("site/{}", url_to_file(&url)), html.as_bytes())?;
            progress.inc(1);
            Ok(())
        })?;
    progress.finish_and_clear();
    tracing::debug!("article pages written");
    let mut count = indices.len();

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

fn locale_pages(
    site: &Site,
    lc: &LocaleContext,
    locale: &str,
    all: &LocaleContexts,
) -> Vec<(String, Page)> {
    let mut pages = Vec::new();
    let home = home_crumb(site, lc, locale);
    // Home.
    let mut recent: Vec<usize> = site
        .urls
        .keys()
        .copied()
        .filter(|&i| site.library.articles[i].locale == locale)
        .collect();
    recent.sort_by(|&x, &y| {
        let ax = &site.library.articles[x];
        let ay = &site.library.articles[y];
        (site.history.updated(ay))
            .cmp(&site.history.updated(ax))
            .then_with(|| ax.file.cmp(&ay.file))
    });
    let recent: Vec<ListItem> = recent
        .into_iter()
        .take(6)
        .map(|i| list_item(site, i))
        .collect();
    let homes: Vec<(String, String)> = site
        .library
        .locales
        .iter()
        .map(|l| (l.clone(), urls::home_url(l)))
        .collect();
    pages.push((
        locale.to_string(),
        Page {
            template: "home.html",
            url: urls::home_url(locale),
            title: site.config.title(locale).to_string(),
            description: lc.strings.get("home_description").and_then(Value::as_str).unwrap_or("").to_string(),
            versions: homes,
            breadcrumbs: vec![home.clone()],
            json_ld: json!({"@context": "https://schema.org", "@type": "WebSite", "name": site.config.title(locale), "url": absolute(site, &urls::home_url(locale)), "inLanguage": locale}),
            extra: vec![("recent", serde_json::to_value(&recent).unwrap_or(Value::Null))],
        },
    ));
    // Categories and sections.
    for cat in &lc.categories {
        let versions: Vec<(String, String)> = site
            .library
            .locales
            .iter()
            .filter(|l| {
                all.get(*l)
                    .is_some_and(|c| c.categories.iter().any(|x| x.key == cat.key))
            })
            .map(|l| (l.clone(), urls::category_url(l, &cat.key)))
            .collect();
        let crumbs = vec![home.clone(), (cat.name.clone(), cat.url.clone())];
        pages.push((
            locale.to_string(),
            Page {
                template: "category.html",
                url: cat.url.clone(),
                title: cat.name.clone(),
                description: cat.description.clone(),
                versions,
                json_ld: json!({"@context": "https://schema.org", "@graph": [breadcrumb_ld(site, &crumbs)]}),
                breadcrumbs: crumbs,
                extra: vec![("category", serde_json::to_value(cat).unwrap_or(Value::Null))],
            },
        ));
        for sec in &cat.sections {
            let versions: Vec<(String, String)> = site
                .library
                .locales
                .iter()
                .filter(|l| {
                    all.get(*l).is_some_and(|c| {
                        c.categories.iter().any(|x| {
                            x.key == cat.key && x.sections.iter().any(|s| s.key == sec.key)
                        })
                    })
                })
                .map(|l| (l.clone(), urls::section_url(l, &cat.key, &sec.key)))
                .collect();
            let crumbs = vec![
                home.clone(),
                (cat.name.clone(), cat.url.clone()),
                (sec.name.clone(), sec.url.clone()),
            ];
            let cat_summary = json!({"key": cat.key, "name": cat.name, "description": cat.description, "url": cat.url});
            pages.push((
                locale.to_string(),
                Page {
                    template: "section.html",
                    url: sec.url.clone(),
                    title: sec.name.clone(),
                    description: sec.description.clone(),
                    versions,
                    json_ld: json!({"@context": "https://schema.org", "@graph": [breadcrumb_ld(site, &crumbs)]}),
                    breadcrumbs: crumbs,
                    extra: vec![
                        ("category", cat_summary),
                        ("section", serde_json::to_value(sec).unwrap_or(Value::Null)),
                    ],
                },
            ));
        }
    }
    // Ticket form.
    if site.config.support.tickets_enabled() {
        let strings = site.strings.get(locale).cloned().unwrap_or_default();
        let title = strings
            .get("ticket_title")
            .cloned()
            .unwrap_or_else(|| "Open a ticket".into());
        let url = urls::ticket_url(locale);
        let versions = homes_for(site, urls::ticket_url);
        pages.push((
            locale.to_string(),
            Page {
                template: "ticket.html",
                url: url.clone(),
                title: title.clone(),
                description: String::new(),
                versions,
                breadcrumbs: vec![home.clone(), (title, url)],
                json_ld: json!({}),
                extra: vec![(
                    "ticket_form",
                    crate::tickets::form_context(&site.config.support, locale, &strings),
                )],
            },
        ));
    }
    // What's new (issue 6): the latest change of each article; the theme may leave it out.
    if site.theme.has("whats_new.html") {
        use crate::history::whats_new;
        let title = whats_new::title(site, locale);
        let url = whats_new::url(locale);
        let changes = whats_new::changes(site, locale);
        pages.push((
            locale.to_string(),
            Page {
                template: "whats_new.html",
                url: url.clone(),
                title: title.clone(),
                description: String::new(),
                versions: homes_for(site, whats_new::url),
                breadcrumbs: vec![home.clone(), (title, url)],
                json_ld: json!({}),
                extra: vec![(
                    "changes",
                    serde_json::to_value(&changes).unwrap_or(Value::Null),
                )],
            },
        ));
    }
    // Localized 404.
    pages.push((
        locale.to_string(),
        not_found_page(lc, format!("/{locale}/404.html")),
    ));
    pages
}

/// The "page not found" page of a locale, served from `url`.
fn not_found_page(lc: &LocaleContext, url: String) -> Page {
    Page {
        template: "404.html",
        url,
        title: lc
            .strings
            .get("not_found_title")
            .and_then(Value::as_str)
            .unwrap_or("404")
            .to_string(),
        description: String::new(),
        versions: Vec::new(),
        breadcrumbs: Vec::new(),
        json_ld: json!({}),
        extra: Vec::new(),
    }
}

fn homes_for(site: &Site, f: fn(&str) -> String) -> Vec<(String, String)> {
    site.library
        .locales
        .iter()
        .map(|l| (l.clone(), f(l)))
        .collect()
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
