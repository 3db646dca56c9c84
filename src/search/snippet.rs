//! Snippets: the stored section that matches the query best, and its passage holding the most
//! distinct query words, escaped, with the matches in `<mark>`.

use super::DocSection;
use super::engine::{LocaleIndex, escape};
use super::query::{ParsedQuery, QueryBuilder};
use super::schema::Fields;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
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
///
/// `skips[i]` are byte ranges of section `i`'s text that do not count (its [`navigation`]).
pub fn best_section(
    sections: &[DocSection],
    terms: &BTreeMap<String, f32>,
    folded: &mut TextAnalyzer,
    skips: &BTreeMap<usize, Vec<Range<usize>>>,
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
        for (text, factor, skip) in [
            (&s.heading, 2.0, &[][..]),
            (&s.text, 1.0, skips.get(&i).map_or(&[][..], Vec::as_slice)),
        ] {
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
                let token = stream.token();
                if let Some((stem, w)) = weight(&token.text)
                    && !skip.iter().any(|r| r.contains(&token.offset_from))
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

/// Byte ranges of `text` that repeat the article's headings, when it names two or more of them:
/// an in-page table of contents ("In this section: …") is navigation, not an answer.
pub fn navigation(text: &str, headings: &[&str]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut named = 0;
    for h in headings.iter().filter(|h| h.chars().count() >= 4) {
        let before = found.len();
        found.extend(text.match_indices(h).map(|(i, m)| i..i + m.len()));
        named += usize::from(found.len() > before);
    }
    if named >= 2 { found } else { Vec::new() }
}

/// The best section as [`best_section`] picks it, its navigation left out: a section whose text
/// turns out to be a table of contents is scored again without it. Returns the section and the
/// ranges of its text that are navigation.
pub fn best_content_section(
    sections: &[DocSection],
    terms: &BTreeMap<String, f32>,
    folded: &mut TextAnalyzer,
) -> Option<(usize, Vec<Range<usize>>)> {
    let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
    let mut skips: BTreeMap<usize, Vec<Range<usize>>> = BTreeMap::new();
    loop {
        let (i, _) = best_section(sections, terms, folded, &skips)?;
        if let Some(nav) = skips.remove(&i) {
            return Some((i, nav));
        }
        let nav = navigation(&sections[i].text, &headings);
        if nav.is_empty() {
            return Some((i, nav));
        }
        skips.insert(i, nav);
    }
}

/// Candidate passages scored per text, at most (a long text full of matches).
const MAX_CANDIDATES: usize = 64;

/// The passage of `text` to show for a hit: at most `max_chars` characters, cut between words,
/// starting at a sentence when the match allows, holding the most distinct query terms (then
/// the most weight, rare terms weighing more), HTML-escaped with the matches in `<mark>` and
/// `…` where text was cut. A passage that ends with the text takes in the text before it, so a
/// match in a last short sentence never stands alone. `None` when no term of `terms` (stemmed,
/// as `stemmer` produces them) occurs outside `skip`.
///
/// tantivy's `SnippetGenerator` cuts the text into fixed windows and adds up every occurrence,
/// so a list repeating one word beats the sentence holding two, and a match after a window
/// boundary can come out alone; hence this scorer.
pub fn passage(
    text: &str,
    terms: &BTreeMap<String, f32>,
    stemmer: &mut TextAnalyzer,
    max_chars: usize,
    skip: &[Range<usize>],
) -> Option<String> {
    let mut matches: Vec<(Range<usize>, &str, f32)> = Vec::new();
    let mut stream = stemmer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        if let Some((term, w)) = terms.get_key_value(&t.text)
            && !skip.iter().any(|r| r.contains(&t.offset_from))
        {
            matches.push((t.offset_from..t.offset_to, term.as_str(), *w));
        }
    }
    if matches.is_empty() {
        return None;
    }
    let sentences = sentence_starts(text);
    let mut starts: Vec<(usize, bool)> = Vec::new();
    for (r, _, _) in &matches {
        let start = window_start(text, &sentences, r, max_chars);
        if !starts.contains(&start) {
            starts.push(start);
        }
        if starts.len() == MAX_CANDIDATES {
            break;
        }
    }
    // (distinct terms, weight, starts a sentence, start, end)
    let mut best: Option<(usize, f32, bool, usize, usize)> = None;
    for (start, at_sentence) in starts {
        let end = window_end(text, start, max_chars);
        let mut seen: Vec<&str> = Vec::new();
        let mut weight = 0.0;
        for (r, term, w) in &matches {
            if r.start >= start && r.end <= end && !seen.contains(term) {
                seen.push(term);
                weight += w;
            }
        }
        let better = best.is_none_or(|(d, w, s, _, _)| {
            seen.len()
                .cmp(&d)
                .then(weight.total_cmp(&w))
                .then(at_sentence.cmp(&s))
                .is_gt()
        });
        if better {
            best = Some((seen.len(), weight, at_sentence, start, end));
        }
    }
    let (_, _, _, mut start, end) = best?;
    if end == text.len() && start > 0 {
        // Fill the passage with the text before it, from a sentence start when one fits.
        let earliest = text[..end]
            .char_indices()
            .rev()
            .nth(max_chars.saturating_sub(1))
            .map_or(0, |(i, _)| word_start_at_or_after(text, i));
        start = sentences
            .iter()
            .copied()
            .find(|s| *s >= earliest && *s < start)
            .unwrap_or(earliest.min(start));
    }
    Some(render(text, start, end, &matches))
}

/// Byte offsets where sentences (or clauses after `:` and `;`) begin.
fn sentence_starts(text: &str) -> Vec<usize> {
    let mut out = vec![0];
    let mut after_stop = false;
    let mut after_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            after_space = after_stop;
            continue;
        }
        if after_space {
            out.push(i);
        }
        after_space = false;
        after_stop = matches!(c, '.' | '?' | '!' | ':' | ';' | '·' | '…');
    }
    out
}

/// Where the window showing the match `m` starts, and whether that is a sentence start: the
/// latest sentence start from which the match fits in `max_chars`, else a word a third of the
/// window before the match.
fn window_start(
    text: &str,
    sentences: &[usize],
    m: &Range<usize>,
    max_chars: usize,
) -> (usize, bool) {
    let latest = sentences.partition_point(|s| *s <= m.start);
    if let Some(&s) = latest.checked_sub(1).and_then(|k| sentences.get(k))
        && text[s..m.end].chars().count() <= max_chars
    {
        return (s, true);
    }
    let back = text[..m.start]
        .char_indices()
        .rev()
        .nth(max_chars / 3)
        .map_or(0, |(i, _)| i);
    (word_start_at_or_after(text, back).min(m.start), back == 0)
}

/// Where a window of at most `max_chars` characters from `start` ends: the text's end, or the
/// last space inside the window.
fn window_end(text: &str, start: usize, max_chars: usize) -> usize {
    let Some((limit, _)) = text[start..].char_indices().nth(max_chars) else {
        return text.len();
    };
    let limit = start + limit;
    match text[start..limit].rfind(char::is_whitespace) {
        Some(i) if i > 0 => start + i,
        _ => limit,
    }
}

/// The first word start at or after byte `i` (a char boundary).
fn word_start_at_or_after(text: &str, i: usize) -> usize {
    if i == 0 || text[..i].ends_with(char::is_whitespace) {
        return i;
    }
    match text[i..].find(char::is_whitespace) {
        Some(k) => text.len() - text[i + k..].trim_start().len(),
        None => i,
    }
}

/// `text[start..end]` escaped, matches in `<mark>`, `…` where the text was cut.
fn render(text: &str, start: usize, end: usize, matches: &[(Range<usize>, &str, f32)]) -> String {
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for (r, _, _) in matches {
        if r.start >= at && r.end <= end {
            out.push_str(&escape(&text[at..r.start]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[r.clone()]));
            out.push_str("</mark>");
            at = r.end;
        }
    }
    out.push_str(&escape(&text[at..end]));
    let mut out = out.trim_end().to_string();
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyzers;

    fn terms(words: &[&str]) -> BTreeMap<String, f32> {
        let mut stemmer = analyzers::stemmed("es", 40);
        words
            .iter()
            .filter_map(|w| analyzers::tokens(&mut stemmer, w).into_iter().next())
            .map(|s| (s, 1.0))
            .collect()
    }

    #[test]
    fn passages_are_cut_between_words_and_never_longer_than_asked() {
        let text = "Él pidió un reembolso… ¿Cuándo llega? 🙂 El reembolso tarda días; la tarjeta \
                    recibe el reembolso.";
        let t = terms(&["reembolso", "tarjeta"]);
        let mut stemmer = analyzers::stemmed("es", 40);
        for max in 1..=text.chars().count() + 5 {
            let Some(p) = passage(text, &t, &mut stemmer, max, &[]) else {
                panic!("no passage at {max}");
            };
            let shown = p.replace("<mark>", "").replace("</mark>", "");
            let words = shown.trim_matches('…');
            assert!(words.chars().count() <= max, "{max}: {p}");
        }
        let p = passage(text, &t, &mut stemmer, 60, &[]).unwrap_or_default();
        assert!(p.contains("<mark>tarjeta</mark>"), "{p}");
    }

    #[test]
    fn navigation_needs_two_headings_named() {
        let headings = ["Plazos de entrega", "Costos de envío", ""];
        let toc = "En esta página: Plazos de entrega · Costos de envío";
        assert_eq!(navigation(toc, &headings).len(), 2);
        assert!(navigation("Los Plazos de entrega son cortos.", &headings).is_empty());
    }

    #[test]
    fn no_match_outside_navigation_is_no_passage() {
        let t = terms(&["plazos"]);
        let mut stemmer = analyzers::stemmed("es", 40);
        let text = "Plazos de entrega · Costos";
        let toc = navigation(text, &["Plazos de entrega", "Costos"]);
        assert!(passage(text, &t, &mut stemmer, 100, &toc).is_none());
        assert!(passage(text, &t, &mut stemmer, 100, &[]).is_some());
    }
}
