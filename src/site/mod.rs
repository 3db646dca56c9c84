//! The build: from the article library to a complete static help center and its search indexes.
//!
//! [`Site::load`] reads and renders everything and collects every diagnostic without writing;
//! [`Site::write`] renders the pages through the theme into an [`Output`] (disk or memory).

pub mod conflicts;
mod context;
pub mod feeds;
mod layout;
mod listing_pages;
mod nav;
pub mod output;
pub mod pages;
pub mod resolver;
pub mod urls;

use crate::config::{Config, ConfigError};
use crate::content::Library;
use crate::diag::{Diagnostic, Diagnostics};
use crate::render::markdown::{self, Labels, Rendered};
use crate::render::theme::{Theme, ThemeError};
use crate::search::{DocSection, SearchDoc};
use layout::{Layout, lay_out, link_fingerprint, same_places};
pub use output::Output;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root (holds `ayuda.yaml` and `content/`).
    pub root: PathBuf,
    /// Output folder; `ROOT/<output_dir>` (default `ROOT/dist`) when absent.
    pub out: Option<PathBuf>,
    /// Include drafts and archived articles.
    pub drafts: bool,
    /// Overrides `base_url`.
    pub base_url: Option<String>,
    /// Pages carry the live-reload script and writer hints.
    pub writer_mode: bool,
    /// Show a progress bar on the terminal.
    pub progress: bool,
    /// Write no search indexes (benchmarks measure what indexing adds to a build).
    pub skip_search: bool,
}

/// A build that cannot start: configuration or theme problems, or the output cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("theme: {0}")]
    Theme(#[from] ThemeError),
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

/// The figures of a build, as `ayuda build --json` prints them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BuildReport {
    pub articles: usize,
    pub pages: usize,
    pub locales: BTreeMap<String, usize>,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
    pub elapsed_ms: u128,
    /// Markdown files left out on purpose (names starting with `_`), filled by `check`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// Whether a site keeps what it was made from once it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sources {
    /// `ayuda serve` and tools: the next rebuild compares and reuses them.
    Keep,
    /// `ayuda build`: each article's Markdown goes once rendered and its HTML once its page
    /// is written, so a large site is never all in memory twice (issue 17).
    Release,
}

/// A loaded and rendered site, not yet written.
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub library: Library,
    pub theme: Theme,
    pub options: BuildOptions,
    /// Canonical URL of every visible article, by article index. Like `groups` and the link
    /// lookups it depends only on the places of articles (file, id, locale, slug, category,
    /// section, status, old slugs and aliases): `ayuda serve` shares it with the previous build
    /// when a save moved no article, which is most saves.
    pub urls: Arc<BTreeMap<usize, String>>,
    /// Rendered body of every visible article, by article index (shared with the previous
    /// build of `ayuda serve` when the Markdown did not change).
    pub rendered: BTreeMap<usize, Arc<Rendered>>,
    /// Revisions, dates and old URLs of the articles (from git when in a checkout; issue 6).
    pub history: Arc<crate::history::History>,
    pub diagnostics: Diagnostics,
    /// Visible articles by translation id, in site locale order.
    pub groups: Arc<HashMap<String, Vec<usize>>>,
    /// Link lookups and the problems found in the places of articles.
    layout: Arc<Layout>,
    /// UI strings per locale.
    pub strings: BTreeMap<String, crate::render::theme::Strings>,
    /// The example each locale's search box shows (see `search::placeholder`).
    pub search_examples: BTreeMap<String, String>,
}

impl Site {
    /// Loads configuration, content and theme, renders every visible article and checks links.
    pub fn load(options: &BuildOptions) -> Result<Site, BuildError> {
        Site::load_keeping(options, Sources::Keep)
    }

    /// Like [`Site::load`]; with [`Sources::Release`] each article's Markdown is dropped once
    /// rendered (a build that is written once needs it no more).
    fn load_keeping(options: &BuildOptions, sources: Sources) -> Result<Site, BuildError> {
        let root = options.root.clone();
        let mut config = Config::load(&root)?;
        if let Some(base) = &options.base_url {
            config.base_url = base.clone();
        }
        let theme = Theme::load(&root, &config)?;
        let t = Instant::now();
        let (library, diagnostics) = Library::load(&root, &config);
        tracing::debug!(
            ms = t.elapsed().as_millis() as u64,
            articles = library.articles.len(),
            "content loaded"
        );
        Ok(Site::assemble(
            root,
            config,
            library,
            theme,
            options.clone(),
            diagnostics,
            None,
            sources,
        ))
    }

    /// Renders an already loaded library (used by `load` and by incremental rebuilds).
    pub fn from_parts(
        root: PathBuf,
        config: Config,
        library: Library,
        theme: Theme,
        options: BuildOptions,
        diagnostics: Diagnostics,
    ) -> Site {
        Site::from_parts_reusing(root, config, library, theme, options, diagnostics, None)
    }

    /// Like [`Site::from_parts`], reusing what `prev` (the previous build of `ayuda serve`)
    /// already derived: the URLs, translation groups, link lookups and their checks when no
    /// article's place changed; the Markdown of every article whose body did not change, as
    /// long as no article URL, id or file changed (links between articles resolve the same);
    /// and the git history when the set of articles is the same. `prev` must have been built
    /// with the same configuration.
    pub fn from_parts_reusing(
        root: PathBuf,
        config: Config,
        library: Library,
        theme: Theme,
        options: BuildOptions,
        diagnostics: Diagnostics,
        prev: Option<&Site>,
    ) -> Site {
        Site::assemble(
            root,
            config,
            library,
            theme,
            options,
            diagnostics,
            prev,
            Sources::Keep,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        root: PathBuf,
        config: Config,
        mut library: Library,
        theme: Theme,
        options: BuildOptions,
        mut diagnostics: Diagnostics,
        prev: Option<&Site>,
        sources: Sources,
    ) -> Site {
        let content_dir = root.join(&config.content_dir);
        // The layout of a build with errors is worked out again: their lines may have moved.
        let kept = prev.filter(|p| {
            p.options.drafts == options.drafts
                && !p.layout.diagnostics.iter().any(Diagnostic::is_error)
                && same_places(&p.library, &library)
        });
        let (urls, groups, layout) = match kept {
            Some(p) => (p.urls.clone(), p.groups.clone(), p.layout.clone()),
            None => {
                let (urls, groups, layout) = lay_out(&config, &library, &options);
                (Arc::new(urls), Arc::new(groups), Arc::new(layout))
            }
        };
        diagnostics.extend(layout.diagnostics.iter().cloned());
        // Each job owns the Markdown it renders when the sources are released, so a body is
        // dropped as soon as its article is rendered.
        let jobs: Vec<(usize, Option<String>)> = urls
            .keys()
            .map(|&i| {
                let body = match sources {
                    Sources::Keep => None,
                    Sources::Release => library
                        .articles
                        .get_mut(i)
                        .and_then(Arc::get_mut)
                        .map(|a| std::mem::take(&mut a.body)),
                };
                (i, body)
            })
            .collect();
        let index = urls::LinkIndex::new(&library, &urls, &layout.links, &content_dir);
        let strings: BTreeMap<String, crate::render::theme::Strings> = library
            .locales
            .iter()
            .map(|l| (l.clone(), theme.strings_for(l)))
            .collect();
        let t = Instant::now();
        // What the previous build rendered can be reused when links resolve the same way.
        let reuse = prev.filter(|p| {
            p.strings == strings
                && (kept.is_some()
                    || link_fingerprint(&p.library, &p.urls) == link_fingerprint(&library, &urls))
        });
        let counterparts = reuse
            .map(|p| library.counterparts(&p.library))
            .unwrap_or_default();
        let rendered: BTreeMap<usize, Arc<Rendered>> = jobs
            .into_par_iter()
            .map(|(i, body)| {
                let a = &library.articles[i];
                let body = body.as_deref().unwrap_or(&a.body);
                if let Some(p) = reuse
                    && let Some(&Some(j)) = counterparts.get(i)
                {
                    let old = &p.library.articles[j];
                    if (Arc::ptr_eq(old, a) || old.body == a.body)
                        && old.body_line_offset == a.body_line_offset
                        && old.locale == a.locale
                        && let Some(r) = p.rendered.get(&j)
                    {
                        return (i, r.clone());
                    }
                }
                let s = &strings[&a.locale];
                let get = |k: &str| s.get(k).map_or("", String::as_str);
                let labels = Labels {
                    callouts: [
                        get("callout_note"),
                        get("callout_tip"),
                        get("callout_important"),
                        get("callout_warning"),
                        get("callout_caution"),
                    ],
                    code: get("code_label"),
                };
                let resolver = index.resolver(i);
                let mut r = markdown::render(
                    body,
                    &a.file,
                    a.body_line_offset,
                    &resolver,
                    &labels,
                    config.markdown.raw_html,
                );
                // The heading the body opened with is the page's title; links to it still land.
                if let Some(h) = &a.heading {
                    r.heading_ids.push(crate::util::github_id(h));
                }
                (i, Arc::new(r))
            })
            .collect();
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "markdown rendered");
        // Cross-article anchors.
        for (&i, r) in &rendered {
            diagnostics.extend(r.diagnostics.iter().cloned());
            for check in &r.anchor_checks {
                let Some(t) = check.target else { continue };
                let Some(target) = rendered.get(&t) else {
                    continue;
                };
                if !target.heading_ids.contains(&check.anchor) {
                    diagnostics.push(
                        Diagnostic::warning(
                            &library.articles[i].file,
                            "broken-anchor",
                            format!(
                                "`{}`: {} has no heading with id `{}`",
                                check.dest, library.articles[t].file, check.anchor
                            ),
                        )
                        .at(Some(check.line), Some(check.column)),
                    );
                }
            }
        }
        // History: one git log for the whole library (docs/history.md).
        let history = match reuse {
            Some(p) if p.options.root == options.root => p.history.clone(),
            _ => Arc::new(crate::history::History::load(
                &root, &config, &library, &urls,
            )),
        };
        diagnostics.extend(history.diagnostics.iter().cloned());
        if !config.search.synonyms.is_empty() {
            let text = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).ok();
            diagnostics.extend(crate::search::synonyms::diagnostics(
                &config.search,
                text.as_deref(),
                |locale| {
                    let locale = locale.to_string();
                    urls.keys()
                        .map(|&i| (&library.articles[i], &rendered[&i]))
                        .filter(move |(a, _)| a.locale == locale)
                        .flat_map(|(a, r)| {
                            [a.title.as_str()]
                                .into_iter()
                                .chain(a.front.tags.iter().map(String::as_str))
                                .chain(a.front.keywords.iter().map(String::as_str))
                                .chain(a.front.description.as_deref())
                                .chain(
                                    r.sections
                                        .iter()
                                        .flat_map(|s| [s.heading.as_str(), s.text.as_str()]),
                                )
                        })
                },
            ));
        }
        let (search_examples, placeholder_warnings) = crate::search::placeholder::examples(
            &config.search,
            std::fs::read_to_string(root.join(crate::config::CONFIG_FILE))
                .ok()
                .as_deref(),
            library
                .locales
                .iter()
                .map(|l| {
                    let articles = || {
                        urls.keys()
                            .map(|&i| (&library.articles[i], &rendered[&i]))
                            .filter(move |(a, _)| a.locale == *l)
                    };
                    crate::search::placeholder::Locale {
                        code: l.as_str(),
                        default: strings
                            .get(l)
                            .and_then(|s| s.get("search_example"))
                            .map(String::as_str),
                        titles: articles().map(|(a, _)| a.title.as_str()).collect(),
                        texts: articles().flat_map(|(a, r)| {
                            a.front.keywords.iter().map(String::as_str).chain(
                                r.sections
                                    .iter()
                                    .flat_map(|s| [s.heading.as_str(), s.text.as_str()]),
                            )
                        }),
                    }
                })
                .collect(),
        );
        diagnostics.extend(placeholder_warnings);
        // Front-matter `changes:` lists readers see as history (docs/history.md).
        for &i in urls.keys() {
            diagnostics.extend(crate::history::notes::written_changes(&library.articles[i]).1);
        }
        diagnostics.sort();
        Site {
            root,
            config,
            library,
            theme,
            options,
            urls,
            rendered,
            history,
            diagnostics,
            groups,
            strings,
            search_examples,
            layout,
        }
    }

    /// The output folder for `ayuda build`.
    pub fn out_dir(&self) -> PathBuf {
        self.options
            .out
            .clone()
            .unwrap_or_else(|| self.root.join(&self.config.output_dir))
    }

    /// Visible articles per locale.
    pub fn locale_counts(&self) -> BTreeMap<String, usize> {
        let mut counts: BTreeMap<String, usize> = self
            .library
            .locales
            .iter()
            .map(|l| (l.clone(), 0))
            .collect();
        for &i in self.urls.keys() {
            *counts
                .entry(self.library.articles[i].locale.clone())
                .or_default() += 1;
        }
        counts
    }

    /// The documents the search indexes are built from, in a stable order.
    pub fn search_docs(&self) -> Vec<SearchDoc> {
        self.urls
            .iter()
            .map(|(&i, url)| self.search_doc(i, url))
            .collect()
    }

    /// The search document of visible article `i`, published at `url`.
    pub fn search_doc(&self, i: usize, url: &str) -> SearchDoc {
        let a = &self.library.articles[i];
        let r = &self.rendered[&i];
        let (cat_name, sec_name) = pages::taxonomy_names(self, a);
        SearchDoc {
            id: a.id.clone(),
            locale: a.locale.clone(),
            title: a.title.clone(),
            url: url.to_string(),
            category: a.category.clone(),
            category_name: cat_name,
            section: a.section.clone().unwrap_or_default(),
            section_name: sec_name.unwrap_or_default(),
            description: a.front.description.clone().unwrap_or_default(),
            tags: a.front.tags.clone(),
            keywords: a.front.keywords.clone(),
            sections: if r.sections.is_empty() {
                Arc::from([DocSection {
                    anchor: String::new(),
                    heading: String::new(),
                    text: String::new(),
                }])
            } else {
                r.sections.clone()
            },
            updated: self.history.updated(a).map(|t| t.to_string()),
        }
    }

    /// Renders every page and writes the site, the theme snapshot and the search indexes, then
    /// removes the files of a previous build that this one did not write. Returns the number of
    /// pages written.
    pub fn write(&self, output: &Output) -> Result<usize, BuildError> {
        self.write_taking(output, BTreeMap::new())
    }

    /// Like [`Site::write`] for a site written once: each article's HTML moves out of
    /// [`Site::rendered`] and is dropped as soon as its page is written.
    fn write_once(mut self, output: &Output) -> Result<usize, BuildError> {
        let html: BTreeMap<usize, String> = self
            .rendered
            .iter_mut()
            .filter_map(|(&i, r)| Some((i, std::mem::take(&mut Arc::get_mut(r)?.html))))
            .collect();
        self.write_taking(output, html)
    }

    /// Writes the site; article pages take their HTML from `html` where it has it.
    fn write_taking(
        &self,
        output: &Output,
        html: BTreeMap<usize, String>,
    ) -> Result<usize, BuildError> {
        let search_dir = output
            .tree_dir("search")
            .filter(|_| !self.options.skip_search);
        std::thread::scope(|scope| {
            // The search indexes need only the rendered articles: they are written while the
            // pages render, on threads of their own. So are the feeds, sitemap, redirects and
            // service files, which are single-threaded.
            let indexing = search_dir.as_deref().map(|dir| {
                scope.spawn(move || {
                    lower_thread_priority();
                    let t = Instant::now();
                    let result = crate::search::write_indexes(
                        dir,
                        &self.search_docs(),
                        &self.config.search,
                        &self.library.default_locale,
                    );
                    tracing::debug!(
                        ms = t.elapsed().as_millis() as u64,
                        "search indexes written"
                    );
                    result
                })
            });
            let others = scope.spawn(|| {
                let t = Instant::now();
                feeds::write_feeds(self, output)?;
                self.write_service_files(output)?;
                tracing::debug!(
                    ms = t.elapsed().as_millis() as u64,
                    "feeds, sitemap, redirects and service files written"
                );
                Ok::<(), BuildError>(())
            });
            let t = Instant::now();
            let pages = pages::write_pages(self, output, html)?;
            tracing::debug!(ms = t.elapsed().as_millis() as u64, pages, "pages written");
            others
                .join()
                .map_err(|_| std::io::Error::other("the feed writing thread panicked"))??;
            if let Some(job) = indexing {
                job.join()
                    .map_err(|_| std::io::Error::other("the search indexing thread panicked"))??;
            }
            // Nothing of the previous output changed until here (README: a failed build
            // writes nothing).
            output.commit()?;
            // Files of the previous build that this one did not write (the search folder is
            // replaced per locale).
            output.remove_stale("site")?;
            output.remove_stale("theme")?;
            Ok(pages)
        })
    }

    /// Every published article's id, locale, URL, title and source file (relative to the
    /// root), so reports on what partners did can name the file a writer edits.
    pub fn article_sources(&self) -> Vec<ArticleSource> {
        self.urls
            .iter()
            .filter_map(|(&i, url)| {
                let a = self.library.articles.get(i)?;
                Some(ArticleSource {
                    id: a.id.clone(),
                    locale: a.locale.clone(),
                    url: url.clone(),
                    title: a.title.clone(),
                    file: a.file.clone(),
                })
            })
            .collect()
    }

    /// Writes what the service needs besides the pages: the theme snapshot, the site's
    /// metadata, its configuration and the shared template context of each locale.
    pub fn write_service_files(&self, output: &Output) -> Result<(), BuildError> {
        for (name, bytes) in self.theme.files() {
            output.write(&format!("theme/{name}"), &bytes)?;
        }
        output.write(
            "theme/site.json",
            &serde_json::to_vec_pretty(&pages::service_meta(self))
                .map_err(std::io::Error::other)?,
        )?;
        // The configuration the service needs (support calendar, locales); secrets never live
        // in ayuda.yaml, they come from the environment.
        let config_text = crate::yaml::to_string(&self.config).map_err(std::io::Error::other)?;
        output.write("theme/ayuda.yaml", config_text.as_bytes())?;
        output.write(
            ARTICLES_FILE,
            &serde_json::to_vec(&self.article_sources()).map_err(std::io::Error::other)?,
        )?;
        for (locale, ctx) in pages::service_contexts(self) {
            output.write(
                &format!("theme/context/{locale}.json"),
                &serde_json::to_vec(&ctx).map_err(std::io::Error::other)?,
            )?;
        }
        Ok(())
    }
}

/// Where a build lists its articles' sources (see [`Site::article_sources`]).
pub const ARTICLES_FILE: &str = "theme/articles.json";

/// An article as `theme/articles.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArticleSource {
    pub id: String,
    pub locale: String,
    pub url: String,
    pub title: String,
    /// Source file relative to the site root (`content/es/guia/facturas.md`).
    pub file: String,
}

/// Lowers the scheduling priority of the calling thread and of the threads it starts (Linux
/// threads inherit it): the search indexing of a build yields the cores to the page rendering,
/// which the build waits for anyway, and uses what the rendering leaves idle (its serial end).
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority only read their integer arguments; a failure leaves the
    // priority as it was, which is harmless.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// Builds `ROOT` into its output folder: nothing is written when the content has errors.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let site = Site::load_keeping(options, Sources::Release)?;
    let mut report = BuildReport {
        articles: site.urls.len(),
        locales: site.locale_counts(),
        warnings: site.diagnostics.warnings.clone(),
        errors: site.diagnostics.errors.clone(),
        ..Default::default()
    };
    if !site.diagnostics.has_errors() {
        let output = Output::disk(site.out_dir());
        report.pages = site.write_once(&output)?;
    }
    report.elapsed_ms = start.elapsed().as_millis();
    Ok(report)
}

/// Checks `ROOT` like a build, writing nothing.
pub fn check(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let site = Site::load(options)?;
    Ok(BuildReport {
        articles: site.urls.len(),
        pages: 0,
        locales: site.locale_counts(),
        warnings: site.diagnostics.warnings.clone(),
        errors: site.diagnostics.errors.clone(),
        elapsed_ms: start.elapsed().as_millis(),
        skipped: Library::skipped_files(&site.root, &site.config),
    })
}

/// Used by tests and tools: the site root of a path, resolved.
pub fn canonical_root(root: &Path) -> PathBuf {
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}
