//! Coordination: among the candidates the BM25 query found, articles holding more of the query's
//! meaningful words (weighted by how rare each word is) rank higher. BM25 alone lets one rare
//! word outweigh the rest of a sentence; requiring every word (the old first pass) let one
//! incidental word hide the topical article. See docs/search.md, "Ranking".

use super::engine::LocaleIndex;
use super::query::{ParsedQuery, QueryBuilder};
use std::collections::BTreeMap;
use tantivy::query::EnableScoring;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

/// Candidates the coordination step reorders (more when the requested page lies deeper).
pub const CANDIDATES: usize = 100;

/// One ranked article.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub address: DocAddress,
    pub score: f32,
    /// Every meaningful word of the query matched (typed, stemmed, corrected or completed).
    pub all_words: bool,
    /// Indexes (in `ParsedQuery::words`) of the meaningful words this article holds.
    pub matched: Vec<usize>,
}

/// How much each query word weighs in coordination: its inverse document frequency (of the
/// word or, for a typo, of its corrections), 0 for a word the index does not hold at all.
pub(crate) fn word_weights(
    searcher: &Searcher,
    li: &LocaleIndex,
    parsed: &ParsedQuery,
    expansions: &[Vec<(String, f32)>],
    builder: &mut QueryBuilder<'_>,
) -> tantivy::Result<Vec<f32>> {
    let f = &li.fields;
    let n = searcher.num_docs().max(1) as f32;
    let mut out = Vec::with_capacity(parsed.words.len());
    for (i, w) in parsed.words.iter().enumerate() {
        let stems = builder.stem(&w.text).into_iter().chain(
            expansions
                .get(i)
                .into_iter()
                .flatten()
                .map(|(s, _)| s.clone()),
        );
        let mut df = 0u64;
        for stem in stems {
            for field in [f.title, f.headings, f.keywords, f.body] {
                // A synonym phrase: its rarest word bounds how many articles hold it.
                let mut phrase_df = u64::MAX;
                for part in stem.split(' ') {
                    phrase_df =
                        phrase_df.min(searcher.doc_freq(&Term::from_field_text(field, part))?);
                }
                df = df.max(phrase_df);
            }
        }
        out.push(if df == 0 {
            0.0
        } else {
            (1.0 + n / (1.0 + df as f32)).ln()
        });
    }
    Ok(out)
}

/// Reorders BM25 candidates by coordination: score × (weight of the meaningful words held /
/// weight of all meaningful words the index knows).
pub fn coordinate(
    searcher: &Searcher,
    parsed: &ParsedQuery,
    expansions: &[Vec<(String, f32)>],
    weights: &[f32],
    builder: &mut QueryBuilder<'_>,
    candidates: Vec<(f32, DocAddress)>,
) -> tantivy::Result<Vec<Ranked>> {
    let meaningful: Vec<usize> = (0..parsed.words.len())
        .filter(|i| !parsed.words[*i].optional)
        .collect();
    let live: Vec<usize> = meaningful
        .iter()
        .copied()
        .filter(|i| weights.get(*i).copied().unwrap_or(0.0) > 0.0)
        .collect();
    let known_all = live.len() == meaningful.len();
    let total: f32 = live.iter().map(|i| weights[*i]).sum();
    // matched[k] = words held by candidate k.
    let mut matched: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    // Candidates per segment, in doc order, as (doc, index in `candidates`).
    let mut by_segment: BTreeMap<u32, Vec<(DocId, usize)>> = BTreeMap::new();
    for (k, (_, a)) in candidates.iter().enumerate() {
        by_segment
            .entry(a.segment_ord)
            .or_default()
            .push((a.doc_id, k));
    }
    for docs in by_segment.values_mut() {
        docs.sort_unstable();
    }
    for &i in &live {
        let extra = expansions.get(i).map_or(&[][..], Vec::as_slice);
        let Some(q) = builder.word(&parsed.words[i], extra) else {
            continue;
        };
        let weight = q.weight(EnableScoring::disabled_from_searcher(searcher))?;
        for (seg, docs) in &by_segment {
            let mut scorer = weight.scorer(searcher.segment_reader(*seg), 1.0)?;
            for &(doc, k) in docs {
                let mut at = scorer.doc();
                if at < doc && at != TERMINATED {
                    at = scorer.seek(doc);
                }
                if at == doc {
                    matched[k].push(i);
                }
            }
        }
    }
    let mut ranked: Vec<Ranked> = candidates
        .into_iter()
        .zip(matched)
        .map(|((score, address), words)| {
            let held: f32 = words.iter().map(|i| weights[*i]).sum();
            let coord = if total > 0.0 { held / total } else { 1.0 };
            Ranked {
                address,
                score: score * coord,
                all_words: known_all && words.len() == live.len(),
                matched: words,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.address.cmp(&b.address))
    });
    Ok(ranked)
}
