//! `ayuda new` and `ayuda init`: scaffolding for writers.

use crate::config::Config;
use crate::content::Library;
use crate::util::slugify;
use std::path::{Path, PathBuf};

/// Scaffolding that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let io = |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // create_new: never overwrite a writer's file.
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes a new draft article (or a translation of `translate`) and returns its path.
pub fn new_article(
    root: &Path,
    title: Option<&str>,
    locale: Option<&str>,
    category: Option<&str>,
    translate: Option<&str>,
) -> Result<PathBuf, ScaffoldError> {
    let config = Config::load(root)?;
    let (library, _) = Library::load(root, &config);
    let locale = locale.unwrap_or(config.default_locale()).to_string();
    if !crate::config::is_locale_code(&locale) {
        return Err(ScaffoldError::Usage(format!(
            "`{locale}` is not a locale code such as `es`"
        )));
    }
    let content = root.join(&config.content_dir);
    let uses_locale_folders = library.articles.iter().any(|a| {
        Path::new(&a.file)
            .strip_prefix(config.content_dir.to_string_lossy().as_ref())
            .ok()
            .and_then(|p| p.iter().next())
            .is_some_and(|s| s.to_string_lossy() == a.locale)
    });
    let (id, title, folder) = match translate {
        Some(id) => {
            let original = library
                .articles
                .iter()
                .find(|a| a.id == id)
                .ok_or_else(|| ScaffoldError::Usage(format!("no article has id `{id}`")))?;
            if library
                .articles
                .iter()
                .any(|a| a.id == id && a.locale == locale)
            {
                return Err(ScaffoldError::Usage(format!(
                    "article `{id}` already has a `{locale}` translation"
                )));
            }
            // Same folders as the original, under the new locale.
            let rel = Path::new(&original.file)
                .strip_prefix(config.content_dir.to_string_lossy().as_ref())
                .unwrap_or(Path::new(&original.file))
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let mut parts: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if parts.first().is_some_and(|p| *p == original.locale) {
                parts.remove(0);
            }
            let folder = if uses_locale_folders {
                std::iter::once(locale.clone())
                    .chain(parts)
                    .collect::<PathBuf>()
            } else {
                parts.iter().collect::<PathBuf>()
            };
            let title = title.map_or_else(|| original.title.clone(), str::to_string);
            (id.to_string(), title, folder)
        }
        None => {
            let title = title
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    ScaffoldError::Usage("give the article a title: ayuda new \"Title\"".into())
                })?
                .to_string();
            let base = slugify(&title);
            let mut id = base.clone();
            let mut n = 2;
            while library.articles.iter().any(|a| a.id == id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            let cat = category.map(slugify).unwrap_or_else(|| "general".into());
            let folder = if uses_locale_folders {
                [locale.clone(), cat].iter().collect()
            } else {
                PathBuf::from(cat)
            };
            (id, title, folder)
        }
    };
    let slug = slugify(&title);
    if slug.is_empty() {
        return Err(ScaffoldError::Usage(
            "the title needs at least one letter or digit".into(),
        ));
    }
    let path = content.join(folder).join(format!("{slug}.md"));
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or(jiff::Timestamp::now());
    let text = format!(
        "---\ntitle: {}\nid: {}\nlocale: {locale}\nslug: {slug}\nstatus: draft\ncreatedAt: {now}\nupdatedAt: {now}\ndescription: \"\"\ntags: []\n---\n\nWrite the answer here. Start with the one sentence a partner needs most.\n\n## Steps\n\n1. First step.\n",
        yaml_string(&title),
        yaml_string(&id)
    );
    write_new(&path, &text)?;
    Ok(path)
}

/// Creates a small working help center in `dir`: configuration, two locales, one category.
pub fn init(dir: &Path) -> Result<(), ScaffoldError> {
    if dir.join(crate::config::CONFIG_FILE).exists() {
        return Err(ScaffoldError::Usage(format!(
            "{} already has an ayuda.yaml; nothing was changed",
            dir.display()
        )));
    }
    let files: [(&str, &str); 6] = [
        (
            "ayuda.yaml",
            "# ayuda configuration: every key is optional. See the README for all keys.\ntitle:\n  es: Centro de ayuda\n  en: Help Center\nbase_url: https://help.example.org\ndefault_locale: es\nlocales: [es, en]\n",
        ),
        (".gitignore", "/dist\n/data\n"),
        (
            "content/es/primeros-pasos/_meta.yaml",
            "name: Primeros pasos\ndescription: Lo esencial para empezar.\norder: 1\n",
        ),
        (
            "content/en/primeros-pasos/_meta.yaml",
            "name: Getting started\ndescription: The essentials to get going.\norder: 1\n",
        ),
        (
            "content/es/primeros-pasos/bienvenida.md",
            "---\ntitle: Bienvenida\nid: welcome\nslug: bienvenida\nstatus: published\ndescription: Qué encontrará en este centro de ayuda.\n---\n\nEste centro de ayuda responde las preguntas más frecuentes. Use la búsqueda o\n[abra un ticket](/es/tickets/new/) si no encuentra la respuesta.\n\n## Cómo escribir un artículo\n\nEjecute `ayuda new \"Título\" --category primeros-pasos` y edite el archivo.\n",
        ),
        (
            "content/en/primeros-pasos/welcome.md",
            "---\ntitle: Welcome\nid: welcome\nslug: welcome\nstatus: published\ndescription: What you will find in this help center.\n---\n\nThis help center answers the most frequent questions. Use search, or\n[open a ticket](/en/tickets/new/) when you do not find the answer.\n\n## Writing an article\n\nRun `ayuda new \"Title\" --locale en --category primeros-pasos` and edit the file.\n",
        ),
    ];
    for (rel, text) in files {
        write_new(&dir.join(rel), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{BuildOptions, build};

    #[test]
    fn init_creates_a_site_that_builds_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path()).unwrap();
        let out = tempfile::tempdir().unwrap();
        let report = build(&BuildOptions {
            root: dir.path().to_path_buf(),
            out: Some(out.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        assert_eq!(report.articles, 2);
        assert!(init(dir.path()).is_err(), "init refuses to overwrite");
    }

    #[test]
    fn new_writes_a_draft_in_the_locale_folder_and_translate_shares_the_id() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path()).unwrap();
        let path = new_article(dir.path(), Some("Cómo pagar"), None, Some("Pagos"), None).unwrap();
        assert!(
            path.ends_with("content/es/pagos/como-pagar.md"),
            "{}",
            path.display()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("id: \"como-pagar\""));
        assert!(text.contains("status: draft"));
        let pt = new_article(
            dir.path(),
            Some("Como pagar"),
            Some("en"),
            None,
            Some("como-pagar"),
        )
        .unwrap();
        assert!(
            pt.ends_with("content/en/pagos/como-pagar.md"),
            "{}",
            pt.display()
        );
        assert!(
            std::fs::read_to_string(&pt)
                .unwrap()
                .contains("id: \"como-pagar\"")
        );
        assert!(
            new_article(
                dir.path(),
                Some("Como pagar"),
                Some("en"),
                None,
                Some("como-pagar")
            )
            .is_err()
        );
        // The new drafts build with --drafts.
        let out = tempfile::tempdir().unwrap();
        let report = build(&BuildOptions {
            root: dir.path().to_path_buf(),
            out: Some(out.path().to_path_buf()),
            drafts: true,
            ..Default::default()
        })
        .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.articles, 4);
    }
}
