//! The ticket commands behind `ayuda sla`, `ayuda partners`, `ayuda agents` and `ayuda tickets`; `main.rs` only
//! parses arguments and maps these results to exit codes ([`command`] holds the `tickets`
//! subcommands themselves).

mod agents;
mod command;

pub use agents::{AgentsCommand, run_agents};
pub use command::{TicketsCommand, run};

use crate::tickets::calendar::{self, Calendar};
use crate::tickets::escalation::lifecycle::Change;
use crate::tickets::escalation::plan;
use crate::tickets::escalation::watcher::{Tick, Watcher};
use crate::tickets::intake::shared;
use crate::tickets::keys;
use crate::tickets::queue::database::{DatabaseUrl, connect};
use crate::tickets::store::{Changed, ListFilter, SqlStore, StoreError, TicketStore};
use crate::tickets::{TicketsState, router};
use anyhow::{Context, Result, anyhow};
use jiff::Timestamp;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn load_config(root: &Path) -> Result<crate::Config> {
    crate::Config::load(root).map_err(|e| anyhow!("{e}"))
}

/// The data folder: `--data` or `ROOT/data`.
pub fn data_dir(root: &Path, data: Option<PathBuf>) -> PathBuf {
    data.unwrap_or_else(|| root.join("data"))
}

/// The database: `--database`, else `AYUDA_DATABASE_URL`, else `DATA/tickets.sqlite`.
pub fn database(flag: Option<&str>, data: &Path) -> Result<DatabaseUrl> {
    DatabaseUrl::resolve(flag, data).map_err(|e| anyhow!(e))
}

/// `ayuda sla --json`: the deadlines of a ticket of `kind` received `at` (RFC 3339), as the
/// contract JSON, plus its escalation `plan` (who is told what, when) and the `levels`.
pub fn sla(root: &Path, kind: &str, at: &str, locale: Option<&str>) -> Result<serde_json::Value> {
    let (config, cal, d) = sla_deadlines(root, kind, at)?;
    let locale = plan_locale(&config, locale)?;
    let mut v = calendar::sla_json(kind, &cal, &d);
    let (plan, levels) = plan::plan_json(&config.support, &cal, kind, &d, &locale);
    v["plan"] = plan;
    v["levels"] = levels;
    Ok(v)
}

/// `ayuda sla`: the same plan as text, role names in `locale` (default: the site's default).
pub fn sla_text(root: &Path, kind: &str, at: &str, locale: Option<&str>) -> Result<String> {
    let (config, cal, d) = sla_deadlines(root, kind, at)?;
    let locale = plan_locale(&config, locale)?;
    Ok(plan::plan_text(&config.support, &cal, kind, &d, &locale))
}

/// `locale` when the site has it, else the site's default locale; an unknown one is an error.
fn plan_locale(config: &crate::Config, locale: Option<&str>) -> Result<String> {
    match locale {
        None => Ok(config.default_locale().to_string()),
        Some(l) if config.locale_codes().iter().any(|c| c == l) => Ok(l.to_string()),
        Some(l) => anyhow::bail!(
            "--locale {l}: the site's locales are {}",
            config.locale_codes().join(", ")
        ),
    }
}

fn sla_deadlines(
    root: &Path,
    kind: &str,
    at: &str,
) -> Result<(crate::Config, Calendar, calendar::Deadlines)> {
    let config = load_config(root)?;
    let cal = Calendar::from_config(&config.support).map_err(|(k, m)| anyhow!("{k}: {m}"))?;
    let received: Timestamp = at.parse().with_context(|| {
        format!("`{at}` is not an RFC 3339 instant such as 2026-03-06T17:30:00-05:00")
    })?;
    if config.support.request_type(kind).is_none() {
        let known: Vec<&str> = config.support.types.iter().map(|t| t.id.as_str()).collect();
        return Err(anyhow!(
            "unknown type `{kind}`; configured types: {}",
            known.join(", ")
        ));
    }
    let d = calendar::deadlines(&config.support, &cal, kind, received)?;
    Ok((config, cal, d))
}

/// `ayuda partners add`: the new key, to print once.
pub fn partners_add(data: &Path, db: &DatabaseUrl, name: &str) -> Result<String> {
    if let DatabaseUrl::Postgres(_) = db {
        return runtime()?.block_on(async {
            let pool = connect(db).await?.pool;
            Ok(shared::add(&pool, name, argon2::Argon2::default()).await?)
        });
    }
    Ok(keys::add(data, name)?)
}

/// `ayuda partners list`: name, created, revoked per key (never hashes).
pub fn partners_list(data: &Path, db: &DatabaseUrl) -> Result<Vec<serde_json::Value>> {
    let list = match db {
        DatabaseUrl::Postgres(_) => runtime()?.block_on(async {
            let pool = connect(db).await?.pool;
            anyhow::Ok(shared::list(&pool).await?)
        })?,
        DatabaseUrl::Sqlite(_) => keys::list(data)?,
    };
    Ok(list
        .into_iter()
        .map(|p| {
            serde_json::json!({"name": p.name, "key_id": p.key_id, "created": p.created,
                "revoked": p.revoked, "active": p.revoked.is_none()})
        })
        .collect())
}

/// `ayuda partners revoke`.
pub fn partners_revoke(data: &Path, db: &DatabaseUrl, name: &str) -> Result<()> {
    if let DatabaseUrl::Postgres(_) = db {
        return runtime()?.block_on(async {
            let pool = connect(db).await?.pool;
            Ok(shared::revoke(&pool, name).await?)
        });
    }
    Ok(keys::revoke(data, name)?)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `ayuda tickets list`: summaries, newest first.
pub fn tickets_list(
    db: &DatabaseUrl,
    filter: ListFilter,
) -> Result<Vec<crate::tickets::store::TicketSummary>> {
    ensure_queue(db)?;
    runtime()?.block_on(async {
        let store = SqlStore::connect(db).await?;
        Ok(store.list(filter).await?)
    })
}

/// `ayuda tickets ack|assign|…`: applies `change` to ticket `reference` and enqueues its event
/// for the configured targets of `ROOT/ayuda.yaml`; the running service's worker delivers it.
pub fn tickets_change(
    root: &Path,
    db: &DatabaseUrl,
    reference: &str,
    change: Change,
) -> Result<Changed> {
    let config = load_config(root)?;
    ensure_queue(db)?;
    let targets = crate::tickets::targets::targets_for(&config.support, &change);
    runtime()?.block_on(async {
        let store = SqlStore::connect(db).await?;
        match store
            .change(reference.to_string(), change, targets, Timestamp::now())
            .await
        {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound(id)) => Err(anyhow!("no ticket {id} in {db}")),
            Err(e) => Err(e.into()),
        }
    })
}

/// `ayuda tickets watch`: the SLA watcher on the data folder's queue, once or every
/// `support.watcher.interval`; `report` is called after each look.
pub fn tickets_watch(
    root: &Path,
    db: &DatabaseUrl,
    once: bool,
    report: impl Fn(&Tick),
) -> Result<()> {
    let config = load_config(root)?;
    ensure_queue(db)?;
    let targets = config.support.targets.iter().map(|t| t.id()).collect();
    let interval = config.support.watcher.interval.0.unsigned_abs();
    runtime()?.block_on(async {
        let store: Arc<dyn TicketStore> = Arc::new(SqlStore::connect(db).await?);
        let watcher = Watcher::new(store, config.support, targets);
        loop {
            report(&watcher.tick(Timestamp::now()).await?);
            if once {
                // A cron run leaves the lease free for the next run or a service.
                return Ok(watcher.release().await?);
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// `ayuda tickets show`.
pub fn tickets_show(
    db: &DatabaseUrl,
    reference: &str,
) -> Result<Option<crate::tickets::store::TicketView>> {
    ensure_queue(db)?;
    runtime()?.block_on(async {
        let store = SqlStore::connect(db).await?;
        Ok(store.get(reference.to_string()).await?)
    })
}

fn ensure_queue(db: &DatabaseUrl) -> Result<()> {
    if !db.exists() {
        return Err(anyhow!(
            "no ticket queue in {db} (pass --data DIR or --database URL, or run the service first)"
        ));
    }
    Ok(())
}

/// `ayuda tickets serve-api`: the ticket endpoints and the delivery worker alone, for ops and
/// tests until the main service merges [`router`]. Prints `listening on ADDR` once bound.
pub fn serve_api(
    root: &Path,
    data: &Path,
    db: &DatabaseUrl,
    dist: Option<&Path>,
    bind: &str,
) -> Result<()> {
    let config = load_config(root)?;
    runtime()?.block_on(async {
        let state = TicketsState::open_on(&config, data, db, dist).await?;
        let _worker = state.spawn_worker();
        let watcher = state.spawn_watcher();
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        println!("listening on {}", listener.local_addr()?);
        // The service's own accept loop: peer addresses, timeouts, connection limit.
        crate::server::listen::serve(
            listener,
            router(state),
            &config.server,
            crate::server::shutdown_signal(),
        )
        .await;
        if let Some(w) = watcher {
            w.stop().await;
        }
        Ok(())
    })
}
