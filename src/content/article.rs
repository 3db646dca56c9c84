//! One article: reading a Markdown file of the content folder and parsing it into an
//! [`Article`] (pure apart from the paths it is given).

use super::*;

/// Reads and parses one Markdown file of the content folder.
pub fn read_article(
    root: &Path,
    config: &Config,
    path: &Path,
) -> (Option<Article>, Vec<Diagnostic>) {
    let content_dir = root.join(&config.content_dir);
    let known: Vec<String> = config.locale_codes();
    let file = rel(root, path);
    let under = path.strip_prefix(&content_dir).unwrap_or(path);
    if path.is_symlink()
        && let Err(d) = paths::check_link(&content_dir, path, &file)
    {
        return (None, vec![d]);
    }
    if let Some(d) = paths::check_size(path, &file, config.markdown.max_article_kb) {
        return (None, vec![d]);
    }
    match std::fs::read_to_string(path) {
        Ok(text) => parse_article(&text, &file, path, under, &known, config.default_locale()),
        Err(e) => (
            None,
            vec![Diagnostic::error(file, "io", format!("cannot read: {e}"))],
        ),
    }
}

impl Article {
    /// The file line of a front matter key, when present.
    pub fn front_line(&self, key: &str) -> Option<usize> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| crate::yaml::key_line(&t, key))
    }
}

/// Reads one article (pure apart from the paths it is given).
pub fn parse_article(
    text: &str,
    file: &str,
    path: &Path,
    under_content: &Path,
    known_locales: &[String],
    default_locale: &str,
) -> (Option<Article>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // A file whose front matter cannot be read still stands at its path, so links to it keep
    // resolving and its own YAML error is the only problem reported for it.
    let mut front_error = None;
    let parts = frontmatter::split(text).unwrap_or_else(|msg| {
        front_error = Some(Diagnostic::error(file, "yaml-syntax", msg).at(Some(1), Some(1)));
        frontmatter::Split {
            yaml: None,
            body: "",
            yaml_line: 0,
            body_line_offset: 0,
        }
    });
    let (front, has_front) = match parts.yaml {
        Some(yaml) => match frontmatter::parse(yaml, file, parts.yaml_line) {
            Ok((fm, ds)) => {
                diags.extend(ds);
                (fm, true)
            }
            Err(d) => {
                front_error = Some(d);
                (FrontMatter::default(), false)
            }
        },
        None => (FrontMatter::default(), false),
    };
    diags.extend(paths::check(text, file, &front));
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }

    let mut segments: Vec<String> = under_content
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let file_name = segments.pop().unwrap_or_default();
    let stem = file_name
        .trim_end_matches(".md")
        .trim_end_matches(".markdown")
        .to_string();
    let is_locale = |s: &str| is_locale_segment(s, known_locales);
    let path_locale = segments
        .first()
        .filter(|s| is_locale(s))
        .cloned()
        .inspect(|_| {
            segments.remove(0);
        });
    let (stem, suffix_locale) = match stem.rsplit_once('.') {
        Some((base, loc)) if is_locale(loc) => (base.to_string(), Some(loc.to_string())),
        _ => (stem, None),
    };
    let locale = front
        .locale
        .clone()
        .or(path_locale)
        .or(suffix_locale)
        .unwrap_or_else(|| default_locale.to_string());

    let mut body = parts.body.to_string();
    let mut body_line_offset = parts.body_line_offset;
    let opening = take_h1(&body).map(|(t, rest, lines)| {
        body = rest;
        body_line_offset += lines;
        t
    });
    let heading = opening.clone();
    let title = match &front.title {
        Some(t) => t.clone(),
        None => match opening {
            Some(t) => t,
            // Front matter promises a title; a draft stub that is never published only warns.
            None if has_front && !matches!(front.status, Some(Status::Draft)) => {
                diags.push(
                    Diagnostic::error(
                        file,
                        "missing-title",
                        "front matter has no `title` and the body no `# heading`; add `title: ...`",
                    )
                    .at(Some(1), Some(1)),
                );
                return (None, diags);
            }
            None => {
                diags.push(Diagnostic::warning(
                    file,
                    "missing-title",
                    format!("no `title` and no `# heading`: the title is taken from the file name `{stem}`"),
                ));
                stem.replace(['-', '_'], " ")
            }
        },
    };

    let folder = segments
        .iter()
        .map(|s| slugify(s))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    let mut folders = segments.into_iter();
    let category_label = front
        .category
        .clone()
        .or_else(|| folders.next())
        .unwrap_or_else(|| "General".to_string());
    let section_label = front.section.clone().or_else(|| folders.next());
    let id_from_path = || {
        let mut p: Vec<String> = under_content
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if p.first().is_some_and(|s| is_locale(s)) {
            p.remove(0);
        }
        if let Some(last) = p.last_mut() {
            *last = stem.clone();
        }
        slugify(&p.join("-"))
    };
    let id = front.id.clone().unwrap_or_else(id_from_path);
    // A page folder's `index.md` (Hugo's page bundles, `README.md` on GitHub) is named after
    // its folder.
    let file_slug = if is_index_stem(&stem) {
        folder.rsplit('/').next().filter(|s| !s.is_empty())
    } else {
        None
    }
    .map_or_else(|| slugify(&stem), str::to_string);
    let slug = front
        .slug
        .as_deref()
        .map(slugify)
        .filter(|s| !s.is_empty())
        .unwrap_or(file_slug);
    let status = front.status.unwrap_or(Status::Published);
    if let Some(e) = front_error {
        diags = vec![e];
    }
    (
        Some(Article {
            file: file.to_string(),
            path: path.to_path_buf(),
            id,
            locale,
            slug,
            title,
            heading,
            status,
            category: slugify(&category_label),
            section: section_label.as_deref().map(slugify),
            folder,
            category_label,
            section_label,
            front,
            body,
            body_line_offset,
        }),
        diags,
    )
}

/// Takes a leading `# Title` line (after blank lines) off a body: (title, rest, lines removed).
fn take_h1(body: &str) -> Option<(String, String, usize)> {
    let mut skipped = 0;
    for line in body.lines() {
        if line.trim().is_empty() {
            skipped += 1;
            continue;
        }
        let title = line.strip_prefix("# ")?.trim().trim_end_matches('#').trim();
        let rest: String = body.split_inclusive('\n').skip(skipped + 1).collect();
        return Some((title.to_string(), rest, skipped + 1));
    }
    None
}

/// True when a path segment names a locale: one of `known`, or, when no locales are configured,
/// a code such as `es` or `pt-BR` (three-letter folder names like `faq` are not taken as locales).
pub fn is_locale_segment(segment: &str, known: &[String]) -> bool {
    if known.is_empty() {
        config::is_locale_code(segment) && (segment.len() == 2 || segment.contains('-'))
    } else {
        known.iter().any(|k| k == segment)
    }
}
