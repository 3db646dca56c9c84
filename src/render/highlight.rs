//! Code blocks at build time: syntax highlighting with CSS classes (never inline styles, so
//! pages hold under the Content-Security-Policy), a focusable, named `<pre>` that readers can
//! scroll with the keyboard, and long tokens in table cells kept on one line.
//!
//! The syntaxes are syntect's defaults (Sublime Text grammars, pure-Rust regexes), loaded once
//! per process and only when a block names a language.

use crate::util::escape_html;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Prefix of every highlighting class (`hl-keyword`, `hl-string`…), so scope names never
/// collide with a theme's own classes.
pub const CLASS_PREFIX: &str = "hl-";

/// Blocks larger than this are shown plain: highlighting is for reading, and a generated dump
/// pasted into an article must not slow the build.
const MAX_BLOCK_BYTES: usize = 64 * 1024;
/// Same for a single line (minified JSON, a long one-line script).
const MAX_LINE_BYTES: usize = 4 * 1024;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// Tokens joined by hyphens (`PLAY-404`, `ERR-12-B`): a browser may break a line after the
/// hyphen, which splits an error code across two lines of a narrow table cell.
static HYPHENATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}_]+(?:[-\u{2010}\u{2011}][\p{L}\p{N}_]+)+").expect("valid regex")
});

/// The language a fence's info string names (`rust`, `json title="x"`, `rust,ignore`,
/// `{.python}`), lower-cased; `None` when it names none.
fn language(info: &str) -> Option<String> {
    let word = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == '}')
        .find(|w| !w.is_empty())?;
    let word = word.trim_start_matches('.');
    let word = word.strip_prefix("language-").unwrap_or(word);
    (!word.is_empty()).then(|| word.to_ascii_lowercase())
}

/// Tags help centers use for languages the grammars know under another name.
const ALIASES: [(&str, &str); 6] = [
    ("arduino", "cpp"),
    ("ino", "cpp"),
    ("shell", "bash"),
    ("zsh", "bash"),
    ("jsonc", "json"),
    ("json5", "json"),
];

/// The grammar for a language tag, when one is known (plain text counts as none).
fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = ALIASES
        .iter()
        .find(|(tag, _)| *tag == lang)
        .map_or(lang, |(_, to)| to);
    let set: &'static SyntaxSet = &SYNTAXES;
    set.find_syntax_by_token(lang)
        .filter(|s| s.name != "Plain Text")
}

/// `code` as highlighted HTML (spans with classes), or `None` when the grammar fails on it.
fn highlight(code: &str, syntax: &SyntaxReference) -> Option<String> {
    if code.len() > MAX_BLOCK_BYTES || code.lines().any(|l| l.len() > MAX_LINE_BYTES) {
        return None;
    }
    let mut html = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        &SYNTAXES,
        ClassStyle::SpacedPrefixed {
            prefix: CLASS_PREFIX,
        },
    );
    for line in LinesWithEndings::from(code) {
        html.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(html.finalize())
}

/// One code block as HTML: `<pre>` focusable (`tabindex="0"`, axe's
/// `scrollable-region-focusable`) and named (`label`, plus the language when it is known), the
/// code highlighted when its language is known, escaped as written otherwise.
fn code_block(info: Option<&str>, code: &str, label: &str) -> String {
    let lang = info.and_then(language);
    let syntax = lang.as_deref().and_then(syntax_for);
    let highlighted = syntax.and_then(|s| highlight(code, s));
    let name = match syntax {
        Some(s) => format!("{label}: {}", s.name),
        None => label.to_string(),
    };
    let mut out = String::with_capacity(code.len() * 2 + 128);
    out.push_str("<pre class=\"code-block\" tabindex=\"0\" role=\"region\" aria-label=\"");
    out.push_str(&escape_html(&name));
    out.push_str("\"><code");
    if let Some(lang) = &lang {
        out.push_str(" class=\"language-");
        out.push_str(&escape_html(lang));
        if highlighted.is_some() {
            out.push_str(" hl");
        }
        out.push('"');
    }
    out.push('>');
    match &highlighted {
        Some(h) => out.push_str(h),
        None => out.push_str(&escape_html(code)),
    }
    out.push_str("</code></pre>\n");
    out
}

/// Replaces every code block of `events` with its finished HTML ([`code_block`]), and wraps
/// hyphen-joined tokens of table cells in `<span class="nowrap">`.
pub(super) fn apply<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    code_label: &str,
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out = Vec::with_capacity(events.len());
    let mut block: Option<(Option<String>, String, Range<usize>)> = None;
    let mut in_cell = false;
    for (ev, range) in events {
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.to_string()),
                    CodeBlockKind::Indented => None,
                };
                block = Some((info, String::new(), range));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, code, start)) = block.take() {
                    let html = code_block(info.as_deref(), &code, code_label);
                    out.push((Event::Html(CowStr::from(html)), start));
                }
            }
            Event::Text(t) if block.is_some() => {
                if let Some((_, code, _)) = block.as_mut() {
                    code.push_str(&t);
                }
            }
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                out.push((ev, range));
            }
            Event::End(TagEnd::TableCell) => {
                in_cell = false;
                out.push((ev, range));
            }
            Event::Text(t) if in_cell && HYPHENATED.is_match(&t) => {
                let mut last = 0;
                for m in HYPHENATED.find_iter(&t) {
                    if m.start() > last {
                        out.push((
                            Event::Text(t[last..m.start()].to_string().into()),
                            range.clone(),
                        ));
                    }
                    out.push((
                        Event::InlineHtml("<span class=\"nowrap\">".into()),
                        range.clone(),
                    ));
                    out.push((Event::Text(m.as_str().to_string().into()), range.clone()));
                    out.push((Event::InlineHtml("</span>".into()), range.clone()));
                    last = m.end();
                }
                if last < t.len() {
                    out.push((Event::Text(t[last..].to_string().into()), range.clone()));
                }
            }
            other => out.push((other, range)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_is_the_first_word_of_the_info_string() {
        assert_eq!(language("rust"), Some("rust".into()));
        assert_eq!(language("JSON title=\"x\""), Some("json".into()));
        assert_eq!(language("rust,ignore"), Some("rust".into()));
        assert_eq!(language("{.python}"), Some("python".into()));
        assert_eq!(language("language-sh"), Some("sh".into()));
        assert_eq!(language("  "), None);
    }

    #[test]
    fn known_languages_only() {
        assert!(syntax_for("rust").is_some());
        assert!(syntax_for("json").is_some());
        assert!(syntax_for("sh").is_some());
        assert!(syntax_for("c++").is_some());
        assert_eq!(syntax_for("arduino").map(|s| s.name.as_str()), Some("C++"));
        assert!(syntax_for("text").is_none());
        assert!(syntax_for("no-such-language").is_none());
    }

    #[test]
    fn huge_blocks_stay_plain() {
        let syntax = syntax_for("json").expect("json is known");
        let line = format!("{{\"a\": \"{}\"}}\n", "x".repeat(MAX_LINE_BYTES));
        assert!(highlight(&line, syntax).is_none());
        let html = code_block(Some("json"), &line, "Code");
        assert!(!html.contains("hl-"), "{html}");
        assert!(
            html.contains("&quot;a&quot;") || html.contains("\"a\""),
            "{html}"
        );
    }
}
