//! "Was this article helpful?": the votes partners leave on article pages, their validation,
//! and the store that keeps them next to the ticket queue (see docs/tickets.md, "Article
//! feedback").
//!
//! A vote is the article's id, its locale, yes or no, and an optional short comment. Nothing
//! about the client is kept: no address, no user agent, no cookie.

pub mod report;
pub mod store;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest article id accepted (front matter ids are short; this is a size guard).
pub const MAX_ARTICLE: usize = 200;
/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 1000;
/// Largest request body accepted, in bytes (the fields above, encoded, with room to spare).
pub const MAX_BODY: usize = 8 * 1024;

/// What a client posts (form-urlencoded or JSON). `helpful` takes `yes`/`no` (also `true`/
/// `false`, `1`/`0`); `page` is where a form post returns to; `website` is the honeypot.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct FeedbackInput {
    pub article: String,
    pub locale: String,
    #[serde(deserialize_with = "helpful_text")]
    pub helpful: String,
    pub comment: String,
    pub page: String,
    pub website: String,
}

/// Accepts `"yes"` or a JSON boolean for `helpful`.
fn helpful_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Bool(bool),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Bool(b) => if b { "yes" } else { "no" }.to_string(),
        Either::Text(t) => t,
    })
}

impl FeedbackInput {
    /// Reads form-urlencoded pairs (the last value of a repeated field wins).
    pub fn from_form(body: &[u8]) -> FeedbackInput {
        let mut f = FeedbackInput::default();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "article" => f.article = v,
                "locale" => f.locale = v,
                "helpful" => f.helpful = v,
                "comment" => f.comment = v,
                "page" => f.page = v,
                "website" => f.website = v,
                _ => {}
            }
        }
        f
    }
}

/// A vote as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub article: String,
    pub locale: String,
    pub helpful: bool,
    /// Empty when none was given.
    pub comment: String,
}

/// Why a field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong(usize),
    UnknownLocale,
    YesOrNo,
    Characters,
}

impl Problem {
    /// The message in the language of `locale` (es, pt; English otherwise).
    pub fn text(self, locale: &str) -> String {
        let lang = crate::tickets::messages::lang_of(locale);
        let pick = |es: &str, en: &str, pt: &str| match lang {
            "es" => es.to_string(),
            "pt" => pt.to_string(),
            _ => en.to_string(),
        };
        match self {
            Problem::Required => pick(
                "Este campo es obligatorio.",
                "This field is required.",
                "Este campo é obrigatório.",
            ),
            Problem::TooLong(n) => pick(
                &format!("Escribe como máximo {n} caracteres."),
                &format!("Write at most {n} characters."),
                &format!("Escreva no máximo {n} caracteres."),
            ),
            Problem::UnknownLocale => pick(
                "Este idioma no existe en el sitio.",
                "The site has no such language.",
                "O site não tem esse idioma.",
            ),
            Problem::YesOrNo => pick("Elige sí o no.", "Choose yes or no.", "Escolha sim ou não."),
            Problem::Characters => pick(
                "Contiene caracteres no permitidos.",
                "It contains characters that are not allowed.",
                "Contém caracteres não permitidos.",
            ),
        }
    }
}

/// Field → problem, in field order.
pub type Problems = BTreeMap<&'static str, Problem>;

fn has_controls(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
}

/// Checks a posted vote against the site's `locales`.
pub fn validate(input: &FeedbackInput, locales: &[String]) -> Result<Vote, Problems> {
    let mut problems = Problems::new();
    let article = input.article.trim();
    if article.is_empty() {
        problems.insert("article", Problem::Required);
    } else if article.chars().count() > MAX_ARTICLE {
        problems.insert("article", Problem::TooLong(MAX_ARTICLE));
    } else if has_controls(article, false) {
        problems.insert("article", Problem::Characters);
    }
    let locale = input.locale.trim();
    if locale.is_empty() {
        problems.insert("locale", Problem::Required);
    } else if !locales.iter().any(|l| l == locale) {
        problems.insert("locale", Problem::UnknownLocale);
    }
    let helpful = match input.helpful.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        "" => {
            problems.insert("helpful", Problem::Required);
            None
        }
        _ => {
            problems.insert("helpful", Problem::YesOrNo);
            None
        }
    };
    let comment = input.comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        problems.insert("comment", Problem::TooLong(MAX_COMMENT));
    } else if has_controls(comment, true) {
        problems.insert("comment", Problem::Characters);
    }
    match helpful {
        Some(helpful) if problems.is_empty() => Ok(Vote {
            article: article.to_string(),
            locale: locale.to_string(),
            helpful,
            comment: comment.to_string(),
        }),
        _ => Err(problems),
    }
}

/// The page a form post returns to: a path of this site (`/es/articles/x/`), never another
/// host (`//evil.example`, `https://…`, `/\evil`), at most 500 bytes.
pub fn return_path(page: &str) -> Option<&str> {
    let p = page.trim();
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && p.len() <= 500
        && !p.contains(['#', '\\'])
        && !has_controls(p, false);
    ok.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Vec<String> {
        vec!["es".into(), "en".into()]
    }

    #[test]
    fn a_vote_needs_article_locale_and_yes_or_no() {
        let input = FeedbackInput::from_form(
            b"article=partner-key&locale=es&helpful=no&comment=Falta+el+paso+2&website=",
        );
        let vote = validate(&input, &locales()).unwrap();
        assert_eq!(vote.article, "partner-key");
        assert!(!vote.helpful);
        assert_eq!(vote.comment, "Falta el paso 2");

        let bad = FeedbackInput::from_form(b"article=&locale=fr&helpful=maybe");
        let problems = validate(&bad, &locales()).unwrap_err();
        assert_eq!(problems["article"], Problem::Required);
        assert_eq!(problems["locale"], Problem::UnknownLocale);
        assert_eq!(problems["helpful"], Problem::YesOrNo);
        assert_eq!(Problem::YesOrNo.text("es"), "Elige sí o no.");

        let long = FeedbackInput {
            comment: "x".repeat(MAX_COMMENT + 1),
            ..input.clone()
        };
        assert_eq!(
            validate(&long, &locales()).unwrap_err()["comment"],
            Problem::TooLong(MAX_COMMENT)
        );
    }

    #[test]
    fn json_takes_booleans_too() {
        let v: FeedbackInput =
            serde_json::from_str(r#"{"article":"a","locale":"en","helpful":true}"#).unwrap();
        assert!(validate(&v, &locales()).unwrap().helpful);
    }

    #[test]
    fn form_posts_only_return_to_this_site() {
        assert_eq!(return_path("/es/articles/x/"), Some("/es/articles/x/"));
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(return_path(bad), None, "{bad:?}");
        }
    }
}
