//! Output paths that cannot coexist, found before anything is written: an old URL (`aliases`,
//! `legacySlug`) whose file would be a folder of another page (`/docs` next to
//! `/docs/native`), or would replace one of the site's own pages (`/en/feed.xml`).

use super::feeds::explicit_old_urls;
use super::output::url_to_file;
use super::urls;
use crate::content::Library;
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

/// Who writes one output file.
#[derive(Clone, Copy)]
struct Claim<'a> {
    /// The article whose page or redirect it is; None for the site's own pages.
    article: Option<usize>,
    /// True for a redirect a writer asked for (an alias or legacy slug).
    explicit: bool,
    url: &'a str,
}

/// The file-versus-folder and fixed-page conflicts of a site's paths, as errors on the article
/// whose front matter causes them.
pub fn path_conflicts(
    permalink: &str,
    library: &Library,
    page_urls: &BTreeMap<usize, String>,
) -> Vec<Diagnostic> {
    let mut fixed: Vec<String> = [
        "/",
        "/404.html",
        "/sitemap.xml",
        "/robots.txt",
        "/_redirects",
    ]
    .map(String::from)
    .to_vec();
    for l in &library.locales {
        fixed.extend([
            urls::home_url(l),
            format!("/{l}/feed.xml"),
            format!("/{l}/404.html"),
            crate::history::whats_new::url(l),
            crate::history::whats_new::feed_url(l),
            urls::ticket_url(l),
        ]);
    }
    for &i in page_urls.keys() {
        let a = &library.articles[i];
        fixed.push(urls::category_url(&a.locale, &a.category));
        if let Some(s) = &a.section {
            fixed.push(urls::section_url(&a.locale, &a.category, s));
        }
    }
    let mut claims: BTreeMap<String, Claim> = BTreeMap::new();
    for url in &fixed {
        claims.entry(url_to_file(url)).or_insert(Claim {
            article: None,
            explicit: false,
            url,
        });
    }
    let mut out = Vec::new();
    let old: Vec<(usize, Vec<String>)> = page_urls
        .keys()
        .map(|&i| {
            let a = &library.articles[i];
            let mut v = vec![urls::id_url(&a.locale, &a.id)];
            v.extend(explicit_old_urls(permalink, a));
            (i, v)
        })
        .collect();
    for (&i, url) in page_urls {
        claims.entry(url_to_file(url)).or_insert(Claim {
            article: Some(i),
            explicit: false,
            url,
        });
    }
    for (i, sources) in &old {
        for (n, url) in sources.iter().enumerate() {
            let file = url_to_file(url);
            let claim = Claim {
                article: Some(*i),
                explicit: n > 0,
                url,
            };
            match claims.get(&file) {
                Some(c) if c.article.is_none() && claim.explicit => {
                    let why = format!("{url} would replace the site's page {}", c.url);
                    out.push(conflict(library, &claim, &why));
                }
                Some(_) => {}
                None => {
                    claims.insert(file, claim);
                }
            }
        }
    }
    for (file, claim) in &claims {
        let mut prefix = file.as_str();
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            prefix = parent;
            let Some(folder) = claims.get(parent) else {
                continue;
            };
            // Reported on the article that asked for a redirect, else on the page's article.
            let blamed = if folder.explicit && !claim.explicit {
                folder
            } else {
                claim
            };
            if blamed.article.is_some() {
                let why = format!(
                    "{} is published as the file `{parent}`, and {} needs `{parent}` to be a folder",
                    folder.url, claim.url
                );
                out.push(conflict(library, blamed, &why));
            }
        }
    }
    out
}

fn conflict(library: &Library, claim: &Claim, why: &str) -> Diagnostic {
    let a = claim.article.map(|i| &library.articles[i]);
    let key = if claim.explicit {
        let alias = a.is_some_and(|a| {
            a.front
                .aliases
                .iter()
                .any(|x| x.trim_matches('/') == claim.url.trim_matches('/'))
        });
        if alias { "aliases" } else { "legacySlug" }
    } else {
        "slug"
    };
    Diagnostic::error(
        a.map_or_else(String::new, |a| a.file.clone()),
        "url-conflict",
        format!("{why}; change or remove one of the URLs"),
    )
    .at(a.and_then(|a| a.front_line(key)), None)
}
