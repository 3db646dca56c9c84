//! Search: per-locale tantivy indexes built with the site, and the query engine shared by the CLI
//! and the service.
//!
//! One index per locale (`OUT/search/<locale>/`) keeps BM25 statistics per language and lets each
//! locale use its own stemmer. See `docs/search.md` for the analysis chain, the stop-word policy
//! and the ranking.

pub mod analyzers;
pub mod dictionary;
pub mod engine;
pub mod expand;
pub mod gaps;
pub mod gaps_db;
pub mod indexer;
pub mod placeholder;
pub mod query;
pub mod rank;
pub mod schema;
pub mod snippet;
pub mod synonyms;

pub use engine::{Engine, Hit, SearchError, SearchRequest, SearchResults};
pub use indexer::{update_locale, write_indexes};

use serde::{Deserialize, Serialize};

/// `search:` in ayuda.yaml. Every key is optional.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// `optional` (default): function words ("de", "the", "como"…) do not have to match, though
    /// they add to the score; `required`: every word of the query must match.
    /// Negations ("no", "não", "sin", "not") are always ordinary, required words.
    pub stop_words: StopWords,
    /// Tolerate typos (1 edit from 4 letters, 2 from 8).
    pub typo_tolerance: bool,
    /// Weight of a title match relative to a body match.
    pub title_boost: f32,
    /// Results per page when the request does not say.
    pub default_limit: usize,
    /// Largest page size a request may ask for.
    pub max_limit: usize,
    /// Length of the highlighted snippet, in characters.
    pub snippet_chars: usize,
    /// Memory budget of the (single) index writer per locale, in MB (tantivy's minimum is 15).
    pub writer_memory_mb: usize,
    /// Tokens longer than this (bytes) are not indexed.
    pub max_token_length: usize,
    /// Per locale: two-way groups and one-way rewrites the query expands (see [`synonyms`]).
    pub synonyms: std::collections::BTreeMap<String, Vec<synonyms::SynonymEntry>>,
    /// Per locale: the example query the search box shows (see [`placeholder`]).
    pub placeholder: std::collections::BTreeMap<String, String>,
}

/// How the query engine treats function words.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum StopWords {
    #[default]
    Optional,
    Required,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            stop_words: StopWords::Optional,
            typo_tolerance: true,
            title_boost: 3.0,
            default_limit: 10,
            max_limit: 50,
            snippet_chars: 160,
            writer_memory_mb: 50,
            max_token_length: analyzers::DEFAULT_MAX_TOKEN_LEN,
            synonyms: Default::default(),
            placeholder: Default::default(),
        }
    }
}

/// One heading-delimited part of an article, so results can link to the heading that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSection {
    /// Heading id (anchor) of the part; empty for the text before the first heading.
    pub anchor: String,
    /// Heading text; empty for the text before the first heading.
    pub heading: String,
    /// Plain text of the part.
    pub text: String,
}

/// What the site build hands to the indexer for one published article.
#[derive(Debug, Clone, PartialEq)]
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
    /// Front matter `keywords:`: the words partners use, indexed (boosted), never shown.
    pub keywords: Vec<String>,
    /// The article body split at its headings, in order; shared with the rendered article, so
    /// making the documents of a build copies no text.
    pub sections: std::sync::Arc<[DocSection]>,
    /// Last update, RFC 3339, when known.
    pub updated: Option<String>,
}

/// What a build writes next to the indexes (`OUT/search/settings.json`): the query-time settings
/// and the language of each locale, so the service needs nothing but `dist/`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct IndexSettings {
    pub config: SearchConfig,
    /// Locale → language code of its analyzer (`es`, `pt`, `en`, `plain`…).
    pub locales: std::collections::BTreeMap<String, String>,
    /// Locale used when a request names none.
    pub default_locale: String,
}

/// File name of [`IndexSettings`] inside `OUT/search/`.
pub const SETTINGS_FILE: &str = "settings.json";
