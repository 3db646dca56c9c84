//! Dictionary words standing in for query words: typo corrections of words the index does not
//! hold, and completions of the word being typed.

use super::engine::LocaleIndex;
use super::query::{self, EXPANSION_WEIGHT, ParsedQuery, QueryBuilder};
use super::synonyms::SYNONYM_WEIGHT;
use std::collections::{BTreeMap, BTreeSet};
use tantivy::termdict::TermDictionary;
use tantivy::{Searcher, Term};

/// Words (stemmed) standing in for one query word, with their weight; a synonym phrase is its
/// stems joined by a space.
pub(crate) type Expansions = Vec<(String, f32)>;

/// A query as the engine reads it.
pub(crate) struct Expanded {
    /// The query with each word the index does not hold replaced by its best correction.
    pub query: ParsedQuery,
    /// Per word, the dictionary words standing in for it.
    pub expansions: Vec<Expansions>,
    /// Per word, the correction the results stand for, to tell the partner: the word that took
    /// its place, or, for the word being typed that the index does not hold and that no
    /// dictionary word completes, its best correction (the only stand-in that can match).
    pub corrections: Vec<Option<String>>,
}

/// Most dictionary words scanned when completing a prefix.
const MAX_PREFIX_SCAN: usize = 400;
/// Typo corrections kept per word.
const MAX_EXPANSIONS: usize = 3;
/// Completions kept for the word being typed (most frequent first).
const MAX_COMPLETIONS: usize = 5;

/// Dictionary words standing in for each query word: corrections of a word the index does not
/// hold (typos), and the most frequent completions of the word being typed. Their BM25 scores
/// (scaled down) order typo and prefix matches, which tantivy's automaton queries cannot.
///
/// A word the index does not hold, and that is not the word being typed, is read as its best
/// correction: the returned query has that correction in its place, so it ranks as if it had
/// been typed (title, proximity, coordination) and nothing exact is there to compete with it.
/// The other corrections stay scaled down.
pub(crate) fn expansions(
    searcher: &Searcher,
    li: &LocaleIndex,
    parsed: &ParsedQuery,
    builder: &mut QueryBuilder<'_>,
) -> tantivy::Result<Expanded> {
    let config = builder.config;
    let f = li.fields;
    let mut corrected = parsed.clone();
    let mut out = Vec::with_capacity(parsed.words.len());
    let mut corrections = vec![None; parsed.words.len()];
    for (i, w) in parsed.words.iter().enumerate() {
        let mut found: Vec<(String, f32)> = Vec::new();
        if w.exact {
            out.push(found);
            continue;
        }
        let own = builder.stem(&w.text);
        let len = w.text.chars().count();
        let own_synonyms = own.as_deref().map_or(&[][..], |s| li.synonyms.of(s));
        // A word with a synonym is the writers' word: it is not corrected to another one.
        let known = !own_synonyms.is_empty()
            || match &own {
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
        let mut reading = own.clone();
        let best_correction = ranked.first().map(|r| r.0.clone());
        for (k, (term, dist, _)) in ranked.into_iter().take(MAX_EXPANSIONS).enumerate() {
            if k == 0 && !w.prefix {
                reading = builder.stem(&term);
                corrections[i] = Some(term.clone());
                corrected.words[i].text = term;
                continue;
            }
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
            if !known && title_words.is_empty() && all_words.is_empty() {
                corrections[i] = best_correction;
            }
            for term in title_words.into_iter().chain(all_words) {
                if let Some(s) = builder.stem(&term) {
                    found.push((s, EXPANSION_WEIGHT * 0.8));
                }
            }
        }
        // Synonyms of the word as read (typed or corrected) stand in just below it.
        let synonyms = match &reading {
            Some(r) if Some(r) != own.as_ref() => li.synonyms.of(r),
            _ => own_synonyms,
        };
        found.splice(0..0, synonyms.iter().map(|s| (s.clone(), SYNONYM_WEIGHT)));
        found.retain(|(s, _)| Some(s) != own.as_ref() && Some(s) != reading.as_ref());
        let mut seen = BTreeSet::new();
        found.retain(|(s, _)| seen.insert(s.clone()));
        out.push(found);
    }
    Ok(Expanded {
        query: corrected,
        expansions: out,
        corrections,
    })
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
