//! Files beside the pages: sitemap, robots.txt, Atom feeds, and redirects (HTML pages plus a
//! `_redirects` file for hosts that read one).

use super::output::{Output, url_to_file};
use super::pages::{redirect_page, translations};
use super::{BuildError, Site, urls};
use crate::content::{Article, Library};
use crate::diag::Diagnostic;
use crate::util::escape_html;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The old URLs an article's front matter names: its `legacySlug`s under the permalink pattern,
/// and its `aliases` as site paths.
pub(super) fn explicit_old_urls(permalink: &str, a: &Article) -> Vec<String> {
    let legacy = a
        .front
        .legacy_slugs
        .iter()
        .map(|legacy| urls::article_url_with_slug(permalink, a, &crate::util::slugify(legacy)));
    let aliases = a.front.aliases.iter().map(|alias| {
        let mut url = if alias.starts_with('/') {
            alias.clone()
        } else {
            format!("/{alias}")
        };
        // An alias without an extension is a folder page, as Hugo writes it (`/docs` →
        // `docs/index.html`): a file without extension is served with no type, and could not
        // sit beside `/docs/native`.
        let last = url.rsplit('/').next().unwrap_or("");
        if !last.is_empty() && !last.contains('.') {
            url.push('/');
        }
        url
    });
    legacy.chain(aliases).collect()
}

/// The modification time of a file, if the file system keeps one.
fn modified(path: &std::path::Path) -> Option<jiff::Timestamp> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    jiff::Timestamp::try_from(t).ok()
}

/// Every redirect of the site: old URL → (canonical URL, article index).
pub fn redirects(site: &Site) -> BTreeMap<String, (String, usize)> {
    let mut out: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (&i, url) in site.urls.iter() {
        let a = &site.library.articles[i];
        let sources = std::iter::once(urls::id_url(&a.locale, &a.id))
            .chain(explicit_old_urls(&site.config.permalink, a));
        for s in sources {
            if s != *url && super::output::url_is_safe(&s) {
                out.entry(s).or_insert((url.clone(), i));
            }
        }
    }
    // URLs seen in git history (issue 6), after the explicit ones, which win.
    for (old, &i) in &site.history.redirects {
        if let Some(url) = site
            .urls
            .get(&i)
            .filter(|_| super::output::url_is_safe(old))
        {
            out.entry(old.clone()).or_insert((url.clone(), i));
        }
    }
    out
}

/// Two articles claiming one old URL, or an old URL that is now another article's page.
pub fn redirect_conflicts(
    permalink: &str,
    library: &Library,
    urls: &BTreeMap<usize, String>,
) -> Vec<Diagnostic> {
    let pages: BTreeMap<&String, usize> = urls.iter().map(|(&i, u)| (u, i)).collect();
    let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (&i, url) in urls {
        let a = &library.articles[i];
        for s in explicit_old_urls(permalink, a) {
            if s == *url {
                continue;
            }
            if let Some(&owner) = pages.get(&s) {
                out.push(Diagnostic::warning(
                    &a.file,
                    "redirect-conflict",
                    format!(
                        "old URL {s} is now the page of {}; no redirect is made",
                        library.articles[owner].file
                    ),
                ));
            } else if let Some(&other) = claimed.get(&s) {
                if library.articles[other].id != a.id {
                    out.push(Diagnostic::error(
                        &a.file,
                        "redirect-conflict",
                        format!(
                            "old URL {s} is claimed by this article and by {}; remove it from one of them",
                            library.articles[other].file
                        ),
                    ));
                }
            } else {
                claimed.insert(s, i);
            }
        }
    }
    out
}

/// Writes sitemap.xml, robots.txt, the Atom feed of each locale and the redirects.
pub fn write_feeds(site: &Site, output: &Output) -> Result<(), BuildError> {
    let base = site.config.base();
    // Sitemap with hreflang alternates.
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for l in &site.library.locales {
        let _ = writeln!(xml, "  <url><loc>{base}{}</loc></url>", urls::home_url(l));
        if site.theme.has("whats_new.html") {
            let _ = writeln!(
                xml,
                "  <url><loc>{base}{}</loc></url>",
                crate::history::whats_new::url(l)
            );
        }
    }
    // Category and section pages: one per (locale, category, section) that has articles.
    let listings: BTreeSet<String> = site
        .urls
        .keys()
        .flat_map(|&i| {
            let a = &site.library.articles[i];
            let section = a
                .section
                .as_ref()
                .map(|s| urls::section_url(&a.locale, &a.category, s));
            std::iter::once(urls::category_url(&a.locale, &a.category)).chain(section)
        })
        .collect();
    for url in &listings {
        let _ = writeln!(
            xml,
            "  <url><loc>{}</loc></url>",
            escape_html(&format!("{base}{url}"))
        );
    }
    for (&i, url) in site.urls.iter() {
        let a = &site.library.articles[i];
        let _ = write!(
            xml,
            "  <url><loc>{}</loc>",
            escape_html(&format!("{base}{url}"))
        );
        if let Some(t) = site.history.updated(a) {
            let _ = write!(xml, "<lastmod>{}</lastmod>", t.strftime("%Y-%m-%d"));
        }
        let tr = translations(site, i);
        if tr.len() > 1 {
            for (l, j) in &tr {
                let _ = write!(
                    xml,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{l}\" href=\"{}\"/>",
                    escape_html(&format!("{base}{}", site.urls[j]))
                );
            }
            let default = tr
                .iter()
                .find(|(l, _)| *l == site.library.default_locale)
                .or(tr.first());
            if let Some((_, j)) = default {
                let _ = write!(
                    xml,
                    "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>",
                    escape_html(&format!("{base}{}", site.urls[j]))
                );
            }
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    output.write("site/sitemap.xml", xml.as_bytes())?;
    output.write(
        "site/robots.txt",
        format!("User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\n")
            .as_bytes(),
    )?;

    // Atom feed per locale: most recently updated first.
    for l in &site.library.locales {
        let items: Vec<usize> = site
            .urls
            .keys()
            .copied()
            .filter(|&i| site.library.articles[i].locale == *l)
            .collect();
        // Dated by front matter or git, else by the file's modification time; an article with
        // none of them stays out of this date-ordered feed rather than showing 1970.
        let dated = |i: usize| {
            let a = &site.library.articles[i];
            site.history.updated(a).or_else(|| modified(&a.path))
        };
        let mut items: Vec<(jiff::Timestamp, usize)> = items
            .into_iter()
            .filter_map(|i| dated(i).map(|t| (t, i)))
            .collect();
        items.sort_by(|(tx, x), (ty, y)| {
            ty.cmp(tx).then_with(|| {
                site.library.articles[*x]
                    .file
                    .cmp(&site.library.articles[*y].file)
            })
        });
        items.truncate(site.config.feed_entries);
        let newest = items
            .first()
            .map(|(t, _)| format!("  <updated>{t}</updated>\n"))
            .unwrap_or_default();
        let mut feed = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{l}\">\n  <title>{}</title>\n  <id>{base}/{l}/</id>\n  <link href=\"{base}/{l}/\"/>\n  <link rel=\"self\" href=\"{base}/{l}/feed.xml\"/>\n{newest}",
            escape_html(site.config.title(l))
        );
        for (updated, i) in items {
            let a = &site.library.articles[i];
            let url = format!("{base}{}", site.urls[&i]);
            let summary = a
                .front
                .description
                .clone()
                .unwrap_or_else(|| site.rendered[&i].summary.clone());
            let _ = write!(
                feed,
                "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <updated>{updated}</updated>\n    <summary>{}</summary>\n  </entry>\n",
                escape_html(&a.title),
                escape_html(&url),
                escape_html(&url),
                escape_html(&summary)
            );
        }
        feed.push_str("</feed>\n");
        output.write(&format!("site/{l}/feed.xml"), feed.as_bytes())?;
        // What's new feed (issue 6).
        let changes = crate::history::whats_new::changes(site, l);
        let atom = crate::history::whats_new::atom(site, l, &changes);
        output.write(&format!("site/{l}/whats-new.xml"), atom.as_bytes())?;
    }

    // Redirects.
    let redirects = redirects(site);
    let pages: std::collections::HashSet<&String> = site.urls.values().collect();
    let mut lines = String::from("# Generated by ayuda: old and short URLs to canonical pages.\n");
    for (from, (to, i)) in &redirects {
        let _ = writeln!(lines, "{from} {to} 301");
        if !pages.contains(from) {
            output.write(
                &format!("site/{}", url_to_file(from)),
                redirect_page(to, &site.library.articles[*i].locale).as_bytes(),
            )?;
        }
    }
    output.write("site/_redirects", lines.as_bytes())?;
    Ok(())
}
