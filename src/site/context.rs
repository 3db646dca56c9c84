//! What templates receive about a locale and its listings (see docs/templates.md): the
//! categories and sections with their articles, and the context shared by every page of a
//! locale.

use super::{Site, urls};
use crate::content::Article;
use crate::i18n::format_date;
use crate::util::truncate_words;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
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

pub(super) fn list_item(site: &Site, i: usize) -> ListItem {
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

pub(super) fn article_order(site: &Site, i: usize) -> (i64, String) {
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
    pub(super) site: Value,
    pub(super) strings: Value,
    pub(super) categories: Vec<CategoryView>,
    pub(super) assets: Value,
    /// `site`, `t` and `assets` converted once; cloning a Tera context shares its values.
    pub(super) base: Context,
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

pub(super) fn locale_context(site: &Site, locale: &str) -> LocaleContext {
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

pub(super) fn locale_display(site: &Site, code: &str) -> String {
    site.config
        .configured_locales()
        .into_iter()
        .find(|l| l.code == code)
        .map(|l| l.name)
        .unwrap_or_else(|| crate::config::locale_name(code).to_string())
}
