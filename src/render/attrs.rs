//! Attribute lists of other Markdown tools (Pandoc, kramdown, Hugo): `![i](x.png){width="100%"}`
//! after an image or link, and `{.multi-col-list}` on the line under a list. The safe ones
//! (class, id, width, height) are applied and the rest dropped with an `attribute-list`
//! warning, so none shows as text on the page.

use crate::util::escape_html;
use pulldown_cmark::{Alignment, CowStr, Event, Tag, TagEnd};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// The warning code of a dropped attribute.
pub const ATTRIBUTE_LIST: &str = "attribute-list";

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\.([A-Za-z0-9_-]+)|#([A-Za-z0-9_-]+)|([A-Za-z_][A-Za-z0-9_:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|(\S+)"#)
        .expect("valid regex")
});
static DIMENSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,5}(?:\.\d+)?(?:%|px)?$").expect("valid regex"));
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_-]*$").expect("valid regex"));

/// A parsed attribute list.
#[derive(Debug, Default, PartialEq)]
pub struct Attrs {
    /// The safe attributes as HTML, each with a leading space (` class="a b" width="100%"`).
    pub html: String,
    /// What was dropped, as written.
    pub dropped: Vec<String>,
}

/// Reads an attribute list at the start of `text`: the list and the length it takes in
/// `text`. Smart punctuation's curly quotes count as straight ones; `{: …}` (kramdown) works
/// too. Template text such as `{{Value1}}` is not an attribute list.
pub fn parse_prefix(text: &str) -> Option<(Attrs, usize)> {
    if !text.starts_with('{') || text.starts_with("{{") || text.starts_with("{%") {
        return None;
    }
    let close = text.find('}')?;
    let inner = text[1..close].trim().trim_start_matches(':');
    let inner = inner
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .replace(['\u{2018}', '\u{2019}'], "'");
    if inner.trim().is_empty() || inner.contains('{') {
        return None;
    }
    let (mut classes, mut id, mut others) = (Vec::new(), None, Vec::new());
    let mut dropped = Vec::new();
    for c in TOKEN.captures_iter(&inner) {
        if let Some(class) = c.get(1) {
            classes.push(class.as_str().to_string());
        } else if let Some(i) = c.get(2) {
            id = Some(i.as_str().to_string());
        } else if let Some(key) = c.get(3) {
            let value = c
                .get(4)
                .or(c.get(5))
                .or(c.get(6))
                .map_or("", |m| m.as_str());
            let key = key.as_str().to_ascii_lowercase();
            match key.as_str() {
                "class" => classes.extend(value.split_whitespace().map(str::to_string)),
                "id" if NAME.is_match(value) => id = Some(value.to_string()),
                "width" | "height" if DIMENSION.is_match(value) => {
                    others.push(format!(" {key}=\"{value}\""))
                }
                _ => dropped.push(c[0].to_string()),
            }
        } else {
            dropped.push(c[0].to_string());
        }
    }
    classes.retain(|c| {
        let ok = NAME.is_match(c);
        if !ok {
            dropped.push(format!(".{c}"));
        }
        ok
    });
    let mut html = String::new();
    if let Some(id) = id {
        html.push_str(&format!(" id=\"{}\"", escape_html(&id)));
    }
    if !classes.is_empty() {
        html.push_str(&format!(" class=\"{}\"", escape_html(&classes.join(" "))));
    }
    html.extend(others);
    Some((Attrs { html, dropped }, close + 1))
}

/// Applies the attribute lists found in `events` (after links and images, and in paragraphs
/// of their own under a list) and removes their text; dropped attributes are reported through
/// `warn(offset, message)`. Runs after the raw HTML policy: the HTML it writes is ayuda's.
pub fn apply<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    warn: &mut dyn FnMut(usize, String),
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out: Vec<(Event<'a>, Range<usize>)> = Vec::with_capacity(events.len());
    let mut events = events.into_iter().peekable();
    while let Some((event, range)) = events.next() {
        // `{.class}` alone in a paragraph: for the list just above.
        if matches!(event, Event::Start(Tag::Paragraph))
            && let Some((Event::Text(t), _)) = events.peek()
            && let Some((attrs, used)) = parse_prefix(t.trim())
            && used == t.trim().len()
        {
            let text_range = events.peek().map_or(range.clone(), |(_, r)| r.clone());
            let mut rest = events.clone();
            rest.next();
            if matches!(rest.next(), Some((Event::End(TagEnd::Paragraph), _))) {
                events.next();
                events.next();
                report(warn, text_range.start, &attrs);
                match block_start(&out) {
                    Some(at) if !attrs.html.is_empty() => {
                        let tag = match &out[at].0 {
                            Event::Start(Tag::List(Some(n))) if *n != 1 => {
                                format!("<ol start=\"{n}\"{}>\n", attrs.html)
                            }
                            Event::Start(Tag::List(Some(_))) => format!("<ol{}>\n", attrs.html),
                            Event::Start(Tag::List(None)) => format!("<ul{}>\n", attrs.html),
                            Event::Start(Tag::Table(aligns))
                                if aligns.iter().all(|a| *a == Alignment::None) =>
                            {
                                format!("<table{}>", attrs.html)
                            }
                            // An aligned table keeps its alignments: the attributes go on a
                            // wrapper.
                            _ => {
                                out.insert(
                                    at,
                                    (
                                        Event::Html(CowStr::from(format!("<div{}>\n", attrs.html))),
                                        range.clone(),
                                    ),
                                );
                                out.push((Event::Html(CowStr::from("</div>\n")), range.clone()));
                                continue;
                            }
                        };
                        out[at].0 = Event::Html(CowStr::from(tag));
                    }
                    Some(_) => {}
                    None => warn(
                        text_range.start,
                        "this attribute list follows no list, table, image or link; it is not applied"
                            .to_string(),
                    ),
                }
                continue;
            }
        }
        // `{width="100%"}` right after an image or a link.
        if let Event::Text(t) = &event
            && matches!(
                out.last(),
                Some((Event::End(TagEnd::Image | TagEnd::Link), _))
            )
            && let Some((attrs, used)) = parse_prefix(t)
        {
            report(warn, range.start, &attrs);
            let rest = t[used..].to_string();
            attach(&mut out, &attrs.html);
            if !rest.is_empty() {
                out.push((Event::Text(CowStr::from(rest)), range));
            }
            continue;
        }
        out.push((event, range));
    }
    out
}

/// Warns about the attributes of `attrs` that were dropped.
fn report(warn: &mut dyn FnMut(usize, String), offset: usize, attrs: &Attrs) {
    if !attrs.dropped.is_empty() {
        warn(
            offset,
            format!(
                "attributes {} are not applied (only class, id, width and height are); remove them",
                attrs
                    .dropped
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// The index of the `Start` of the list or table that ends `out`, if one does.
fn block_start(out: &[(Event, Range<usize>)]) -> Option<usize> {
    let is_end = |e: &Event| matches!(e, Event::End(TagEnd::List(_) | TagEnd::Table));
    let is_start = |e: &Event| matches!(e, Event::Start(Tag::List(_) | Tag::Table(_)));
    if !out.last().is_some_and(|(e, _)| is_end(e)) {
        return None;
    }
    let mut depth = 0usize;
    for (i, (e, _)) in out.iter().enumerate().rev() {
        if is_end(e) {
            depth += 1;
        } else if is_start(e) {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Writes the image or link that ends `out` as HTML carrying `attrs`.
fn attach(out: &mut Vec<(Event, Range<usize>)>, attrs: &str) {
    if attrs.is_empty() {
        return;
    }
    let is_image = matches!(out.last(), Some((Event::End(TagEnd::Image), _)));
    let Some(start) = out.iter().rposition(|(e, _)| {
        matches!(
            e,
            Event::Start(Tag::Image { .. }) if is_image
        ) || matches!(e, Event::Start(Tag::Link { .. }) if !is_image)
    }) else {
        return;
    };
    let range = out[start].1.clone();
    match &out[start].0 {
        Event::Start(Tag::Image {
            dest_url, title, ..
        }) => {
            let alt: String = out[start + 1..out.len() - 1]
                .iter()
                .filter_map(|(e, _)| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let title = if title.is_empty() {
                String::new()
            } else {
                format!(" title=\"{}\"", escape_html(title))
            };
            let html = format!(
                "<img src=\"{}\" alt=\"{}\"{title}{attrs} />",
                escape_html(dest_url),
                escape_html(&alt)
            );
            out.truncate(start);
            out.push((Event::InlineHtml(CowStr::from(html)), range));
        }
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) => {
            let title = if title.is_empty() {
                String::new()
            } else {
                format!(" title=\"{}\"", escape_html(title))
            };
            let html = format!("<a href=\"{}\"{title}{attrs}>", escape_html(dest_url));
            out[start].0 = Event::InlineHtml(CowStr::from(html));
            if let Some(last) = out.last_mut() {
                last.0 = Event::InlineHtml(CowStr::from("</a>"));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_attributes_are_kept_and_the_rest_dropped() {
        let (a, used) = parse_prefix("{width=\u{201c}100%\u{201d}} after").unwrap();
        assert_eq!(a.html, " width=\"100%\"");
        assert_eq!(used, "{width=\u{201c}100%\u{201d}}".len());
        let (a, _) = parse_prefix("{: .a .b #top style=\"color:red\" onclick=x}").unwrap();
        assert_eq!(a.html, " id=\"top\" class=\"a b\"");
        assert_eq!(a.dropped, ["style=\"color:red\"", "onclick=x"]);
        assert!(parse_prefix("{{Value1}}").is_none());
        assert!(parse_prefix("{ }").is_none());
    }
}
