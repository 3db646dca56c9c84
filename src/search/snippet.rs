//! Snippets: the stored section that matches the query best, and its highlighted passage.

use super::DocSection;
use super::engine::LocaleIndex;
use super::query::{ParsedQuery, QueryBuilder};
use super::schema::Fields;
use std::collections::{BTreeMap, BTreeSet};
use tantivy::schema::Value;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Searcher, TantivyDocument, Term};

/// The sections of a stored article: one anchor, heading and body value per section, in order.
pub fn stored_sections(doc: &TantivyDocument, f: &Fields) -> Vec<DocSection> {
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
pub(crate) fn snippet_terms(
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
        // A synonym phrase highlights each of its words.
        for part in s.split(' ') {
            terms.entry(part.to_string()).or_insert(*weight);
        }
    }
    terms
}

/// The section whose heading and text match the query terms best, if any matches.
///
/// Sections are tokenized with the folded analyzer (no stemming, which costs most of the time)
/// and a folded word matches a stemmed term when it starts with it: Snowball stemmers for these
/// languages mostly strip suffixes, and the snippet itself is then made with the real analyzer.
pub fn best_section(
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

pub fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(chars).collect();
    match cut.rfind(' ') {
        Some(i) if i > chars / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}
