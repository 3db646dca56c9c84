//! Raw HTML and script links in articles. Raw HTML is trusted writer content by default and
//! reaches pages as written; `markdown.raw_html: false` in ayuda.yaml shows it escaped instead
//! and makes `javascript:` links inert. Either way `<script>` in raw HTML and `javascript:`
//! links are reported, so a reviewer sees them (docs/security.md).

use crate::diag::Diagnostic;
use pulldown_cmark::{CowStr, Event, Tag};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;

/// The `markdown` settings of `ayuda.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Raw HTML in articles reaches the pages as written (`true`) or is shown escaped (`false`).
    pub raw_html: bool,
    /// Largest article file read, in KiB: the Markdown parser's memory grows with an article's
    /// size, so one huge file cannot take the machine's memory.
    pub max_article_kb: u64,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            raw_html: true,
            max_article_kb: 1024,
        }
    }
}

static SCRIPT_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<script\b").expect("valid regex"));
static SCRIPT_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:href|src|action|formaction|xlink:href)\s*=\s*["']?([^"'\s>]*)"#)
        .expect("valid regex")
});

/// True for a URL that runs script when followed (`javascript:`, `vbscript:`, HTML `data:`),
/// however it is spaced or cased.
pub fn is_script_url(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    squeezed.starts_with("javascript:")
        || squeezed.starts_with("vbscript:")
        || squeezed.starts_with("data:text/html")
}

/// Applies the raw HTML policy to the events of one article and reports scripts. `place` turns
/// a body offset into a file (line, column).
pub fn apply(
    events: &mut [(Event<'_>, Range<usize>)],
    raw_html: bool,
    place: &dyn Fn(usize) -> (usize, usize),
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut warn = |offset: usize, code: &'static str, message: String| {
        let (line, column) = place(offset);
        diagnostics.push(Diagnostic::warning("", code, message).at(Some(line), Some(column)));
    };
    let inert = if raw_html {
        ""
    } else {
        " (`markdown.raw_html: false` makes it inert)"
    };
    for (event, range) in events.iter_mut() {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                if SCRIPT_TAG.is_match(html) {
                    let what = if raw_html {
                        "runs in every reader's browser"
                    } else {
                        "is shown as text (`markdown.raw_html: false`)"
                    };
                    warn(
                        range.start,
                        "script-in-html",
                        format!("a `<script>` in raw HTML {what}; remove it unless it is meant"),
                    );
                }
                for c in SCRIPT_ATTR.captures_iter(html) {
                    if c.get(1).is_some_and(|m| is_script_url(m.as_str())) {
                        warn(
                            range.start,
                            "javascript-link",
                            format!(
                                "a `javascript:` link in raw HTML runs script when followed{inert}"
                            ),
                        );
                    }
                }
                if !raw_html {
                    *event = Event::Text(html.clone());
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if is_script_url(dest_url) =>
            {
                warn(
                    range.start,
                    "javascript-link",
                    format!(
                        "`{}` runs script when followed{inert}",
                        dest_url.chars().take(60).collect::<String>()
                    ),
                );
                if !raw_html {
                    *dest_url = CowStr::from("#");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_urls_are_recognized_however_written() {
        assert!(is_script_url("javascript:alert(1)"));
        assert!(is_script_url(" JavaScript\t:alert(1)"));
        assert!(is_script_url("java\nscript:x"));
        assert!(!is_script_url("https://example.org/javascript:"));
        assert!(!is_script_url("/docs/"));
    }
}
