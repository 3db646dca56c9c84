//! The pages of a locale that list articles: home, categories, sections, what's new, search,
//! ticket form, 404 (see docs/templates.md).

use super::context::list_item;
use super::pages::{
    ListItem, LocaleContext, LocaleContexts, Page, absolute, breadcrumb_ld, home_crumb,
};
use super::{Site, urls};
use serde_json::{Value, json};

pub(super) fn locale_pages(
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
pub(super) fn not_found_page(lc: &LocaleContext, url: String) -> Page {
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
