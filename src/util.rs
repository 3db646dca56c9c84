//! Small text helpers shared by the pipeline: slugs, heading ids, escaping, URL paths.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// A URL slug: ASCII lower case, accents folded, words joined by `-`.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// A heading id as GitHub computes it: lower case, punctuation dropped, spaces as `-`,
/// letters of any script kept. Callers de-duplicate with [`HeadingIds`].
pub fn github_id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        }
    }
    out
}

/// Hands out heading ids unique within one page: `setup`, `setup-1`, `setup-2`.
#[derive(Default)]
pub struct HeadingIds {
    seen: std::collections::HashMap<String, usize>,
}

impl HeadingIds {
    /// Reserves `id` exactly (an explicit `{#id}`), returning it.
    pub fn reserve(&mut self, id: &str) -> String {
        self.seen.entry(id.to_string()).or_insert(0);
        id.to_string()
    }

    /// Returns `base` or the first free `base-N`.
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        let Some(&start) = self.seen.get(base) else {
            self.seen.insert(base.to_string(), 0);
            return base.to_string();
        };
        let mut n = start;
        let candidate = loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                break candidate;
            }
        };
        self.seen.insert(base.to_string(), n);
        self.seen.insert(candidate.clone(), 0);
        candidate
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Percent-encodes a `/`-separated path so it can be used in a URL.
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_SEGMENT).to_string()
}

/// Decodes `%xx` escapes in a link target (`My%20File.md` → `My File.md`).
pub fn decode_path(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// Why a `/`-separated relative path may not be used below an output or data folder, if it
/// may not: it is empty, absolute, has a drive prefix, a `..` segment, a backslash, or a control
/// character (NUL included). Callers check the decoded path, the one that reaches the disk.
pub fn path_problem(rel: &str) -> Option<&'static str> {
    if rel.is_empty() {
        return Some("is empty");
    }
    if rel.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    if rel.contains('\\') {
        return Some("contains a backslash");
    }
    if rel.starts_with('/') {
        return Some("is absolute");
    }
    let first = rel.split('/').next().unwrap_or_default();
    if first.len() >= 2 && first.as_bytes()[1] == b':' && first.as_bytes()[0].is_ascii_alphabetic()
    {
        return Some("starts with a drive prefix");
    }
    if rel.split('/').any(|s| s == "..") {
        return Some("climbs out of its folder with `..`");
    }
    None
}

/// Why a value used as one path segment (an article id, a locale) is unsafe, if it is: the
/// problems of [`path_problem`], a `/`, or `.` alone.
pub fn segment_problem(value: &str) -> Option<&'static str> {
    if value.contains('/') {
        return Some("contains `/`");
    }
    if value == "." {
        return Some("is `.`");
    }
    path_problem(value)
}

/// Strips tags from an HTML fragment and collapses white space, for plain text output.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    collapse_ws(&out)
}

/// Collapses runs of white space into single spaces and trims.
pub fn collapse_ws(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts `text` to at most `max` characters at a word boundary, adding `…` when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_accents() {
        assert_eq!(slugify("¿Cómo abrir un ticket?"), "como-abrir-un-ticket");
        assert_eq!(slugify("Track-your-order"), "track-your-order");
        assert_eq!(slugify("Configuração  de SLA"), "configuracao-de-sla");
    }

    #[test]
    fn github_ids_match_github() {
        assert_eq!(
            github_id("Open the order status page"),
            "open-the-order-status-page"
        );
        assert_eq!(github_id("What's new?"), "whats-new");
        assert_eq!(github_id("Configuración del SLA"), "configuración-del-sla");
        assert_eq!(github_id("A -- B"), "a----b");
    }

    #[test]
    fn heading_ids_deduplicate() {
        let mut ids = HeadingIds::default();
        assert_eq!(ids.unique("setup"), "setup");
        assert_eq!(ids.unique("setup"), "setup-1");
        assert_eq!(ids.unique("setup"), "setup-2");
        ids.reserve("x");
        assert_eq!(ids.unique("x"), "x-1");
    }

    #[test]
    fn truncation_keeps_words() {
        assert_eq!(truncate_words("one two three", 9), "one two…");
        assert_eq!(truncate_words("short", 9), "short");
    }

    #[test]
    fn paths_encode_spaces() {
        assert_eq!(
            encode_path("Store Support/img/a b.png"),
            "Store%20Support/img/a%20b.png"
        );
        assert_eq!(decode_path("a%20b.md"), "a b.md");
    }

    #[test]
    fn paths_that_leave_their_folder_are_named() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../../b",
            "..",
            "a\\b",
            "C:/x",
            "a\0b",
            "x/\u{1b}",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "site/es/index.html",
            "a/./b",
            "files/My File.png",
            "x..y/z",
            "a//b",
        ] {
            assert_eq!(path_problem(good), None, "{good:?}");
        }
        assert!(segment_problem("a/b").is_some());
        assert!(segment_problem(".").is_some());
        assert_eq!(segment_problem("3kACEfni4m8Yxa1vnf2ebe"), None);
    }
}
