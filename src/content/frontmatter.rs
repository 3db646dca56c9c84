//! Front matter: splitting it from the body and reading the union schema of real help centers.

use crate::diag::Diagnostic;
use crate::yaml::{self, Mapping, Value};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Publication status; `draft: true` and `status: DRAFT` mean the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Published,
    Draft,
    Archived,
}

/// The front matter of one article, typed where ayuda uses a key and kept as-is otherwise.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// A shorter title for navigation (`linkTitle` in Hugo, `sidebar_label` in Docusaurus).
    pub short_title: Option<String>,
    pub id: Option<String>,
    pub locale: Option<String>,
    pub slug: Option<String>,
    pub status: Option<Status>,
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub published: Option<Timestamp>,
    pub first_published: Option<Timestamp>,
    pub content_type: Option<String>,
    pub category: Option<String>,
    pub section: Option<String>,
    pub author: Option<String>,
    pub slug_en: Option<String>,
    pub legacy_slugs: Vec<String>,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    /// `keywords:` (list or comma-separated text): searched with a boost, never shown.
    pub keywords: Vec<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub order: Option<i64>,
    /// Keys ayuda does not interpret, passed to templates as `article.extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A Markdown file split into its front matter text and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    /// The YAML between the `---` fences, if any.
    pub yaml: Option<&'a str>,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// 1-based line of the file where the YAML starts (line after the opening fence).
    pub yaml_line: usize,
    /// Number of file lines before the body starts.
    pub body_line_offset: usize,
}

/// Splits `---`-fenced YAML front matter from the body. A file without an opening fence is all
/// body; an unclosed fence is reported by the caller as a YAML problem.
pub fn split(text: &str) -> Result<Split<'_>, &'static str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Ok(Split {
            yaml: None,
            body: text,
            yaml_line: 0,
            body_line_offset: 0,
        });
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed == "---" || trimmed == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let yaml_lines = yaml.matches('\n').count();
            return Ok(Split {
                yaml: Some(yaml),
                body,
                yaml_line: 2,
                body_line_offset: yaml_lines + 2,
            });
        }
        offset += line.len();
    }
    Err("the front matter opened with `---` on line 1 is never closed; add a line `---` after it")
}

/// The first line (1-based) and column of a top-level `key: "value` or `key: 'value` whose
/// quote is not closed on its line (legal YAML, but in front matter nearly always a typo).
fn unclosed_quote(yaml_text: &str) -> Option<(usize, usize)> {
    yaml_text.lines().enumerate().find_map(|(i, line)| {
        let (key, rest) = line.split_once(':')?;
        if key.is_empty() || key.starts_with([' ', '\t', '#', '-']) {
            return None;
        }
        let value = rest.trim_start();
        let column = line.len() - value.len() + 1;
        let mut chars = value.chars();
        let closed = match chars.next()? {
            '"' => {
                let mut escaped = false;
                chars.any(|c| {
                    let end = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    end
                })
            }
            // `''` is a quote inside single quotes: an odd count of quotes closes it.
            '\'' => value.matches('\'').count() % 2 == 0,
            _ => return None,
        };
        (!closed).then_some((i + 1, column))
    })
}

/// Reads front matter YAML. `file` and `yaml_line` place the diagnostics in the file.
/// Problems with single keys are reported and the key ignored, so one build shows them all.
pub fn parse(
    yaml_text: &str,
    file: &str,
    yaml_line: usize,
) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
    let value: Value = yaml::from_str(yaml_text).map_err(|e| {
        // A quote left open on one line swallows the lines after it, and the parser stops
        // where the next quote closes it: the line to fix is where it opened.
        let opened = e
            .line
            .and_then(|at| unclosed_quote(yaml_text).filter(|(l, _)| *l < at));
        let (line, column, hint) = match opened {
            Some((l, c)) => (
                Some(l),
                Some(c),
                format!(
                    "; the quote opened here is not closed on this line (the parser stopped on line {})",
                    e.line.unwrap_or(l) + yaml_line - 1
                ),
            ),
            None => (e.line, e.column, String::new()),
        };
        Diagnostic::error(
            file,
            "yaml-syntax",
            format!("front matter is not valid YAML: {}{hint}", e.message),
        )
        .at(line.map(|l| l + yaml_line - 1), column)
    })?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => Mapping::new(),
        _ => {
            return Err(Diagnostic::error(
                file,
                "yaml-syntax",
                "front matter must be a mapping of `key: value` lines",
            )
            .at(Some(yaml_line), Some(1)));
        }
    };
    let mut fm = FrontMatter::default();
    let mut diags = Vec::new();
    let line_of = |key: &str| yaml::key_line(yaml_text, key).map(|l| l + yaml_line - 1);

    for (k, v) in map {
        let Some(key) = k.as_str().map(str::to_string) else {
            continue;
        };
        let bad = |msg: String| {
            Diagnostic::error(file, "bad-front-matter", format!("`{key}`: {msg}"))
                .at(line_of(&key), None)
        };
        match key.as_str() {
            "title" => fm.title = scalar(&v),
            "linkTitle" | "sidebar_label" | "shortTitle" | "short_title" => {
                fm.short_title = scalar(&v)
            }
            "id" => fm.id = scalar(&v),
            "locale" | "lang" | "language" => fm.locale = scalar(&v),
            "slug" => fm.slug = scalar(&v),
            "status" => match scalar(&v).map(|s| s.to_ascii_lowercase()).as_deref() {
                None | Some("") => {}
                Some("published") | Some("public") => fm.status = Some(Status::Published),
                Some("draft") => fm.status = Some(Status::Draft),
                Some("archived") => fm.status = Some(Status::Archived),
                Some(other) => diags.push(
                    Diagnostic::error(
                        file,
                        "bad-status",
                        format!("status `{other}` is not one of published, draft, archived"),
                    )
                    .at(line_of(&key), None),
                ),
            },
            "draft" => match lenient_bool(&v) {
                Ok(Some(true)) => fm.status = Some(Status::Draft),
                Ok(_) => {}
                Err(()) => diags.push(bad("expected true or false".into())),
            },
            "createdAt" | "created" | "created_at" | "date" | "updatedAt" | "updated"
            | "updated_at" | "lastmod" | "last_update" | "publishedAt" | "published_at"
            | "publishDate" | "firstPublishedAt" => match date(&v) {
                Ok(ts) => {
                    let slot = match key.as_str() {
                        "createdAt" | "created" | "created_at" | "date" => &mut fm.created,
                        "updatedAt" | "updated" | "updated_at" | "lastmod" | "last_update" => {
                            &mut fm.updated
                        }
                        "publishedAt" | "published_at" | "publishDate" => &mut fm.published,
                        _ => &mut fm.first_published,
                    };
                    *slot = ts;
                }
                Err(msg) => diags.push(
                    Diagnostic::error(file, "bad-date", format!("`{key}`: {msg}"))
                        .at(line_of(&key), None),
                ),
            },
            "contentType" => fm.content_type = scalar(&v),
            "category" => fm.category = scalar(&v),
            "section" => fm.section = scalar(&v),
            "author" => fm.author = scalar(&v),
            "slugEN" => fm.slug_en = scalar(&v),
            "legacySlug" | "legacySlugs" => fm.legacy_slugs.extend(list(&v)),
            "aliases" => fm.aliases.extend(list(&v)),
            "tags" | "labels" => fm.tags.extend(list(&v)),
            "keywords" => fm.keywords.extend(list(&v)),
            "description" | "summary" => fm.description = scalar(&v),
            "version" => fm.version = scalar(&v),
            "order" | "weight" | "position" | "sidebar_position" | "nav_order" => {
                match lenient_int(&v) {
                    Ok(n) => fm.order = n,
                    Err(()) => diags.push(bad("expected a whole number".into())),
                }
            }
            _ => {
                fm.extra.insert(key.clone(), yaml::to_json(&v));
            }
        }
    }
    Ok((fm, diags))
}

/// A scalar as trimmed text; empty strings and null count as absent.
fn scalar(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A whole number written as one (`3`), as a whole float (`2.0`, Docusaurus) or quoted
/// (`"551"`, Zendesk exports); empty means absent.
fn lenient_int(v: &Value) -> Result<Option<i64>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or(()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or(())
        }
        _ => Err(()),
    }
}

/// A boolean written as one, or as the words YAML 1.1 and other tools accept, in any case and
/// quoted or not: true/false, yes/no, on/off, 1/0; empty means absent.
fn lenient_bool(v: &Value) -> Result<Option<bool>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Ok(Some(true)),
            Some(0) => Ok(Some(false)),
            _ => Err(()),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "yes" | "y" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "n" | "off" | "0" => Ok(Some(false)),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// A list of scalars, or one scalar, or a comma-separated string.
fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(items) => items.iter().filter_map(scalar).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// An ISO 8601 instant or date; empty is allowed and means unknown.
fn date(v: &Value) -> Result<Option<Timestamp>, String> {
    let Some(text) = scalar(v) else {
        return Ok(None);
    };
    parse_date(&text).map(Some).ok_or_else(|| {
        format!("`{text}` is not an ISO 8601 date; write `2024-01-08` or `2024-01-08T19:15:40Z`")
    })
}

/// Parses `2024-01-08T19:15:40.782Z`, `2024-01-08T19:15:40+02:00`, `2024-01-08 19:15` or
/// `2024-01-08` (dates without an offset are taken as UTC).
pub fn parse_date(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let s = split("---\ntitle: A\nid: 1\n---\n\nBody\n").unwrap();
        assert_eq!(s.yaml, Some("title: A\nid: 1\n"));
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(s.body_line_offset, 4);
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let s = split("# Title\n\ntext").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_line_offset, 0);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split("---\ntitle: A\n\nBody").is_err());
    }

    #[test]
    fn reads_the_vtex_schema() {
        let yaml = "title: '¿Cómo funciona?'\nid: 3kACEfni4m8Yxa1vnf2ebe\nstatus: PUBLISHED\ncreatedAt: 2019-03-10T19:06:12.818Z\nupdatedAt: 2024-01-08T19:15:40.782Z\npublishedAt:\nproductTeam: Others\nlocale: es\nlegacySlug: planes-de-soporte\n";
        let (fm, diags) = parse(yaml, "a.md", 2).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(fm.status, Some(Status::Published));
        assert_eq!(fm.locale.as_deref(), Some("es"));
        assert_eq!(fm.legacy_slugs, vec!["planes-de-soporte"]);
        assert!(fm.published.is_none());
        assert_eq!(fm.updated.unwrap().to_string(), "2024-01-08T19:15:40.782Z");
        assert_eq!(fm.extra["productTeam"], "Others");
    }

    #[test]
    fn numeric_ids_are_text() {
        let (fm, _) = parse("title: T\nid: 13756849779228\n", "a.md", 2).unwrap();
        assert_eq!(fm.id.as_deref(), Some("13756849779228"));
    }

    #[test]
    fn bad_date_points_at_its_line() {
        let (_, diags) = parse("title: T\nid: x\nupdatedAt: yesterday\n", "a.md", 2).unwrap();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "bad-date");
        assert_eq!(diags[0].line, Some(4));
    }

    #[test]
    fn yaml_error_line_is_counted_in_the_file() {
        let err = parse("title: T\nid: x\ntags: [a, b\nother: 1\n", "a.md", 2).unwrap_err();
        assert_eq!(err.code, "yaml-syntax");
        assert_eq!(err.line, Some(4), "the line of the unclosed `[`: {err:?}");
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        // The quote on the title closes only at `version: "`, where the parser stops.
        let yaml = "title: \"Tu clave\nid: k\nversion: \"1.0\"\norder: 3\n";
        let err = parse(yaml, "a.md", 2).unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(8)), "{err:?}");
        assert!(
            err.message.contains("not closed on this line"),
            "{}",
            err.message
        );
        assert_eq!(unclosed_quote("a: 'it''s'\nb: \"x \\\" y\"\n"), None);
        assert_eq!(unclosed_quote("a: 1\nb: 'open\n"), Some((2, 4)));
    }

    #[test]
    fn draft_flag_and_status_case() {
        let (fm, _) = parse("title: T\ndraft: true\n", "a.md", 2).unwrap();
        assert_eq!(fm.status, Some(Status::Draft));
        let (fm, _) = parse("title: T\nstatus: Archived\n", "a.md", 2).unwrap();
        assert_eq!(fm.status, Some(Status::Archived));
    }
}
