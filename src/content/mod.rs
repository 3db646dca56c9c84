//! Loading: walk the content folder, split and read front matter, and assemble the article
//! library with its categories, sections and translation groups.

mod article;
pub mod frontmatter;
pub mod paths;
pub mod taxonomy;

use crate::config::{self, Config, Localized};
use crate::diag::{Diagnostic, Diagnostics};
use crate::util::slugify;
pub use frontmatter::{FrontMatter, Status};
use jiff::Timestamp;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use article::{is_locale_segment, parse_article, read_article};
pub use taxonomy::{FolderMeta, Taxonomy};

/// One article in one locale.
#[derive(Debug, Clone)]
pub struct Article {
    /// Path relative to the site root, `/`-separated (for diagnostics and history).
    pub file: String,
    /// Absolute path of the source file.
    pub path: PathBuf,
    /// Stable id shared by the translations of one article.
    pub id: String,
    pub locale: String,
    pub slug: String,
    pub title: String,
    /// The `# heading` the body opened with, taken off the body: the page shows it as its
    /// title (the front matter `title` stays the title of listings, search and `<title>`).
    pub heading: Option<String>,
    pub status: Status,
    /// Category key (stable across locales), or `general`.
    pub category: String,
    /// Section key within the category, if any.
    pub section: Option<String>,
    /// The folders between the content root (or its locale folder) and the file, each
    /// slugified, `/`-separated; empty at the top (the permalink's `{path}`).
    pub folder: String,
    /// Category and section names as written (folder or front matter), before folder metadata.
    pub category_label: String,
    pub section_label: Option<String>,
    pub front: FrontMatter,
    /// Markdown body.
    pub body: String,
    /// Lines of the file before the body, to report body positions as file lines.
    pub body_line_offset: usize,
}

impl Article {
    /// True when the article is published.
    pub fn is_published(&self) -> bool {
        self.status == Status::Published
    }

    /// Last update instant from front matter (history may refine it later).
    pub fn updated(&self) -> Option<Timestamp> {
        self.front
            .updated
            .or(self.front.published)
            .or(self.front.first_published)
            .or(self.front.created)
    }
}

/// All articles of a site, sorted by locale then file, with lookups.
#[derive(Debug, Default, Clone)]
pub struct Library {
    /// Shared, not copied, between the builds of `ayuda serve`: a save re-reads one file and
    /// the other articles of the new library are the previous build's.
    pub articles: Vec<Arc<Article>>,
    pub taxonomy: Taxonomy,
    /// Locales present, sorted with the default first.
    pub locales: Vec<String>,
    pub default_locale: String,
}

impl Library {
    /// Loads every Markdown file under the content folder of `root`. Files with errors are left
    /// out and their problems reported; the rest still load.
    pub fn load(root: &Path, config: &Config) -> (Library, Diagnostics) {
        let (md_files, meta_files, diags) = Library::list_files(root, config);
        Library::from_files(root, config, &md_files, &meta_files, diags)
    }

    /// Lists the Markdown files and folder metadata files of the content folder, sorted.
    pub fn list_files(root: &Path, config: &Config) -> (Vec<PathBuf>, Vec<PathBuf>, Diagnostics) {
        let (md, meta, _, diags) = Library::walk(root, config);
        (md, meta, diags)
    }

    /// The Markdown files of the content folder that are not read: those whose name starts
    /// with `_` (partials of other tools), apart from `_index.md` (for `ayuda check --verbose`).
    pub fn skipped_files(root: &Path, config: &Config) -> Vec<String> {
        Library::walk(root, config).2
    }

    fn walk(
        root: &Path,
        config: &Config,
    ) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<String>, Diagnostics) {
        let content_dir = root.join(&config.content_dir);
        let mut diags = Diagnostics::default();
        let mut md_files = Vec::new();
        let mut meta_files = Vec::new();
        let mut skipped = Vec::new();
        if !content_dir.is_dir() {
            diags.push(Diagnostic::error(
                rel(root, &content_dir),
                "no-content",
                format!(
                    "there is no content folder `{}`; create it or set `content_dir` in ayuda.yaml",
                    config.content_dir.display()
                ),
            ));
            return (md_files, meta_files, skipped, diags);
        }
        // Links are followed when they resolve inside the content folder (files and folders);
        // walkdir reports a folder link that leads back to one of its ancestors as a loop.
        let mut refused: Vec<Diagnostic> = Vec::new();
        let mut followed_links = false;
        let walker = walkdir::WalkDir::new(&content_dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                if e.depth() > 0 && (name.starts_with('.') || name == "node_modules") {
                    return false;
                }
                if e.depth() > 0 && e.path_is_symlink() {
                    if let Err(d) = paths::check_link(&content_dir, e.path(), &rel(root, e.path()))
                    {
                        refused.push(d);
                        return false;
                    }
                    followed_links = true;
                }
                true
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) if e.loop_ancestor().is_some() => {
                    diags.push(Diagnostic::warning(
                        e.path().map(|p| rel(root, p)).unwrap_or_default(),
                        "symlink",
                        "this symbolic link leads back to a folder that contains it (a loop); it is not followed",
                    ));
                    continue;
                }
                Err(e) => {
                    diags.push(Diagnostic::error(
                        e.path().map(|p| rel(root, p)).unwrap_or_default(),
                        "io",
                        e.to_string(),
                    ));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if taxonomy::is_meta_name(&name) {
                meta_files.push(entry.into_path());
            } else if name.ends_with(".md") || name.ends_with(".markdown") {
                if name.starts_with('_') {
                    skipped.push(rel(root, entry.path()));
                } else {
                    md_files.push(entry.into_path());
                }
            }
        }
        diags.extend(refused);
        if followed_links {
            md_files = paths::read_once(&content_dir, md_files);
            meta_files = paths::read_once(&content_dir, meta_files);
        }
        (md_files, meta_files, skipped, diags)
    }

    /// Builds the library from already listed files (used by `load` and by incremental rebuilds).
    pub fn from_files(
        root: &Path,
        config: &Config,
        md_files: &[PathBuf],
        meta_files: &[PathBuf],
        diags: Diagnostics,
    ) -> (Library, Diagnostics) {
        let loaded: Vec<(Option<Arc<Article>>, Vec<Diagnostic>)> = md_files
            .par_iter()
            .map(|path| {
                let (article, diags) = read_article(root, config, path);
                (article.map(Arc::new), diags)
            })
            .collect();
        Library::assemble(root, config, loaded, meta_files, diags)
    }

    /// Builds the library from articles already read with [`read_article`] (incremental rebuilds
    /// keep them between saves) and the folder metadata files.
    pub fn assemble(
        root: &Path,
        config: &Config,
        loaded: Vec<(Option<Arc<Article>>, Vec<Diagnostic>)>,
        meta_files: &[PathBuf],
        mut diags: Diagnostics,
    ) -> (Library, Diagnostics) {
        let content_dir = root.join(&config.content_dir);
        let known: Vec<String> = config.locale_codes();
        let default_locale = config.default_locale().to_string();
        let mut articles = Vec::with_capacity(loaded.len());
        for (article, ds) in loaded {
            diags.extend(ds);
            articles.extend(article);
        }
        let mut taxonomy = Taxonomy::default();
        for path in meta_files {
            let file = rel(root, path);
            let under = path.strip_prefix(&content_dir).unwrap_or(path);
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    if let Err(d) =
                        taxonomy.add_meta(&text, &file, under, &known, config.markdown.raw_html)
                    {
                        diags.push(d);
                    }
                }
                Err(e) => diags.push(Diagnostic::error(file, "io", format!("cannot read: {e}"))),
            }
        }
        taxonomy.resolve_keys(&mut articles);
        qualify_colliding_slugs(&config.permalink, &mut articles);

        if !known.is_empty() {
            for a in articles.iter().filter(|a| !known.contains(&a.locale)) {
                diags.push(
                    Diagnostic::error(
                        &a.file,
                        "unknown-locale",
                        format!(
                            "locale `{}` is not in `locales` of ayuda.yaml ({}); add it there or fix the article",
                            a.locale,
                            known.join(", ")
                        ),
                    )
                    .at(a.front_line("locale"), None),
                );
            }
            articles.retain(|a| known.contains(&a.locale));
        }
        articles.sort_by(|a, b| (&a.locale, &a.file).cmp(&(&b.locale, &b.file)));
        let locales = if known.is_empty() {
            let mut seen: BTreeSet<String> = articles.iter().map(|a| a.locale.clone()).collect();
            seen.remove(&default_locale);
            std::iter::once(default_locale.clone())
                .chain(seen)
                .collect()
        } else {
            known.clone()
        };

        let lib = Library {
            articles,
            taxonomy,
            locales,
            default_locale,
        };
        diags.extend(lib.check_duplicates());
        (lib, diags)
    }

    fn check_duplicates(&self) -> Vec<Diagnostic> {
        let mut seen: BTreeMap<(&str, &str), &Article> = BTreeMap::new();
        let mut out = Vec::new();
        for a in &self.articles {
            if let Some(first) = seen.insert((&a.locale, &a.id), a) {
                out.push(
                    Diagnostic::error(
                        &a.file,
                        "duplicate-id",
                        format!(
                            "id `{}` is already used in locale `{}` by {}; ids are shared only by translations in other locales",
                            a.id, a.locale, first.file
                        ),
                    )
                    .at(a.front_line("id"), None),
                );
            }
        }
        out
    }

    /// For each article, the index of the article read from the same file in `prev`. Both
    /// are sorted by locale and file, so unless a file came, went or changed locale (rare next
    /// to saves) every article keeps its index.
    pub fn counterparts(&self, prev: &Library) -> Vec<Option<usize>> {
        let aligned = self.articles.len() == prev.articles.len()
            && self
                .articles
                .iter()
                .zip(&prev.articles)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a.file == b.file);
        if aligned {
            return (0..self.articles.len()).map(Some).collect();
        }
        let by_file: HashMap<&str, usize> = prev
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.file.as_str(), i))
            .collect();
        self.articles
            .iter()
            .map(|a| by_file.get(a.file.as_str()).copied())
            .collect()
    }

    /// Articles visible in this build: published, plus drafts and archived with `drafts`.
    pub fn visible(&self, drafts: bool) -> impl Iterator<Item = (usize, &Article)> {
        self.articles
            .iter()
            .map(|a| &**a)
            .enumerate()
            .filter(move |(_, a)| drafts || a.is_published())
    }
}

/// Gives every article whose slug comes from its file name, and whose URL another article also
/// has, a slug qualified by its folder path (`guides/overview.md` → `guides-overview`), so a
/// tree that is valid on disk builds whatever its file names. Every article counts, drafts
/// too, so a URL does not depend on `--drafts` or on file order; slugs written in front matter
/// are kept, and their collisions stay `url-conflict` errors.
fn qualify_colliding_slugs(permalink: &str, articles: &mut [Arc<Article>]) {
    let mut by_url: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        by_url
            .entry(crate::site::urls::article_url(permalink, a))
            .or_default()
            .push(i);
    }
    for group in by_url.into_values().filter(|g| g.len() > 1) {
        for i in group {
            let a = &mut articles[i];
            if a.front.slug.is_none() && !a.folder.is_empty() {
                let stem = Path::new(&a.file).file_stem().unwrap_or_default();
                let qualified = if is_index_stem(&stem.to_string_lossy()) {
                    a.folder.replace('/', "-")
                } else {
                    format!("{}-{}", a.folder.replace('/', "-"), a.slug)
                };
                Arc::make_mut(a).slug = qualified;
            }
        }
    }
}

/// True for file names that stand for their folder's page: `index`, `README`.
fn is_index_stem(stem: &str) -> bool {
    stem.eq_ignore_ascii_case("index") || stem.eq_ignore_ascii_case("readme")
}

/// A path relative to `root`, `/`-separated.
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The display name of a category or section label, localized by folder metadata.
pub fn localized_or(
    label: &Option<Localized>,
    fallback: &str,
    locale: &str,
    default: &str,
) -> String {
    label
        .as_ref()
        .map(|l| l.get(locale, default).to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, under: &str) -> (Option<Article>, Vec<Diagnostic>) {
        parse_article(
            text,
            &format!("content/{under}"),
            Path::new(under),
            Path::new(under),
            &[],
            "en",
        )
    }

    #[test]
    fn locale_from_path_segment_and_folders_as_taxonomy() {
        let (a, d) = load(
            "---\ntitle: T\nid: x\n---\nbody",
            "es/faq/Billing/recibi.md",
        );
        let a = a.unwrap();
        assert!(d.is_empty());
        assert_eq!(a.locale, "es");
        assert_eq!(a.category, "faq");
        assert_eq!(a.section.as_deref(), Some("billing"));
        assert_eq!(a.slug, "recibi");
    }

    #[test]
    fn title_from_first_heading_without_front_matter() {
        let (a, d) = load("\n# Hello there\n\nText\n", "Store/Hello.md");
        let a = a.unwrap();
        assert!(d.is_empty());
        assert_eq!(a.title, "Hello there");
        assert_eq!(a.body.trim(), "Text");
        assert_eq!(a.body_line_offset, 2);
        assert_eq!(a.id, "store-hello");
    }

    #[test]
    fn title_from_file_name_warns() {
        let (a, d) = load("Just text\n", "My-article.md");
        assert_eq!(a.unwrap().title, "My article");
        assert_eq!(d[0].code, "missing-title");
        assert!(!d[0].is_error());
    }

    #[test]
    fn missing_title_with_front_matter_is_an_error() {
        let (a, d) = load("---\nid: x\n---\nText\n", "a.md");
        assert!(a.is_none());
        assert_eq!(d[0].code, "missing-title");
        assert!(d[0].is_error());
    }

    #[test]
    fn front_matter_without_title_takes_the_first_heading() {
        let (a, d) = load("---\nid: x\n---\n\n# From the body\n\nText\n", "a.md");
        assert!(d.is_empty(), "{d:?}");
        let a = a.unwrap();
        assert_eq!(a.title, "From the body");
        assert_eq!(a.body.trim(), "Text");
    }

    #[test]
    fn locale_suffix_in_file_name() {
        let (a, _) = load("---\ntitle: T\n---\n", "guides/setup.pt.md");
        let a = a.unwrap();
        assert_eq!(a.locale, "pt");
        assert_eq!(a.slug, "setup");
    }
}
