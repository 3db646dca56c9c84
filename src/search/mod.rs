//! Search: per-locale tantivy indexes built with the site, and the query engine.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// `search:` in ayuda.yaml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {}

/// One heading-delimited part of an article, so results can link to the heading that matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocSection {
    /// Heading id (anchor) of the part; empty for the text before the first heading.
    pub anchor: String,
    /// Heading text; empty for the text before the first heading.
    pub heading: String,
    /// Plain text of the part.
    pub text: String,
}

/// What the site build hands to the indexer for one published article.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchDoc {
    pub id: String,
    pub locale: String,
    pub title: String,
    /// Site-relative canonical URL, e.g. `/es/articles/abrir-un-ticket/`.
    pub url: String,
    /// Category key (stable across locales) and its display name in this locale.
    pub category: String,
    pub category_name: String,
    pub section: String,
    pub section_name: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The article body split at its headings, in order.
    pub sections: Vec<DocSection>,
    /// Last update, RFC 3339, when known.
    pub updated: Option<String>,
}

/// Writes one index per locale under `dir/<locale>/`.
pub fn write_indexes(
    dir: &Path,
    docs: &[SearchDoc],
    _config: &SearchConfig,
) -> std::io::Result<()> {
    // Placeholder until the search module lands: keep the documents so the format is visible.
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec(docs).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("docs.json"), json)
}
