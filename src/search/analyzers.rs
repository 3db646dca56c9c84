//! Text analysis per language: the analyzers every index field uses, registered again whenever an
//! index is opened (tantivy stores only their names in the schema).
//!
//! Chain: split on non-alphanumerics → drop tokens over `max_token_len` bytes → lower case →
//! ASCII/accent folding → Snowball stemmer. Folding runs *before* stemming so that
//! "configuração" and "configuracao" reach the stemmer as the same word and stem alike.
//! No stop words are removed at index time (see [`is_optional_word`]).

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
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

/// The stemming analyzer of a language code (`plain`: folded, not stemmed), for queries,
/// snippets and fields that do not feed the dictionary.
pub fn stemmed(language: &str, max_token_len: usize) -> TextAnalyzer {
    WordTokenizer::analyzer(stemming(language), max_token_len, Memo::shared())
}

/// The stemming analyzer of an index writer: counts the words it sees into `vocabulary`.
pub fn stemmed_counting(
    language: &str,
    max_token_len: usize,
    vocabulary: Vocabulary,
) -> TextAnalyzer {
    WordTokenizer::analyzer(
        stemming(language),
        max_token_len,
        Memo::Counting {
            words: FxHashMap::default(),
            vocabulary,
        },
    )
}

/// The unstemmed, folded analyzer.
pub fn folded(max_token_len: usize) -> TextAnalyzer {
    let word = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    WordTokenizer::analyzer(word, max_token_len, Memo::shared())
}

/// The filters that normalize one word of `language`: lower case, folding, stemming.
fn stemming(language: &str) -> TextAnalyzer {
    let word = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match LANGUAGES.iter().find(|(code, _)| *code == language) {
        Some((_, lang)) => word.filter(Stemmer::new(*lang)).build(),
        None => word.build(),
    }
}

/// Splits text into words and normalizes each word with a memo.
///
/// The tokens are those of tantivy's `SimpleTokenizer` followed by `RemoveLongFilter` (runs of
/// alphanumeric characters, same offsets and positions; words of `max_len` bytes or more are
/// dropped), each passed through `normalize` (lower case, folding, stemming). Normalizing is most
/// of the cost of indexing and of making snippets, and a help center repeats a small
/// vocabulary: the analyzer remembers the words it normalized, so each distinct word goes
/// through the filters once.
struct WordTokenizer {
    max_len: usize,
    normalize: TextAnalyzer,
    memo: Memo,
    token: Token,
}

/// Where a [`WordTokenizer`] remembers normalized words.
enum Memo {
    /// An index writer's analyzer (one per indexing thread and field): a memo of its own, which
    /// also counts the words and adds the counts to the vocabulary when it starts over and when
    /// the analyzer is dropped.
    Counting {
        words: FxHashMap<Box<str>, Normal>,
        vocabulary: Vocabulary,
    },
    /// Query-time analyzers, cloned for every query and snippet: one memo for all the clones,
    /// so snippets of later hits and queries find their words normalized.
    Shared(Arc<RwLock<FxHashMap<Box<str>, Box<str>>>>),
}

impl Memo {
    fn shared() -> Memo {
        Memo::Shared(Arc::default())
    }
}

/// A remembered word: its normal form, and how often it was seen since it was remembered.
struct Normal {
    text: Box<str>,
    seen: u64,
}

/// Words remembered per memo before it starts over (a few MB at most).
const MEMO_LIMIT: usize = 50_000;

impl WordTokenizer {
    fn analyzer(normalize: TextAnalyzer, max_len: usize, memo: Memo) -> TextAnalyzer {
        TextAnalyzer::from(WordTokenizer {
            max_len,
            normalize,
            memo,
            token: Token::default(),
        })
    }

    /// Empties a counting memo, first adding its counts to the vocabulary.
    fn forget(&mut self) {
        if let Memo::Counting { words, vocabulary } = &mut self.memo {
            vocabulary.add(words.drain().map(|(word, normal)| (word, normal.seen)));
        }
    }

    /// Appends the normal form of `word` to the current token.
    fn push_normal(&mut self, word: &str) {
        let out = &mut self.token.text;
        match &mut self.memo {
            Memo::Counting { words, .. } => match words.get_mut(word) {
                Some(normal) => {
                    normal.seen += 1;
                    out.push_str(&normal.text);
                }
                None => {
                    let text = normalize(&mut self.normalize, word);
                    out.push_str(&text);
                    words.insert(word.into(), Normal { text, seen: 1 });
                }
            },
            Memo::Shared(memo) => {
                // A panic while holding the lock leaves a usable memo: keep using it.
                let known = memo.read().unwrap_or_else(PoisonError::into_inner);
                if let Some(text) = known.get(word) {
                    out.push_str(text);
                    return;
                }
                drop(known);
                let text = normalize(&mut self.normalize, word);
                out.push_str(&text);
                let mut words = memo.write().unwrap_or_else(PoisonError::into_inner);
                if words.len() >= MEMO_LIMIT {
                    words.clear();
                }
                words.insert(word.into(), text);
            }
        }
    }
}

/// The one token the filters make of a word (the word itself if they drop it).
fn normalize(filters: &mut TextAnalyzer, word: &str) -> Box<str> {
    let mut stream = filters.token_stream(word);
    if stream.advance() {
        stream.token().text.as_str().into()
    } else {
        word.into()
    }
}

/// A clone of a counting analyzer starts with an empty memo, so no word is counted twice; a
/// query-time clone shares the memo.
impl Clone for WordTokenizer {
    fn clone(&self) -> Self {
        let memo = match &self.memo {
            Memo::Counting { vocabulary, .. } => Memo::Counting {
                words: FxHashMap::default(),
                vocabulary: vocabulary.clone(),
            },
            Memo::Shared(memo) => Memo::Shared(memo.clone()),
        };
        WordTokenizer {
            max_len: self.max_len,
            normalize: self.normalize.clone(),
            memo,
            token: Token::default(),
        }
    }
}

impl Drop for WordTokenizer {
    fn drop(&mut self) {
        self.forget();
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        if let Memo::Counting { words, .. } = &self.memo
            && words.len() > MEMO_LIMIT
        {
            self.forget();
        }
        self.token.reset();
        WordStream {
            text,
            words: WordRanges::new(text),
            tokenizer: self,
        }
    }
}

/// The words an index writer's analyzers saw, with how often, shared by the analyzer clones
/// tantivy makes for each field. It becomes the locale's dictionary of typo corrections and
/// completions ([`super::dictionary`]) without a second pass over the text.
#[derive(Clone, Default)]
pub struct Vocabulary(Arc<Mutex<FxHashMap<Box<str>, u64>>>);

impl Vocabulary {
    fn add(&self, counts: impl Iterator<Item = (Box<str>, u64)>) {
        // A panic while holding the lock cannot leave the counts inconsistent: keep using them.
        let mut words = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (word, seen) in counts {
            *words.entry(word).or_default() += seen;
        }
    }

    /// The words seen so far as they appear in the text (not folded), with their counts.
    pub fn take(&self) -> FxHashMap<Box<str>, u64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

struct WordStream<'a> {
    text: &'a str,
    words: WordRanges<'a>,
    tokenizer: &'a mut WordTokenizer,
}

/// The words of a text as byte ranges: runs of alphanumeric characters, as tantivy's
/// `SimpleTokenizer` cuts them. Splitting is a large share of indexing, so ASCII bytes are
/// classified by table and runs of them scanned without decoding characters.
struct WordRanges<'a> {
    text: &'a str,
    cursor: usize,
}

/// Byte classes: ASCII letters and digits, first bytes of non-ASCII characters, and the rest
/// (ASCII punctuation and spaces, UTF-8 continuation bytes, which the scan never starts on).
const OTHER: u8 = 0;
const ASCII_WORD: u8 = 1;
const WIDE: u8 = 2;

const CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if b.is_ascii_alphanumeric() {
            ASCII_WORD
        } else if b >= 0xC0 {
            WIDE
        } else {
            OTHER
        };
        i += 1;
    }
    table
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

impl<'a> WordRanges<'a> {
    fn new(text: &'a str) -> WordRanges<'a> {
        WordRanges { text, cursor: 0 }
    }

    /// Whether the non-ASCII character starting at byte `i` belongs to a word, and its length.
    fn wide_char(&self, i: usize) -> (bool, usize) {
        let bytes = self.text.as_bytes();
        // Latin-1 letters (à to ÿ, but not × and ÷) and Latin Extended-A, the accents of the
        // languages ayuda stems, without a Unicode table look-up.
        match (bytes[i], bytes.get(i + 1)) {
            (0xC3, Some(&b)) => return (b != 0x97 && b != 0xB7, 2),
            (0xC4 | 0xC5, Some(_)) => return (true, 2),
            _ => {}
        }
        match self.text.get(i..).and_then(|rest| rest.chars().next()) {
            Some(c) => (c.is_alphanumeric(), c.len_utf8()),
            None => (false, 1),
        }
    }
}

impl Iterator for WordRanges<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut i = self.cursor;
        // Skip to the first character of a word.
        loop {
            match bytes[i..].iter().position(|&b| class(b) != OTHER) {
                Some(skip) => i += skip,
                None => {
                    self.cursor = len;
                    return None;
                }
            }
            if class(bytes[i]) == ASCII_WORD {
                break;
            }
            let (inside, width) = self.wide_char(i);
            if inside {
                break;
            }
            i += width;
        }
        let start = i;
        // Run to its end.
        loop {
            i += bytes[i..]
                .iter()
                .position(|&b| class(b) != ASCII_WORD)
                .unwrap_or(len - i);
            if i >= len || class(bytes[i]) != WIDE {
                break;
            }
            let (inside, width) = self.wide_char(i);
            if !inside {
                break;
            }
            i += width;
        }
        self.cursor = i;
        Some(start..i)
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
            t.push_normal(word);
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

/// Registers every ayuda analyzer on an index about to be written in `language`, the stemming
/// one counting words: returns the [`Vocabulary`] it fills as documents are indexed.
pub fn register_counting(index: &Index, language: &str, max_token_len: usize) -> Vocabulary {
    register(index, max_token_len);
    let vocabulary = Vocabulary::default();
    index.tokenizers().register(
        &stemmed_name(language),
        stemmed_counting(language, max_token_len, vocabulary.clone()),
    );
    vocabulary
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
            let mut counting = stemmed_counting(language, 40, Vocabulary::default());
            // Twice: the second pass answers from the memo.
            for _ in 0..2 {
                let expected = detailed(&mut reference, text);
                assert_eq!(detailed(&mut ours, text), expected, "{language}");
                assert_eq!(detailed(&mut counting, text), expected, "{language}");
                // A clone shares or starts its memo and still agrees.
                assert_eq!(detailed(&mut ours.clone(), text), expected, "{language}");
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
    fn word_ranges_class_characters_like_unicode() {
        // Every one- and two-byte character, and a sample of longer ones, alone and between
        // letters: a word exactly when it is alphanumeric.
        let chars = (0u32..0x800)
            .chain([0x2013, 0x20AC, 0x3042, 0xFB01, 0x1F600])
            .filter_map(char::from_u32);
        for c in chars {
            let alone = c.to_string();
            let expected = c.is_alphanumeric().then_some(0..c.len_utf8());
            let mut words = WordRanges::new(&alone);
            assert_eq!(words.next(), expected, "{c:?}");
            assert_eq!(words.next(), None, "{c:?}");
            let between = format!("a{c}b");
            let words = WordRanges::new(&between).count();
            assert_eq!(words, if c.is_alphanumeric() { 1 } else { 2 }, "{c:?}");
        }
    }

    #[test]
    fn vocabulary_keeps_counts_when_the_memo_starts_over() {
        let vocabulary = Vocabulary::default();
        let mut analyzer = stemmed_counting("plain", 40, vocabulary.clone());
        let many: String = (0..=MEMO_LIMIT).map(|i| format!("w{i} ")).collect();
        // The second call finds the memo over its limit and empties it first.
        assert_eq!(tokens(&mut analyzer, &many).len(), MEMO_LIMIT + 1);
        assert_eq!(tokens(&mut analyzer, "w0 w0").len(), 2);
        drop(analyzer);
        let counts = vocabulary.take();
        assert_eq!(counts.len(), MEMO_LIMIT + 1);
        assert_eq!(counts.get("w0"), Some(&3));
        assert_eq!(counts.get("w1"), Some(&1));
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
