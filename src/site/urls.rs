//! URLs: canonical article URLs from the permalink pattern, and the resolver that turns links
//! written in articles (relative `.md` paths, legacy help-center URLs, `/a/{id}`) into them.

use crate::config::{Config, LinkLevel};
use crate::content::paths::resolves_inside;
use crate::content::{Article, Library};
use crate::render::markdown::{Resolution, Resolver};
use crate::util::{decode_path, encode_path};
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

/// The canonical URL of an article under `pattern`.
pub fn article_url(pattern: &str, a: &Article) -> String {
    article_url_with_slug(pattern, a, &a.slug)
}

/// The URL article `a` would have under `pattern` with another slug (its old ones).
pub fn article_url_with_slug(pattern: &str, a: &Article, slug: &str) -> String {
    let url = pattern
        .replace("{locale}", &a.locale)
        .replace("{slug}", slug)
        .replace("{id}", &crate::util::slugify(&a.id))
        .replace("{category}", &a.category)
        .replace("{section}", a.section.as_deref().unwrap_or("general"))
        .replace("{path}", &a.folder);
    // An empty `{path}` (an article at the top) leaves no empty segment.
    if url.contains("//") {
        let segs: Vec<&str> = url.split('/').filter(|s| !s.is_empty()).collect();
        format!("/{}/", segs.join("/"))
    } else {
        url
    }
}

/// Home of a locale.
pub fn home_url(locale: &str) -> String {
    format!("/{locale}/")
}

/// A category page.
pub fn category_url(locale: &str, category: &str) -> String {
    format!("/{locale}/categories/{category}/")
}

/// A section page.
pub fn section_url(locale: &str, category: &str, section: &str) -> String {
    format!("/{locale}/categories/{category}/{section}/")
}

/// The permanent short link of an article, redirecting to its canonical URL.
pub fn id_url(locale: &str, id: &str) -> String {
    format!("/{locale}/a/{}/", encode_path(id))
}

/// The ticket form of a locale.
pub fn ticket_url(locale: &str) -> String {
    format!("/{locale}/tickets/new/")
}

/// Where the site's copy of a content file lives.
pub fn file_url(rel_under_content: &str) -> String {
    format!("/files/{}", encode_path(rel_under_content))
}

/// The visible articles by file and by id, and the legacy URL patterns. They depend only on
/// where articles are, so `ayuda serve` keeps them between saves that move nothing.
pub struct LinkTables {
    by_path: HashMap<PathBuf, usize>,
    /// Every article's file, visible or not (to tell "not published" from "does not exist").
    all_paths: HashMap<PathBuf, usize>,
    by_id: HashMap<String, Vec<usize>>,
    /// Visible articles by canonical URL (links written as site URLs).
    by_url: HashMap<String, usize>,
    legacy: Vec<Regex>,
    /// `content_url_prefix` without its trailing `/`.
    prefix: Option<String>,
    /// `root_links`, longest prefix first.
    root_links: Vec<(String, LinkLevel)>,
}

impl LinkTables {
    /// Indexes the visible articles (`urls`) of `library`.
    pub fn new(library: &Library, urls: &BTreeMap<usize, String>, config: &Config) -> LinkTables {
        let mut by_path = HashMap::new();
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_url = HashMap::new();
        for (&i, url) in urls {
            let a = &library.articles[i];
            by_path.insert(normalize(&a.path), i);
            by_id.entry(a.id.clone()).or_default().push(i);
            by_url.insert(url.clone(), i);
        }
        let all_paths = library
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (normalize(&a.path), i))
            .collect();
        let legacy = config
            .legacy_article_urls
            .iter()
            .filter_map(|t| legacy_regex(t).ok())
            .collect();
        let mut root_links: Vec<(String, LinkLevel)> = config
            .root_links
            .iter()
            .map(|(p, l)| (p.clone(), *l))
            .collect();
        root_links.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        LinkTables {
            by_path,
            all_paths,
            by_id,
            by_url,
            legacy,
            prefix: config
                .content_url_prefix
                .as_ref()
                .map(|p| p.trim_end_matches('/').to_string()),
            root_links,
        }
    }

    /// How an unresolved root-absolute link to `path` is reported.
    fn level(&self, path: &str) -> LinkLevel {
        self.root_links
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map_or(LinkLevel::Warning, |(_, l)| *l)
    }
}

/// Lookups every article's links are resolved against.
pub struct LinkIndex<'a> {
    pub library: &'a Library,
    /// Canonical URL per article index (visible articles only).
    pub urls: &'a BTreeMap<usize, String>,
    tables: &'a LinkTables,
    content_dir: PathBuf,
}

impl<'a> LinkIndex<'a> {
    /// Resolves against `tables`, built from the same `library` and `urls`.
    pub fn new(
        library: &'a Library,
        urls: &'a BTreeMap<usize, String>,
        tables: &'a LinkTables,
        content_dir: &Path,
    ) -> LinkIndex<'a> {
        LinkIndex {
            library,
            urls,
            tables,
            content_dir: content_dir.to_path_buf(),
        }
    }

    /// The best article with `id` for a reader of `locale`: same locale, else the default, else any.
    pub fn by_id(&self, id: &str, locale: &str) -> Option<usize> {
        let group = self.tables.by_id.get(id)?;
        let pick = |l: &str| {
            group
                .iter()
                .copied()
                .find(|&i| self.library.articles[i].locale == l)
        };
        pick(locale)
            .or_else(|| pick(&self.library.default_locale))
            .or_else(|| group.first().copied())
    }

    /// True when any article (visible or not) carries `id`.
    fn id_exists_hidden(&self, id: &str) -> bool {
        self.library.articles.iter().any(|a| a.id == id)
    }

    /// The resolver for links written in article `from`.
    pub fn resolver(&'a self, from: usize) -> ArticleResolver<'a> {
        ArticleResolver { index: self, from }
    }
}

/// Resolves the links of one article.
pub struct ArticleResolver<'a> {
    index: &'a LinkIndex<'a>,
    from: usize,
}

fn split_fragment(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    }
}

/// True for a reference that is not a path of this site: protocol-relative, or with any URI
/// scheme (`https:`, `mailto:`, `tel:`, `sms:`, `skype:`, `data:`…). A one-letter scheme is a
/// Windows drive (`C:\\x.png`), a path.
fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    let Some((scheme, _)) = dest.split_once(':') else {
        return false;
    };
    // RFC 3986: a letter, then letters, digits, `+`, `-` or `.`; a `/`, `?` or `#` before the
    // colon makes it a path or a fragment.
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

impl ArticleResolver<'_> {
    fn article(&self) -> &Article {
        &self.index.library.articles[self.from]
    }

    fn to_article(&self, target: usize, fragment: Option<&str>) -> Resolution {
        let url = &self.index.urls[&target];
        match fragment.filter(|f| !f.is_empty()) {
            Some(f) if !f.starts_with(":~:") => Resolution::Internal {
                url: format!("{url}#{f}"),
                target: Some(target),
                anchor: Some(decode_path(f)),
            },
            Some(f) => Resolution::Internal {
                url: format!("{url}#{f}"),
                target: Some(target),
                anchor: None,
            },
            None => Resolution::Internal {
                url: url.clone(),
                target: Some(target),
                anchor: None,
            },
        }
    }

    fn by_id(&self, id: &str, fragment: Option<&str>, dest: &str) -> Resolution {
        let locale = self.article().locale.clone();
        match self.index.by_id(id, &locale) {
            Some(t) => self.to_article(t, fragment),
            None if self.index.id_exists_hidden(id) => Resolution::Broken {
                code: "link-to-unpublished",
                message: format!("`{dest}` links to article `{id}`, which is not published"),
                error: false,
            },
            None => Resolution::Broken {
                code: "unknown-article-id",
                message: format!(
                    "`{dest}` links to article id `{id}`, which is not in this help center; the link is kept as written"
                ),
                error: false,
            },
        }
    }
}

impl Resolver for ArticleResolver<'_> {
    fn link(&self, dest: &str) -> Resolution {
        let dest = dest.trim();
        for re in &self.index.tables.legacy {
            if let Some(c) = re.captures(dest) {
                let id = c.get(1).map_or("", |m| m.as_str());
                let fragment = c.get(2).map(|m| m.as_str());
                return self.by_id(id, fragment, dest);
            }
        }
        if is_external(dest) || dest.is_empty() {
            return Resolution::Keep;
        }
        let (path, fragment) = split_fragment(dest);
        let path_only = path.split('?').next().unwrap_or(path);
        // `/a/{id}` or `/{locale}/a/{id}/`
        let segs: Vec<&str> = path_only.trim_matches('/').split('/').collect();
        if path_only.starts_with('/') {
            let id = match segs.as_slice() {
                ["a", id] | [_, "a", id] => Some(*id),
                _ => None,
            };
            if let Some(id) = id {
                return self.by_id(&decode_path(id), fragment, dest);
            }
            return self.root_absolute(dest, path_only, fragment, false);
        }
        if path_only.is_empty() {
            return Resolution::Keep;
        }
        if path_only.ends_with(".md") || path_only.ends_with(".markdown") {
            let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
            let target = normalize(&from_dir.join(decode_path(path_only)));
            return match self.article_at(&target) {
                Some(f) => self.found(f, fragment, dest),
                None => Resolution::Broken {
                    code: "broken-link",
                    message: format!(
                        "`{dest}` does not exist; check the path (relative to this file)"
                    ),
                    error: true,
                },
            };
        }
        if let Some(r) = self.page_relative(path_only, fragment) {
            return r;
        }
        match self.asset(dest) {
            // A relative link to something that is not a file may be a page of the host site.
            Resolution::Broken { code, message, .. } => Resolution::Broken {
                code,
                message,
                error: false,
            },
            other => other,
        }
    }

    fn asset(&self, src: &str) -> Resolution {
        let src = src.trim();
        if is_external(src) || src.is_empty() || src.starts_with('#') {
            return Resolution::Keep;
        }
        let (path, _) = split_fragment(src);
        let path = path.split('?').next().unwrap_or(path);
        if src.starts_with('/') {
            return self.root_absolute(src, path, None, true);
        }
        let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
        self.file_at(src, normalize(&from_dir.join(decode_path(path))))
    }
}

impl ArticleResolver<'_> {
    /// The article written in file `target`, if any: `Ok` when visible, `Err` when it is not
    /// published in this build.
    fn article_at(&self, target: &Path) -> Option<Result<usize, usize>> {
        let tables = &self.index.tables;
        match tables.by_path.get(target) {
            Some(&i) => Some(Ok(i)),
            None => tables.all_paths.get(target).map(|&i| Err(i)),
        }
    }

    /// The article a path without extension names, as a page folder would: `p.md`,
    /// `p.markdown`, `p/index.md`, `p/_index.md`, `p/README.md`; or `p` itself with an extension.
    fn page_at(&self, base: &Path) -> Option<Result<usize, usize>> {
        let name = base.file_name()?.to_string_lossy().into_owned();
        if name.ends_with(".md") || name.ends_with(".markdown") {
            return self.article_at(base);
        }
        [
            base.with_file_name(format!("{name}.md")),
            base.with_file_name(format!("{name}.markdown")),
            base.join("index.md"),
            base.join("_index.md"),
            base.join("README.md"),
        ]
        .iter()
        .find_map(|p| self.article_at(p))
    }

    fn found(&self, found: Result<usize, usize>, fragment: Option<&str>, dest: &str) -> Resolution {
        match found {
            Ok(t) => self.to_article(t, fragment),
            Err(_) => Resolution::Broken {
                code: "link-to-unpublished",
                message: format!(
                    "`{dest}` links to an article that is not published (draft or archived)"
                ),
                error: false,
            },
        }
    }

    /// A link written relative to the article's page rather than its file, as Hugo sites do
    /// (`../other-page/` from `guides/install.md` is `guides/other-page.md`), or to a page
    /// without its extension (`other-page`).
    fn page_relative(&self, path: &str, fragment: Option<&str>) -> Option<Resolution> {
        let file_like = Path::new(path.trim_end_matches('/'))
            .extension()
            .is_some_and(|e| !e.eq_ignore_ascii_case("html"));
        if file_like {
            return None;
        }
        let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
        let decoded = decode_path(path.trim_end_matches('/'));
        let mut candidates = vec![decoded.as_str()];
        if let Some(rest) = decoded.strip_prefix("../") {
            candidates.insert(0, rest);
        }
        candidates.into_iter().find_map(|rel| {
            let base = normalize(&from_dir.join(rel));
            (base.starts_with(normalize(&self.index.content_dir)))
                .then(|| self.page_at(&base))
                .flatten()
                .map(|f| self.found(f, fragment, path))
        })
    }

    /// A link or file reference starting with `/`: a path under the content folder (after
    /// `content_url_prefix`, if it starts with that), with or without `.md` and trailing `/`;
    /// else an article's URL or one of the site's own pages; else reported as `root_links`
    /// says (a `.md` path that matches nothing is always a `broken-link` error).
    fn root_absolute(
        &self,
        dest: &str,
        path: &str,
        fragment: Option<&str>,
        is_asset: bool,
    ) -> Resolution {
        let tables = &self.index.tables;
        let decoded = decode_path(path);
        let content_dir = normalize(&self.index.content_dir);
        let mut candidates = Vec::new();
        if let Some(prefix) = &tables.prefix
            && let Some(rest) = decoded.strip_prefix(prefix.as_str())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            candidates.push(rest);
        }
        candidates.push(decoded.as_str());
        for rel in candidates {
            let rel = rel.trim_matches('/');
            if rel.is_empty() {
                continue;
            }
            let base = normalize(&content_dir.join(rel));
            if !base.starts_with(&content_dir) {
                continue;
            }
            if !is_asset && let Some(f) = self.page_at(&base) {
                return self.found(f, fragment, dest);
            }
            if base.is_file() {
                return self.file_at(dest, base);
            }
        }
        let as_page = format!("{}/", path.trim_end_matches('/'));
        if let Some(&t) = tables.by_url.get(&as_page) {
            return self.to_article(t, fragment);
        }
        if self.is_site_page(path) {
            return Resolution::Keep;
        }
        if !is_asset && (path.ends_with(".md") || path.ends_with(".markdown")) {
            return Resolution::Broken {
                code: "broken-link",
                message: format!(
                    "`{dest}` matches no article: links starting with `/` are read from the content folder{}",
                    tables
                        .prefix
                        .as_ref()
                        .map(|p| format!(" (or after `{p}/`, `content_url_prefix`)"))
                        .unwrap_or_default()
                ),
                error: true,
            };
        }
        match tables.level(path) {
            LinkLevel::Ignore => Resolution::Keep,
            level => Resolution::Broken {
                code: "unresolved-link",
                message: format!(
                    "`{dest}` matches no article or file of the content folder and is kept as written; if the host serves it, set `root_links` in ayuda.yaml to `ignore` for its prefix"
                ),
                error: level == LinkLevel::Error,
            },
        }
    }

    /// True for the site's own pages: a locale's home, categories, ticket form, what's new,
    /// feeds and short links, and the search page.
    fn is_site_page(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let locales = &self.index.library.locales;
        match segs.as_slice() {
            [""] | ["search"] | ["sitemap.xml"] | ["feed.xml"] => true,
            [l, rest @ ..] if locales.iter().any(|x| x == l) => matches!(
                rest,
                [] | ["categories", ..]
                    | ["tickets", ..]
                    | ["whats-new", ..]
                    | ["whats-new.xml"]
                    | ["feed.xml"]
                    | ["search"]
            ),
            _ => false,
        }
    }

    /// The site's copy of file `target` (written as `src`), checked to be inside the content
    /// folder.
    fn file_at(&self, src: &str, target: PathBuf) -> Resolution {
        let under = target
            .strip_prefix(normalize(&self.index.content_dir))
            .map(|p| p.to_string_lossy().into_owned())
            // A backslash separates folders on Windows only; elsewhere it is part of a file
            // name that no published path may hold.
            .map(|p| {
                if cfg!(windows) {
                    p.replace('\\', "/")
                } else {
                    p
                }
            });
        match under {
            Ok(_) if target.is_file() && !resolves_inside(&self.index.content_dir, &target) => {
                Resolution::Broken {
                    code: crate::content::paths::UNSAFE_PATH,
                    message: format!(
                        "`{src}` is a symbolic link that leads outside the content folder; it is not published"
                    ),
                    error: true,
                }
            }
            Ok(rel) if target.is_file() => match crate::util::path_problem(&rel) {
                None => Resolution::Asset {
                    url: file_url(&rel),
                },
                Some(why) => Resolution::Broken {
                    code: crate::content::paths::UNSAFE_PATH,
                    message: format!("`{src}` names a file whose path {why}; rename the file"),
                    error: true,
                },
            },
            Ok(_) => Resolution::Broken {
                code: "missing-file",
                message: format!("`{src}` does not exist next to this article"),
                error: true,
            },
            Err(_) => Resolution::Broken {
                code: "missing-file",
                message: format!("`{src}` points outside the content folder"),
                error: true,
            },
        }
    }
}

/// Resolves `.` and `..` without touching the file system. Leading `..` of a relative path
/// are kept (`../site/a/../b` → `../site/b`); above the root of an absolute path they vanish.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let climbs = matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                );
                if climbs && !out.has_root() {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A regex for a legacy URL template: `{id}` captured, an optional `-slug` after it, and the
/// fragment captured. `{slug}`, `{locale}` and `*` match any segment text; a template that
/// starts with `/` matches links written as site paths.
pub fn legacy_regex(template: &str) -> Result<Regex, regex::Error> {
    let (before, after) = template.split_once("{id}").unwrap_or((template, ""));
    let pattern = |part: &str| {
        let mut out = String::new();
        let mut rest = part;
        while !rest.is_empty() {
            let next = ["{slug}", "{locale}", "*"]
                .iter()
                .filter_map(|p| rest.find(p).map(|i| (i, *p)))
                .min();
            let Some((i, placeholder)) = next else {
                out.push_str(&regex::escape(rest));
                break;
            };
            out.push_str(&regex::escape(&rest[..i]));
            out.push_str(match placeholder {
                "{locale}" => r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?",
                _ => r"[^/?#]*?",
            });
            rest = &rest[i + placeholder.len()..];
        }
        out
    };
    let host_relative = before.starts_with('/') && !before.starts_with("//");
    let before = pattern(
        before
            .trim_start_matches("https://")
            .trim_start_matches("http://"),
    );
    let after = pattern(after.trim_end_matches('/'));
    let start = if host_relative {
        "^"
    } else {
        "^(?:https?:)?//"
    };
    Regex::new(&format!(
        r"{start}{before}([A-Za-z0-9_]+)(?:-[^/?#]*)?{after}/?(?:\?[^#]*)?(?:#(.*))?$"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_urls_match_with_and_without_slug() {
        let re = legacy_regex("https://support.example.com/hc/en-us/articles/{id}").unwrap();
        let c = re
            .captures("https://support.example.com/hc/en-us/articles/360016495679-Install-x#step-2")
            .unwrap();
        assert_eq!(&c[1], "360016495679");
        assert_eq!(&c[2], "step-2");
        assert!(re.is_match("https://support.example.com/hc/en-us/articles/42"));
        assert!(re.is_match("http://support.example.com/hc/en-us/articles/42/"));
        assert!(!re.is_match("https://support.example.com/hc/en-us/sections/42"));
    }

    #[test]
    fn legacy_templates_take_wildcards_and_site_paths() {
        let re = legacy_regex("https://help.example.com/{locale}/tutorial/{slug}--{id}").unwrap();
        let c = re
            .captures("https://help.example.com/pt-BR/tutorial/como-pagar--4bbXy1#x")
            .unwrap();
        assert_eq!((&c[1], &c[2]), ("4bbXy1", "x"));
        let re = legacy_regex("/{locale}/faq/*--{id}").unwrap();
        assert_eq!(
            &re.captures("/en/faq/a-question--4bbXy1").unwrap()[1],
            "4bbXy1"
        );
        assert!(!re.is_match("https://other.example.org/en/faq/a--4bbXy1"));
    }

    #[test]
    fn any_uri_scheme_is_external() {
        for dest in [
            "sms:+1555",
            "tel:+1",
            "skype:x?call",
            "whatsapp://send",
            "MAILTO:a@b",
            "//cdn",
        ] {
            assert!(is_external(dest), "{dest}");
        }
        for dest in [
            "img/a.png",
            "C:/x.png",
            "a.md#x:y",
            "../b",
            "?q=a:b",
            "/x:y",
        ] {
            assert!(!is_external(dest), "{dest}");
        }
    }

    #[test]
    fn normalize_keeps_leading_parent_folders() {
        // `ayuda check --root ../site` reported every co-located image as missing.
        assert_eq!(
            normalize(Path::new("../shared/c/a/../x.png")),
            PathBuf::from("../shared/c/x.png")
        );
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(
            normalize(Path::new("/c/a/b/../x/./y.md")),
            PathBuf::from("/c/a/x/y.md")
        );
    }
}
