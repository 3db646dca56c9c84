//! Where articles are: their URLs, translation groups, link lookups and the checks of their
//! places (URL conflicts, missing translations, redirects). Depends only on the places of
//! articles, so `ayuda serve` keeps it between saves that move nothing.

use super::{BuildOptions, conflicts, feeds, output, urls};
use crate::config::Config;
use crate::content::{Article, Library, Status};
use crate::diag::Diagnostic;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// What the build derives from the places of articles besides their URLs and groups.
pub(super) struct Layout {
    pub(super) links: urls::LinkTables,
    /// URL conflicts, missing translations, conflicting redirects.
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Where an article is and what it is called: everything its URL, its translation group, the
/// links to it and the redirects to it depend on.
type Place<'a> = (
    (&'a str, &'a Path, &'a str, &'a str, &'a str),
    (&'a str, Option<&'a str>, Status, &'a str),
    (&'a [String], &'a [String]),
);

fn place(a: &Article) -> Place<'_> {
    (
        (&a.file, &a.path, &a.id, &a.locale, &a.slug),
        (&a.category, a.section.as_deref(), a.status, &a.folder),
        (&a.front.legacy_slugs, &a.front.aliases),
    )
}

/// True when every article of `next` has the place it had in `prev`, and the locales are the
/// same (most saves change text only).
pub(super) fn same_places(prev: &Library, next: &Library) -> bool {
    prev.locales == next.locales
        && prev.default_locale == next.default_locale
        && prev.articles.len() == next.articles.len()
        && prev
            .articles
            .iter()
            .zip(&next.articles)
            .all(|(a, b)| Arc::ptr_eq(a, b) || place(a) == place(b))
}

/// The URLs, translation groups, link lookups and place checks of a library.
pub(super) fn lay_out(
    config: &Config,
    library: &Library,
    options: &BuildOptions,
) -> (BTreeMap<usize, String>, HashMap<String, Vec<usize>>, Layout) {
    let mut diagnostics = Vec::new();
    let mut urls = BTreeMap::new();
    let mut owners: BTreeMap<String, usize> = BTreeMap::new();
    for (i, a) in library.visible(options.drafts) {
        let url = urls::article_url(&config.permalink, a);
        if let Some(why) = crate::util::path_problem(&output::url_to_file(&url)) {
            diagnostics.push(Diagnostic::error(
                &a.file,
                crate::content::paths::UNSAFE_PATH,
                format!("this article's URL {url} (from `permalink` in ayuda.yaml) {why}; fix the pattern or the article's values"),
            ).at(a.front_line("slug"), None));
            continue;
        }
        if let Some(&other) = owners.get(&url) {
            diagnostics.push(Diagnostic::error(
                &a.file,
                "url-conflict",
                format!(
                    "this article and {} would both be published at {url}; give one a different `slug`",
                    library.articles[other].file
                ),
            ).at(a.front_line("slug"), None));
            continue;
        }
        owners.insert(url.clone(), i);
        urls.insert(i, url);
    }
    let links = urls::LinkTables::new(library, &urls, config);
    diagnostics.extend(missing_translations(library, &urls));
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in urls.keys() {
        groups
            .entry(library.articles[i].id.clone())
            .or_default()
            .push(i);
    }
    let locale_rank = |l: &str| {
        library
            .locales
            .iter()
            .position(|x| x == l)
            .unwrap_or(usize::MAX)
    };
    for members in groups.values_mut() {
        members.sort_by_key(|&i| locale_rank(&library.articles[i].locale));
    }
    diagnostics.extend(feeds::redirect_conflicts(&config.permalink, library, &urls));
    diagnostics.extend(conflicts::path_conflicts(&config.permalink, library, &urls));
    (urls, groups, Layout { links, diagnostics })
}

/// What decides how links between articles resolve: every article's file, id and locale, and
/// the URL of the visible ones.
pub(super) fn link_fingerprint<'a>(
    library: &'a Library,
    urls: &'a BTreeMap<usize, String>,
) -> Vec<(&'a str, &'a str, &'a str, Option<&'a str>)> {
    library
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                a.file.as_str(),
                a.id.as_str(),
                a.locale.as_str(),
                urls.get(&i).map(String::as_str),
            )
        })
        .collect()
}

/// Warns about translation groups missing a locale the site publishes.
fn missing_translations(library: &Library, urls: &BTreeMap<usize, String>) -> Vec<Diagnostic> {
    if library.locales.len() < 2 {
        return Vec::new();
    }
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in urls.keys() {
        let a = &library.articles[i];
        groups.entry(&a.id).or_default().insert(&a.locale);
        let better = first
            .get(a.id.as_str())
            .is_none_or(|&f| library.articles[f].locale != library.default_locale);
        if better {
            first.insert(&a.id, i);
        }
    }
    let mut out = Vec::new();
    for (id, present) in groups {
        let missing: Vec<&str> = library
            .locales
            .iter()
            .map(String::as_str)
            .filter(|l| !present.contains(l))
            .collect();
        if !missing.is_empty() {
            let a = &library.articles[first[id]];
            out.push(Diagnostic::warning(
                &a.file,
                "missing-translation",
                format!(
                    "article `{id}` has no translation in {}; readers of those locales see it only in their fallback",
                    missing.join(", ")
                ),
            ));
        }
    }
    out
}
