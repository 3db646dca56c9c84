//! The dictionary of a locale: every word of its articles (titles, headings, keywords, body),
//! folded but not stemmed, with how often it occurs. Typo corrections and completions of the
//! word being typed are looked up in it.
//!
//! It is written beside the locale's index (`OUT/search/<locale>/words.dict`) in tantivy's
//! term-dictionary format (an FST, searchable with the same automata as an index's terms), each
//! word's count in the `doc_freq` of its entry. The counts come from the analyzers that index
//! the articles ([`Vocabulary`]), so building it reads no text a second time.

use super::analyzers::{self, Vocabulary};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use tantivy::directory::FileSlice;
use tantivy::postings::TermInfo;
use tantivy::termdict::{TermDictionary, TermDictionaryBuilder};

/// File name of the dictionary inside a locale's index folder.
pub const FILE: &str = "words.dict";

/// Folded words and their counts.
pub type Counts = BTreeMap<String, u64>;

/// Folds the words a [`Vocabulary`] collected, adding up the counts of words that fold alike
/// ("Envío", "envio").
pub fn fold(vocabulary: &Vocabulary, max_token_len: usize) -> Counts {
    let mut folded = analyzers::folded(max_token_len);
    let mut counts = Counts::new();
    let seen: FxHashMap<Box<str>, u64> = vocabulary.take();
    for (word, n) in seen {
        for form in analyzers::tokens(&mut folded, &word) {
            *counts.entry(form).or_default() += n;
        }
    }
    counts
}

/// Writes the dictionary of `counts` into `dir`, replacing any previous one in one step.
pub fn write(dir: &Path, counts: &Counts) -> io::Result<()> {
    let mut builder = TermDictionaryBuilder::create(Vec::new())?;
    for (word, &n) in counts {
        builder.insert(
            word,
            &TermInfo {
                doc_freq: u32::try_from(n).unwrap_or(u32::MAX),
                postings_range: 0..0,
                positions_range: 0..0,
            },
        )?;
    }
    let bytes = builder.finish()?;
    let fresh = dir.join(format!(".{FILE}.new-{}", std::process::id()));
    std::fs::write(&fresh, bytes)?;
    std::fs::rename(&fresh, dir.join(FILE))
}

/// Opens the dictionary in `dir`.
pub fn open(dir: &Path) -> io::Result<TermDictionary> {
    let bytes = std::fs::read(dir.join(FILE))?;
    TermDictionary::open(FileSlice::from(bytes))
}

/// Every word of the dictionary in `dir` with its count.
pub fn read(dir: &Path) -> io::Result<Counts> {
    let dictionary = open(dir)?;
    let mut stream = dictionary.stream()?;
    let mut counts = Counts::new();
    while stream.advance() {
        if let Ok(word) = std::str::from_utf8(stream.key()) {
            counts.insert(word.to_string(), u64::from(stream.value().doc_freq));
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_words_are_found_with_their_counts() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let counts: Counts = [("envio", 3), ("pedido", 7), ("zona", u64::MAX)]
            .map(|(w, n)| (w.to_string(), n))
            .into();
        write(dir.path(), &counts).expect("write");
        let dictionary = open(dir.path()).expect("open");
        assert_eq!(dictionary.num_terms(), 3);
        let info = dictionary.get("pedido").expect("read").expect("present");
        assert_eq!(info.doc_freq, 7);
        assert!(dictionary.get("pedidos").expect("read").is_none());
        let mut expected = counts.clone();
        expected.insert("zona".into(), u64::from(u32::MAX));
        assert_eq!(read(dir.path()).expect("read all"), expected);
    }

    #[test]
    fn folding_adds_up_the_counts_of_one_word() {
        let max = analyzers::DEFAULT_MAX_TOKEN_LEN;
        let vocabulary = Vocabulary::default();
        let mut analyzer = analyzers::stemmed_counting("es", max, vocabulary.clone());
        let first = analyzers::tokens(&mut analyzer, "Envío el envio, ENVÍO; pedido");
        // A clone counts on its own and adds its counts when dropped.
        let mut other = analyzer.clone();
        let second = analyzers::tokens(&mut other, "pedido envío");
        assert_eq!(first.len() + second.len(), 7);
        drop(analyzer);
        drop(other);
        let counts = fold(&vocabulary, max);
        let expected: Counts = [("el", 1), ("envio", 4), ("pedido", 2)]
            .map(|(w, n)| (w.to_string(), n))
            .into();
        assert_eq!(counts, expected);
        // Taken: a second fold starts from nothing.
        assert!(fold(&vocabulary, max).is_empty());
    }
}
