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

    /// UI strings for `locale`, each key falling back to English.
    pub fn strings_for(&self, locale: &str) -> Strings {
        let base = locale.split(['-', '_']).next().unwrap_or(locale);
        let mut out = Strings::new();
        for l in ["en", base, locale] {
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

/// Renders theme pages outside a build (the service's search results, ticket form and thank-you
/// pages) with the same shared context the build gave every page of a locale.
pub struct PageRenderer {
    theme: Theme,
    /// `{site, t, assets}` per locale, as written by the build to `OUT/theme/context/<locale>.json`.
    contexts: BTreeMap<String, serde_json::Value>,
    default_locale: String,
}

/// The page-specific part of a context (`page.*` in docs/templates.md).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PageMeta {
    pub title: String,
    /// Site-relative URL of the page.
    pub url: String,
    pub description: String,
}

impl PageRenderer {
    /// Loads the theme snapshot and per-locale contexts a build wrote to `DIST/theme/`.
    pub fn from_dist(dist: &Path) -> Result<PageRenderer, ThemeError> {
        let theme_dir = dist.join("theme");
        let mut files = read_tree(&theme_dir)?;
        let mut contexts = BTreeMap::new();
        let context_files: Vec<String> = files
            .keys()
            .filter(|k| k.starts_with("context/"))
            .cloned()
            .collect();
        for name in context_files {
            let bytes = files.remove(&name).unwrap_or_default();
            let locale = name
                .trim_start_matches("context/")
                .trim_end_matches(".json")
                .to_string();
            let value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| ThemeError {
                    file: format!("theme/{name}"),
                    message: e.to_string(),
                })?;
            contexts.insert(locale, value);
        }
        let meta = files.remove("site.json").unwrap_or_default();
        let default_locale = serde_json::from_slice::<serde_json::Value>(&meta)
            .ok()
            .and_then(|v| v["default_locale"].as_str().map(str::to_string))
            .unwrap_or_else(|| "en".into());
        Ok(PageRenderer {
            theme: Theme::from_files(files)?,
            contexts,
            default_locale,
        })
    }

    /// Builds a renderer from a loaded theme and contexts (used in writer mode).
    pub fn new(
        theme: Theme,
        contexts: BTreeMap<String, serde_json::Value>,
        default_locale: String,
    ) -> PageRenderer {
        PageRenderer {
            theme,
            contexts,
            default_locale,
        }
    }

    /// A renderer of the built-in default theme without site contexts: mails of a service
    /// started without a built site still have their templates and strings.
    pub fn embedded() -> Result<PageRenderer, ThemeError> {
        Ok(PageRenderer::new(
            Theme::from_files(embedded_files())?,
            BTreeMap::new(),
            "en".into(),
        ))
    }

    /// Renders a template that is not a page (a mail) for `locale`: `t` (the locale's
    /// strings), `site` (the build's, when known) and `mail`.
    pub fn render_mail(
        &self,
        template: &str,
        locale: &str,
        mail: &serde_json::Value,
    ) -> Result<String, ThemeError> {
        let mut ctx = Context::new();
        let site = self
            .contexts
            .get(locale)
            .map_or_else(|| serde_json::json!({"title": ""}), |c| c["site"].clone());
        ctx.insert("site", &site);
        ctx.insert("t", &self.theme.strings_for(locale));
        ctx.insert("mail", mail);
        self.theme.render(template, &ctx)
    }

    /// The locale to use for a requested one: itself when the site has it, else the default.
    pub fn locale<'a>(&'a self, requested: Option<&'a str>) -> &'a str {
        match requested {
            Some(l) if self.contexts.contains_key(l) => l,
            _ => &self.default_locale,
        }
    }

    /// Locales the site publishes.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.contexts.keys().map(String::as_str)
    }

    /// UI strings of a locale.
    pub fn strings(&self, locale: &str) -> Strings {
        self.theme.strings_for(locale)
    }

    /// Renders `template` for `locale` with `page` and extra variables; the language switcher
    /// leads to each locale's home.
    pub fn render(
        &self,
        template: &str,
        locale: &str,
        page: &PageMeta,
        extra: &[(&str, serde_json::Value)],
    ) -> Result<String, ThemeError> {
        self.render_localized(template, locale, page, &|l| format!("/{l}/"), extra)
    }

    /// Renders like [`Self::render`], with `locale_url(l)` as the language switcher's link to
    /// locale `l` (a results page leads to the same search in the other locale).
    pub fn render_localized(
        &self,
        template: &str,
        locale: &str,
        page: &PageMeta,
        locale_url: &dyn Fn(&str) -> String,
        extra: &[(&str, serde_json::Value)],
    ) -> Result<String, ThemeError> {
        let locale = self.locale(Some(locale)).to_string();
        let base = self.contexts.get(&locale).cloned().unwrap_or_default();
        let mut ctx = Context::new();
        for key in ["site", "t", "assets"] {
            ctx.insert(key, &base[key]);
        }
        let base_url = base["site"]["base_url"].as_str().unwrap_or("");
        ctx.insert(
            "page",
            &serde_json::json!({
                "kind": template.trim_end_matches(".html"),
                "title": page.title,
                "url": page.url,
                "canonical": format!("{base_url}{}", page.url),
                "description": page.description,
                "lang": locale,
                "alternates": [],
                "translations": self.contexts.keys().map(|l| serde_json::json!({
                    "locale": l,
                    "name": crate::config::locale_name(l),
                    "url": locale_url(l),
                    "current": *l == locale,
                })).collect::<Vec<_>>(),
                "breadcrumbs": [],
                "json_ld": "{}",
                "feed_url": format!("/{locale}/feed.xml"),
            }),
        );
        for (k, v) in extra {
            ctx.insert(k.to_string(), v);
        }
        self.theme.render(template, &ctx)
    }
}
