//! Text analysis per language: the analyzers every index field uses, registered again whenever an
//! index is opened (tantivy stores only their names in the schema).
//!
//! Chain: split on non-alphanumerics → drop tokens over `max_token_len` bytes → lower case →
//! ASCII/accent folding → Snowball stemmer. Folding runs *before* stemming so that
//! "configuração" and "configuracao" reach the stemmer as the same word and stem alike.
//! No stop words are removed at index time (see [`is_optional_word`]).

use rustc_hash::FxHashMap;
use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// Name of the unstemmed, folded analyzer (prefix and typo matching).
pub const FOLDED: &str = "ayuda_folded";

/// Default limit past which a token is dropped (base64 blobs, URLs glued together).
pub const DEFAULT_MAX_TOKEN_LEN: usize = 40;

/// Languages with a stemmer, by the code used in analyzer names.
const LANGUAGES: &[(&str, Language)] = &[
    ("es", Language::Spanish),
    ("pt", Language::Portuguese),
    ("en", Language::English),
    ("fr", Language::French),
    ("de", Language::German),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("sv", Language::Swedish),
    ("da", Language::Danish),
    ("no", Language::Norwegian),
    ("fi", Language::Finnish),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("tr", Language::Turkish),
];

/// The language code whose stemmer a site locale uses (`pt-BR` → `pt`), or `plain` when there is
/// no stemmer for it.
pub fn language_of(locale: &str) -> &'static str {
    let base = locale
        .split(['-', '_'])
        .next()
        .unwrap_or(locale)
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(code, _)| *code == base)
        .map_or("plain", |(code, _)| code)
}

/// Name of the stemming analyzer of a language code from [`language_of`].
pub fn stemmed_name(language: &str) -> String {
    format!("ayuda_{language}")
}

/// The stemming analyzer of a language code (`plain`: folded, not stemmed).
pub fn stemmed(language: &str, max_token_len: usize) -> TextAnalyzer {
    let word = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    let word = match LANGUAGES.iter().find(|(code, _)| *code == language) {
        Some((_, lang)) => word.filter(Stemmer::new(*lang)).build(),
        None => word.build(),
    };
    TextAnalyzer::from(WordTokenizer::new(max_token_len, word))
}

/// The unstemmed, folded analyzer.
pub fn folded(max_token_len: usize) -> TextAnalyzer {
    let word = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    TextAnalyzer::from(WordTokenizer::new(max_token_len, word))
}

/// Splits text into words and normalizes each word with a memo.
///
/// The tokens are those of tantivy's `SimpleTokenizer` followed by `RemoveLongFilter` (runs of
/// alphanumeric characters, same offsets and positions; words of `max_len` bytes or more are
/// dropped), each passed through `normalize` (lower case, folding, stemming). Normalizing is most
/// of the cost of indexing, and a help center repeats a small vocabulary: each analyzer (one per
/// indexing thread and field) remembers the words it normalized, so each distinct word goes
/// through the filters once.
#[derive(Clone)]
struct WordTokenizer {
    max_len: usize,
    normalize: TextAnalyzer,
    memo: FxHashMap<Box<str>, Box<str>>,
    token: Token,
}

/// Words remembered per analyzer before the memo starts over (a few MB at most).
const MEMO_LIMIT: usize = 50_000;

impl WordTokenizer {
    fn new(max_len: usize, normalize: TextAnalyzer) -> WordTokenizer {
        WordTokenizer {
            max_len,
            normalize,
            memo: FxHashMap::default(),
            token: Token::default(),
        }
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        if self.memo.len() > MEMO_LIMIT {
            self.memo.clear();
        }
        self.token.reset();
        WordStream {
            text,
            words: WordRanges::new(text),
            tokenizer: self,
        }
    }
}

struct WordStream<'a> {
    text: &'a str,
    words: WordRanges<'a>,
    tokenizer: &'a mut WordTokenizer,
}

/// The words of a text as byte ranges: runs of alphanumeric characters, as tantivy's
/// `SimpleTokenizer` cuts them (with a fast path for ASCII).
pub struct WordRanges<'a> {
    text: &'a str,
    cursor: usize,
}

impl<'a> WordRanges<'a> {
    pub fn new(text: &'a str) -> WordRanges<'a> {
        WordRanges { text, cursor: 0 }
    }

    /// Whether the character at byte `i` belongs to a word, and its length.
    fn word_char(&self, i: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[i];
        if b.is_ascii() {
            return (b.is_ascii_alphanumeric(), 1);
        }
        match self.text[i..].chars().next() {
            Some(c) => (c.is_alphanumeric(), c.len_utf8()),
            None => (false, 1),
        }
    }
}

impl Iterator for WordRanges<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let len = self.text.len();
        let mut i = self.cursor;
        while i < len {
            let (inside, width) = self.word_char(i);
            if inside {
                break;
            }
            i += width;
        }
        let start = i;
        while i < len {
            let (inside, width) = self.word_char(i);
            if !inside {
                break;
            }
            i += width;
        }
        self.cursor = i;
        (start < i).then_some(start..i)
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let Some(range) = self.words.next() else {
                return false;
            };
            let t = &mut *self.tokenizer;
            t.token.position = t.token.position.wrapping_add(1);
            let word = &self.text[range.clone()];
            if word.len() >= t.max_len {
                continue;
            }
            t.token.offset_from = range.start;
            t.token.offset_to = range.end;
            t.token.text.clear();
            match t.memo.get(word) {
                Some(normal) => t.token.text.push_str(normal),
                None => {
                    let mut stream = t.normalize.token_stream(word);
                    let normal: Box<str> = if stream.advance() {
                        stream.token().text.as_str().into()
                    } else {
                        word.into()
                    };
                    t.token.text.push_str(&normal);
                    t.memo.insert(word.into(), normal);
                }
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

/// Registers every ayuda analyzer on an index; call it each time an index is created or opened.
pub fn register(index: &Index, max_token_len: usize) {
    let manager = index.tokenizers();
    manager.register(FOLDED, folded(max_token_len));
    for (code, _) in LANGUAGES {
        manager.register(&stemmed_name(code), stemmed(code, max_token_len));
    }
    manager.register(&stemmed_name("plain"), stemmed("plain", max_token_len));
}

/// The tokens an analyzer produces for a text.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Stop-word policy: nothing is removed from the index, so phrases stay exact and a query made of
/// function words still matches. At query time the function words below (folded) are *optional*:
/// they add to the score when present but do not make an article fail the "all words" match.
/// Negations ("no", "não", "sin", "sem", "not", "without", "never"…) are deliberately absent: in a
/// support question they carry the meaning ("no puedo entrar", "pagamento não aprovado").
pub fn is_optional_word(language: &str, folded_word: &str) -> bool {
    let list: &[&str] = match language {
        "es" => ES_OPTIONAL,
        "pt" => PT_OPTIONAL,
        "en" => EN_OPTIONAL,
        _ => &[],
    };
    list.binary_search(&folded_word).is_ok()
}

// Sorted lists (binary search), folded forms.
const ES_OPTIONAL: &[&str] = &[
    "a", "al", "como", "con", "cual", "cuando", "de", "del", "donde", "el", "en", "es", "esta",
    "este", "hay", "la", "las", "le", "lo", "los", "me", "mi", "mis", "para", "por", "puedo",
    "que", "se", "si", "su", "sus", "te", "tu", "un", "una", "y", "yo",
];
const PT_OPTIONAL: &[&str] = &[
    "a", "ao", "as", "com", "como", "da", "das", "de", "do", "dos", "e", "em", "esta", "eu", "meu",
    "minha", "na", "nas", "no", "nos", "o", "os", "para", "pela", "pelo", "por", "posso", "qual",
    "quando", "que", "se", "seu", "sua", "um", "uma",
];
const EN_OPTIONAL: &[&str] = &[
    "a", "about", "am", "an", "and", "are", "as", "at", "be", "been", "by", "can", "could", "did",
    "do", "does", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if", "in", "is",
    "it", "its", "me", "my", "of", "on", "or", "should", "so", "that", "the", "their", "there",
    "these", "this", "those", "to", "was", "were", "what", "when", "where", "which", "who", "why",
    "will", "with", "would", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_lists_are_sorted() {
        for list in [ES_OPTIONAL, PT_OPTIONAL, EN_OPTIONAL] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, list);
        }
    }

    #[test]
    fn folding_happens_before_stemming() {
        let mut pt = stemmed("pt", 40);
        assert_eq!(
            tokens(&mut pt, "Configuração"),
            tokens(&mut pt, "configuracao")
        );
        let mut es = stemmed("es", 40);
        assert_eq!(
            tokens(&mut es, "Facturación"),
            tokens(&mut es, "facturacion")
        );
    }

    /// The tokens of an analyzer with their positions and offsets.
    fn detailed(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn word_tokenizer_matches_tantivys_filter_chain() {
        use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};
        let text = "¿Cómo configuro la Facturación? Configuração do PEDIDO nº 42, \
                    el pedido-42 «não» ÇA straße Ωmega x2 ﬁnal \
                    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa fin";
        for language in ["es", "pt", "en", "plain"] {
            let chain = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter);
            let mut reference = match LANGUAGES.iter().find(|(c, _)| *c == language) {
                Some((_, lang)) => chain.filter(Stemmer::new(*lang)).build(),
                None => chain.build(),
            };
            let mut ours = stemmed(language, 40);
            // Twice: the second pass answers from the memo.
            for _ in 0..2 {
                assert_eq!(
                    detailed(&mut ours, text),
                    detailed(&mut reference, text),
                    "{language}"
                );
            }
        }
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        assert_eq!(
            detailed(&mut folded(40), text),
            detailed(&mut reference, text)
        );
        assert!(detailed(&mut folded(40), "").is_empty());
        assert!(detailed(&mut folded(40), " ,; ").is_empty());
    }

    #[test]
    fn negations_are_not_optional() {
        assert!(!is_optional_word("es", "no"));
        assert!(!is_optional_word("es", "sin"));
        assert!(!is_optional_word("pt", "nao"));
        assert!(!is_optional_word("en", "not"));
        assert!(is_optional_word("es", "como"));
    }
}
