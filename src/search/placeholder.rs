//! The search box's example per locale ("Search articles, e.g. open a ticket"): an example that
//! finds something in that locale.
//!
//! `search.placeholder.<locale>` in ayuda.yaml is the writers' choice; it is shown as written and
//! a `placeholder-finds-nothing` warning names its line when no article of the locale holds any
//! of its meaningful words. Without one, the theme's `search_example` string is shown when every
//! meaningful word of it is in a title of the locale, else the shortest title of the locale
//! (which finds its article). Checking titles first keeps the check cheap: the article texts are
//! read only for a configured example that no title answers.

use super::{SearchConfig, analyzers, query};
use crate::diag::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use tantivy::tokenizer::TextAnalyzer;

/// Longest example accepted in ayuda.yaml, in characters.
pub const MAX_CHARS: usize = 80;

/// `search.placeholder` checks at configuration load: locale codes and short, non-empty text.
pub fn check(placeholder: &BTreeMap<String, String>) -> Result<(), (String, String)> {
    for (locale, example) in placeholder {
        let key = format!("search.placeholder.{locale}");
        if !crate::config::is_locale_code(locale) {
            return Err((
                key,
                format!("`{locale}` is not a locale code such as `es` or `pt-BR`"),
            ));
        }
        if !example.chars().any(char::is_alphanumeric) {
            return Err((key, "the example needs a word".into()));
        }
        if example.chars().count() > MAX_CHARS {
            return Err((key, format!("longer than {MAX_CHARS} characters")));
        }
    }
    Ok(())
}

/// The stems of the meaningful words of `example` (function words aside).
fn meaningful_stems(example: &str, language: &str, config: &SearchConfig) -> BTreeSet<String> {
    let mut stemmer = analyzers::stemmed(language, config.max_token_length);
    // A final space: the last word is a whole word, not one being typed.
    query::parse(&format!("{example} "), language, config)
        .words
        .iter()
        .filter(|w| !w.optional)
        .filter_map(|w| analyzers::tokens(&mut stemmer, &w.text).into_iter().next())
        .collect()
}

/// Which of `wanted` the texts hold (stops reading once all are found).
fn held<'a>(
    wanted: &BTreeSet<String>,
    stemmer: &mut TextAnalyzer,
    texts: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for text in texts {
        if seen.len() == wanted.len() {
            break;
        }
        for t in analyzers::tokens(stemmer, text) {
            if wanted.contains(&t) {
                seen.insert(t);
            }
        }
    }
    seen
}

/// What one locale's search box shows, given its titles and searchable texts.
pub struct Locale<'a, T> {
    pub code: &'a str,
    /// The theme's `search_example` for the locale, if any.
    pub default: Option<&'a str>,
    pub titles: Vec<&'a str>,
    /// Every searchable text of the locale's articles (read only when needed).
    pub texts: T,
}

/// The example each locale's search box shows, and `placeholder-finds-nothing` warnings for
/// configured examples no article answers (at their line of `config_text`, ayuda.yaml).
pub fn examples<'a, T: IntoIterator<Item = &'a str>>(
    config: &SearchConfig,
    config_text: Option<&str>,
    locales: Vec<Locale<'a, T>>,
) -> (BTreeMap<String, String>, Vec<Diagnostic>) {
    let mut shown = BTreeMap::new();
    let mut warnings = Vec::new();
    for l in locales {
        let language = analyzers::language_of(l.code);
        let mut stemmer = analyzers::stemmed(language, config.max_token_length);
        if let Some(example) = config.placeholder.get(l.code) {
            let wanted = meaningful_stems(example, language, config);
            let found = !held(&wanted, &mut stemmer, l.titles.iter().copied()).is_empty()
                || !held(&wanted, &mut stemmer, l.texts).is_empty();
            if !found {
                let key = format!("search.placeholder.{}", l.code);
                warnings.push(
                    Diagnostic::warning(
                        crate::config::CONFIG_FILE,
                        "placeholder-finds-nothing",
                        format!(
                            "{key}: no `{}` article holds any word of «{example}»; choose an \
                             example partners would type that finds an article",
                            l.code
                        ),
                    )
                    .at(
                        config_text.and_then(|t| crate::tickets::config::key_path_line(t, &key)),
                        None,
                    ),
                );
            }
            shown.insert(l.code.to_string(), example.clone());
            continue;
        }
        let default = l.default.filter(|d| {
            let wanted = meaningful_stems(d, language, config);
            !wanted.is_empty()
                && held(&wanted, &mut stemmer, l.titles.iter().copied()).len() == wanted.len()
        });
        let shortest = l
            .titles
            .iter()
            .filter(|t| !t.trim().is_empty())
            .min_by(|a, b| a.chars().count().cmp(&b.chars().count()).then(a.cmp(b)));
        if let Some(example) = default.or(shortest.copied()).or(l.default) {
            shown.insert(l.code.to_string(), example.trim().to_string());
        }
    }
    (shown, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale<'a>(default: Option<&'a str>, titles: &[&'a str]) -> Locale<'a, Vec<&'a str>> {
        Locale {
            code: "es",
            default,
            titles: titles.to_vec(),
            texts: vec!["El video no se reproduce en el navegador."],
        }
    }

    #[test]
    fn the_theme_example_needs_its_words_in_titles_else_the_shortest_title() {
        let config = SearchConfig::default();
        let titles = ["Cómo abrir un ticket", "Horario de atención"];
        let (shown, w) = examples(
            &config,
            None,
            vec![locale(Some("abrir un ticket"), &titles)],
        );
        assert_eq!(shown["es"], "abrir un ticket");
        assert!(w.is_empty());
        let (shown, _) = examples(&config, None, vec![locale(Some("cambiar clave"), &titles)]);
        assert_eq!(shown["es"], "Horario de atención");
    }

    #[test]
    fn a_configured_example_is_kept_and_warned_about_when_it_finds_nothing() {
        let mut config = SearchConfig::default();
        config
            .placeholder
            .insert("es".into(), "el video no funciona".into());
        let (shown, w) = examples(&config, None, vec![locale(None, &["Horario"])]);
        assert_eq!(shown["es"], "el video no funciona");
        assert!(w.is_empty(), "found in the article text: {w:?}");
        config.placeholder.insert("es".into(), "impresora".into());
        let (shown, w) = examples(&config, None, vec![locale(None, &["Horario"])]);
        assert_eq!(shown["es"], "impresora");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "placeholder-finds-nothing");
    }

    #[test]
    fn configuration_is_checked_with_its_key() {
        let mut p = BTreeMap::new();
        p.insert("es".to_string(), "  ".to_string());
        assert_eq!(
            check(&p).map_err(|e| e.0),
            Err("search.placeholder.es".into())
        );
        p.insert("es".to_string(), "x".repeat(81));
        assert!(check(&p).is_err());
        p.insert("es".to_string(), "abrir un ticket".to_string());
        assert!(check(&p).is_ok());
    }
}
