//! The ticket endpoints' shared state: configuration, calendar, queue, keys, limits, secret.

use crate::render::theme::PageRenderer;
use crate::server::client::ProxyTrust;
use crate::tickets::calendar::Calendar;
use crate::tickets::config::SupportConfig;
use crate::tickets::deliver::Deliverer;
use crate::tickets::escalation::links::LinkSigner;
use crate::tickets::guard::RateLimiter;
use crate::tickets::keys::PartnerKeys;
use crate::tickets::messages::{self};
use crate::tickets::queue::agents::AgentKeys;
use crate::tickets::queue::database::{Backend, DatabaseUrl};
use crate::tickets::store::{SqlStore, TicketStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Shared state of the ticket endpoints.
#[derive(Clone)]
pub struct TicketsState(pub(super) Arc<Inner>);

/// What the endpoints need; built by [`TicketsState::open`] or by hand in tests.
pub struct Inner {
    pub config: SupportConfig,
    pub calendar: Calendar,
    /// Locales a ticket may carry.
    pub locales: Vec<String>,
    pub default_locale: String,
    pub base_url: String,
    pub store: Arc<dyn TicketStore>,
    pub keys: PartnerKeys,
    pub limiter: RateLimiter,
    /// Who the client is: the peer, or `X-Forwarded-For` from trusted proxies.
    pub proxy: ProxyTrust,
    /// The whole body must arrive within this (`server.body_timeout_seconds`).
    pub body_timeout: Duration,
    /// Signs time-trap tokens and thank-you links.
    pub secret: Vec<u8>,
    /// Renders the form with errors and the thank-you page with the site's theme.
    pub renderer: Option<Arc<PageRenderer>>,
    pub deliverer: Arc<Deliverer>,
    /// Signs and checks the one-click action links (a key derived from `secret`).
    pub links: LinkSigner,
    /// Agent keys of `POST /api/tickets/{id}/events`.
    pub agents: AgentKeys,
    /// What partners typed in refused form posts, shown again by `GET /tickets/form`.
    pub drafts: super::Drafts,
    /// The data folder: where the ticket form's attachments are kept.
    pub data_dir: std::path::PathBuf,
}

impl Inner {
    /// `requested` when the site has that locale, else the site's default.
    pub fn locale_or_default<'a>(&'a self, requested: &'a str) -> &'a str {
        if self.locales.iter().any(|l| l == requested) {
            requested
        } else {
            &self.default_locale
        }
    }
}

/// Errors opening the ticket service.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("support configuration: {0}: {1}")]
    Config(String, String),
    #[error(transparent)]
    Store(#[from] crate::tickets::store::StoreError),
    #[error(transparent)]
    Keys(#[from] crate::tickets::keys::KeyError),
    #[error("{0}")]
    Other(String),
}

/// Reads the service secret from the configured environment variable, else from (or into)
/// `DATA/secret.key`.
pub fn load_secret(config: &SupportConfig, data: &Path) -> Result<Vec<u8>, OpenError> {
    if let Some(secret) =
        secret_from_env(&config.secret_env, std::env::var(&config.secret_env).ok())?
    {
        return Ok(secret);
    }
    let path = data.join("secret.key");
    match std::fs::read(&path) {
        Ok(b) if b.len() >= 32 => {
            crate::private::restrict(&path)
                .map_err(|e| OpenError::Other(format!("{}: {e}", path.display())))?;
            return Ok(b);
        }
        _ => {}
    }
    let secret: [u8; 32] = rand::random();
    let text = hex::encode(secret);
    crate::private::create_dir(data)
        .map_err(|e| OpenError::Other(format!("{}: {e}", data.display())))?;
    crate::private::write(&path, text.as_bytes())
        .map_err(|e| OpenError::Other(format!("{}: {e}", path.display())))?;
    Ok(text.into_bytes())
}

/// The secret given in environment variable `name`, if set. A value shorter than 16 bytes is
/// refused rather than replaced by `DATA/secret.key`: instances sharing a queue would then each
/// sign with their own file and reject one another's links.
fn secret_from_env(name: &str, value: Option<String>) -> Result<Option<Vec<u8>>, OpenError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() < 16 => Err(OpenError::Other(format!(
            "{name} is set but holds {} bytes; the service secret needs at least 16 \
             (for example: openssl rand -hex 32), or unset it to use DATA/secret.key",
            v.len()
        ))),
        Some(v) => Ok(Some(v.into_bytes())),
    }
}

impl TicketsState {
    /// Wraps prepared parts.
    pub fn new(inner: Inner) -> TicketsState {
        TicketsState(Arc::new(inner))
    }

    /// Opens the queue and keys in `data` for the site configured by `config`; `dist` (a built
    /// site) gives the theme for the HTML pages.
    pub async fn open(
        config: &crate::Config,
        data: &Path,
        dist: Option<&Path>,
    ) -> Result<TicketsState, OpenError> {
        TicketsState::open_on(config, data, &DatabaseUrl::in_folder(data), dist).await
    }

    /// [`TicketsState::open`] with the queue and agent keys in the database `db` (one pool
    /// for both), the other files in `data`.
    pub async fn open_on(
        config: &crate::Config,
        data: &Path,
        db: &DatabaseUrl,
        dist: Option<&Path>,
    ) -> Result<TicketsState, OpenError> {
        let support = config.support.clone();
        let calendar = Calendar::from_config(&support).map_err(|(k, m)| OpenError::Config(k, m))?;
        let db = crate::tickets::queue::database::connect(db).await?;
        let agents = AgentKeys::with_db(&db);
        let keys = crate::tickets::intake::shared::partner_keys(&db, data).await?;
        let secret = match db.backend {
            Backend::Sqlite => load_secret(&support, data)?,
            Backend::Postgres => {
                let name = &support.secret_env;
                let from_env = secret_from_env(name, std::env::var(name).ok())?;
                crate::tickets::intake::shared::shared_secret(&db.pool, from_env, name)
                    .await
                    .map_err(OpenError::Other)?
            }
        };
        let sqlite = SqlStore::with_db(db).await?;
        let released = sqlite.release_leases().await?;
        if released > 0 {
            tracing::info!("resuming {released} deliveries interrupted by the previous run");
        }
        let store: Arc<dyn TicketStore> = Arc::new(sqlite);
        let renderer = match dist {
            Some(d) if d.join("theme").is_dir() => match PageRenderer::from_dist(d) {
                Ok(r) => Some(Arc::new(r)),
                Err(e) => {
                    tracing::warn!("ticket pages without theme: {e}");
                    None
                }
            },
            _ => None,
        };
        let mut locales: Vec<String> = config
            .configured_locales()
            .into_iter()
            .map(|l| l.code)
            .collect();
        if locales.is_empty() {
            locales = match &renderer {
                Some(r) => r.locales().map(str::to_string).collect(),
                None => Vec::new(),
            };
        }
        if locales.is_empty() {
            locales = messages::LANGUAGES.iter().map(|s| s.to_string()).collect();
        }
        let links = LinkSigner::new(&secret);
        let deliverer = Deliverer::new(&support, data.to_path_buf(), config.base())
            .map_err(OpenError::Other)?
            .with_links(links.clone())
            .with_renderer(renderer.clone());
        Ok(TicketsState::new(Inner {
            limiter: RateLimiter::from_env(support.limits.rate_limit_per_minute),
            proxy: ProxyTrust::new(
                support.limits.trust_forwarded_for,
                config.server.proxy_networks().map_err(OpenError::Other)?,
            ),
            body_timeout: Duration::from_secs(config.server.body_timeout_seconds),
            secret,
            links,
            agents,
            keys,
            calendar,
            locales,
            default_locale: config.default_locale().to_string(),
            base_url: config.base().to_string(),
            store,
            renderer,
            deliverer: Arc::new(deliverer),
            drafts: Default::default(),
            data_dir: data.to_path_buf(),
            config: support,
        }))
    }

    /// The state's parts.
    pub fn inner(&self) -> &Inner {
        &self.0
    }

    /// Starts the delivery worker on the current runtime.
    pub fn spawn_worker(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(crate::tickets::deliver::run_worker(
            self.0.store.clone(),
            self.0.deliverer.clone(),
        ))
    }

    /// Starts the SLA watcher on the current runtime (`support.watcher.enabled`); its events
    /// go to every configured target. Stop it with [`WatcherTask::stop`].
    pub fn spawn_watcher(&self) -> Option<WatcherTask> {
        let config = &self.0.config;
        if !config.watcher.enabled {
            return None;
        }
        let watcher = Arc::new(crate::tickets::escalation::watcher::Watcher::new(
            self.0.store.clone(),
            config.clone(),
            self.0.deliverer.target_ids(),
        ));
        let task = tokio::spawn(watcher.clone().run());
        Some(WatcherTask { watcher, task })
    }
}

/// The running SLA watcher of a service.
pub struct WatcherTask {
    watcher: Arc<crate::tickets::escalation::watcher::Watcher>,
    task: tokio::task::JoinHandle<()>,
}

impl WatcherTask {
    /// Stops the watcher (an uncommitted decision is rolled back, the next holder takes it)
    /// and gives its lease up, so a restarted or other process takes over at once.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Err(e) = self.watcher.release().await {
            tracing::warn!("sla watcher: cannot release its lease: {e}");
        }
    }
}

/// Where the ticket data of a site lives by default: `ROOT/data`.
pub fn default_data_dir(root: &Path) -> PathBuf {
    root.join("data")
}

#[cfg(test)]
mod tests {
    use super::secret_from_env;

    #[test]
    fn a_short_secret_in_the_environment_is_an_error_not_ignored() {
        let err = secret_from_env("AYUDA_TICKETS_SECRET", Some("short".into()))
            .expect_err("a 5-byte secret must be refused");
        let text = err.to_string();
        assert!(
            text.contains("AYUDA_TICKETS_SECRET") && text.contains("5 bytes"),
            "{text}"
        );
    }

    #[test]
    fn an_unset_or_empty_secret_falls_back_and_a_long_one_is_used() {
        assert!(secret_from_env("S", None).ok().flatten().is_none());
        assert!(
            secret_from_env("S", Some(String::new()))
                .ok()
                .flatten()
                .is_none()
        );
        let long = "0123456789abcdef0123".to_string();
        assert_eq!(
            secret_from_env("S", Some(long.clone())).ok().flatten(),
            Some(long.into_bytes())
        );
    }
}
