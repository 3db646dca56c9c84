//! `ayuda.yaml`: every key optional, unknown keys rejected with their line.

use crate::yaml::{self, YamlError};
use serde::de::{self, MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The name of the configuration file at the site root.
pub const CONFIG_FILE: &str = "ayuda.yaml";

/// A text that may be given once or per locale (`title: Help` or `title: {es: Ayuda, en: Help}`).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Localized {
    One(String),
    PerLocale(BTreeMap<String, String>),
}

// Written by hand rather than `#[serde(untagged)]`, whose error ("data did not match any
// variant of untagged enum") names neither the key nor what it accepts.
impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or one text per locale such as `{es: Ayuda, en: Help}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Localized, E> {
                Ok(Localized::One(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Localized, A::Error> {
                BTreeMap::deserialize(MapAccessDeserializer::new(m)).map(Localized::PerLocale)
            }
        }
        d.deserialize_any(V)
    }
}

impl Localized {
    /// The text for `locale`, falling back to `default_locale`, then to any.
    pub fn get<'a>(&'a self, locale: &str, default_locale: &str) -> &'a str {
        match self {
            Localized::One(s) => s,
            Localized::PerLocale(map) => map
                .get(locale)
                .or_else(|| map.get(default_locale))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }
}

/// A locale entry: `es` or `{code: es, name: Español}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum LocaleEntry {
    Code(String),
    Full { code: String, name: Option<String> },
}

impl<'de> Deserialize<'de> for LocaleEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            code: String,
            #[serde(default)]
            name: Option<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LocaleEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a locale code such as `es`, or `{code: es, name: Español}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocaleEntry, E> {
                Ok(LocaleEntry::Code(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<LocaleEntry, A::Error> {
                let f = Full::deserialize(MapAccessDeserializer::new(m))?;
                Ok(LocaleEntry::Full {
                    code: f.code,
                    name: f.name,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A configured locale with its display name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Locale {
    pub code: String,
    pub name: String,
}

/// How a root-absolute link that matches no article or file is reported (`root_links`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkLevel {
    Error,
    Warning,
    Ignore,
}

/// The parsed `ayuda.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title, once or per locale.
    pub title: Localized,
    /// Absolute URL the site is published at, used for canonical links, sitemap and feeds.
    pub base_url: String,
    /// Locale of articles that say nothing about theirs, and of `x-default`.
    pub default_locale: Option<String>,
    /// Locales the site publishes; empty means "whatever the content uses".
    pub locales: Vec<LocaleEntry>,
    /// Canonical article URL pattern with `{locale}`, `{slug}`, `{id}`, `{category}`, `{section}`.
    pub permalink: String,
    /// URL templates with `{id}` of a previous help center; links matching one point to that article.
    pub legacy_article_urls: Vec<String>,
    /// The URL path the content was served under before (`/help/`): root-absolute links that
    /// start with it resolve against the content folder, like those that start with `/`.
    pub content_url_prefix: Option<String>,
    /// How root-absolute links that match nothing are reported, per path prefix (longest
    /// wins): `error`, `warning` (the default: the host may serve that path) or `ignore`.
    pub root_links: BTreeMap<String, LinkLevel>,
    /// Theme folder, relative to the root; the built-in default theme when absent.
    pub theme: Option<PathBuf>,
    /// Folder holding the articles, relative to the root.
    pub content_dir: PathBuf,
    /// Folder the build writes to, relative to the root.
    pub output_dir: PathBuf,
    /// How many related articles an article page lists.
    pub related_articles: usize,
    /// How many entries the Atom feed of a locale carries.
    pub feed_entries: usize,
    /// Search settings.
    pub search: crate::search::SearchConfig,
    /// Support procedure: business calendar, request types, SLAs, contacts, deliveries.
    pub support: crate::tickets::SupportConfig,
    /// Connection handling of `ayuda serve`: timeouts, connection limit, trusted proxies.
    pub server: crate::server::listen::ServerConfig,
    /// Markdown settings: raw HTML, article size limit.
    pub markdown: crate::render::html_policy::MarkdownConfig,
    /// What pages show of history: commit subjects and authors only when `show_commits`.
    pub history: crate::history::HistoryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: Localized::One("Help Center".into()),
            base_url: "http://localhost:8080".into(),
            default_locale: None,
            locales: Vec::new(),
            permalink: "/{locale}/articles/{slug}/".into(),
            legacy_article_urls: Vec::new(),
            content_url_prefix: None,
            root_links: BTreeMap::new(),
            theme: None,
            content_dir: PathBuf::from("content"),
            output_dir: PathBuf::from("dist"),
            related_articles: 5,
            feed_entries: 30,
            search: Default::default(),
            support: Default::default(),
            server: Default::default(),
            markdown: Default::default(),
            history: Default::default(),
        }
    }
}

/// A configuration problem, with the line of `ayuda.yaml` it is on when known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}{}: {message}", position(*line, *column))]
    Invalid {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl Config {
    /// Reads `ROOT/ayuda.yaml`, or the defaults when there is none.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Reads the configuration a build saved next to its output (`DIST/theme/ayuda.yaml`), for
    /// the service in production; the defaults when there is none.
    pub fn load_from_dist(dist: &Path) -> Result<Config, ConfigError> {
        Config::load(&dist.join("theme"))
    }

    /// Parses configuration text (pure; `load` does the reading).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let invalid = |e: YamlError| ConfigError::Invalid {
            file: CONFIG_FILE.into(),
            line: e.line,
            column: e.column,
            message: e.message,
        };
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let config: Config = yaml::from_str(text).map_err(invalid)?;
        config.validate(text)?;
        Ok(config)
    }

    fn validate(&self, text: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Invalid {
            file: CONFIG_FILE.into(),
            line: yaml::key_line(text, key)
                .or_else(|| crate::tickets::config::key_path_line(text, key)),
            column: None,
            message: format!("{key}: {message}"),
        };
        if !self.base_url.starts_with("http://") && !self.base_url.starts_with("https://") {
            return Err(bad(
                "base_url",
                format!("`{}` is not an absolute http(s) URL", self.base_url),
            ));
        }
        for code in self.locales.iter().map(LocaleEntry::code) {
            if !is_locale_code(code) {
                return Err(bad(
                    "locales",
                    format!("`{code}` is not a locale code such as `es` or `pt-BR`"),
                ));
            }
        }
        if let Some(dl) = &self.default_locale {
            if !is_locale_code(dl) {
                return Err(bad(
                    "default_locale",
                    format!("`{dl}` is not a locale code"),
                ));
            }
            if !self.locales.is_empty() && !self.locales.iter().any(|l| l.code() == dl) {
                return Err(bad(
                    "default_locale",
                    format!("`{dl}` is not one of `locales`; add it there"),
                ));
            }
        }
        if !self.permalink.contains("{slug}") && !self.permalink.contains("{id}") {
            return Err(bad(
                "permalink",
                "the pattern must contain `{slug}` or `{id}` so articles get distinct URLs".into(),
            ));
        }
        if !self.permalink.starts_with('/') || !self.permalink.ends_with('/') {
            return Err(bad(
                "permalink",
                "the pattern must start and end with `/`, e.g. `/{locale}/articles/{slug}/`".into(),
            ));
        }
        if let Some(prefix) = &self.content_url_prefix
            && !prefix.starts_with('/')
        {
            return Err(bad(
                "content_url_prefix",
                format!("`{prefix}` must be a URL path starting with `/`, e.g. `/help/`"),
            ));
        }
        if let Some(prefix) = self.root_links.keys().find(|p| !p.starts_with('/')) {
            return Err(bad(
                "root_links",
                format!("`{prefix}` must be a URL path starting with `/`, e.g. `/docs/`"),
            ));
        }
        for tpl in &self.legacy_article_urls {
            if !tpl.contains("{id}") {
                return Err(bad(
                    "legacy_article_urls",
                    format!("`{tpl}` has no `{{id}}` placeholder"),
                ));
            }
        }
        check_search(&self.search).map_err(|(key, message)| bad(&key, message))?;
        if self.markdown.max_article_kb == 0 {
            return Err(bad(
                "markdown.max_article_kb",
                "must be at least 1 (KiB); the default is 1024".into(),
            ));
        }
        self.support
            .validate()
            .map_err(|(key, message)| bad(&key, message))?;
        self.server
            .validate()
            .map_err(|(key, message)| bad(&key, message))?;
        Ok(())
    }

    /// The default locale: configured, else the first configured locale, else `en`.
    pub fn default_locale(&self) -> &str {
        self.default_locale
            .as_deref()
            .or_else(|| self.locales.first().map(LocaleEntry::code))
            .unwrap_or("en")
    }

    /// Codes of the configured locales (empty when the content decides).
    pub fn locale_codes(&self) -> Vec<String> {
        self.locales.iter().map(|l| l.code().to_string()).collect()
    }

    /// Configured locales with display names (empty when the content decides).
    pub fn configured_locales(&self) -> Vec<Locale> {
        self.locales
            .iter()
            .map(|l| Locale {
                code: l.code().to_string(),
                name: match l {
                    LocaleEntry::Full { name: Some(n), .. } => n.clone(),
                    _ => locale_name(l.code()).to_string(),
                },
            })
            .collect()
    }

    /// The site title in `locale`.
    pub fn title(&self, locale: &str) -> &str {
        self.title.get(locale, self.default_locale())
    }

    /// `base_url` without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// Ranges of `search:` values that deserialize but would break every search or the indexing.
fn check_search(s: &crate::search::SearchConfig) -> Result<(), (String, String)> {
    let range = |key: &str, value: f64, min: f64, max: f64| {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err((
                format!("search.{key}"),
                format!("{value} is out of range; use {min} to {max}"),
            ))
        }
    };
    // NaN is in no range, so `.nan` is refused here too.
    range("title_boost", f64::from(s.title_boost), 0.01, 100.0)?;
    range("max_token_length", s.max_token_length as f64, 2.0, 255.0)?;
    range("max_limit", s.max_limit as f64, 1.0, 1000.0)?;
    range(
        "default_limit",
        s.default_limit as f64,
        1.0,
        s.max_limit as f64,
    )?;
    range("snippet_chars", s.snippet_chars as f64, 20.0, 10_000.0)?;
    range("writer_memory_mb", s.writer_memory_mb as f64, 15.0, 4096.0)?;
    crate::search::synonyms::check(&s.synonyms)?;
    crate::search::placeholder::check(&s.placeholder)
}

impl LocaleEntry {
    /// The locale code.
    pub fn code(&self) -> &str {
        match self {
            LocaleEntry::Code(c) => c,
            LocaleEntry::Full { code, .. } => code,
        }
    }
}

/// True for codes such as `es`, `pt-BR`, `zh-Hant`.
pub fn is_locale_code(s: &str) -> bool {
    let mut parts = s.split(['-', '_']);
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
    first_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A display name for well-known locale codes, in their own language.
pub fn locale_name(code: &str) -> &str {
    match code.split(['-', '_']).next().unwrap_or(code) {
        "es" => "Español",
        "en" => "English",
        "pt" => "Português",
        "fr" => "Français",
        "de" => "Deutsch",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "ja" => "日本語",
        "zh" => "中文",
        "ko" => "한국어",
        _ => code,
    }
}

#[cfg(test)]
mod tests;
