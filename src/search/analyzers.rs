//! Text analysis per language: the analyzers every index field uses, registered again whenever an
//! index is opened (tantivy stores only their names in the schema).
//!
//! Chain: split on non-alphanumerics → drop tokens over `max_token_len` bytes → lower case →
//! ASCII/accent folding → Snowball stemmer. Folding runs *before* stemming so that
//! "configuração" and "configuracao" reach the stemmer as the same word and stem alike.
//! No stop words are removed at index time (see [`is_optional_word`]).

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
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
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(max_token_len))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match LANGUAGES.iter().find(|(code, _)| *code == language) {
        Some((_, lang)) => base.filter(Stemmer::new(*lang)).build(),
        None => base.build(),
    }
}

/// The unstemmed, folded analyzer.
pub fn folded(max_token_len: usize) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(max_token_len))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
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

    #[test]
    fn negations_are_not_optional() {
        assert!(!is_optional_word("es", "no"));
        assert!(!is_optional_word("es", "sin"));
        assert!(!is_optional_word("pt", "nao"));
        assert!(!is_optional_word("en", "not"));
        assert!(is_optional_word("es", "como"));
    }
}
