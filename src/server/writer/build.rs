//! Incremental rebuilds for `ayuda serve`: keep what the last build read and rendered, and
//! redo only what a change touched.
//!
//! - Markdown files are parsed again only when the watcher reports them changed; the other
//!   articles are shared with the last build, not copied.
//! - URLs, translation groups, link lookups and their checks are kept when no article's place
//!   (file, id, locale, slug, category, section, status, old slugs, aliases) changed.
//! - Article bodies are rendered again only when their Markdown changed (or links between
//!   articles could resolve differently).
//! - HTML pages are rendered again only when their inputs changed: the article, the locale
//!   switchers of its translations, the "related" lists of its section, and the listings of its
//!   locale when its title, URL, order or place changed; every page of a locale when the
//!   navigation of that locale changed; every page after a template change (Markdown is not
//!   parsed or rendered again); everything after a configuration change.
//! - The shared template context of a locale is built again only when its listings changed.
//! - Pages live in memory; when no listing changed the page set is the last one with the
//!   re-rendered pages swapped in. Only the search index entries of changed articles are
//!   updated.

use super::plan::{Matching, SearchPlan, plan};
use crate::config::Config;
use crate::content::{Article, Library};
use crate::diag::{Diagnostic, Diagnostics};
use crate::render::theme::Theme;
use crate::search::SearchDoc;
use crate::site::output::url_to_file;
use crate::site::pages::{self, LocaleContexts, Selection};
use crate::site::{BuildError, BuildOptions, Output, Site, feeds};
use axum::body::Bytes;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The pages of the served build, by output path (`site/es/index.html`).
pub type Pages = HashMap<String, Bytes>;

/// What changed on disk since the last build, as the watcher classified it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// `ayuda.yaml` changed: everything is rebuilt.
    pub config: bool,
    /// Templates, theme files or static overrides changed.
    pub theme: bool,
    /// Files under the content folder that changed, appeared or disappeared.
    pub content: BTreeSet<PathBuf>,
    /// A change the watcher could not attribute to a file (a folder rename): list again.
    pub relist: bool,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.config && !self.theme && !self.relist && self.content.is_empty()
    }

    /// Merges another batch of changes.
    pub fn merge(&mut self, other: Changes) {
        self.config |= other.config;
        self.theme |= other.theme;
        self.relist |= other.relist;
        self.content.extend(other.content);
    }
}

/// What one rebuild did, for the terminal, `/_ayuda/status` and live reload.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Outcome {
    /// Increases with each successful build.
    pub build: u64,
    /// False when the content has errors (the last good build is still served).
    pub ok: bool,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Site URLs whose page changed or disappeared.
    pub changed: Vec<String>,
    /// True when every page may have changed (theme, configuration, navigation).
    pub all: bool,
    /// Pages rendered in this rebuild.
    pub rendered: usize,
    pub elapsed_ms: u64,
    /// A configuration or theme error that stopped the build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fatal: Option<String>,
}

/// Cached result of reading one Markdown file (the article is shared with the library).
type Parsed = (Option<Arc<Article>>, Vec<Diagnostic>);

/// The state `ayuda serve` keeps between builds.
pub struct Workspace {
    root: PathBuf,
    options: BuildOptions,
    /// Holds `theme/` and `search/` for the service (pages stay in memory).
    pub dist: PathBuf,
    config_text: Option<String>,
    meta_files: Vec<PathBuf>,
    /// Every Markdown file of the content folder as last read, in path order.
    parsed: BTreeMap<PathBuf, Parsed>,
    /// Last good build.
    site: Option<Site>,
    pages: Arc<Pages>,
    /// Output paths of the listing pages of each locale, and of assets.
    listing_paths: BTreeMap<String, BTreeSet<String>>,
    asset_paths: BTreeSet<String>,
    /// Output paths of the sitemap, feeds and redirect pages, as last written.
    feed_paths: BTreeSet<String>,
    /// The shared template contexts of the locales in the last good build.
    contexts: LocaleContexts,
    /// Old URLs of articles renamed or moved while serving → (locale, id).
    moved: BTreeMap<String, (String, String)>,
    /// Search index work left for after the pages are served.
    pending_search: Option<SearchPlan>,
    /// Changes read by builds that failed, so never published: the next build redoes them.
    unpublished: Changes,
    build: u64,
}

impl Workspace {
    /// A workspace for `root`, keeping its service files in `dist` (a private temporary folder).
    pub fn new(root: PathBuf, dist: PathBuf) -> Workspace {
        let options = BuildOptions {
            root: root.clone(),
            writer_mode: true,
            ..Default::default()
        };
        Workspace {
            root,
            options,
            dist,
            config_text: None,
            meta_files: Vec::new(),
            parsed: BTreeMap::new(),
            site: None,
            pages: Arc::new(Pages::new()),
            listing_paths: BTreeMap::new(),
            asset_paths: BTreeSet::new(),
            feed_paths: BTreeSet::new(),
            contexts: LocaleContexts::new(),
            moved: BTreeMap::new(),
            pending_search: None,
            unpublished: Changes::default(),
            build: 0,
        }
    }

    /// The pages of the last good build.
    pub fn pages(&self) -> Arc<Pages> {
        self.pages.clone()
    }

    /// Rebuilds after `changes` (the first call builds everything). On content errors the last
    /// good build stays; the outcome carries the diagnostics.
    pub fn rebuild(&mut self, changes: &Changes) -> Outcome {
        let start = Instant::now();
        // A build that failed published nothing: what it read must still reach the pages (an
        // article saved while another one was broken), so its changes join this one.
        let mut changes_now = std::mem::take(&mut self.unpublished);
        changes_now.merge(changes.clone());
        let changes = &changes_now;
        let mut outcome = match self.try_rebuild(changes) {
            Ok(o) => o,
            Err(e) => Outcome {
                build: self.build,
                ok: false,
                errors: vec![Diagnostic::error(fatal_file(&e), "build", e.to_string())],
                fatal: Some(e.to_string()),
                ..Default::default()
            },
        };
        outcome.elapsed_ms = start.elapsed().as_millis() as u64;
        if !outcome.ok {
            self.unpublished = changes_now;
        }
        outcome
    }

    fn try_rebuild(&mut self, changes: &Changes) -> Result<Outcome, BuildError> {
        let start = Instant::now();
        let config_text = std::fs::read_to_string(self.root.join("ayuda.yaml")).ok();
        let config = Config::load(&self.root)?;
        let theme = Theme::load(&self.root, &config)?;
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "config and theme"
        );
        let first = self.site.is_none();
        let config_changed = first || changes.config || config_text != self.config_text;
        let full = config_changed;

        // Files: list again when needed, read only what changed.
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        let mut to_read: Vec<PathBuf> = Vec::new();
        if full || changes.relist {
            let (md, meta, _) = Library::list_files(&self.root, &config);
            if full {
                self.parsed.clear();
            }
            let listed: BTreeSet<PathBuf> = md.into_iter().collect();
            self.parsed
                .retain(|p, _| listed.contains(p) && !changes.content.contains(p));
            to_read = listed
                .into_iter()
                .filter(|p| !self.parsed.contains_key(p))
                .collect();
            self.meta_files = meta;
        } else {
            let content_dir = self.root.join(&config.content_dir);
            for p in &changes.content {
                self.parsed.remove(p);
                if is_article_file(p, &content_dir) && p.is_file() {
                    to_read.push(p.clone());
                }
            }
        }
        for p in &changes.content {
            dirty.insert(crate::content::rel(&self.root, p));
        }
        if changes.content.iter().any(|p| is_meta_file(p)) {
            let (_, meta, _) = Library::list_files(&self.root, &config);
            self.meta_files = meta;
        }
        let root = self.root.clone();
        let fresh: Vec<(PathBuf, Parsed)> = {
            use rayon::prelude::*;
            to_read
                .into_par_iter()
                .map(|p| {
                    let (article, diags) = crate::content::read_article(&root, &config, &p);
                    (p, (article.map(Arc::new), diags))
                })
                .collect()
        };
        for (p, parsed) in fresh {
            dirty.insert(crate::content::rel(&self.root, &p));
            self.parsed.insert(p, parsed);
        }
        let loaded: Vec<Parsed> = self.parsed.values().cloned().collect();
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "parsed"
        );
        let (library, diags) = Library::assemble(
            &self.root,
            &config,
            loaded,
            &self.meta_files,
            Diagnostics::default(),
        );
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "library assembled"
        );
        let prev = if full { None } else { self.site.as_ref() };
        let site = Site::from_parts_reusing(
            self.root.clone(),
            config,
            library,
            theme,
            self.options.clone(),
            diags,
            prev,
        );
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "site rendered"
        );
        self.config_text = config_text;
        if site.diagnostics.has_errors() {
            // A file whose front matter fails is the writer's first fix: its error leads.
            let mut errors = site.diagnostics.errors.clone();
            errors.sort_by_key(|d| d.code != "yaml-syntax");
            return Ok(Outcome {
                build: self.build,
                ok: false,
                errors,
                warnings: site.diagnostics.warnings.clone(),
                ..Default::default()
            });
        }
        let meta_changed = changes.content.iter().any(|p| is_meta_file(p));
        self.publish(site, &dirty, full || changes.theme || meta_changed, full)
    }

    /// Renders what changed between the last good build and `site`, and makes `site` current.
    fn publish(
        &mut self,
        site: Site,
        dirty: &BTreeSet<String>,
        all: bool,
        reindex: bool,
    ) -> Result<Outcome, BuildError> {
        let start = Instant::now();
        let last = self.site.as_ref();
        // Another set of locales changes every page (locale switchers, navigation).
        let prev = last.filter(|p| !all && p.library.locales == site.library.locales);
        let matching = last.map(|p| Matching::new(&p.library, &site.library));
        let mut sel = match (prev, &matching) {
            (Some(p), Some(m)) => plan(p, &site, dirty, m),
            _ => Selection::all(&site),
        };
        // The shared contexts of the locales whose listings did not change are kept; a locale
        // whose navigation changed re-renders all of its pages.
        let mut contexts = match prev {
            Some(_) => self.contexts.clone(),
            None => LocaleContexts::new(),
        };
        contexts.retain(|l, _| !sel.listings.contains(l));
        let fresh = pages::locale_contexts(
            &site,
            site.library
                .locales
                .iter()
                .filter(|l| !contexts.contains_key(*l)),
        );
        let mut nav_changed = false;
        for (l, lc) in fresh {
            let before = self.contexts.get(&l).map(|c| c.site_value());
            if prev.is_none() || before != Some(lc.site_value()) {
                nav_changed = true;
                sel.articles.extend(
                    site.urls
                        .keys()
                        .copied()
                        .filter(|&i| site.library.articles[i].locale == l),
                );
                sel.listings.insert(l.clone());
            }
            contexts.insert(l, lc);
        }
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "planned"
        );

        let delta = Output::memory();
        let rendered = pages::write_selected_with(&site, &delta, &sel, &contexts)?;
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "pages rendered"
        );
        let mut delta = delta.into_files();
        let old = self.pages.clone();
        let mut changed: BTreeSet<String> = BTreeSet::new();
        let mut next: Pages;
        let mut moved = self.moved.clone();
        let mut listing_paths = self.listing_paths.clone();
        let mut asset_paths = self.asset_paths.clone();
        let mut feed_paths = self.feed_paths.clone();
        if prev.is_some() && sel.listings.is_empty() {
            // No listing changed, so no URL did and no article came or went: the same outputs
            // exist, only some article pages were rendered again.
            next = (*old).clone();
        } else {
            // Sitemap, feeds and redirects change only with what listings show (URLs, titles,
            // summaries, dates, old slugs) or with the set of articles.
            let feeds_out = Output::memory();
            feeds::write_feeds(&site, &feeds_out)?;
            let files = feeds_out.into_files();
            feed_paths = files.keys().cloned().collect();
            delta.extend(files);
            tracing::debug!(
                ms = crate::server::metrics::millis(start.elapsed()),
                "feeds written"
            );

            // Articles renamed or moved while serving keep answering at their old URL.
            if let Some(p) = last {
                let now: BTreeSet<&String> = site.urls.values().collect();
                for (&j, old_url) in p.urls.iter() {
                    if !now.contains(old_url) {
                        let a = &p.library.articles[j];
                        moved.insert(old_url.clone(), (a.locale.clone(), a.id.clone()));
                    }
                }
            }
            // Moved articles: a redirect page at the old URL, unless a page lives there now.
            let article_paths: BTreeSet<String> = site
                .urls
                .values()
                .map(|u| format!("site/{}", url_to_file(u)))
                .collect();
            let by_id: HashMap<(&str, &str), &String> = site
                .urls
                .iter()
                .map(|(&i, u)| {
                    let a = &site.library.articles[i];
                    ((a.locale.as_str(), a.id.as_str()), u)
                })
                .collect();
            let mut redirect_paths = BTreeSet::new();
            for (old, (locale, id)) in &moved {
                let path = format!("site/{}", url_to_file(old));
                if article_paths.contains(&path) || delta.contains_key(&path) {
                    continue;
                }
                if let Some(to) = by_id.get(&(locale.as_str(), id.as_str())) {
                    delta.insert(path.clone(), pages::redirect_page(to, locale).into_bytes());
                    redirect_paths.insert(path);
                }
            }

            // Which outputs exist now: listings and assets as last rendered, feeds as just
            // written.
            for l in &sel.listings {
                let prefix = format!("site/{l}/");
                let paths: BTreeSet<String> = delta
                    .keys()
                    .filter(|k| k.starts_with(&prefix) && !article_paths.contains(*k))
                    .cloned()
                    .collect();
                listing_paths.insert(l.clone(), paths);
            }
            listing_paths.retain(|l, _| site.library.locales.contains(l));
            if sel.assets {
                asset_paths = delta
                    .keys()
                    .filter(|k| k.starts_with("site/assets/") || k.starts_with("site/files/"))
                    .cloned()
                    .collect();
            }
            let keep = |k: &str| {
                article_paths.contains(k)
                    || redirect_paths.contains(k)
                    || feed_paths.contains(k)
                    || asset_paths.contains(k)
                    || k == "site/index.html"
                    || k == "site/404.html"
                    || listing_paths.values().any(|s| s.contains(k))
            };
            next = old
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            changed = old
                .keys()
                .filter(|k| !next.contains_key(*k) && !delta.contains_key(*k))
                .cloned()
                .collect();
        }
        for (k, v) in delta {
            if !k.starts_with("site/") {
                continue;
            }
            if old.get(&k).is_none_or(|b| b[..] != v[..]) {
                changed.insert(k.clone());
            }
            next.insert(k, Bytes::from(v));
        }
        tracing::debug!(
            ms = crate::server::metrics::millis(start.elapsed()),
            "merged"
        );

        // Service files (search page renderer) on disk.
        if prev.is_none() || nav_changed {
            write_service_files(&site, &self.dist)?;
        }
        let search = match (last, &matching) {
            (Some(p), Some(m)) if !reindex => SearchPlan::diff(p, &site, &sel, m),
            _ => SearchPlan::Full,
        };
        let outcome = Outcome {
            build: self.build + 1,
            ok: true,
            errors: Vec::new(),
            warnings: site.diagnostics.warnings.clone(),
            all: prev.is_none() || nav_changed,
            changed: changed.iter().map(|k| path_to_url(k)).collect(),
            rendered,
            elapsed_ms: 0,
            fatal: None,
        };
        self.pages = Arc::new(next);
        self.listing_paths = listing_paths;
        self.asset_paths = asset_paths;
        self.feed_paths = feed_paths;
        self.contexts = contexts;
        self.moved = moved;
        self.build += 1;
        self.site = Some(site);
        self.pending_search = Some(search);
        Ok(outcome)
    }
}

impl Workspace {
    /// Brings the search indexes in line with the last good build (after its pages are
    /// served). Returns true when the indexes changed and the engine must be opened again.
    pub fn update_search(&mut self) -> Result<bool, BuildError> {
        let Some(plan) = self.pending_search.take() else {
            return Ok(false);
        };
        let Some(site) = self.site.as_ref() else {
            return Ok(false);
        };
        let dir = self.dist.join("search");
        let full = |site: &Site| {
            crate::search::write_indexes(
                &dir,
                &site.search_docs(),
                &site.config.search,
                &site.library.default_locale,
            )
        };
        match plan {
            SearchPlan::Full => full(site)?,
            SearchPlan::Update(plan) => {
                if plan.is_empty() {
                    return Ok(false);
                }
                for (locale, (remove, add)) in &plan {
                    if !dir.join(locale).is_dir() {
                        full(site)?;
                        return Ok(true);
                    }
                    let docs: Vec<&SearchDoc> = add.iter().collect();
                    crate::search::update_locale(&dir, locale, remove, &docs, &site.config.search)
                        .map_err(std::io::Error::other)?;
                }
            }
        }
        Ok(true)
    }
}

/// Writes the theme snapshot and context files the service's own pages (search) use.
fn write_service_files(site: &Site, dist: &Path) -> Result<(), BuildError> {
    let output = Output::disk(dist.to_path_buf());
    site.write_service_files(&output)?;
    output.commit()?;
    Ok(())
}

/// `site/es/x/index.html` → `/es/x/`.
fn path_to_url(path: &str) -> String {
    let rel = path.strip_prefix("site").unwrap_or(path);
    match rel.strip_suffix("index.html") {
        Some(dir) => dir.to_string(),
        None => rel.to_string(),
    }
}

/// The file a fatal build error is about, for the overlay.
fn fatal_file(e: &BuildError) -> String {
    match e {
        BuildError::Config(_) => "ayuda.yaml".into(),
        BuildError::Theme(t) => t.file.clone(),
        BuildError::Io(_) => String::new(),
    }
}

/// True for a Markdown file the content loader reads.
fn is_article_file(p: &Path, content_dir: &Path) -> bool {
    let Ok(under) = p.strip_prefix(content_dir) else {
        return false;
    };
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hidden = under.iter().any(|s| {
        let s = s.to_string_lossy();
        s.starts_with('.') || s == "node_modules"
    });
    !hidden && (name.ends_with(".md") || name.ends_with(".markdown")) && !name.starts_with('_')
}

/// True for a folder metadata file.
fn is_meta_file(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| crate::content::taxonomy::is_meta_name(&n.to_string_lossy()))
}

/// How long a batch of changes waits for quiet. Editors save in one burst of events (write a
/// temporary file, rename it) well within this; a longer wait only delays every reload.
pub const DEBOUNCE: Duration = Duration::from_millis(15);
