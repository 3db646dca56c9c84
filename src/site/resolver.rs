//! The resolver that turns links written in articles (relative `.md` paths, root-absolute
//! paths, legacy help-center URLs, `/a/{id}`) into published URLs, built by
//! [`LinkIndex::resolver`](super::urls::LinkIndex::resolver).

use super::urls::*;
use crate::config::LinkLevel;
use crate::content::Article;
use crate::render::markdown::{Resolution, Resolver};
use crate::util::decode_path;
use std::path::{Path, PathBuf};

/// Resolves the links of one article.
pub struct ArticleResolver<'a> {
    pub(super) index: &'a LinkIndex<'a>,
    pub(super) from: usize,
}

fn split_fragment(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    }
}

/// True for a reference that is not a path of this site: protocol-relative, or with any URI
/// scheme (`https:`, `mailto:`, `tel:`, `sms:`, `skype:`, `data:`…). A one-letter scheme is a
/// Windows drive (`C:\\x.png`), a path.
fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    let Some((scheme, _)) = dest.split_once(':') else {
        return false;
    };
    // RFC 3986: a letter, then letters, digits, `+`, `-` or `.`; a `/`, `?` or `#` before the
    // colon makes it a path or a fragment.
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

impl ArticleResolver<'_> {
    fn article(&self) -> &Article {
        &self.index.library.articles[self.from]
    }

    fn to_article(&self, target: usize, fragment: Option<&str>) -> Resolution {
        let url = &self.index.urls[&target];
        match fragment.filter(|f| !f.is_empty()) {
            Some(f) if !f.starts_with(":~:") => Resolution::Internal {
                url: format!("{url}#{f}"),
                target: Some(target),
                anchor: Some(decode_path(f)),
            },
            Some(f) => Resolution::Internal {
                url: format!("{url}#{f}"),
                target: Some(target),
                anchor: None,
            },
            None => Resolution::Internal {
                url: url.clone(),
                target: Some(target),
                anchor: None,
            },
        }
    }

    fn by_id(&self, id: &str, fragment: Option<&str>, dest: &str) -> Resolution {
        let locale = self.article().locale.clone();
        match self.index.by_id(id, &locale) {
            Some(t) => self.to_article(t, fragment),
            None if self.index.id_exists_hidden(id) => Resolution::Broken {
                code: "link-to-unpublished",
                message: format!("`{dest}` links to article `{id}`, which is not published"),
                error: false,
            },
            None => Resolution::Broken {
                code: "unknown-article-id",
                message: format!(
                    "`{dest}` links to article id `{id}`, which is not in this help center; the link is kept as written"
                ),
                error: false,
            },
        }
    }
}

impl Resolver for ArticleResolver<'_> {
    fn link(&self, dest: &str) -> Resolution {
        let dest = dest.trim();
        for re in &self.index.tables.legacy {
            if let Some(c) = re.captures(dest) {
                let id = c.get(1).map_or("", |m| m.as_str());
                let fragment = c.get(2).map(|m| m.as_str());
                return self.by_id(id, fragment, dest);
            }
        }
        if is_external(dest) || dest.is_empty() {
            return Resolution::Keep;
        }
        let (path, fragment) = split_fragment(dest);
        let path_only = path.split('?').next().unwrap_or(path);
        // `/a/{id}` or `/{locale}/a/{id}/`
        let segs: Vec<&str> = path_only.trim_matches('/').split('/').collect();
        if path_only.starts_with('/') {
            let id = match segs.as_slice() {
                ["a", id] | [_, "a", id] => Some(*id),
                _ => None,
            };
            if let Some(id) = id {
                return self.by_id(&decode_path(id), fragment, dest);
            }
            return self.root_absolute(dest, path_only, fragment, false);
        }
        if path_only.is_empty() {
            return Resolution::Keep;
        }
        if path_only.ends_with(".md") || path_only.ends_with(".markdown") {
            let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
            let target = normalize(&from_dir.join(decode_path(path_only)));
            return match self.article_at(&target) {
                Some(f) => self.found(f, fragment, dest),
                None => Resolution::Broken {
                    code: "broken-link",
                    message: format!(
                        "`{dest}` does not exist; check the path (relative to this file)"
                    ),
                    error: true,
                },
            };
        }
        if let Some(r) = self.page_relative(path_only, fragment) {
            return r;
        }
        match self.asset(dest) {
            // A relative link to something that is not a file may be a page of the host site.
            Resolution::Broken { code, message, .. } => Resolution::Broken {
                code,
                message,
                error: false,
            },
            other => other,
        }
    }

    fn asset(&self, src: &str) -> Resolution {
        let src = src.trim();
        if is_external(src) || src.is_empty() || src.starts_with('#') {
            return Resolution::Keep;
        }
        let (path, _) = split_fragment(src);
        let path = path.split('?').next().unwrap_or(path);
        if src.starts_with('/') {
            return self.root_absolute(src, path, None, true);
        }
        let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
        self.file_at(src, normalize(&from_dir.join(decode_path(path))))
    }
}

impl ArticleResolver<'_> {
    /// The article written in file `target`, if any: `Ok` when visible, `Err` when it is not
    /// published in this build.
    fn article_at(&self, target: &Path) -> Option<Result<usize, usize>> {
        let tables = &self.index.tables;
        match tables.by_path.get(target) {
            Some(&i) => Some(Ok(i)),
            None => tables.all_paths.get(target).map(|&i| Err(i)),
        }
    }

    /// The article a path without extension names, as a page folder would: `p.md`,
    /// `p.markdown`, `p/index.md`, `p/_index.md`, `p/README.md`; or `p` itself with an extension.
    fn page_at(&self, base: &Path) -> Option<Result<usize, usize>> {
        let name = base.file_name()?.to_string_lossy().into_owned();
        if name.ends_with(".md") || name.ends_with(".markdown") {
            return self.article_at(base);
        }
        [
            base.with_file_name(format!("{name}.md")),
            base.with_file_name(format!("{name}.markdown")),
            base.join("index.md"),
            base.join("_index.md"),
            base.join("README.md"),
        ]
        .iter()
        .find_map(|p| self.article_at(p))
    }

    fn found(&self, found: Result<usize, usize>, fragment: Option<&str>, dest: &str) -> Resolution {
        match found {
            Ok(t) => self.to_article(t, fragment),
            Err(_) => Resolution::Broken {
                code: "link-to-unpublished",
                message: format!(
                    "`{dest}` links to an article that is not published (draft or archived)"
                ),
                error: false,
            },
        }
    }

    /// A link written relative to the article's page rather than its file, as Hugo sites do
    /// (`../other-page/` from `guides/install.md` is `guides/other-page.md`), or to a page
    /// without its extension (`other-page`).
    fn page_relative(&self, path: &str, fragment: Option<&str>) -> Option<Resolution> {
        let file_like = Path::new(path.trim_end_matches('/'))
            .extension()
            .is_some_and(|e| !e.eq_ignore_ascii_case("html"));
        if file_like {
            return None;
        }
        let from_dir = self.article().path.parent().unwrap_or(Path::new(""));
        let decoded = decode_path(path.trim_end_matches('/'));
        let mut candidates = vec![decoded.as_str()];
        if let Some(rest) = decoded.strip_prefix("../") {
            candidates.insert(0, rest);
        }
        candidates.into_iter().find_map(|rel| {
            let base = normalize(&from_dir.join(rel));
            (base.starts_with(normalize(&self.index.content_dir)))
                .then(|| self.page_at(&base))
                .flatten()
                .map(|f| self.found(f, fragment, path))
        })
    }

    /// A link or file reference starting with `/`: a path under the content folder (after
    /// `content_url_prefix`, if it starts with that), with or without `.md` and trailing `/`;
    /// else an article's URL or one of the site's own pages; else reported as `root_links`
    /// says (a `.md` path that matches nothing is always a `broken-link` error).
    fn root_absolute(
        &self,
        dest: &str,
        path: &str,
        fragment: Option<&str>,
        is_asset: bool,
    ) -> Resolution {
        let tables = &self.index.tables;
        let decoded = decode_path(path);
        let content_dir = normalize(&self.index.content_dir);
        let mut candidates = Vec::new();
        if let Some(prefix) = &tables.prefix
            && let Some(rest) = decoded.strip_prefix(prefix.as_str())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            candidates.push(rest);
        }
        candidates.push(decoded.as_str());
        for rel in candidates {
            let rel = rel.trim_matches('/');
            if rel.is_empty() {
                continue;
            }
            let base = normalize(&content_dir.join(rel));
            if !base.starts_with(&content_dir) {
                continue;
            }
            if !is_asset && let Some(f) = self.page_at(&base) {
                return self.found(f, fragment, dest);
            }
            if base.is_file() {
                return self.file_at(dest, base);
            }
        }
        let as_page = format!("{}/", path.trim_end_matches('/'));
        if let Some(&t) = tables.by_url.get(&as_page) {
            return self.to_article(t, fragment);
        }
        if self.is_site_page(path) {
            return Resolution::Keep;
        }
        if !is_asset && (path.ends_with(".md") || path.ends_with(".markdown")) {
            return Resolution::Broken {
                code: "broken-link",
                message: format!(
                    "`{dest}` matches no article: links starting with `/` are read from the content folder{}",
                    tables
                        .prefix
                        .as_ref()
                        .map(|p| format!(" (or after `{p}/`, `content_url_prefix`)"))
                        .unwrap_or_default()
                ),
                error: true,
            };
        }
        match tables.level(path) {
            LinkLevel::Ignore => Resolution::Keep,
            level => Resolution::Broken {
                code: "unresolved-link",
                message: format!(
                    "`{dest}` matches no article or file of the content folder and is kept as written; if the host serves it, set `root_links` in ayuda.yaml to `ignore` for its prefix"
                ),
                error: level == LinkLevel::Error,
            },
        }
    }

    /// True for the site's own pages: a locale's home, categories, ticket form, what's new,
    /// feeds and short links, and the search page.
    fn is_site_page(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let locales = &self.index.library.locales;
        match segs.as_slice() {
            [""] | ["search"] | ["sitemap.xml"] | ["feed.xml"] => true,
            [l, rest @ ..] if locales.iter().any(|x| x == l) => matches!(
                rest,
                [] | ["categories", ..]
                    | ["tickets", ..]
                    | ["whats-new", ..]
                    | ["whats-new.xml"]
                    | ["feed.xml"]
                    | ["search"]
            ),
            _ => false,
        }
    }

    /// The site's copy of file `target` (written as `src`), checked to be inside the content
    /// folder.
    fn file_at(&self, src: &str, target: PathBuf) -> Resolution {
        let under = target
            .strip_prefix(normalize(&self.index.content_dir))
            .map(|p| p.to_string_lossy().into_owned())
            // A backslash separates folders on Windows only; elsewhere it is part of a file
            // name that no published path may hold.
            .map(|p| {
                if cfg!(windows) {
                    p.replace('\\', "/")
                } else {
                    p
                }
            });
        let kind = self.index.linked_file(&target);
        match under {
            Ok(_) if kind == LinkedFile::Outside => Resolution::Broken {
                code: crate::content::paths::UNSAFE_PATH,
                message: format!(
                    "`{src}` is a symbolic link that leads outside the content folder; it is not published"
                ),
                error: true,
            },
            Ok(rel) if kind == LinkedFile::Inside => match crate::util::path_problem(&rel) {
                None => Resolution::Asset {
                    url: file_url(&rel),
                },
                Some(why) => Resolution::Broken {
                    code: crate::content::paths::UNSAFE_PATH,
                    message: format!("`{src}` names a file whose path {why}; rename the file"),
                    error: true,
                },
            },
            Ok(_) => Resolution::Broken {
                code: "missing-file",
                message: format!("`{src}` does not exist next to this article"),
                error: true,
            },
            Err(_) => Resolution::Broken {
                code: "missing-file",
                message: format!("`{src}` points outside the content folder"),
                error: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_uri_scheme_is_external() {
        for dest in [
            "sms:+1555",
            "tel:+1",
            "skype:x?call",
            "whatsapp://send",
            "MAILTO:a@b",
            "//cdn",
        ] {
            assert!(is_external(dest), "{dest}");
        }
        for dest in [
            "img/a.png",
            "C:/x.png",
            "a.md#x:y",
            "../b",
            "?q=a:b",
            "/x:y",
        ] {
            assert!(!is_external(dest), "{dest}");
        }
    }
}
