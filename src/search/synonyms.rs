//! Writer-controlled vocabulary: `search.synonyms` in ayuda.yaml, per locale.
//!
//! A two-way group (`[factura, boleta, recibo]`) lets any of its words find the others; a one-way
//! rewrite (`{from: nf, to: [nota fiscal]}`) lets the `from` words find the `to` words, not the
//! reverse. At query time a synonym stands in for the typed word like a typo correction, at
//! [`SYNONYM_WEIGHT`] (just below the word itself); a target of several words must match as a
//! phrase. See docs/search.md, "Synonyms and keywords".

use super::analyzers;
use serde::de::{self, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use tantivy::tokenizer::TextAnalyzer;

/// Weight of a synonym standing in for the typed word (the word itself weighs 1).
pub const SYNONYM_WEIGHT: f32 = 0.9;

/// One entry of `search.synonyms.<locale>`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum SynonymEntry {
    /// Two-way: any one of the words (or phrases) finds the others.
    Group(Vec<String>),
    /// One-way: each `from` word finds the `to` words (or phrases).
    Rewrite { from: Vec<String>, to: Vec<String> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rewrite {
    from: OneOrMany,
    to: OneOrMany,
}

/// A text or a list of texts.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a word or a list of words such as `[nota fiscal, nf]`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<OneOrMany, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(s)).map(OneOrMany)
            }
        }
        d.deserialize_any(V)
    }
}

// Written by hand rather than `#[serde(untagged)]`, whose error names neither the key nor the
// shapes it accepts.
impl<'de> Deserialize<'de> for SynonymEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SynonymEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a group of words such as `[factura, boleta, recibo]` or a rewrite such as \
                     `{from: nf, to: [nota fiscal]}`",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<SynonymEntry, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(s)).map(SynonymEntry::Group)
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<SynonymEntry, A::Error> {
                let r = Rewrite::deserialize(MapAccessDeserializer::new(m))?;
                Ok(SynonymEntry::Rewrite {
                    from: r.from.0,
                    to: r.to.0,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl SynonymEntry {
    /// Every word or phrase the entry names.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        let (a, b): (&[String], &[String]) = match self {
            SynonymEntry::Group(words) => (words, &[]),
            SynonymEntry::Rewrite { from, to } => (from, to),
        };
        a.iter().chain(b)
    }

    /// (sources, targets): what the partner types, and what it then finds.
    fn pairs(&self) -> (&[String], &[String]) {
        match self {
            SynonymEntry::Group(words) => (words, words),
            SynonymEntry::Rewrite { from, to } => (from, to),
        }
    }
}

/// Words per synonym entry, at most.
const MAX_WORDS_PER_ENTRY: usize = 50;

/// Checks the shape of `search.synonyms` (locale codes, non-empty words, a group of two or
/// more); returns the key (`search.synonyms.es[2]`) and what is wrong.
pub fn check(synonyms: &BTreeMap<String, Vec<SynonymEntry>>) -> Result<(), (String, String)> {
    for (locale, entries) in synonyms {
        if !crate::config::is_locale_code(locale) {
            return Err((
                format!("search.synonyms.{locale}"),
                format!("`{locale}` is not a locale code such as `es` or `pt-BR`"),
            ));
        }
        for (n, entry) in entries.iter().enumerate() {
            let key = format!("search.synonyms.{locale}[{n}]");
            if let Some(w) = entry.all().find(|w| !w.chars().any(char::is_alphanumeric)) {
                return Err((key, format!("`{w}` holds no word")));
            }
            if entry.all().count() > MAX_WORDS_PER_ENTRY {
                return Err((
                    key,
                    format!("more than {MAX_WORDS_PER_ENTRY} words; split the entry"),
                ));
            }
            match entry {
                SynonymEntry::Group(words) if words.len() < 2 => {
                    return Err((
                        key,
                        "a group needs two or more words, e.g. `[factura, boleta]`".into(),
                    ));
                }
                SynonymEntry::Rewrite { from, to } if from.is_empty() || to.is_empty() => {
                    return Err((key, "`from` and `to` each need a word".into()));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The synonyms of one locale, stemmed as its index is: stem of a typed word → stand-ins (one
/// stem, or the stems of a phrase joined by a space).
#[derive(Debug, Clone, Default)]
pub struct SynonymTable {
    map: BTreeMap<String, Vec<String>>,
}

impl SynonymTable {
    /// Builds the table of `entries` with the locale's stemming analyzer. A source of several
    /// words cannot stand for one typed word and is used as a target only.
    pub fn new(entries: &[SynonymEntry], stemmer: &mut TextAnalyzer) -> SynonymTable {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in entries {
            let (sources, targets) = entry.pairs();
            let targets: Vec<String> = targets
                .iter()
                .map(|t| analyzers::tokens(stemmer, t).join(" "))
                .filter(|t| !t.is_empty())
                .collect();
            for source in sources {
                let stems = analyzers::tokens(stemmer, source);
                let [stem] = stems.as_slice() else { continue };
                let list = map.entry(stem.clone()).or_default();
                for t in &targets {
                    if t != stem && !list.contains(t) {
                        list.push(t.clone());
                    }
                }
            }
        }
        map.retain(|_, v| !v.is_empty());
        SynonymTable { map }
    }

    /// The stand-ins of a stemmed word (none when it has no synonym).
    pub fn of(&self, stem: &str) -> &[String] {
        self.map.get(stem).map_or(&[], Vec::as_slice)
    }

    /// True when no entry applies.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Indexes of the entries none of whose words (stemmed; every word of a phrase) occurs in
/// `texts`, the searchable text of a locale's articles.
pub fn unused<'a>(
    entries: &[SynonymEntry],
    stemmer: &mut TextAnalyzer,
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<usize> {
    let wanted: Vec<Vec<Vec<String>>> = entries
        .iter()
        .map(|e| e.all().map(|w| analyzers::tokens(stemmer, w)).collect())
        .collect();
    let mut needed: BTreeSet<String> = wanted.iter().flatten().flatten().cloned().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for text in texts {
        if needed.is_empty() {
            break;
        }
        for t in analyzers::tokens(stemmer, text) {
            if needed.remove(&t) {
                seen.insert(t);
            }
        }
    }
    wanted
        .iter()
        .enumerate()
        .filter(|(_, words)| {
            !words
                .iter()
                .any(|w| !w.is_empty() && w.iter().all(|s| seen.contains(s)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `unused-synonym` warnings: entries of `search.synonyms` none of whose words occurs in an
/// article of their locale (a misspelt word, or a locale without articles), with the entry's
/// line in `config_text` (ayuda.yaml). `texts(locale)` yields the searchable text of the
/// locale's articles.
pub fn diagnostics<'a, I: IntoIterator<Item = &'a str>>(
    config: &super::SearchConfig,
    config_text: Option<&str>,
    mut texts: impl FnMut(&str) -> I,
) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    for (locale, entries) in &config.synonyms {
        let mut stemmer =
            analyzers::stemmed(analyzers::language_of(locale), config.max_token_length);
        for n in unused(entries, &mut stemmer, texts(locale)) {
            let key = format!("search.synonyms.{locale}[{n}]");
            let words: Vec<&str> = entries[n].all().map(String::as_str).collect();
            out.push(
                crate::diag::Diagnostic::warning(
                    crate::config::CONFIG_FILE,
                    "unused-synonym",
                    format!(
                        "{key}: no `{locale}` article holds any of {}; check the spelling or \
                         remove the entry",
                        words.join(", ")
                    ),
                )
                .at(
                    config_text.and_then(|t| crate::tickets::config::key_path_line(t, &key)),
                    None,
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(yaml: &str) -> Vec<SynonymEntry> {
        crate::yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn groups_go_both_ways_and_rewrites_one_way() {
        let e = entries("- [factura, boleta, recibo]\n- {from: nf, to: [nota fiscal]}\n");
        let mut stemmer = analyzers::stemmed("es", 40);
        let t = SynonymTable::new(&e, &mut stemmer);
        let stem = |w: &str| analyzers::tokens(&mut analyzers::stemmed("es", 40), w).join(" ");
        assert_eq!(t.of(&stem("boleta")), [stem("factura"), stem("recibo")]);
        assert_eq!(t.of(&stem("Facturas")), [stem("boleta"), stem("recibo")]);
        assert_eq!(t.of("nf"), [stem("nota fiscal")]);
        assert!(
            stem("nota fiscal").contains(' '),
            "a phrase keeps its words"
        );
        assert!(t.of(&stem("nota")).is_empty(), "a rewrite is one-way");
    }

    #[test]
    fn shapes_are_checked_with_their_key() {
        let bad = [
            ("es:\n  - [factura]\n", "search.synonyms.es[0]"),
            (
                "es:\n  - [a, b]\n  - {from: nf, to: []}\n",
                "search.synonyms.es[1]",
            ),
            ("es:\n  - [factura, '--']\n", "search.synonyms.es[0]"),
            ("ES!:\n  - [a, b]\n", "search.synonyms.ES!"),
        ];
        for (yaml, key) in bad {
            let map: BTreeMap<String, Vec<SynonymEntry>> = crate::yaml::from_str(yaml).unwrap();
            let (k, _) = check(&map).expect_err(yaml);
            assert_eq!(k, key, "{yaml}");
        }
        let err = crate::yaml::from_str::<Vec<SynonymEntry>>("- {from: nf, into: x}\n")
            .expect_err("unknown key");
        assert!(err.message.contains("into"), "{}", err.message);
    }

    #[test]
    fn unused_entries_match_no_text() {
        let e = entries("- [factura, boleta]\n- [zzqx, qqzx]\n- {from: nf, to: [nota fiscal]}\n");
        let mut stemmer = analyzers::stemmed("es", 40);
        let texts = ["Cómo descargar tus facturas", "La nota fiscal electrónica"];
        assert_eq!(unused(&e, &mut stemmer, texts), [1]);
        assert_eq!(unused(&e, &mut stemmer, ["una nota"]), [0, 1, 2]);
    }
}
