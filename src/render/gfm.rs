//! GitHub's conventions that pulldown-cmark does not follow by itself: heading ids from the
//! source as written, footnotes at the end, and the ids other renderers gave (kept as aliases).

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::ops::Range;

/// Moves footnote definitions, which pulldown-cmark renders where they are written, to the
/// end of the article in a `<section class="footnotes">`, as GitHub shows them.
pub(super) fn footnotes_last(events: Vec<(Event, Range<usize>)>) -> Vec<(Event, Range<usize>)> {
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
pub(super) fn is_smartened(text: &str, written: &str) -> bool {
    text != written
        && text.contains([
            '\u{2013}', '\u{2014}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2026}',
        ])
}

/// The id markdown-it-anchor gives a heading: lower case, white space runs as `-`, punctuation
/// kept (`Title (legacy)` → `title-(legacy)`).
pub(super) fn legacy_anchor_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// Puts an empty anchor with id `alias` at the start of the heading with id `id`, so links to
/// either land on it.
pub(super) fn add_anchor_alias(html: &str, id: &str, alias: &str) -> String {
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

/// Joins consecutive text events (pulldown-cmark splits text at smart quotes, entities and
/// escapes), so what follows reads `{width="100%"}` or a heading's source in one piece.
pub(super) fn merge_text(events: Vec<(Event, Range<usize>)>) -> Vec<(Event, Range<usize>)> {
    let mut out: Vec<(Event, Range<usize>)> = Vec::with_capacity(events.len());
    for (event, range) in events {
        if let (Event::Text(next), Some((Event::Text(prev), prev_range))) = (&event, out.last_mut())
        {
            let mut joined = prev.to_string();
            joined.push_str(next);
            *prev = CowStr::from(joined);
            prev_range.end = prev_range.end.max(range.end);
            continue;
        }
        out.push((event, range));
    }
    out
}
