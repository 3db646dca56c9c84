//! The query engine: opens the per-locale indexes of a build once and answers searches from the
//! CLI and the service.

use super::query::{self, EXPANSION_WEIGHT, MatchMode, ParsedQuery, QueryBuilder};
use super::schema::Fields;
use super::{DocSection, IndexSettings, SETTINGS_FILE};
use super::{analyzers, dictionary};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::schema::{Facet, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::termdict::TermDictionary;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
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
    /// When every word is required and fewer articles than `limit` match on the first page,
    /// fill it with articles matching some of the words, ranked after them. Suggestions use
    /// it: the ticket form sends whole sentences ("la clave de partner no funciona"), where
    /// one article holding every word should not hide the others.
    pub fill: bool,
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
    pub hits: Vec<Hit>,
    pub categories: Vec<CategoryCount>,
}

/// One opened locale index with its reader (kept for the life of the engine).
struct LocaleIndex {
    reader: IndexReader,
    fields: Fields,
    language: String,
    stemmer: TextAnalyzer,
    /// Folded, unstemmed: cheap tokenization to pick the best section.
    folded: TextAnalyzer,
    /// Every word of the locale, folded, with its count: typo corrections and completions.
    words: TermDictionary,
}

/// The opened indexes of one build.
pub struct Engine {
    settings: IndexSettings,
    locales: BTreeMap<String, LocaleIndex>,
    /// Category key → display name, per locale.
    categories: BTreeMap<String, BTreeMap<String, String>>,
}

/// Most dictionary words scanned when completing a prefix.
const MAX_PREFIX_SCAN: usize = 400;
/// Typo corrections kept per word.
const MAX_EXPANSIONS: usize = 3;
/// Completions kept for the word being typed (most frequent first).
const MAX_COMPLETIONS: usize = 5;
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
            let l = LocaleIndex {
                reader,
                fields,
                language: language.clone(),
                stemmer: analyzers::stemmed(language, settings.config.max_token_length),
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

    /// Runs a search: every word required first, any word when that finds nothing (or, with
    /// `fill`, after the articles holding every word).
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let config = &self.settings.config;
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
        let expansions = expansions(&searcher, li, &parsed, &mut builder).map_err(err)?;
        let offset = ((page - 1) * limit).min(MAX_OFFSET);
        let category = results.category.as_deref();
        let modes: &[MatchMode] = if parsed.len() > 1 {
            &[MatchMode::All, MatchMode::Any]
        } else {
            &[MatchMode::All]
        };
        for &mode in modes {
            let unfiltered = builder.build(&parsed, &expansions, mode, None);
            let mut facets = FacetCollector::for_field("category_facet");
            facets.add_facet(Facet::root());
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_score();
            let (top_docs, total, counts) = if category.is_some() {
                let (all, counts) = searcher
                    .search(&*unfiltered, &(Count, facets))
                    .map_err(err)?;
                if all == 0 {
                    (Vec::new(), 0, counts)
                } else {
                    let filtered = builder.build(&parsed, &expansions, mode, category);
                    let (top_docs, total) =
                        searcher.search(&*filtered, &(top, Count)).map_err(err)?;
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
            let any_match = results.categories.iter().any(|c| c.count > 0);
            if !any_match && mode == MatchMode::All && modes.len() > 1 {
                continue;
            }
            results.total = total;
            results.pages = total.div_ceil(limit);
            results.matched = if total == 0 && !any_match {
                "none"
            } else if mode == MatchMode::All {
                "all"
            } else {
                "any"
            };
            let mut top_docs = top_docs;
            if req.fill && mode == MatchMode::All && modes.len() > 1 && page == 1 {
                let missing = limit.saturating_sub(top_docs.len());
                if missing > 0 {
                    let any = builder.build(&parsed, &expansions, MatchMode::Any, category);
                    let more = searcher
                        .search(
                            &*any,
                            &TopDocs::with_limit(limit + top_docs.len()).order_by_score(),
                        )
                        .map_err(err)?;
                    let known: Vec<DocAddress> = top_docs.iter().map(|(_, a)| *a).collect();
                    top_docs.extend(
                        more.into_iter()
                            .filter(|(_, a)| !known.contains(a))
                            .take(missing),
                    );
                    results.total = results.total.max(top_docs.len());
                }
            }
            let terms = snippet_terms(&parsed, &expansions, &mut builder, &searcher, li);
            for (score, addr) in top_docs {
                results.hits.push(
                    self.hit(&searcher, li, addr, score, &terms, req.no_snippets)
                        .map_err(err)?,
                );
            }
            break;
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
        };
        let description = text(f.description);
        if no_snippets {
            hit.snippet = escape(&truncate(&description, self.settings.config.snippet_chars));
            return Ok(hit);
        }
        let sections = stored_sections(&doc, f);
        let mut folded = li.folded.clone();
        let best = best_section(&sections, terms, &mut folded);
        let mut generator = SnippetGenerator::new(
            terms.clone(),
            li.stemmer.clone(),
            f.body,
            self.settings.config.snippet_chars,
        );
        generator.set_max_num_chars(self.settings.config.snippet_chars);
        if let Some((i, _)) = best {
            let s = &sections[i];
            let mut snippet = generator.snippet(&s.text);
            if !snippet.is_empty() {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                hit.snippet = snippet.to_html();
            }
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
            let mut snippet = generator.snippet(fallback);
            if snippet.is_empty() {
                hit.snippet = escape(&truncate(fallback, self.settings.config.snippet_chars));
            } else {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                hit.snippet = snippet.to_html();
            }
        }
        Ok(hit)
    }
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

/// Dictionary words standing in for each query word: corrections of a word the index does not
/// hold (typos), and the most frequent completions of the word being typed. Their BM25 scores
/// (scaled down) order typo and prefix matches, which tantivy's automaton queries cannot.
fn expansions(
    searcher: &Searcher,
    li: &LocaleIndex,
    parsed: &ParsedQuery,
    builder: &mut QueryBuilder<'_>,
) -> tantivy::Result<Vec<Vec<(String, f32)>>> {
    let config = builder.config;
    let f = li.fields;
    let mut out = Vec::with_capacity(parsed.words.len());
    for w in &parsed.words {
        let mut found: Vec<(String, f32)> = Vec::new();
        if w.exact {
            out.push(found);
            continue;
        }
        let own = builder.stem(&w.text);
        let len = w.text.chars().count();
        let known = match &own {
            Some(s) => {
                searcher.doc_freq(&Term::from_field_text(f.body, s))?
                    + searcher.doc_freq(&Term::from_field_text(f.title, s))?
                    + searcher.doc_freq(&Term::from_field_text(f.keywords, s))?
                    > 0
            }
            None => false,
        };
        // (word, distance, doc_freq)
        let mut candidates: BTreeMap<String, (u8, u64)> = BTreeMap::new();
        let d = query::typo_distance(len);
        if !known && config.typo_tolerance && d > 0 {
            // The automaton of a fuzzy query; its field does not matter to the automaton.
            let fuzzy = tantivy::query::FuzzyTermQuery::new(
                Term::from_field_text(f.title_folded, &w.text),
                d,
                true,
            );
            let automaton = fuzzy.automaton()?;
            let mut stream = li.words.search(&automaton).into_stream()?;
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let dist = levenshtein(&w.text, term).min(255) as u8;
                let count = u64::from(stream.value().doc_freq);
                candidates.insert(term.to_string(), (dist, count));
            }
        }
        let mut ranked: Vec<(String, u8, u64)> = candidates
            .into_iter()
            .map(|(t, (d, df))| (t, d, df))
            .collect();
        ranked.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
        if let Some(best) = ranked.first().map(|r| r.1) {
            // Only the closest corrections: "pasword" → "password", not also "passwords'" cousins.
            ranked.retain(|r| r.1 == best);
        }
        for (term, dist, _) in ranked.into_iter().take(MAX_EXPANSIONS) {
            if let Some(s) = builder.stem(&term) {
                found.push((s, EXPANSION_WEIGHT / f32::from(dist.max(1))));
            }
        }
        if w.prefix && len >= 2 {
            // Titles first (the unstemmed title field of each segment), then every word.
            let titles = searcher
                .segment_readers()
                .iter()
                .map(|seg| seg.inverted_index(f.title_folded))
                .collect::<tantivy::Result<Vec<_>>>()?;
            let title_words = completions(titles.iter().map(|inv| inv.terms()), &w.text, 3)?;
            let all_words = completions([&li.words], &w.text, MAX_COMPLETIONS)?;
            for term in title_words.into_iter().chain(all_words) {
                if let Some(s) = builder.stem(&term) {
                    found.push((s, EXPANSION_WEIGHT * 0.8));
                }
            }
        }
        found.retain(|(s, _)| Some(s) != own.as_ref());
        let mut seen = BTreeSet::new();
        found.retain(|(s, _)| seen.insert(s.clone()));
        out.push(found);
    }
    Ok(out)
}

/// The `keep` most frequent words of some term dictionaries that start with `prefix` (not
/// itself).
fn completions<'a>(
    dictionaries: impl IntoIterator<Item = &'a TermDictionary>,
    prefix: &str,
    keep: usize,
) -> tantivy::Result<Vec<String>> {
    let mut found: BTreeMap<String, u64> = BTreeMap::new();
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xff);
    for dictionary in dictionaries {
        let mut stream = dictionary
            .range()
            .gt(prefix.as_bytes())
            .lt(&upper)
            .into_stream()?;
        let mut scanned = 0;
        while scanned < MAX_PREFIX_SCAN && stream.advance() {
            scanned += 1;
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *found.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut ranked: Vec<(String, u64)> = found.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(ranked.into_iter().take(keep).map(|(t, _)| t).collect())
}

/// The sections of a stored article: one anchor, heading and body value per section, in order.
fn stored_sections(doc: &TantivyDocument, f: &Fields) -> Vec<DocSection> {
    let values = |field| {
        doc.get_all(field)
            .map(|v| v.as_str().unwrap_or("").to_string())
    };
    values(f.anchors)
        .zip(values(f.headings))
        .zip(values(f.body))
        .map(|((anchor, heading), text)| DocSection {
            anchor,
            heading,
            text,
        })
        .collect()
}

/// Stemmed terms to highlight, with their weight in choosing the best section.
fn snippet_terms(
    parsed: &ParsedQuery,
    expansions: &[Vec<(String, f32)>],
    builder: &mut QueryBuilder<'_>,
    searcher: &Searcher,
    li: &LocaleIndex,
) -> BTreeMap<String, f32> {
    let mut terms = BTreeMap::new();
    let n = searcher.num_docs().max(1) as f32;
    // Function words are not highlighted: "de" everywhere would drown the words that matter.
    let words = parsed
        .words
        .iter()
        .filter(|w| !w.optional)
        .map(|w| w.text.clone())
        .chain(parsed.phrases.iter().flatten().cloned());
    for w in words {
        if let Some(s) = builder.stem(&w) {
            let df = searcher
                .doc_freq(&Term::from_field_text(li.fields.body, &s))
                .unwrap_or(0) as f32;
            // Rare words weigh more when picking the section to show.
            terms.insert(s, 1.0 + (n / (1.0 + df)).ln().max(0.0));
        }
    }
    for (s, weight) in expansions.iter().flatten() {
        terms.entry(s.clone()).or_insert(*weight);
    }
    terms
}

/// The section whose heading and text match the query terms best, if any matches.
///
/// Sections are tokenized with the folded analyzer (no stemming, which costs most of the time)
/// and a folded word matches a stemmed term when it starts with it: Snowball stemmers for these
/// languages mostly strip suffixes, and the snippet itself is then made with the real analyzer.
fn best_section(
    sections: &[DocSection],
    terms: &BTreeMap<String, f32>,
    folded: &mut TextAnalyzer,
) -> Option<(usize, f32)> {
    let weight = |token: &str| -> Option<(&str, f32)> {
        terms.iter().find_map(|(stem, w)| {
            let hit = if stem.len() >= 3 {
                token.starts_with(stem.as_str()) && token.len() <= stem.len() + 4
            } else {
                token == stem
            };
            hit.then_some((stem.as_str(), *w))
        })
    };
    // Cheap pre-check: a section can only match if its lower-cased text holds the first three
    // ASCII letters of some term (terms are folded; an accent that early only costs the anchor).
    let probes: Vec<String> = terms
        .keys()
        .map(|t| t.chars().take(3).collect::<String>())
        .collect();
    let mut best: Option<(usize, f32)> = None;
    for (i, s) in sections.iter().enumerate() {
        let mut score = 0.0;
        for (text, factor) in [(&s.heading, 2.0), (&s.text, 1.0)] {
            if text.is_empty() {
                continue;
            }
            let lower = text.to_ascii_lowercase();
            if !probes.iter().any(|p| lower.contains(p.as_str())) {
                continue;
            }
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut stream = folded.token_stream(text);
            while stream.advance() {
                if let Some((stem, w)) = weight(&stream.token().text)
                    && seen.insert(stem)
                {
                    score += factor * w;
                }
            }
        }
        if score > 0.0 && best.is_none_or(|(_, b)| score > b) {
            best = Some((i, score));
        }
    }
    best
}

/// Levenshtein distance with adjacent transpositions counting one edit (as the automaton does).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(chars).collect();
    match cut.rfind(' ') {
        Some(i) if i > chars / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

/// HTML escaping for text placed in a snippet.
pub fn escape(text: &str) -> String {
    crate::util::escape_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_transpositions_once() {
        assert_eq!(levenshtein("pasword", "password"), 1);
        assert_eq!(levenshtein("contrasena", "contrasena"), 0);
        assert_eq!(levenshtein("cnofig", "config"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
