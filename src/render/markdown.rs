//! Markdown to HTML: CommonMark plus the extensions help centers use, heading ids, table of
//! contents, callouts, and link/asset rewriting through a [`Resolver`].

use crate::diag::{Diagnostic, line_col};
use crate::search::DocSection;
use crate::util::{HeadingIds, collapse_ws, github_id};
use pulldown_cmark::{BlockQuoteKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Serialize;
use std::ops::Range;
use std::sync::LazyLock;

/// An entry of an article's table of contents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// What a link or asset reference in an article points to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Leave the reference as written (external, mail, in-page anchors checked separately).
    Keep,
    /// Another article (or a page of the site): write `url`; check `anchor` exists in `target`.
    Internal {
        url: String,
        target: Option<usize>,
        anchor: Option<String>,
    },
    /// A file copied with the site: write `url`.
    Asset { url: String },
    /// Cannot be resolved: report it and leave the reference as written.
    Broken {
        code: &'static str,
        message: String,
        error: bool,
    },
}

/// Decides where links and asset references of one article go.
pub trait Resolver {
    /// A link target (`href`).
    fn link(&self, dest: &str) -> Resolution;
    /// An embedded file (`src`).
    fn asset(&self, src: &str) -> Resolution;
}

/// Localized titles of the five GitHub alert kinds: note, tip, important, warning, caution.
pub type CalloutTitles<'a> = [&'a str; 5];

/// An anchor to check once every article has been rendered.
#[derive(Debug, Clone)]
pub struct AnchorCheck {
    /// Article index the anchor must exist in; `None` for the article itself.
    pub target: Option<usize>,
    pub anchor: String,
    pub line: usize,
    pub column: usize,
    pub dest: String,
}

/// The rendered body of one article.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub heading_ids: Vec<String>,
    /// Body text split at headings, for the search index.
    pub sections: std::sync::Arc<[DocSection]>,
    /// Plain text of the first paragraph, a fallback description.
    pub summary: String,
    pub diagnostics: Vec<Diagnostic>,
    pub anchor_checks: Vec<AnchorCheck>,
    /// Source paths (as the resolver reported URLs) of files to copy.
    pub assets: Vec<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

static ATTR_LIST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\{(?:\s*\.[A-Za-z0-9_-]+)+\s*\}").expect("valid regex"));
static HTML_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});
static HTML_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(src|href)\s*=\s*("([^"]*)"|'([^']*)')"#).expect("valid regex")
});

const EMOJI_CALLOUTS: [(&str, &str); 4] = [
    ("ℹ", "callout-info"),
    ("⚠", "callout-warning"),
    ("❗", "callout-danger"),
    ("✅", "callout-success"),
];

/// Renders one article body. `file` and `line_offset` place diagnostics at file lines;
/// `raw_html: false` shows raw HTML escaped ([`super::html_policy`]).
pub fn render(
    body: &str,
    file: &str,
    line_offset: usize,
    resolver: &dyn Resolver,
    callouts: &CalloutTitles,
    raw_html: bool,
) -> Rendered {
    let mut out = Rendered::default();
    let mut events: Vec<(Event, Range<usize>)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();
    let place = |offset: usize| {
        let (l, c) = line_col(body, offset);
        (l + line_offset, c)
    };

    // Pass 1: heading ids, so in-page anchors can be checked and the TOC built.
    let mut ids = HeadingIds::default();
    for ev in events.iter() {
        if let (Event::Start(Tag::Heading { id: Some(id), .. }), _) = ev {
            ids.reserve(id);
        }
    }
    // Raw HTML anchors (`<a id="x"></a>`) are link targets too.
    for (ev, _) in events.iter() {
        if let Event::Html(h) | Event::InlineHtml(h) = ev {
            for c in HTML_ID.captures_iter(h) {
                if let Some(m) = c.get(1).or(c.get(2)) {
                    out.heading_ids.push(ids.reserve(m.as_str()));
                }
            }
        }
    }
    let mut anchor_aliases: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let level = *level as u8;
            let explicit = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            // GitHub computes ids from the source, before smart punctuation (`--` is two
            // hyphens there, not an en dash).
            let mut source_text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
                match &events[j].0 {
                    Event::Text(t) => {
                        text.push_str(t);
                        let written = body.get(events[j].1.clone()).unwrap_or(t);
                        source_text.push_str(if is_smartened(t, written) { written } else { t });
                    }
                    Event::Code(t) => {
                        text.push_str(t);
                        source_text.push_str(t);
                    }
                    _ => {}
                }
                j += 1;
            }
            let id = explicit.unwrap_or_else(|| ids.unique(&github_id(&source_text)));
            // markdown-it-anchor's id (`title-(legacy)`): links written for it still land.
            let legacy = legacy_anchor_id(&source_text);
            if !legacy.is_empty() && legacy != id && !out.heading_ids.contains(&legacy) {
                anchor_aliases.push((id.clone(), legacy.clone()));
                out.heading_ids.push(legacy);
            }
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
                *slot = Some(CowStr::from(id.clone()));
            }
            let text = collapse_ws(&text);
            if (2..=3).contains(&level) {
                out.toc.push(TocEntry {
                    level,
                    id: id.clone(),
                    text: text.clone(),
                });
            }
            out.heading_ids.push(id);
            i = j;
        }
        i += 1;
    }

    // Pass 2: links, assets, callouts, attribute lists; collect text for search.
    let mut current = DocSection {
        anchor: String::new(),
        heading: String::new(),
        text: String::new(),
    };
    let mut sections = Vec::new();
    let mut in_heading = false;
    let mut first_para: Option<String> = None;
    let mut in_first_para = false;
    let mut after_link = false;
    let mut k = 0;
    while k < events.len() {
        let range = events[k].1.clone();
        let mut replace: Option<Event> = None;
        match &events[k].0 {
            Event::Start(Tag::Heading { id, .. }) => {
                in_heading = true;
                let finished = std::mem::replace(
                    &mut current,
                    DocSection {
                        anchor: id.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                        heading: String::new(),
                        text: String::new(),
                    },
                );
                if !finished.text.trim().is_empty() || !finished.heading.is_empty() {
                    sections.push(finished);
                }
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Paragraph) if first_para.is_none() => {
                first_para = Some(String::new());
                in_first_para = true;
            }
            Event::End(TagEnd::Paragraph) => {
                in_first_para = false;
                current.text.push(' ');
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if !matches!(link_type, LinkType::Email) => {
                let dest = dest_url.to_string();
                if let Some(new) = resolve(&dest, false, resolver, range.start, &place, &mut out)
                    && let Event::Start(Tag::Link { dest_url, .. }) = &mut events[k].0
                {
                    *dest_url = CowStr::from(new);
                }
            }
            Event::End(TagEnd::Link) => after_link = true,
            Event::Start(Tag::Image { dest_url, .. }) => {
                let dest = dest_url.to_string();
                if let Some(new) = resolve(&dest, true, resolver, range.start, &place, &mut out)
                    && let Event::Start(Tag::Image { dest_url, .. }) = &mut events[k].0
                {
                    *dest_url = CowStr::from(new);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.to_string();
                let rewritten = rewrite_html(&html, resolver, range.start, &place, &mut out);
                if rewritten != html {
                    replace = Some(if matches!(events[k].0, Event::Html(_)) {
                        Event::Html(rewritten.into())
                    } else {
                        Event::InlineHtml(rewritten.into())
                    });
                }
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, title) = match kind {
                    BlockQuoteKind::Note => ("note", callouts[0]),
                    BlockQuoteKind::Tip => ("tip", callouts[1]),
                    BlockQuoteKind::Important => ("important", callouts[2]),
                    BlockQuoteKind::Warning => ("warning", callouts[3]),
                    BlockQuoteKind::Caution => ("caution", callouts[4]),
                };
                replace = Some(Event::Html(
                    format!(
                        "<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{}</p>\n",
                        crate::util::escape_html(title)
                    )
                    .into(),
                ));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                replace = Some(Event::Html("</div>\n".into()));
            }
            Event::Start(Tag::BlockQuote(None)) => {
                if let (Some((Event::Start(Tag::Paragraph), _)), Some((Event::Text(t), _))) =
                    (events.get(k + 1), events.get(k + 2))
                    && let Some((_, class)) = EMOJI_CALLOUTS
                        .iter()
                        .find(|(e, _)| t.trim_start().starts_with(e))
                {
                    replace = Some(Event::Html(
                        format!("<blockquote class=\"callout {class}\">\n").into(),
                    ));
                }
            }
            Event::Text(t) => {
                let mut text = t.to_string();
                if after_link && let Some(m) = ATTR_LIST.find(&text) {
                    text = text[m.end()..].to_string();
                    replace = Some(Event::Text(text.clone().into()));
                }
                if in_heading {
                    current.heading.push_str(&text);
                } else {
                    current.text.push_str(&text);
                }
                if in_first_para && let Some(p) = first_para.as_mut() {
                    p.push_str(&text);
                }
            }
            Event::Code(t) => {
                if in_heading {
                    current.heading.push_str(t);
                } else {
                    current.text.push_str(t);
                }
                if in_first_para && let Some(p) = first_para.as_mut() {
                    p.push_str(t);
                }
            }
            // Words of separate blocks must not run together in the search text.
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::HtmlBlock,
            ) => current.text.push(' '),
            _ => {}
        }
        if !matches!(events[k].0, Event::End(TagEnd::Link)) {
            after_link = false;
        }
        if let Some(ev) = replace {
            events[k].0 = ev;
        }
        k += 1;
    }
    if !current.text.trim().is_empty() || !current.heading.is_empty() {
        sections.push(current);
    }
    for s in &mut sections {
        s.text = collapse_ws(&s.text);
        s.heading = collapse_ws(&s.heading);
    }
    out.sections = sections.into();
    out.summary = collapse_ws(&first_para.unwrap_or_default());

    // In-page anchors must exist in this article.
    let own: std::collections::HashSet<&str> = out.heading_ids.iter().map(String::as_str).collect();
    out.anchor_checks.retain(|c| {
        if c.target.is_none() {
            if !own.contains(c.anchor.as_str()) {
                out.diagnostics.push(
                    Diagnostic::warning(
                        file,
                        "broken-anchor",
                        format!(
                            "`{}`: this article has no heading with id `{}`",
                            c.dest, c.anchor
                        ),
                    )
                    .at(Some(c.line), Some(c.column)),
                );
            }
            false
        } else {
            true
        }
    });
    super::html_policy::apply(&mut events, raw_html, &place, &mut out.diagnostics);
    for d in &mut out.diagnostics {
        d.file = file.to_string();
    }

    let events = footnotes_last(events);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
    for (id, alias) in &anchor_aliases {
        html = add_anchor_alias(&html, id, alias);
    }
    out.html = html;
    out
}

/// Moves footnote definitions, which pulldown-cmark renders where they are written, to the
/// end of the article in a `<section class="footnotes">`, as GitHub shows them.
fn footnotes_last(events: Vec<(Event, Range<usize>)>) -> Vec<(Event, Range<usize>)> {
    let mut body = Vec::with_capacity(events.len());
    let mut notes = Vec::new();
    let mut depth = 0usize;
    for (ev, range) in events {
        let starts = matches!(ev, Event::Start(Tag::FootnoteDefinition(_)));
        let ends = matches!(ev, Event::End(TagEnd::FootnoteDefinition));
        if starts {
            depth += 1;
        }
        if depth > 0 {
            notes.push((ev, range));
        } else {
            body.push((ev, range));
        }
        if ends {
            depth = depth.saturating_sub(1);
        }
    }
    if !notes.is_empty() {
        body.push((
            Event::Html(CowStr::from("<section class=\"footnotes\">\n")),
            0..0,
        ));
        body.extend(notes);
        body.push((Event::Html(CowStr::from("</section>\n")), 0..0));
    }
    body
}

/// True when smart punctuation changed `text` from what is `written` in the source.
fn is_smartened(text: &str, written: &str) -> bool {
    text != written
        && text.contains([
            '\u{2013}', '\u{2014}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2026}',
        ])
}

/// The id markdown-it-anchor gives a heading: lower case, white space runs as `-`, punctuation
/// kept (`Title (legacy)` → `title-(legacy)`).
fn legacy_anchor_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// Puts an empty anchor with id `alias` at the start of the heading with id `id`, so links to
/// either land on it.
fn add_anchor_alias(html: &str, id: &str, alias: &str) -> String {
    let attr = format!(" id=\"{}\"", crate::util::escape_html(id));
    let Some(at) = html.find(&attr) else {
        return html.to_string();
    };
    let Some(close) = html[at..].find('>').map(|c| at + c + 1) else {
        return html.to_string();
    };
    format!(
        "{}<a id=\"{}\" aria-hidden=\"true\"></a>{}",
        &html[..close],
        crate::util::escape_html(alias),
        &html[close..]
    )
}

fn resolve(
    dest: &str,
    is_asset: bool,
    resolver: &dyn Resolver,
    offset: usize,
    place: &dyn Fn(usize) -> (usize, usize),
    out: &mut Rendered,
) -> Option<String> {
    if let Some(anchor) = dest.strip_prefix('#') {
        if !anchor.is_empty() && !anchor.starts_with(":~:") {
            let (line, column) = place(offset);
            out.anchor_checks.push(AnchorCheck {
                target: None,
                anchor: crate::util::decode_path(anchor),
                line,
                column,
                dest: dest.to_string(),
            });
        }
        return None;
    }
    let res = if is_asset {
        resolver.asset(dest)
    } else {
        resolver.link(dest)
    };
    match res {
        Resolution::Keep => None,
        Resolution::Internal {
            url,
            target,
            anchor,
        } => {
            if let (Some(t), Some(a)) = (target, anchor) {
                let (line, column) = place(offset);
                out.anchor_checks.push(AnchorCheck {
                    target: Some(t),
                    anchor: a,
                    line,
                    column,
                    dest: dest.to_string(),
                });
            }
            Some(url)
        }
        Resolution::Asset { url } => {
            out.assets.push(url.clone());
            Some(url)
        }
        Resolution::Broken {
            code,
            message,
            error,
        } => {
            let (line, column) = place(offset);
            let d = if error {
                Diagnostic::error("", code, message)
            } else {
                Diagnostic::warning("", code, message)
            };
            out.diagnostics.push(d.at(Some(line), Some(column)));
            None
        }
    }
}

fn rewrite_html(
    html: &str,
    resolver: &dyn Resolver,
    offset: usize,
    place: &dyn Fn(usize) -> (usize, usize),
    out: &mut Rendered,
) -> String {
    if !html.contains('=') {
        return html.to_string();
    }
    HTML_REF
        .replace_all(html, |caps: &regex::Captures| {
            let attr = &caps[1];
            let value = caps.get(3).or(caps.get(4)).map_or("", |m| m.as_str());
            let at = offset + caps.get(0).map_or(0, |m| m.start());
            let is_src = attr.eq_ignore_ascii_case("src");
            match resolve(value, is_src, resolver, at, place, out) {
                Some(new) => format!("{attr}=\"{}\"", crate::util::escape_html(&new)),
                None => caps[0].to_string(),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl Resolver for Fake {
        fn link(&self, dest: &str) -> Resolution {
            match dest {
                "other.md" => Resolution::Internal {
                    url: "/en/articles/other/".into(),
                    target: None,
                    anchor: None,
                },
                "other.md#setup" => Resolution::Internal {
                    url: "/en/articles/other/#setup".into(),
                    target: Some(3),
                    anchor: Some("setup".into()),
                },
                "missing.md" => Resolution::Broken {
                    code: "broken-link",
                    message: "no such article".into(),
                    error: true,
                },
                _ => Resolution::Keep,
            }
        }
        fn asset(&self, src: &str) -> Resolution {
            Resolution::Asset {
                url: format!("/files/{src}"),
            }
        }
    }

    const TITLES: CalloutTitles = ["Nota", "Consejo", "Importante", "Advertencia", "Precaución"];

    fn r(md: &str) -> Rendered {
        render(md, "a.md", 3, &Fake, &TITLES, true)
    }

    #[test]
    fn headings_get_deduplicated_github_ids_and_toc() {
        let out = r("## Setup\n\n## Setup\n\n### Fine tuning {#tune .x}\n");
        assert!(out.html.contains("<h2 id=\"setup\">"), "{}", out.html);
        assert!(out.html.contains("<h2 id=\"setup-1\">"));
        assert!(out.html.contains("id=\"tune\""));
        assert!(out.html.contains("class=\"x\""));
        assert_eq!(out.toc.len(), 3);
        assert_eq!(out.toc[2].text, "Fine tuning");
    }

    #[test]
    fn extensions_render() {
        let out = r(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ \"quoted\"\n\n- [x] done\n\nNote[^1].\n\n[^1]: Foot.\n",
        );
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("<del>old</del>"));
        assert!(out.html.contains("“quoted”"));
        assert!(out.html.contains("checkbox"));
        assert!(out.html.contains("footnote"));
    }

    #[test]
    fn github_alerts_become_localized_callouts() {
        let out = r("> [!WARNING]\n> Careful.\n");
        assert!(out.html.contains("<div class=\"callout callout-warning\" role=\"note\"><p class=\"callout-title\">Advertencia</p>"), "{}", out.html);
        assert!(out.html.contains("Careful."));
    }

    #[test]
    fn emoji_blockquotes_become_callouts() {
        let out = r("> ⚠️ Do not do this.\n");
        assert!(
            out.html
                .contains("<blockquote class=\"callout callout-warning\">"),
            "{}",
            out.html
        );
    }

    #[test]
    fn links_are_rewritten_and_broken_ones_reported_with_file_lines() {
        let out = r("Intro\n\nSee [x](other.md) and [y](missing.md).\n");
        assert!(out.html.contains("href=\"/en/articles/other/\""));
        assert_eq!(out.diagnostics.len(), 1);
        let d = &out.diagnostics[0];
        assert_eq!((d.line, d.column), (Some(6), Some(23)));
        assert_eq!(d.file, "a.md");
    }

    #[test]
    fn anchors_are_checked() {
        let out = r("## Here\n\n[ok](#here) [bad](#nowhere) [far](other.md#setup)\n");
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].code, "broken-anchor");
        assert_eq!(out.anchor_checks.len(), 1);
        assert_eq!(out.anchor_checks[0].target, Some(3));
    }

    #[test]
    fn raw_html_anchors_are_targets() {
        let out = r("[a](#udev)\n\n<a id=\"udev\"></a>\n\n## Udev\n");
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert!(out.html.contains("<h2 id=\"udev-1\">"), "{}", out.html);
    }

    #[test]
    fn images_and_raw_html_sources_are_resolved() {
        let out = r("![a](img/a.png)\n\n<img src=\"img/b.png\" width=\"3\">\n");
        assert!(out.html.contains("src=\"/files/img/a.png\""));
        assert!(out.html.contains("src=\"/files/img/b.png\""));
        assert_eq!(out.assets.len(), 2);
    }

    #[test]
    fn template_syntax_is_printed_not_evaluated() {
        let out = r("Use `{{Value1}}` and {{ticket_id}} and {% raw %}.\n");
        assert!(out.html.contains("{{Value1}}"));
        assert!(out.html.contains("{{ticket_id}}"));
        assert!(out.html.contains("{% raw %}"));
    }

    #[test]
    fn attribute_lists_after_links_are_dropped() {
        let out = r("[Store](https://example.org){.link-external} next\n");
        assert!(!out.html.contains("{.link-external}"), "{}", out.html);
        assert!(out.html.contains("</a> next"));
    }

    #[test]
    fn sections_split_text_at_headings() {
        let out = r("Intro text.\n\n## Billing\n\nPay here.\n");
        assert_eq!(out.sections.len(), 2);
        assert_eq!(out.sections[1].anchor, "billing");
        assert_eq!(out.sections[1].heading, "Billing");
        assert_eq!(out.sections[1].text, "Pay here.");
        assert_eq!(out.summary, "Intro text.");
        let out = r("See [the form](x), then **save**.\n\n- one\n- two\n");
        assert_eq!(out.sections[0].text, "See the form, then save. one two");
    }
}
