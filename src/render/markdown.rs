//! Markdown to HTML: CommonMark plus the extensions help centers use, heading ids, table of
//! contents, callouts, and link/asset rewriting through a [`Resolver`].

use super::gfm::{add_anchor_alias, footnotes_last, is_smartened, legacy_anchor_id, merge_text};
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

/// Words the renderer writes into the page, in the page's language.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// Titles of GitHub alerts.
    pub callouts: CalloutTitles<'a>,
    /// Accessible name of a code block (`Code`; `Code: Rust` when the language is known).
    pub code: &'a str,
}

impl Labels<'static> {
    /// English labels, for Markdown rendered outside any locale.
    pub const ENGLISH: Labels<'static> = Labels {
        callouts: ["Note", "Tip", "Important", "Warning", "Caution"],
        code: "Code",
    };
}

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
/// `raw_html: false` shows raw HTML escaped ([`super::html_policy`]). Code blocks are
/// highlighted ([`super::highlight`]).
pub fn render(
    body: &str,
    file: &str,
    line_offset: usize,
    resolver: &dyn Resolver,
    labels: &Labels,
    raw_html: bool,
) -> Rendered {
    let callouts = &labels.callouts;
    let mut out = Rendered::default();
    let expanded = super::shortcodes::expand(body);
    let body = expanded.text.as_str();
    for (line, message) in &expanded.warnings {
        out.diagnostics.push(
            Diagnostic::warning(
                file,
                super::shortcodes::UNSUPPORTED_SHORTCODE,
                message.clone(),
            )
            .at(Some(line + line_offset), None),
        );
    }
    let mut events: Vec<(Event, Range<usize>)> = merge_text(
        Parser::new_ext(body, options())
            .into_offset_iter()
            .collect(),
    );
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
                // A paragraph of nothing but an attribute list is not the first one.
                if in_first_para && first_para.as_deref().is_some_and(|p| p.trim().is_empty()) {
                    first_para = None;
                }
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
            Event::End(TagEnd::Link | TagEnd::Image) => after_link = true,
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
                // Attribute lists are applied after this pass (super::attrs); not search text.
                if after_link && let Some((_, used)) = super::attrs::parse_prefix(&text) {
                    text = text[used..].to_string();
                } else if super::attrs::parse_prefix(text.trim())
                    .is_some_and(|(_, used)| used == text.trim().len())
                {
                    text.clear();
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
    // Held until the search index is written: no spare capacity (a 100k-article build keeps
    // every article's sections at once).
    for s in &mut sections {
        s.text = collapse_ws(&s.text);
        s.text.shrink_to_fit();
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

    let events = super::attrs::apply(events, &mut |offset, message| {
        let (line, column) = place(offset);
        out.diagnostics.push(
            Diagnostic::warning(file, super::attrs::ATTRIBUTE_LIST, message)
                .at(Some(line), Some(column)),
        );
    });
    let code_label = if labels.code.is_empty() {
        "Code"
    } else {
        labels.code
    };
    let events = super::highlight::apply(events, code_label);
    let events = footnotes_last(events);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
    for (id, alias) in &anchor_aliases {
        html = add_anchor_alias(&html, id, alias);
    }
    // Held until the page is written (see `Site::write`): no spare capacity.
    html.shrink_to_fit();
    out.html = html;
    out
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
mod tests;
