//! URLs: canonical article URLs from the permalink pattern, and the tables links are resolved
//! against (the resolver itself is in [`super::resolver`]).

use crate::config::{Config, LinkLevel};
use crate::content::{Article, Library};
use crate::util::encode_path;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};

pub use super::resolver::ArticleResolver;
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
    pub(super) by_path: HashMap<PathBuf, usize>,
    /// Every article's file, visible or not (to tell "not published" from "does not exist").
    pub(super) all_paths: HashMap<PathBuf, usize>,
    pub(super) by_id: HashMap<String, Vec<usize>>,
    /// Visible articles by canonical URL (links written as site URLs).
    pub(super) by_url: HashMap<String, usize>,
    pub(super) legacy: Vec<Regex>,
    /// `content_url_prefix` without its trailing `/`.
    pub(super) prefix: Option<String>,
    /// `root_links`, longest prefix first.
    pub(super) root_links: Vec<(String, LinkLevel)>,
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
    pub(super) fn level(&self, path: &str) -> LinkLevel {
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
    pub(super) tables: &'a LinkTables,
    pub(super) content_dir: PathBuf,
    /// What each linked file turned out to be, looked up once per build: many articles link
    /// the same images, and each look-up resolves every folder of the path.
    files: std::sync::Mutex<HashMap<PathBuf, LinkedFile>>,
    /// `content_dir` with its links resolved, once (`None` when it cannot be resolved).
    content_canon: Option<PathBuf>,
}

/// A file an article links to, as the file system has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LinkedFile {
    /// Not there, or not a file.
    Missing,
    /// A file inside the content folder once every link is resolved.
    Inside,
    /// A file reached through a link that leads outside the content folder.
    Outside,
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
            files: std::sync::Mutex::new(HashMap::new()),
            content_canon: content_dir.canonicalize().ok(),
        }
    }

    /// What `target` is: missing, a file inside the content folder, or one outside it.
    pub(super) fn linked_file(&self, target: &Path) -> LinkedFile {
        let cached = self.files.lock().ok().and_then(|m| m.get(target).copied());
        if let Some(kind) = cached {
            return kind;
        }
        let kind = if !target.is_file() {
            LinkedFile::Missing
        } else {
            match (&self.content_canon, target.canonicalize()) {
                (Some(dir), Ok(real)) if real.starts_with(dir) => LinkedFile::Inside,
                _ => LinkedFile::Outside,
            }
        };
        if let Ok(mut m) = self.files.lock() {
            m.insert(target.to_path_buf(), kind);
        }
        kind
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
    pub(super) fn id_exists_hidden(&self, id: &str) -> bool {
        self.library.articles.iter().any(|a| a.id == id)
    }

    /// The resolver for links written in article `from`.
    pub fn resolver(&'a self, from: usize) -> ArticleResolver<'a> {
        ArticleResolver { index: self, from }
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
