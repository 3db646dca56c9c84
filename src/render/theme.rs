//! Themes: Tera templates, static assets and UI strings; the built-in default theme is embedded
//! in the binary and any file of it can be overridden by the site.

use crate::config::Config;
use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::path::Path;
use tera::{Context, Tera};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// UI strings of one locale.
pub type Strings = BTreeMap<String, String>;

/// A loaded theme, ready to render pages.
pub struct Theme {
    tera: Tera,
    /// Template sources by name, as resolved (overrides applied).
    pub templates: BTreeMap<String, String>,
    /// Static files by path below `static/`.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// UI strings per locale (`i18n/<locale>.yaml`).
    pub strings: BTreeMap<String, Strings>,
}

/// A theme that cannot be loaded: a template that does not parse, or bad UI strings.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ThemeError {
    pub file: String,
    pub message: String,
}

impl Theme {
    /// Loads the configured theme (or the built-in one) with the site's overrides under
    /// `ROOT/templates/` and `ROOT/static/`.
    pub fn load(root: &Path, config: &Config) -> Result<Theme, ThemeError> {
        let mut files: BTreeMap<String, Vec<u8>> = match &config.theme {
            Some(dir) => read_tree(&root.join(dir))?,
            None => embedded_files(),
        };
        for (rel, bytes) in read_tree(&root.join("templates"))? {
            files.insert(format!("templates/{rel}"), bytes);
        }
        for (rel, bytes) in read_tree(&root.join("static"))? {
            files.insert(format!("static/{rel}"), bytes);
        }
        Theme::from_files(files)
    }

    /// Loads a theme folder as written by a build into `OUT/theme/` (for the service).
    pub fn from_dir(dir: &Path) -> Result<Theme, ThemeError> {
        Theme::from_files(read_tree(dir)?)
    }

    /// Builds a theme from `templates/…`, `static/…` and `i18n/…` files.
    pub fn from_files(files: BTreeMap<String, Vec<u8>>) -> Result<Theme, ThemeError> {
        let mut templates = BTreeMap::new();
        let mut static_files = BTreeMap::new();
        let mut strings: BTreeMap<String, Strings> = BTreeMap::new();
        for (path, bytes) in files {
            if let Some(name) = path.strip_prefix("templates/") {
                let text = String::from_utf8(bytes).map_err(|_| ThemeError {
                    file: path.clone(),
                    message: "template is not UTF-8".into(),
                })?;
                templates.insert(name.to_string(), text);
            } else if let Some(name) = path.strip_prefix("static/") {
                static_files.insert(name.to_string(), bytes);
            } else if let Some(name) = path.strip_prefix("i18n/") {
                let locale = name.trim_end_matches(".yaml").trim_end_matches(".yml");
                let text = String::from_utf8_lossy(&bytes);
                let map: Strings = crate::yaml::from_str(&text).map_err(|e| ThemeError {
                    file: path.clone(),
                    message: format!(
                        "{} (line {})",
                        e.message,
                        e.line.map_or("?".into(), |l| l.to_string())
                    ),
                })?;
                strings.insert(locale.to_string(), map);
            }
        }
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".xml"]);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| ThemeError {
                file: "templates".into(),
                message: e.to_string(),
            })?;
        Ok(Theme {
            tera,
            templates,
            static_files,
            strings,
        })
    }

    /// UI strings for `locale`, each key falling back to English, then to Spanish.
    pub fn strings_for(&self, locale: &str) -> Strings {
        let base = locale.split(['-', '_']).next().unwrap_or(locale);
        let mut out = Strings::new();
        for l in ["es", "en", base, locale] {
            if let Some(s) = self.strings.get(l) {
                out.extend(s.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        out
    }

    /// True when the theme has a template of that name.
    pub fn has(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, ThemeError> {
        self.tera.render(name, context).map_err(|e| ThemeError {
            file: format!("templates/{name}"),
            message: error_chain(&e),
        })
    }

    /// Every file of the theme as a build writes it to `OUT/theme/`.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for (n, t) in &self.templates {
            out.insert(format!("templates/{n}"), t.as_bytes().to_vec());
        }
        for (n, b) in &self.static_files {
            out.insert(format!("static/{n}"), b.clone());
        }
        for (l, s) in &self.strings {
            if let Ok(text) = crate::yaml::to_string(s) {
                out.insert(format!("i18n/{l}.yaml"), text.into_bytes());
            }
        }
        out
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

fn embedded_files() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![&DEFAULT_THEME];
    while let Some(dir) = stack.pop() {
        for f in dir.files() {
            out.insert(
                f.path().to_string_lossy().replace('\\', "/"),
                f.contents().to_vec(),
            );
        }
        stack.extend(dir.dirs());
    }
    out
}

/// Reads every file below `dir` (none when it does not exist), keyed by `/`-separated path.
fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, ThemeError> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| ThemeError {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_file() {
            let rel = crate::content::rel(dir, entry.path());
            if rel.split('/').any(|s| s.starts_with('.')) {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| ThemeError {
                file: entry.path().display().to_string(),
                message: e.to_string(),
            })?;
            out.insert(rel, bytes);
        }
    }
    Ok(out)
}
