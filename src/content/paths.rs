//! Front matter values that become paths (locale, id, aliases) are checked where they are read:
//! content is semi-trusted, and nothing it says may reach outside the output folder.

use super::FrontMatter;
use crate::diag::Diagnostic;
use crate::util::{decode_path, path_problem, segment_problem};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The stable code of a value that would make a path leave its folder.
pub const UNSAFE_PATH: &str = "unsafe-path";

/// The problems of the path-like values of one article's front matter. `text` is the whole
/// file (for the lines of the keys).
pub fn check(text: &str, file: &str, front: &FrontMatter) -> Vec<Diagnostic> {
    let line = |keys: &[&str]| keys.iter().find_map(|k| crate::yaml::key_line(text, k));
    let unsafe_value = |keys: &[&str], value: &str, why: &str| {
        Diagnostic::error(
            file,
            UNSAFE_PATH,
            format!(
                "`{}: {}` {why}; it becomes part of a URL and a file path, so it may hold no `/`, `\\`, `..` or control characters",
                keys[0],
                value.escape_debug()
            ),
        )
        .at(line(keys), None)
    };
    let mut out = Vec::new();
    if let Some(locale) = &front.locale {
        const KEYS: &[&str] = &["locale", "lang", "language"];
        if let Some(why) = segment_problem(locale).or_else(|| segment_problem(&decode_path(locale)))
        {
            out.push(unsafe_value(KEYS, locale, why));
        } else if !crate::config::is_locale_code(locale) {
            out.push(
                Diagnostic::error(
                    file,
                    "unknown-locale",
                    format!(
                        "`locale: {}` is not a locale code such as `es` or `pt-BR`",
                        locale.escape_debug()
                    ),
                )
                .at(line(KEYS), None),
            );
        }
    }
    if let Some(id) = &front.id
        && let Some(why) = segment_problem(id).or_else(|| segment_problem(&decode_path(id)))
    {
        out.push(unsafe_value(&["id"], id, why));
    }
    for alias in &front.aliases {
        let rel = decode_path(alias.trim_start_matches('/'));
        if let Some(why) = path_problem(&rel).filter(|_| !rel.is_empty()) {
            out.push(unsafe_value(&["aliases"], alias, why));
        }
    }
    out
}

/// True when `path`, with every symbolic link resolved, is inside `dir` (resolved too). A
/// link out of the content folder (to `/etc/passwd`, say) is never read or published.
pub fn resolves_inside(dir: &std::path::Path, path: &std::path::Path) -> bool {
    match (dir.canonicalize(), path.canonicalize()) {
        (Ok(dir), Ok(target)) => target.starts_with(dir),
        _ => false,
    }
}

/// What to do with a symbolic link met while walking the content folder: `Ok(())` to read it
/// as the file it points to, or the warning that says why it is skipped.
pub fn check_link(
    content_dir: &std::path::Path,
    link: &std::path::Path,
    file: &str,
) -> Result<(), Diagnostic> {
    let skip = |why: &str| {
        Diagnostic::warning(
            file,
            "symlink",
            format!("this symbolic link {why}; it is not read or published"),
        )
    };
    if !resolves_inside(content_dir, link) {
        return Err(skip("leads outside the content folder (or nowhere)"));
    }
    Ok(())
}

/// `files` with each file reached through several paths (symbolic links to folders or files
/// of the content folder) kept once: under its own path when it is listed there, else under
/// the first path, in `files`' (sorted) order.
pub fn read_once(content_dir: &Path, files: Vec<PathBuf>) -> Vec<PathBuf> {
    let Ok(content_canon) = content_dir.canonicalize() else {
        return files;
    };
    let mut slot: HashMap<PathBuf, usize> = HashMap::new();
    let mut out: Vec<Option<PathBuf>> = Vec::with_capacity(files.len());
    for path in files {
        let Ok(canon) = path.canonicalize() else {
            out.push(Some(path));
            continue;
        };
        let is_own = path
            .strip_prefix(content_dir)
            .is_ok_and(|rel| content_canon.join(rel) == canon);
        match slot.get(&canon) {
            Some(&i) if is_own => {
                out[i] = None;
                slot.insert(canon, out.len());
                out.push(Some(path));
            }
            Some(_) => {}
            None => {
                slot.insert(canon, out.len());
                out.push(Some(path));
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// An error when the article file is larger than `max_kb` KiB (`markdown.max_article_kb`):
/// the Markdown parser's memory grows with an article's size, and a huge file is not an article.
pub fn check_size(path: &std::path::Path, file: &str, max_kb: u64) -> Option<Diagnostic> {
    let len = std::fs::metadata(path).ok()?.len();
    (len > max_kb.saturating_mul(1024)).then(|| {
        Diagnostic::error(
            file,
            "too-large",
            format!(
                "the file is {} KiB, over the {max_kb} KiB an article may have; split it, or raise `markdown.max_article_kb` in ayuda.yaml",
                len.div_ceil(1024)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(yaml: &str) -> Vec<(&'static str, Option<usize>)> {
        let text = format!("---\n{yaml}---\nbody\n");
        let (front, _) = crate::content::frontmatter::parse(yaml, "a.md", 2).unwrap();
        check(&text, "a.md", &front)
            .into_iter()
            .map(|d| (d.code, d.line))
            .collect()
    }

    #[test]
    fn climbing_values_are_unsafe_paths_at_their_line() {
        assert_eq!(
            codes("title: T\nlocale: ../../victim\n"),
            [(UNSAFE_PATH, Some(3))]
        );
        assert_eq!(codes("title: T\nid: ../x\n"), [(UNSAFE_PATH, Some(3))]);
        assert_eq!(codes("title: T\nid: '%2e%2e'\n"), [(UNSAFE_PATH, Some(3))]);
        assert_eq!(
            codes("title: T\naliases: [/ok/, /%2e%2e/x]\n"),
            [(UNSAFE_PATH, Some(3))]
        );
        assert_eq!(
            codes("title: T\nlocale: Spanish\n"),
            [("unknown-locale", Some(3))]
        );
        assert!(
            codes("title: T\nid: 360016495679\nlocale: pt-BR\naliases: /old/page\n").is_empty()
        );
    }
}
