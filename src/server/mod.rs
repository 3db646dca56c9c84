//! The service: static site, search API and pages, health and metrics.
//!
//! [`router`] builds every route from an [`AppState`]; other features `.merge()` their own
//! routes into it. The served build lives behind an [`ArcSwap`] so writer mode can swap in a
//! rebuilt site (pages and indexes) without restarting.

pub mod client;
pub mod feedback;
pub mod files;
pub mod headers;
pub mod listen;
pub mod metrics;
pub mod search;
pub mod writer;

use crate::render::theme::PageRenderer;
use crate::search::Engine;
use crate::search::gaps::GapRecorder;
use crate::tickets::queue::database::Backend;
use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
pub use metrics::Metrics;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// A build as the service serves it: static files, search indexes, page renderer.
pub struct LoadedSite {
    /// The build's output folder (holds `site/`, `search/`, `theme/`).
    pub dist: PathBuf,
    /// Search engine over `dist/search/` (absent when the build has no indexes).
    pub engine: Option<Arc<Engine>>,
    /// Renders `search.html` and other service pages with the site's theme.
    pub renderer: Option<Arc<PageRenderer>>,
    /// Writer mode: the pages, in memory (`site/...` paths); `dist/site/` otherwise.
    pub pages: Option<Arc<writer::build::Pages>>,
}

impl LoadedSite {
    /// Opens a build; missing indexes or theme are logged, not fatal (the static site still works).
    pub fn open(dist: &Path) -> LoadedSite {
        let engine = Engine::open(dist)
            .inspect_err(|e| tracing::warn!("search disabled: {e}"))
            .ok();
        let renderer = PageRenderer::from_dist(dist)
            .inspect_err(|e| tracing::warn!("service pages use the fallback layout: {e}"))
            .ok();
        LoadedSite {
            dist: dist.to_path_buf(),
            engine: engine.map(Arc::new),
            renderer: renderer.map(Arc::new),
            pages: None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The site being served; swap it to publish a rebuild.
    pub site: Arc<ArcSwap<LoadedSite>>,
    pub metrics: Arc<Metrics>,
    /// Zero-result queries, flushed to the data folder.
    pub gaps: Arc<GapRecorder>,
    /// Writer mode: build status and live-reload events.
    pub live: Option<Arc<writer::live::Live>>,
    /// Who the client of a request is (per-client limits).
    pub proxy: Arc<client::ProxyTrust>,
    /// The ticket queue and its worker, for `/healthz` and the queue metrics.
    pub tickets: Option<crate::tickets::TicketsState>,
    /// Article votes (`POST /api/feedback`); absent until the data folder's database is open.
    pub feedback: Option<Arc<feedback::FeedbackService>>,
}

impl AppState {
    /// State serving `site`, recording content gaps in `data_dir`.
    pub fn new(site: LoadedSite, data_dir: &Path) -> AppState {
        AppState {
            site: Arc::new(ArcSwap::from_pointee(site)),
            metrics: Arc::new(Metrics::new()),
            gaps: Arc::new(GapRecorder::open(data_dir)),
            live: None,
            proxy: Arc::new(client::ProxyTrust::default()),
            tickets: None,
            feedback: None,
        }
    }
}

/// Every route of the service: `/api/search`, `/api/suggest`, `/search`, `/healthz`, `/metrics`,
/// and the static site as the fallback.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes (the ticket endpoints), all logged, counted and compressed.
pub fn router_with(state: AppState, extra: Router) -> Router {
    routes(state.clone())
        .merge(extra)
        .layer(middleware::from_fn_with_state(state, observe))
        .layer(CompressionLayer::new())
}

fn routes(state: AppState) -> Router {
    Router::new()
        .route("/api/search", get(search::api_search))
        .route("/api/suggest", get(search::api_suggest))
        .route("/search", get(search::page))
        .route("/api/feedback", post(feedback::post))
        .route("/api/search/opened", post(feedback::opened))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/_ayuda/live.js", get(writer::live::script))
        .route("/_ayuda/events", get(writer::live::events))
        .route("/_ayuda/status", get(writer::live::status))
        .fallback(files::serve)
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    let site = state.site.load();
    let locales: Vec<&str> = site
        .engine
        .as_ref()
        .map(|e| e.locales().collect())
        .unwrap_or_default();
    let worker = state
        .tickets
        .as_ref()
        .map(|t| t.inner().deliverer.worker_state());
    // A stopped delivery worker means tickets are taken but never delivered.
    let (code, status) = match worker {
        Some("stopped") => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "degraded"),
        _ => (axum::http::StatusCode::OK, "ok"),
    };
    let mut body = serde_json::json!({"status": status, "search_locales": locales});
    if let Some(w) = worker {
        body["worker"] = w.into();
    }
    (code, axum::Json(body)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    if let Some(t) = &state.tickets {
        let inner = t.inner();
        match inner.store.stats().await {
            Ok(stats) => text.push_str(&metrics::render_queue(
                &inner.deliverer.target_ids(),
                &stats,
                jiff::Timestamp::now(),
            )),
            Err(e) => tracing::warn!("queue metrics: {e}"),
        }
        match inner.store.ticket_stats(jiff::Timestamp::now()).await {
            Ok(stats) => text.push_str(&metrics::render_tickets(&stats)),
            Err(e) => tracing::warn!("ticket metrics: {e}"),
        }
        text.push_str(&inner.deliverer.metrics.render());
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// What a handler adds to its access-log line (a ticket's reference), as a response extension.
#[derive(Debug, Clone)]
pub struct AccessNote(pub String);

/// Request logging and per-route counts and latency.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("static", |m| m.as_str())
        .to_string();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status();
    // Path only: query strings may carry what a partner typed.
    match res.extensions().get::<AccessNote>() {
        Some(note) => tracing::info!(
            target: "ayuda::access",
            %method, path, status = status.as_u16(), ms = metrics::millis(elapsed),
            reference = %note.0
        ),
        None => tracing::info!(
            target: "ayuda::access",
            %method, path, status = status.as_u16(), ms = metrics::millis(elapsed)
        ),
    }
    state.metrics.inc(
        "ayuda_http_requests_total",
        &[
            ("route", &route),
            ("method", method.as_str()),
            ("status", status.as_str()),
        ],
    );
    state.metrics.observe(
        "ayuda_http_request_duration_seconds",
        &[("route", &route)],
        elapsed.as_secs_f64(),
    );
    res
}

/// What `ayuda serve` serves.
#[derive(Debug, Clone)]
pub enum Source {
    /// A finished build (production).
    Dist(PathBuf),
    /// A site root, built once at start (writers).
    Root(PathBuf),
}

/// `ayuda serve` options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub source: Source,
    pub bind: String,
    /// Data folder; `DIST/../data` or `ROOT/data` when absent.
    pub data: Option<PathBuf>,
    /// `--database`: the shared database; `AYUDA_DATABASE_URL` or `DATA/tickets.sqlite` when
    /// absent.
    pub database: Option<String>,
    /// Writer mode: poll the files instead of waiting for file system events.
    pub poll: bool,
    /// Open a browser at the served address.
    pub open: bool,
}

/// How often recorded content gaps are written to the data folder.
const FLUSH_EVERY: Duration = Duration::from_secs(30);

/// Runs the service until SIGTERM or Ctrl-C, then flushes what it recorded.
pub async fn run(opts: ServeOptions) -> anyhow::Result<()> {
    let root = match &opts.source {
        Source::Dist(dist) => {
            anyhow::ensure!(
                dist.join("site").is_dir(),
                "{} is not a build output (no site/ folder); run `ayuda build` first",
                dist.display()
            );
            None
        }
        Source::Root(root) => Some(root.clone()),
    };
    let Some(root) = root else {
        let Source::Dist(dist) = &opts.source else {
            unreachable!("checked above")
        };
        let parent = dist
            .canonicalize()
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        let data = opts.data.clone().unwrap_or(parent.join("data"));
        let site = tokio::task::spawn_blocking({
            let dist = dist.clone();
            move || LoadedSite::open(&dist)
        })
        .await?;
        let state = AppState::new(site, &data);
        let config = crate::Config::load_from_dist(dist)?;
        return serve_state(&opts, state, &config, Some(dist), &data).await;
    };

    // Writer mode: build into memory, then watch and rebuild.
    let root = root.canonicalize().unwrap_or(root);
    if let Some(problem) = writer::root_problem(&root) {
        eprintln!("ayuda: warning: {problem}; serving it anyway because --root names it");
    }
    let config = crate::Config::load(&root)?;
    let scratch = writer::ScratchDir::create()?;
    let data = opts.data.clone().unwrap_or(root.join("data"));
    let mut state = AppState::new(
        LoadedSite {
            dist: scratch.0.clone(),
            engine: None,
            renderer: None,
            pages: Some(Arc::new(Default::default())),
        },
        &data,
    );
    state.live = Some(Arc::new(writer::live::Live::new()));
    let mut ws = writer::build::Workspace::new(root.clone(), scratch.0.clone());
    let (ws, _) = tokio::task::spawn_blocking({
        let state = state.clone();
        move || {
            let o = writer::first_build(&state, &mut ws);
            (ws, o)
        }
    })
    .await?;
    let watch = writer::watch::Watch::start(&root, &writer::content_dir(&root), opts.poll)
        .map_err(|e| anyhow::anyhow!("cannot watch {}: {e}", root.display()))?;
    std::thread::Builder::new()
        .name("ayuda-watch".into())
        .spawn({
            let state = state.clone();
            move || writer::watch_loop(state, ws, watch)
        })?;
    eprintln!(
        "ayuda: watching {}{}",
        root.display(),
        if opts.poll { " (polling)" } else { "" }
    );
    let dist = scratch.0.clone();
    let result = serve_state(&opts, state, &config, Some(&dist), &data).await;
    drop(scratch);
    result
}

/// Listens, serves `state` plus the ticket routes until shutdown, then flushes.
async fn serve_state(
    opts: &ServeOptions,
    mut state: AppState,
    config: &crate::Config,
    dist: Option<&Path>,
    data: &Path,
) -> anyhow::Result<()> {
    state.proxy = Arc::new(client::ProxyTrust::new(
        config.support.limits.trust_forwarded_for,
        config.server.proxy_networks().map_err(anyhow::Error::msg)?,
    ));
    let listener = tokio::net::TcpListener::bind(&opts.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", opts.bind))?;
    let addr = listener.local_addr()?;
    println!("ayuda: serving http://{addr}");
    if opts.open {
        writer::open_browser(&format!("http://{addr}/"));
    }

    // Tickets: the configuration saved with the build, the queue in the database.
    let db = crate::tickets::queue::database::DatabaseUrl::resolve(opts.database.as_deref(), data)
        .map_err(|e| anyhow::anyhow!(e))?;
    let tickets = crate::tickets::http::TicketsState::open_on(config, data, &db, dist).await?;
    let data_db = crate::tickets::queue::database::connect(&db).await?;
    // Search counts: the data folder's files on one machine, the shared database otherwise.
    let shared = (data_db.backend == Backend::Postgres).then(|| data_db.pool.clone());
    if let Some(pool) = &shared {
        let (gaps, searches) = crate::search::gaps_db::load(pool).await?;
        state.gaps.replace(gaps, searches);
    }
    let flusher = tokio::spawn(flush_gaps(state.gaps.clone(), shared.clone(), true));
    let worker = tickets.spawn_worker();
    let watcher = tickets.spawn_watcher();
    state.tickets = Some(tickets.clone());
    state.feedback = Some(Arc::new(feedback::FeedbackService {
        store: Arc::new(crate::feedback::store::SqlFeedback::with_db(&data_db)),
        limiter: crate::tickets::guard::RateLimiter::from_env(
            config.support.limits.rate_limit_per_minute,
        ),
        base_url: config.base().to_string(),
        allowed_origins: config.support.form.allowed_origins.clone(),
        body_timeout: Duration::from_secs(config.server.body_timeout_seconds),
    }));
    let server = &config.server;
    let security = headers::SecurityHeaders::new(
        server
            .content_security_policy
            .as_deref()
            .unwrap_or(headers::DEFAULT_CSP),
    );
    let app = router_with(state.clone(), crate::tickets::http::router(tickets))
        .layer(middleware::from_fn_with_state(
            Arc::new(security),
            headers::add,
        ))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            server.body_timeout_seconds,
        )))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(server.request_timeout_seconds),
        ));
    let live = state.live.clone();
    listen::serve(listener, app, server, async move {
        shutdown_signal().await;
        // Live-reload streams never end by themselves; open pages would keep the service
        // waiting for them.
        if let Some(live) = live {
            live.close();
        }
    })
    .await;
    flusher.abort();
    worker.abort();
    if let Some(w) = watcher {
        w.stop().await;
    }
    flush_gaps(state.gaps.clone(), shared, false).await;
    eprintln!("ayuda: stopped");
    Ok(())
}

/// Writes the search counts to the data folder's files, or adds them to the shared database
/// (`pool`); every [`FLUSH_EVERY`] when `repeat`, else once.
async fn flush_gaps(gaps: Arc<GapRecorder>, pool: Option<sqlx::AnyPool>, repeat: bool) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        if repeat {
            tick.tick().await;
        }
        let result = match &pool {
            Some(pool) => crate::search::gaps_db::flush(pool, &gaps)
                .await
                .map_err(|e| e.to_string()),
            None => {
                let g = gaps.clone();
                match tokio::task::spawn_blocking(move || g.flush()).await {
                    Ok(r) => r.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!("cannot record zero-result searches: {e}");
        }
        if !repeat {
            return;
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
