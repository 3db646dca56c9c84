//! From what a partner typed to a tantivy query: lenient parsing (nothing is a syntax error),
//! then one clause per word that accepts the stemmed word in any text field, its typo variants and,
//! for the word being typed, its completions.

use super::analyzers;
use super::schema::Fields;
use super::{SearchConfig, StopWords};
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

/// Longest query text considered, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most words considered.
pub const MAX_WORDS: usize = 12;

/// One word of the query, folded (lower case, no accents), not stemmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    /// A function word: scores when present, not required (stop-word policy).
    pub optional: bool,
    /// The word being typed (last one, no space after it): its completions match too.
    pub prefix: bool,
    /// Quoted alone: no typo tolerance, no completion.
    pub exact: bool,
    /// Where the word stands in the query text (bytes): the word as the partner wrote it, for
    /// the results page's messages.
    pub span: std::ops::Range<usize>,
}

impl Word {
    /// The word as the partner wrote it (accents and case kept), from the query text it was
    /// parsed from.
    pub fn typed<'q>(&'q self, query: &'q str) -> &'q str {
        query.get(self.span.clone()).unwrap_or(&self.text)
    }
}

/// A parsed query: free words and quoted phrases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    pub words: Vec<Word>,
    /// Quoted runs of two or more words, folded.
    pub phrases: Vec<Vec<String>>,
}

impl ParsedQuery {
    /// True when nothing searchable was typed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// Number of clauses (words and phrases).
    pub fn len(&self) -> usize {
        self.words.len() + self.phrases.len()
    }
}

/// Parses user text. Quotes delimit phrases (an unclosed quote runs to the end); every other
/// character is either part of a word or a separator.
pub fn parse(text: &str, language: &str, config: &SearchConfig) -> ParsedQuery {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut folded = analyzers::folded(config.max_token_length);
    let mut out = ParsedQuery::default();
    let ends_in_word = text.chars().last().is_some_and(char::is_alphanumeric);
    let segments: Vec<&str> = text.split('"').collect();
    let last_segment = segments.len() - 1;
    let mut last_free_word: Option<usize> = None;
    let mut start = 0;
    for (i, segment) in segments.iter().enumerate() {
        let tokens = spanned_tokens(&mut folded, segment, start);
        start += segment.len() + 1;
        if i % 2 == 1 {
            match tokens.len() {
                0 => {}
                1 => out.words.extend(tokens.into_iter().map(|(t, span)| Word {
                    text: t,
                    optional: false,
                    prefix: false,
                    exact: true,
                    span,
                })),
                _ => out
                    .phrases
                    .push(tokens.into_iter().map(|(t, _)| t).collect()),
            }
        } else {
            for (t, span) in tokens {
                out.words.push(Word {
                    text: t,
                    optional: false,
                    prefix: false,
                    exact: false,
                    span,
                });
                last_free_word = (i == last_segment).then(|| out.words.len() - 1);
            }
        }
    }
    if ends_in_word && let Some(i) = last_free_word {
        out.words[i].prefix = true;
    }
    out.words.truncate(MAX_WORDS);
    out.phrases.truncate(MAX_WORDS);
    if config.stop_words == StopWords::Optional {
        let mark: Vec<bool> = out
            .words
            .iter()
            .map(|w| {
                analyzers::is_optional_word(language, &w.text)
                    || (w.prefix && w.text.chars().count() < 3)
            })
            .collect();
        // A query made only of function words keeps them all required.
        let all_optional = out.phrases.is_empty() && mark.iter().all(|m| *m);
        if !all_optional {
            for (w, m) in out.words.iter_mut().zip(mark) {
                w.optional = m && !w.exact;
            }
        }
    }
    out
}

/// The folded words of a segment of the query text that starts at byte `start`, each with its
/// byte range in the whole text.
fn spanned_tokens(
    folded: &mut TextAnalyzer,
    segment: &str,
    start: usize,
) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut stream = folded.token_stream(segment);
    while stream.advance() {
        let t = stream.token();
        out.push((t.text.clone(), start + t.offset_from..start + t.offset_to));
    }
    out
}

/// Edits tolerated for a word of `len` characters: none under 4, 1 from 4, 2 from 8.
pub fn typo_distance(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// How many of `n` meaningful words an article must hold to match: one of up to two, then half (rounded up), so longer questions ask for more words while one
/// incidental word an article lacks never hides it. Coordination (see the engine) then ranks
/// articles holding more of the words higher.
pub fn required_words(n: usize) -> usize {
    match n {
        0 => 0,
        1 | 2 => 1,
        n => n.div_ceil(2),
    }
}

/// Weights of the fields of a word clause (title: `title_boost`, body: 1).
const HEADINGS_BOOST: f32 = 1.5;
const KEYWORDS_BOOST: f32 = 1.2;
/// Weight of a dictionary word found for a typo or completion, relative to the typed word.
pub const EXPANSION_WEIGHT: f32 = 0.6;
/// Weight of the word exactly as typed in a title (folded, not stemmed), on top of its stem:
/// "funciona" in a title ranks above "funcionamiento".
const EXACT_TITLE_WEIGHT: f32 = 0.3;
/// Weight of two neighbouring query words found near each other (within 2 positions).
const PROXIMITY_WEIGHT: f32 = 0.5;
/// Positions two neighbouring query words may be apart and still count as near.
const PROXIMITY_SLOP: u32 = 2;

/// Builds tantivy queries for one locale's index.
pub struct QueryBuilder<'a> {
    pub fields: &'a Fields,
    pub config: &'a SearchConfig,
    /// The locale's stemming analyzer.
    pub stemmer: TextAnalyzer,
}

impl QueryBuilder<'_> {
    /// The stemmed form of a folded word, as the index holds it.
    pub fn stem(&mut self, word: &str) -> Option<String> {
        analyzers::tokens(&mut self.stemmer, word)
            .into_iter()
            .next()
    }

    /// The whole query. `expansions[i]` lists dictionary words (stemmed) standing in for word
    /// `i` (typo corrections, completions) with their weight; `live[i]` says whether word `i`
    /// matches anything in the index. Meaningful live words form one clause of which
    /// [`required_words`] must match; function words only add to the score; quoted phrases are
    /// required; neighbouring meaningful words found near each other add a proximity bonus.
    /// `relaxed`: one meaningful word is enough (to fill a first page that came out short).
    pub fn build(
        &mut self,
        parsed: &ParsedQuery,
        expansions: &[Vec<(String, f32)>],
        live: &[bool],
        relaxed: bool,
        category: Option<&str>,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut meaningful: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut near: Vec<String> = Vec::new();
        for (i, w) in parsed.words.iter().enumerate() {
            if !live.get(i).copied().unwrap_or(false) {
                continue;
            }
            let extra = expansions.get(i).map_or(&[][..], Vec::as_slice);
            let Some(q) = self.word(w, extra) else {
                continue;
            };
            if w.optional {
                clauses.push((Occur::Should, q));
            } else {
                meaningful.push((Occur::Should, q));
                if let Some(stem) = self.stem(&w.text) {
                    near.push(stem);
                }
            }
        }
        if !meaningful.is_empty() {
            let required = if relaxed {
                1
            } else {
                required_words(meaningful.len())
            };
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::with_minimum_required_clauses(
                    meaningful, required,
                )),
            ));
        }
        for pair in near.windows(2) {
            if pair[0] != pair[1] {
                clauses.push((Occur::Should, self.proximity(&pair[0], &pair[1])));
            }
        }
        for p in &parsed.phrases {
            if let Some(q) = self.phrase(p) {
                clauses.push((Occur::Must, q));
            }
        }
        if let Some(cat) = category {
            let filter = TermQuery::new(
                Term::from_field_text(self.fields.category, cat),
                IndexRecordOption::Basic,
            );
            clauses.push((
                Occur::Must,
                Box::new(BoostQuery::new(Box::new(filter), 0.0)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Two stems near each other (either order within the slop) in the title, a heading or the
    /// body.
    fn proximity(&self, a: &str, b: &str) -> Box<dyn Query> {
        let f = self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [
            (f.title, self.config.title_boost),
            (f.headings, HEADINGS_BOOST),
            (f.body, 1.0),
        ] {
            let mut q = PhraseQuery::new(vec![
                Term::from_field_text(field, a),
                Term::from_field_text(field, b),
            ]);
            q.set_slop(PROXIMITY_SLOP);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), boost * PROXIMITY_WEIGHT)),
            ));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// One word: the stemmed word in title, headings, keywords and body (BM25), and its
    /// dictionary stand-ins (typo corrections, completions of the word being typed), each an
    /// ordinary BM25 term scaled down. tantivy's fuzzy and prefix queries score a constant and
    /// cost an automaton walk per field on every query; resolving them once against the
    /// dictionary keeps BM25 ordering and the latency of plain term queries.
    pub fn word(&mut self, w: &Word, expansions: &[(String, f32)]) -> Option<Box<dyn Query>> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(stem) = self.stem(&w.text) {
            self.stemmed_terms(&stem, 1.0, &mut should);
            let exact = TermQuery::new(
                Term::from_field_text(self.fields.title_folded, &w.text),
                IndexRecordOption::Basic,
            );
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(exact),
                    self.config.title_boost * EXACT_TITLE_WEIGHT,
                )),
            ));
        }
        for (stem, weight) in expansions {
            self.stemmed_terms(stem, *weight, &mut should);
        }
        (!should.is_empty()).then(|| Box::new(BooleanQuery::new(should)) as Box<dyn Query>)
    }

    /// A stem in every text field, at `weight`; stems joined by a space (a synonym phrase) match
    /// as a phrase.
    fn stemmed_terms(&self, stem: &str, weight: f32, out: &mut Vec<(Occur, Box<dyn Query>)>) {
        let f = self.fields;
        for (field, boost) in [
            (f.title, self.config.title_boost),
            (f.headings, HEADINGS_BOOST),
            (f.keywords, KEYWORDS_BOOST),
            (f.body, 1.0),
        ] {
            let q: Box<dyn Query> = if stem.contains(' ') {
                let terms = stem
                    .split(' ')
                    .map(|s| Term::from_field_text(field, s))
                    .collect();
                Box::new(PhraseQuery::new(terms))
            } else {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, stem),
                    IndexRecordOption::WithFreqs,
                ))
            };
            out.push((Occur::Should, Box::new(BoostQuery::new(q, boost * weight))));
        }
    }

    /// A quoted phrase: the stemmed words in sequence, in the title, a heading or the body.
    fn phrase(&mut self, words: &[String]) -> Option<Box<dyn Query>> {
        let stems: Vec<String> = words.iter().filter_map(|w| self.stem(w)).collect();
        if stems.len() < 2 {
            let w = Word {
                text: stems.into_iter().next()?,
                optional: false,
                prefix: false,
                exact: true,
                span: 0..0,
            };
            return self.word(&w, &[]);
        }
        let f = self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [
            (f.title, self.config.title_boost),
            (f.headings, HEADINGS_BOOST),
            (f.keywords, KEYWORDS_BOOST),
            (f.body, 1.0),
        ] {
            let terms: Vec<Term> = stems
                .iter()
                .map(|s| Term::from_field_text(field, s))
                .collect();
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), boost)),
            ));
        }
        Some(Box::new(BooleanQuery::new(should)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> ParsedQuery {
        parse(text, "es", &SearchConfig::default())
    }

    #[test]
    fn lenient_parsing_never_fails() {
        for t in [
            "",
            "\"",
            "((",
            "AND OR NOT",
            "title:foo",
            "a\"b\"c\"",
            "🙂🙂",
            "-+*?",
        ] {
            let _ = p(t);
        }
        assert!(p("  ").is_empty());
    }

    #[test]
    fn words_are_folded_and_last_is_prefix() {
        let q = p("Configuración de pag");
        let texts: Vec<&str> = q.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["configuracion", "de", "pag"]);
        assert!(q.words[2].prefix && !q.words[0].prefix);
        assert!(q.words[1].optional, "function word is optional");
        assert!(!p("pago ").words[0].prefix, "a space ends the word");
    }

    #[test]
    fn words_keep_where_they_were_typed() {
        let text = "¿Envío \"Cancelación\" gratis?";
        let q = p(text);
        let typed: Vec<&str> = q.words.iter().map(|w| w.typed(text)).collect();
        assert_eq!(typed, ["Envío", "Cancelación", "gratis"]);
        assert_eq!(q.words[1].text, "cancelacion");
    }

    #[test]
    fn negations_stay_required_and_quotes_make_phrases() {
        let q = p("no funciona \"cambio de clave\"");
        assert!(!q.words[0].optional);
        assert_eq!(q.phrases, vec![vec!["cambio", "de", "clave"]]);
        let q = p("\"sin stock");
        assert_eq!(q.phrases, vec![vec!["sin", "stock"]]);
    }

    #[test]
    fn typo_distance_grows_with_length() {
        assert_eq!(typo_distance(3), 0);
        assert_eq!(typo_distance(4), 1);
        assert_eq!(typo_distance(7), 1);
        assert_eq!(typo_distance(8), 2);
    }
}
