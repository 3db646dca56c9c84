//! The query engine: opens the per-locale indexes of a build once and answers searches from the
//! CLI and the service.

use super::query::{self, QueryBuilder};
use super::schema::Fields;
use super::{IndexSettings, SETTINGS_FILE};
use super::{analyzers, dictionary, expand, rank, snippet};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::schema::{Facet, Value};
use tantivy::termdict::TermDictionary;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

/// Why the indexes cannot be opened or searched.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("no search indexes in {0} (run `ayuda build` first)")]
    Missing(PathBuf),
    #[error("{path}: {message}")]
    Settings { path: PathBuf, message: String },
    #[error("search index {locale}: {source}")]
    Index {
        locale: String,
        source: tantivy::TantivyError,
    },
}

/// A search as the CLI and the service receive it.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Locale to search; the site's default locale when absent or unknown.
    pub locale: Option<String>,
    /// Category key to filter on.
    pub category: Option<String>,
    /// Page size (clamped to `max_limit`).
    pub limit: Option<usize>,
    /// 1-based page.
    pub page: Option<usize>,
    /// Skip snippet and anchor computation (suggestions that only need titles).
    pub no_snippets: bool,
    /// Search the words as typed: no typo correction ("search instead for…").
    pub exact: bool,
}

/// One result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    /// Article URL, with `#anchor` of the best-matching heading when there is one.
    pub url: String,
    pub locale: String,
    pub category: String,
    pub category_name: String,
    /// HTML: escaped text with matches in `<mark>`.
    pub snippet: String,
    pub score: f32,
    /// Heading the link points to, when it points to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Meaningful query words this article does not hold (as typed, or as corrected).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Results per category for the whole query (before the category filter).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryCount {
    pub key: String,
    pub name: String,
    pub count: u64,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Serialize, Default)]
pub struct SearchResults {
    pub query: String,
    pub locale: String,
    pub category: Option<String>,
    /// Matching articles (after the category filter).
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub limit: usize,
    /// `all` when every word matched, `any` after the fallback, `none` for an empty query.
    pub matched: &'static str,
    /// No result holds every meaningful word of the query (function words aside).
    pub partial: bool,
    /// Meaningful words some result holds, in query order (as typed, or as corrected).
    pub matched_words: Vec<String>,
    /// Meaningful words no result holds.
    pub missing_words: Vec<String>,
    /// The query as searched when typo correction replaced a word, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    pub hits: Vec<Hit>,
    pub categories: Vec<CategoryCount>,
}

/// One opened locale index with its reader (kept for the life of the engine).
pub(crate) struct LocaleIndex {
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) language: String,
    pub(crate) stemmer: TextAnalyzer,
    /// Folded, unstemmed: cheap tokenization to pick the best section.
    pub(crate) folded: TextAnalyzer,
    /// Every word of the locale, folded, with its count: typo corrections and completions.
    pub(crate) words: TermDictionary,
    /// The locale's `search.synonyms`, stemmed.
    pub(crate) synonyms: super::synonyms::SynonymTable,
}

/// The opened indexes of one build.
pub struct Engine {
    settings: IndexSettings,
    locales: BTreeMap<String, LocaleIndex>,
    /// Category key → display name, per locale.
    categories: BTreeMap<String, BTreeMap<String, String>>,
}

/// Largest offset a page may start at.
const MAX_OFFSET: usize = 1000;

impl Engine {
    /// Opens every locale index under `dist/search/`, registering the analyzers.
    pub fn open(dist: &Path) -> Result<Engine, SearchError> {
        Engine::open_dir(&dist.join("search"))
    }

    /// Opens the indexes in a `search/` folder.
    pub fn open_dir(dir: &Path) -> Result<Engine, SearchError> {
        let path = dir.join(SETTINGS_FILE);
        let bytes = std::fs::read(&path).map_err(|_| SearchError::Missing(dir.to_path_buf()))?;
        let settings: IndexSettings =
            serde_json::from_slice(&bytes).map_err(|e| SearchError::Settings {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let mut locales = BTreeMap::new();
        let mut categories = BTreeMap::new();
        for (locale, language) in &settings.locales {
            let err = |source| SearchError::Index {
                locale: locale.clone(),
                source,
            };
            let index = Index::open_in_dir(dir.join(locale)).map_err(err)?;
            let words = dictionary::open(&dir.join(locale)).map_err(|e| err(e.into()))?;
            analyzers::register(&index, settings.config.max_token_length);
            let fields = Fields::from_schema(&index.schema()).map_err(err)?;
            let reader = index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(err)?;
            let mut stemmer = analyzers::stemmed(language, settings.config.max_token_length);
            let synonyms = super::synonyms::SynonymTable::new(
                settings
                    .config
                    .synonyms
                    .get(locale)
                    .map_or(&[][..], Vec::as_slice),
                &mut stemmer,
            );
            let l = LocaleIndex {
                reader,
                fields,
                language: language.clone(),
                synonyms,
                stemmer,
                folded: analyzers::folded(settings.config.max_token_length),
                words,
            };
            categories.insert(locale.clone(), category_names(&l).map_err(err)?);
            locales.insert(locale.clone(), l);
        }
        Ok(Engine {
            settings,
            locales,
            categories,
        })
    }

    /// Settings the indexes were built with.
    pub fn settings(&self) -> &IndexSettings {
        &self.settings
    }

    /// Locales with an index.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.locales.keys().map(String::as_str)
    }

    /// The locale a request searches: the requested one when indexed, else the default.
    pub fn resolve_locale(&self, requested: Option<&str>) -> Option<&str> {
        let requested = requested.map(str::trim).filter(|l| !l.is_empty());
        if let Some(l) = requested {
            if let Some((k, _)) = self.locales.get_key_value(l) {
                return Some(k);
            }
            let base = l.split(['-', '_']).next().unwrap_or(l);
            if let Some((k, _)) = self.locales.get_key_value(base) {
                return Some(k);
            }
        }
        self.locales
            .get_key_value(&self.settings.default_locale)
            .or_else(|| self.locales.iter().next())
            .map(|(k, _)| k.as_str())
    }

    /// Runs a search: one ranked retrieval in which articles holding more of the meaningful
    /// words rank higher (see [`rank`]); suggestions and the results page share it.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let exact;
        let config = if req.exact {
            exact = super::SearchConfig {
                typo_tolerance: false,
                ..self.settings.config.clone()
            };
            &exact
        } else {
            &self.settings.config
        };
        let limit = req
            .limit
            .unwrap_or(config.default_limit)
            .clamp(1, config.max_limit.max(1));
        let page = req.page.unwrap_or(1).max(1);
        let mut results = SearchResults {
            query: req.query.clone(),
            category: req.category.clone().filter(|c| !c.is_empty()),
            page,
            limit,
            matched: "none",
            ..Default::default()
        };
        let Some(locale) = self.resolve_locale(req.locale.as_deref()) else {
            return Ok(results);
        };
        results.locale = locale.to_string();
        let Some(li) = self.locales.get(locale) else {
            return Ok(results);
        };
        let err = |source| SearchError::Index {
            locale: locale.to_string(),
            source,
        };
        let parsed = query::parse(&req.query, &li.language, config);
        if parsed.is_empty() {
            return Ok(results);
        }
        let searcher = li.reader.searcher();
        let mut builder = QueryBuilder {
            fields: &li.fields,
            config,
            stemmer: li.stemmer.clone(),
        };
        let expand::Expanded {
            query: parsed,
            expansions,
            corrections,
        } = expand::expansions(&searcher, li, &parsed, &mut builder).map_err(err)?;
        results.corrected = corrected_query(&req.query, &parsed, &corrections);
        let weights =
            rank::word_weights(&searcher, li, &parsed, &expansions, &mut builder).map_err(err)?;
        let live: Vec<bool> = weights.iter().map(|w| *w > 0.0).collect();
        if !live.iter().any(|l| *l) && parsed.phrases.is_empty() {
            return Ok(results);
        }
        let offset = ((page - 1) * limit).min(MAX_OFFSET);
        let category = results.category.as_deref();
        let unfiltered = builder.build(&parsed, &expansions, &live, false, None);
        let mut facets = FacetCollector::for_field("category_facet");
        facets.add_facet(Facet::root());
        // Coordination reorders a pool of candidates larger than the page.
        let pool = (offset + limit).max(rank::CANDIDATES);
        let top = TopDocs::with_limit(pool).order_by_score();
        let (candidates, total, counts) = if category.is_some() {
            let (all, counts) = searcher
                .search(&*unfiltered, &(Count, facets))
                .map_err(err)?;
            if all == 0 {
                (Vec::new(), 0, counts)
            } else {
                let filtered = builder.build(&parsed, &expansions, &live, false, category);
                let (top_docs, total) = searcher.search(&*filtered, &(top, Count)).map_err(err)?;
                (top_docs, total, counts)
            }
        } else {
            searcher
                .search(&*unfiltered, &(top, Count, facets))
                .map_err(err)?
        };
        let names = self.categories.get(locale);
        results.categories = counts
            .get(Facet::root())
            .map(|(facet, count)| {
                let key = facet.to_path().last().copied().unwrap_or("").to_string();
                let key = if key == "_" { String::new() } else { key };
                let name = names
                    .and_then(|n| n.get(&key))
                    .cloned()
                    .unwrap_or_else(|| key.clone());
                CategoryCount { key, name, count }
            })
            .collect();
        results
            .categories
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let mut candidates = candidates;
        let meaningful = parsed
            .words
            .iter()
            .zip(&live)
            .filter(|(w, l)| **l && !w.optional);
        if page == 1 && candidates.len() < limit && query::required_words(meaningful.count()) > 1 {
            // A short first page is filled with articles holding fewer of the words; the
            // coordination step below ranks them after the others.
            let relaxed = builder.build(&parsed, &expansions, &live, true, category);
            let more = searcher
                .search(&*relaxed, &TopDocs::with_limit(pool).order_by_score())
                .map_err(err)?;
            for (score, address) in more {
                if !candidates.iter().any(|(_, a)| *a == address) {
                    candidates.push((score, address));
                }
            }
        }
        results.total = total.max(candidates.len().min(limit));
        results.pages = results.total.div_ceil(limit);
        let ranked = rank::coordinate(
            &searcher,
            &parsed,
            &expansions,
            &weights,
            &mut builder,
            candidates,
        )
        .map_err(err)?;
        results.matched = match ranked.first() {
            None => "none",
            Some(c) if c.all_words => "all",
            Some(_) => "any",
        };
        // What the page tells the partner about the words: shown as typed, or as corrected.
        let shown = |i: usize| -> String {
            corrections[i]
                .clone()
                .unwrap_or_else(|| parsed.words[i].typed(&req.query).to_string())
        };
        let meaningful: Vec<usize> = (0..parsed.words.len())
            .filter(|i| !parsed.words[*i].optional)
            .collect();
        results.partial = !ranked.is_empty() && !ranked.iter().any(|c| c.all_words);
        for &i in &meaningful {
            let held = ranked.iter().any(|c| c.matched.contains(&i));
            let list = if held {
                &mut results.matched_words
            } else {
                &mut results.missing_words
            };
            list.push(shown(i));
        }
        let terms = snippet::snippet_terms(&parsed, &expansions, &mut builder, &searcher, li);
        for c in ranked.into_iter().skip(offset).take(limit) {
            let mut hit = self
                .hit(&searcher, li, c.address, c.score, &terms, req.no_snippets)
                .map_err(err)?;
            if !c.all_words {
                hit.missing = meaningful
                    .iter()
                    .filter(|i| !c.matched.contains(i))
                    .map(|&i| shown(i))
                    .collect();
            }
            results.hits.push(hit);
        }
        Ok(results)
    }

    fn hit(
        &self,
        searcher: &Searcher,
        li: &LocaleIndex,
        addr: DocAddress,
        score: f32,
        terms: &BTreeMap<String, f32>,
        no_snippets: bool,
    ) -> tantivy::Result<Hit> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let f = &li.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let mut hit = Hit {
            id: text(f.id),
            title: text(f.title),
            url: text(f.url),
            locale: text(f.locale),
            category: text(f.category),
            category_name: text(f.category_name),
            snippet: String::new(),
            score,
            heading: None,
            missing: Vec::new(),
        };
        let description = text(f.description);
        if no_snippets {
            hit.snippet = escape(&snippet::truncate(
                &description,
                self.settings.config.snippet_chars,
            ));
            return Ok(hit);
        }
        let sections = snippet::stored_sections(&doc, f);
        let max_chars = self.settings.config.snippet_chars;
        let mut folded = li.folded.clone();
        let mut stemmer = li.stemmer.clone();
        if let Some((i, nav)) = snippet::best_content_section(&sections, terms, &mut folded) {
            let s = &sections[i];
            // The heading matched, not the text: the text the link leads to, past any table of
            // contents.
            let after_nav = nav.iter().map(|r| r.end).max().unwrap_or(0);
            hit.snippet = snippet::passage(&s.text, terms, &mut stemmer, max_chars, &nav)
                .unwrap_or_else(|| {
                    let rest = s.text.get(after_nav..).unwrap_or("");
                    escape(&snippet::truncate(rest.trim(), max_chars))
                });
            if !s.anchor.is_empty() && i > 0 {
                hit.url = format!("{}#{}", hit.url, s.anchor);
                hit.heading = Some(s.heading.clone());
            }
        }
        if hit.snippet.is_empty() {
            let fallback = if description.is_empty() {
                sections.first().map(|s| s.text.as_str()).unwrap_or("")
            } else {
                description.as_str()
            };
            hit.snippet = snippet::passage(fallback, terms, &mut stemmer, max_chars, &[])
                .unwrap_or_else(|| escape(&snippet::truncate(fallback, max_chars)));
        }
        Ok(hit)
    }
}

/// The query text with each corrected word in place of what was typed, when typo correction
/// changed a word.
fn corrected_query(
    text: &str,
    parsed: &query::ParsedQuery,
    corrections: &[Option<String>],
) -> Option<String> {
    let mut out = String::new();
    let mut at = 0;
    for (w, c) in parsed.words.iter().zip(corrections) {
        if let Some(c) = c
            && w.span.start >= at
            && let Some(before) = text.get(at..w.span.start)
        {
            out.push_str(before);
            out.push_str(c);
            at = w.span.end;
        }
    }
    (at > 0).then(|| {
        format!("{out}{}", text.get(at..).unwrap_or(""))
            .trim()
            .to_string()
    })
}

/// Category key → name of a locale, read once from the stored documents.
fn category_names(li: &LocaleIndex) -> tantivy::Result<BTreeMap<String, String>> {
    let searcher = li.reader.searcher();
    let mut out = BTreeMap::new();
    let mut facets = FacetCollector::for_field("category_facet");
    facets.add_facet(Facet::root());
    let counts = searcher.search(&tantivy::query::AllQuery, &facets)?;
    let keys: Vec<String> = counts
        .get(Facet::root())
        .filter_map(|(f, _)| f.to_path().last().map(|s| s.to_string()))
        .collect();
    for key in keys {
        let stored_key = if key == "_" { String::new() } else { key };
        let q = tantivy::query::TermQuery::new(
            Term::from_field_text(li.fields.category, &stored_key),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        if let Some((_, addr)) = top.first() {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let name = doc
                .get_first(li.fields.category_name)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            out.insert(
                stored_key.clone(),
                if name.is_empty() { stored_key } else { name },
            );
        }
    }
    Ok(out)
}

/// HTML escaping for text placed in a snippet.
pub fn escape(text: &str) -> String {
    crate::util::escape_html(text)
}
