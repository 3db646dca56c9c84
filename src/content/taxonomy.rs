//! Categories and sections: from folders or front matter, refined by `_meta.yaml` files.

use crate::config::Localized;
use crate::diag::Diagnostic;
use crate::util::slugify;
use crate::yaml;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::Article;

/// The per-folder metadata file name.
pub const META_FILE: &str = "_meta.yaml";

/// True for the files that describe their folder: `_meta.yaml`, and `_index.md` (the section
/// page of Hugo and Zola), whose front matter and body become the listing's metadata and intro.
pub fn is_meta_name(name: &str) -> bool {
    name == META_FILE || is_index_page(name)
}

fn is_index_page(name: &str) -> bool {
    name == "_index.md" || name == "_index.markdown"
}

/// `_meta.yaml` of a category or section folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderMeta {
    /// Display name, once or per locale.
    pub name: Option<Localized>,
    /// URL segment replacing the one derived from the folder name.
    pub slug: Option<String>,
    /// Position in listings (lower first); unordered folders come after, by name.
    pub order: Option<i64>,
    /// Short description shown on listings, once or per locale.
    pub description: Option<Localized>,
    /// The intro of the listing page, as HTML (from the body of an `_index.md`).
    #[serde(skip)]
    pub intro: Option<String>,
}

/// Merged metadata of one category or section.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub names: BTreeMap<String, String>,
    pub any_name: Option<Localized>,
    pub descriptions: BTreeMap<String, String>,
    pub any_description: Option<Localized>,
    pub order: Option<i64>,
    pub slug: Option<String>,
    /// Intro HTML per locale (`""` for a folder without locale).
    pub intros: BTreeMap<String, String>,
}

impl Node {
    fn merge(&mut self, meta: FolderMeta, locale: Option<&str>) {
        match (locale, meta.name) {
            (Some(l), Some(Localized::One(n))) => {
                self.names.insert(l.to_string(), n);
            }
            (_, Some(n)) => self.any_name = Some(n),
            _ => {}
        }
        match (locale, meta.description) {
            (Some(l), Some(Localized::One(d))) => {
                self.descriptions.insert(l.to_string(), d);
            }
            (_, Some(d)) => self.any_description = Some(d),
            _ => {}
        }
        if let Some(intro) = meta.intro {
            self.intros
                .insert(locale.unwrap_or_default().to_string(), intro);
        }
        self.order = meta.order.or(self.order);
        self.slug = meta.slug.map(|s| slugify(&s)).or(self.slug.take());
    }

    /// The name in `locale`, or `fallback` (the folder or front matter label).
    pub fn name(&self, locale: &str, default_locale: &str, fallback: &str) -> String {
        self.names
            .get(locale)
            .cloned()
            .or_else(|| {
                self.any_name
                    .as_ref()
                    .map(|n| n.get(locale, default_locale).to_string())
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    }

    /// The intro HTML in `locale`, else the one written without a locale, if any.
    pub fn intro(&self, locale: &str) -> String {
        self.intros
            .get(locale)
            .or_else(|| self.intros.get(""))
            .cloned()
            .unwrap_or_default()
    }

    /// The description in `locale`, if any.
    pub fn description(&self, locale: &str, default_locale: &str) -> String {
        self.descriptions
            .get(locale)
            .cloned()
            .or_else(|| {
                self.any_description
                    .as_ref()
                    .map(|d| d.get(locale, default_locale).to_string())
            })
            .unwrap_or_default()
    }
}

/// Folder metadata keyed by category key, and by (category, section) key.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    pub categories: BTreeMap<String, Node>,
    pub sections: BTreeMap<(String, String), Node>,
}

impl Taxonomy {
    /// Reads one `_meta.yaml` at `under` (its path below the content folder).
    pub fn add_meta(
        &mut self,
        text: &str,
        file: &str,
        under: &Path,
        known_locales: &[String],
        raw_html: bool,
    ) -> Result<(), Diagnostic> {
        let name = under.file_name().unwrap_or_default().to_string_lossy();
        let meta = if is_index_page(&name) {
            index_meta(text, file, raw_html)?
        } else if text.trim().is_empty() {
            FolderMeta::default()
        } else {
            yaml::from_str(text).map_err(|e| {
                Diagnostic::error(file, "bad-meta", format!("{}: {}", META_FILE, e.message))
                    .at(e.line, e.column)
            })?
        };
        let mut folders: Vec<String> = under
            .parent()
            .map(|p| p.iter().map(|s| s.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let is_locale = |s: &str| super::is_locale_segment(s, known_locales);
        let locale = folders.first().filter(|s| is_locale(s)).cloned();
        if locale.is_some() {
            folders.remove(0);
        }
        match folders.as_slice() {
            [cat] => self
                .categories
                .entry(slugify(cat))
                .or_default()
                .merge(meta, locale.as_deref()),
            [cat, sec, ..] => self
                .sections
                .entry((slugify(cat), slugify(sec)))
                .or_default()
                .merge(meta, locale.as_deref()),
            // The home page of a Hugo or Zola site: ayuda's home is made of the categories.
            [] if is_index_page(&name) => {}
            [] => {
                return Err(Diagnostic::warning(
                    file,
                    "bad-meta",
                    "a _meta.yaml at the top of the content folder (or of a locale folder) describes nothing; put it in a category or section folder",
                ));
            }
        }
        Ok(())
    }

    /// Applies `slug` overrides so articles carry the final category and section keys. Only
    /// the articles whose keys change are copied (the others stay shared with the cache of
    /// `ayuda serve`).
    pub fn resolve_keys(&mut self, articles: &mut [Arc<Article>]) {
        let renames: BTreeMap<String, String> = self
            .categories
            .iter()
            .filter_map(|(k, n)| n.slug.clone().map(|s| (k.clone(), s)))
            .collect();
        let section_renames: BTreeMap<(&str, &str), &str> = self
            .sections
            .iter()
            .filter_map(|((c, s), n)| Some(((c.as_str(), s.as_str()), n.slug.as_deref()?)))
            .collect();
        if !renames.is_empty() || !section_renames.is_empty() {
            for a in articles.iter_mut() {
                let section = a
                    .section
                    .as_deref()
                    .and_then(|s| section_renames.get(&(a.category.as_str(), s)))
                    .map(|s| s.to_string());
                let category = renames.get(&a.category).cloned();
                if section.is_none() && category.is_none() {
                    continue;
                }
                let a = Arc::make_mut(a);
                if let Some(s) = section {
                    a.section = Some(s);
                }
                if let Some(c) = category {
                    a.category = c;
                }
            }
        }
        let cats = std::mem::take(&mut self.categories);
        for (k, n) in cats {
            self.categories.insert(n.slug.clone().unwrap_or(k), n);
        }
        let secs = std::mem::take(&mut self.sections);
        for ((c, s), n) in secs {
            let c = renames.get(&c).cloned().unwrap_or(c);
            self.sections.insert((c, n.slug.clone().unwrap_or(s)), n);
        }
    }

    /// Metadata of a category (empty when it has none).
    pub fn category(&self, key: &str) -> Node {
        self.categories.get(key).cloned().unwrap_or_default()
    }

    /// Metadata of a section (empty when it has none).
    pub fn section(&self, category: &str, section: &str) -> Node {
        self.sections
            .get(&(category.to_string(), section.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// The folder metadata an `_index.md` gives: `title` is the name, `description`, `order` (or
/// `weight`…) and `slug` as in articles, and the body, rendered, the listing's intro.
fn index_meta(text: &str, file: &str, raw_html: bool) -> Result<FolderMeta, Diagnostic> {
    let parts = super::frontmatter::split(text)
        .map_err(|msg| Diagnostic::error(file, "yaml-syntax", msg).at(Some(1), Some(1)))?;
    let front = match parts.yaml {
        Some(y) => super::frontmatter::parse(y, file, parts.yaml_line)?.0,
        None => super::FrontMatter::default(),
    };
    let intro = (!parts.body.trim().is_empty()).then(|| {
        struct Keep;
        impl crate::render::markdown::Resolver for Keep {
            fn link(&self, _: &str) -> crate::render::markdown::Resolution {
                crate::render::markdown::Resolution::Keep
            }
            fn asset(&self, _: &str) -> crate::render::markdown::Resolution {
                crate::render::markdown::Resolution::Keep
            }
        }
        crate::render::markdown::render(
            parts.body,
            file,
            parts.body_line_offset,
            &Keep,
            &crate::render::markdown::Labels::ENGLISH,
            raw_html,
        )
        .html
    });
    Ok(FolderMeta {
        name: front.title.map(Localized::One),
        slug: front.slug,
        order: front.order,
        description: front.description.map(Localized::One),
        intro,
    })
}
