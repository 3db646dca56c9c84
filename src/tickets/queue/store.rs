//! The durable escalation queue. [`TicketStore`] is what the service and the worker need;
//! [`SqlStore`] implements it on the data folder's SQLite file (WAL, `synchronous=FULL`) or on a
//! PostgreSQL server that several service instances share ([`super::database`]).
//!
//! Tickets are written by one writer task per store that commits them in groups
//! ([`super::group`]).

pub use super::database::DB_FILE;
use super::database::{Backend, DatabaseUrl, Db};
pub use super::group::new_reference;
use super::group::{Request, writer};
pub use super::model::*;
use crate::tickets::escalation::lifecycle::{self, Change};
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyPool;
use sqlx::Row;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("queue database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("queue migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("queue data: {0}")]
    Data(String),
    #[error("the queue writer stopped")]
    Closed,
    #[error("no ticket {0}")]
    NotFound(String),
    /// A lifecycle change the ticket's state does not allow.
    #[error("{0}")]
    Refused(String),
}

/// A boxed future returned by [`TicketStore`] methods (object-safe async).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The escalation queue as the service and the delivery worker see it.
pub trait TicketStore: super::external::ExternalIds + Send + Sync + 'static {
    /// Stores the ticket (assigning its reference), its contact chain and one pending job per
    /// target in one durable transaction; returns the ticket with its reference.
    fn insert(&self, ticket: Ticket, targets: Vec<String>) -> StoreFuture<'_, Ticket>;
    /// Tickets, newest first, filtered by status or delivery state, level, breach.
    fn list(&self, filter: ListFilter) -> StoreFuture<'_, Vec<TicketSummary>>;
    /// One ticket with its events and deliveries.
    fn get(&self, id: String) -> StoreFuture<'_, Option<TicketView>>;
    /// Applies a lifecycle change at `now` (refused with [`StoreError::Refused`] when the
    /// ticket's state does not allow it), appends its event and enqueues one delivery job per
    /// target, in one transaction.
    fn change(
        &self,
        id: String,
        change: Change,
        targets: Vec<String>,
        now: Timestamp,
    ) -> StoreFuture<'_, Changed>;
    /// Stores the partner's survey answer of closed ticket `id` as a `rate` event with one
    /// delivery job per target; refused ([`StoreError::Refused`]) when the ticket is not
    /// closed or was rated already (one answer per ticket).
    fn rate(
        &self,
        id: String,
        answer: SurveyAnswer,
        targets: Vec<String>,
    ) -> StoreFuture<'_, Changed>;
    /// Leases up to `limit` due jobs of `target` until `now + lease` and counts the attempt.
    fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        target: String,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Job>>;
    /// Records the outcomes of claimed jobs (one transaction, so one fsync for a group).
    fn finish(&self, outcomes: Vec<(i64, Outcome)>) -> StoreFuture<'_, ()>;
    /// When the next pending job of `target` can be claimed (its due time, or the end of the
    /// lease another attempt holds).
    fn next_due(&self, target: String) -> StoreFuture<'_, Option<Timestamp>>;
    /// Targets that have pending jobs, configured or not.
    fn pending_targets(&self) -> StoreFuture<'_, Vec<String>>;
    /// Pending and dead jobs and the oldest pending ticket, per target (for `/metrics`).
    fn stats(&self) -> StoreFuture<'_, Vec<TargetStats>>;
    /// Tickets by status and level, breaches, and unacknowledged tickets past their target at
    /// `now` (for `/metrics`).
    fn ticket_stats(&self, now: Timestamp) -> StoreFuture<'_, TicketStats>;
    /// Wakes the delivery worker's lanes after inserts (`notify_waiters`: enable the
    /// `Notified` future before looking for work).
    fn notifier(&self) -> Arc<Notify>;
    /// The SLA watcher's operations, when this queue supports them.
    fn sla_queue(&self) -> Option<&dyn super::watch::SlaQueue> {
        None
    }
}

/// The queue in SQL: the data folder's SQLite file, or a PostgreSQL database shared by several
/// service instances.
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    db: Db,
    writer: mpsc::Sender<Request>,
    notify: Arc<Notify>,
}

impl SqlStore {
    /// The connection pool, for the queue's SQL kept in other files (external ids).
    pub(super) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database, for the statements that differ between engines.
    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    /// Opens (creating and migrating) `DATA/tickets.sqlite` and starts the writer task.
    pub async fn open(data: &Path) -> Result<SqlStore, StoreError> {
        SqlStore::connect(&DatabaseUrl::in_folder(data)).await
    }

    /// Opens (creating and migrating) the database `url` names and starts the writer task.
    pub async fn connect(url: &DatabaseUrl) -> Result<SqlStore, StoreError> {
        SqlStore::with_db(super::database::connect(url).await?).await
    }

    /// The queue on an open database; starts the writer task.
    pub async fn with_db(db: Db) -> Result<SqlStore, StoreError> {
        // The writer keeps one connection of its own, outside the pool.
        let conn = db.pool.acquire().await?.detach();
        let (tx, rx) = mpsc::channel(4096);
        let notify = Arc::new(Notify::new());
        tokio::spawn(writer(conn, rx, notify.clone()));
        Ok(SqlStore {
            pool: db.pool.clone(),
            db,
            writer: tx,
            notify,
        })
    }

    /// Frees the leases of jobs a killed process held, so a restarted service resumes them at
    /// once. Only on SQLite, whose file one service owns: on PostgreSQL the other instances'
    /// leases are live, and a dead instance's run out by themselves.
    pub async fn release_leases(&self) -> Result<u64, StoreError> {
        if self.db.backend != Backend::Sqlite {
            return Ok(0);
        }
        let r = sqlx::query("UPDATE jobs SET lease_until_ms = NULL WHERE state = 'pending' AND lease_until_ms IS NOT NULL")
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}

/// Opens (creating private and migrating) `DATA/tickets.sqlite`: the queue's database, which
/// other stores of the data folder (feedback, agent keys) share.
pub async fn open_pool(data: &Path) -> Result<Db, StoreError> {
    super::database::connect(&DatabaseUrl::in_folder(data)).await
}

pub(super) fn level(v: i64) -> Result<u8, StoreError> {
    u8::try_from(v).map_err(|_| StoreError::Data(format!("stored ticket: level {v}")))
}

pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) fn parse_doc(doc: &str) -> Result<Ticket, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Data(format!("stored ticket: {e}")))
}

impl TicketStore for SqlStore {
    fn insert(&self, ticket: Ticket, targets: Vec<String>) -> StoreFuture<'_, Ticket> {
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            self.writer
                .send((ticket, targets, tx))
                .await
                .map_err(|_| StoreError::Closed)?;
            rx.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn list(&self, filter: ListFilter) -> StoreFuture<'_, Vec<TicketSummary>> {
        Box::pin(async move {
            let now = Timestamp::now();
            let rows = sqlx::query(
                "SELECT t.id, t.type, t.status, t.created_ms, t.first_response_target_ms,
                        t.first_response_breach_ms, t.partner, t.subject,
                        SUM(CASE WHEN j.state = 'dead' THEN 1 ELSE 0 END),
                        SUM(CASE WHEN j.state = 'pending' THEN 1 ELSE 0 END),
                        t.level, t.assignee, t.first_response_ms
                 FROM tickets t LEFT JOIN jobs j ON j.ticket_seq = t.seq
                 WHERE (CAST($1 AS BIGINT) IS NULL OR t.level = CAST($1 AS BIGINT))
                 GROUP BY t.seq ORDER BY t.created_ms DESC, t.seq DESC",
            )
            .bind(filter.level.map(i64::from))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let dead: Option<i64> = r.try_get(8)?;
                let pending: Option<i64> = r.try_get(9)?;
                let deliveries = if dead.unwrap_or(0) > 0 {
                    "dead"
                } else if pending.unwrap_or(0) > 0 {
                    "pending"
                } else {
                    "delivered"
                };
                let first_response_at = r.try_get::<Option<i64>, _>(12)?.map(ts);
                let breach = ts(r.try_get(5)?);
                let s = TicketSummary {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    status: r.try_get(2)?,
                    created: ts(r.try_get(3)?),
                    first_response_target: ts(r.try_get(4)?),
                    first_response_breach: breach,
                    level: level(r.try_get(10)?)?,
                    assignee: r.try_get(11)?,
                    first_response_at,
                    breached: lifecycle::sla_met(first_response_at, breach, now) == Some(false),
                    partner: r.try_get(6)?,
                    subject: r.try_get(7)?,
                    deliveries: deliveries.into(),
                };
                let status = filter.status.as_deref();
                if status.is_none_or(|st| st == s.status || st == s.deliveries)
                    && (!filter.breached || s.breached)
                {
                    out.push(s);
                }
            }
            Ok(out)
        })
    }

    fn get(&self, id: String) -> StoreFuture<'_, Option<TicketView>> {
        Box::pin(async move {
            let id = id.trim().to_ascii_uppercase();
            let Some(row) =
                sqlx::query("SELECT seq, doc, first_response_breach_ms FROM tickets WHERE id = $1")
                    .bind(&id)
                    .fetch_optional(&self.pool)
                    .await?
            else {
                return Ok(None);
            };
            let seq: i64 = row.try_get(0)?;
            let ticket = parse_doc(&row.try_get::<String, _>(1)?)?;
            let events = super::events::of_ticket(&self.pool, seq).await?;
            let jobs = sqlx::query(
                "SELECT target, state, attempts, next_attempt_ms, last_error, event_id FROM jobs
                 WHERE ticket_seq = $1 ORDER BY id",
            )
            .bind(seq)
            .fetch_all(&self.pool)
            .await?;
            let mut deliveries = Vec::new();
            for j in jobs {
                let state: String = j.try_get(1)?;
                let event_id: i64 = j.try_get(5)?;
                let event = events
                    .iter()
                    .find(|e| e.id == event_id)
                    .map_or("ticket.created", |e| e.event.as_str());
                deliveries.push(Delivery {
                    target: j.try_get(0)?,
                    event: event.to_string(),
                    next_attempt: (state == "pending").then(|| ts(j.try_get(3).unwrap_or(0))),
                    state,
                    attempts: j.try_get(2)?,
                    last_error: j.try_get(4)?,
                });
            }
            let breach = ts(row.try_get(2)?);
            let p = &ticket.progress;
            Ok(Some(TicketView {
                id: ticket.id.clone(),
                status: ticket.status.clone(),
                level: p.level,
                assignee: p.assignee.clone(),
                first_response_at: p.first_response_at,
                sla_met: lifecycle::sla_met(p.first_response_at, breach, Timestamp::now()),
                events,
                deliveries,
                survey: super::survey::of_ticket(&self.pool, seq).await?,
                ticket,
            }))
        })
    }

    fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        target: String,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Job>> {
        Box::pin(async move {
            let now_ms = now.as_millisecond();
            let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
            // Every parameter is numbered: sqlx binds a plain `?` that follows a `?N` by
            // position among the unnamed ones, which once gave LIMIT the current time.
            // Several instances claim from one PostgreSQL queue: SKIP LOCKED lets each take
            // jobs the others are not leasing at this very moment, without waiting for them.
            macro_rules! claim {
                ($lock:literal) => {
                    concat!(
                        "UPDATE jobs SET lease_until_ms = $1, attempts = attempts + 1, updated_ms = $2
                         WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND target = $3
                                      AND next_attempt_ms <= $2
                                      AND (lease_until_ms IS NULL OR lease_until_ms <= $2)
                                      ORDER BY next_attempt_ms, id LIMIT $4",
                        $lock,
                        ") RETURNING id, ticket_seq, target, attempts, event_id"
                    )
                };
            }
            let sql = match self.db.backend {
                Backend::Sqlite => claim!(""),
                Backend::Postgres => claim!(" FOR UPDATE SKIP LOCKED"),
            };
            let rows = sqlx::query(sql)
                .bind(until)
                .bind(now_ms)
                .bind(target)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            let mut jobs = Vec::with_capacity(rows.len());
            for r in rows {
                let seq: i64 = r.try_get(1)?;
                let doc: String = sqlx::query_scalar("SELECT doc FROM tickets WHERE seq = $1")
                    .bind(seq)
                    .fetch_one(&self.pool)
                    .await?;
                let event_id: i64 = r.try_get(4)?;
                let event = if event_id == 0 {
                    None
                } else {
                    let mut conn = self.pool.acquire().await?;
                    super::events::event_by_id(&mut conn, event_id).await?
                };
                jobs.push(Job {
                    id: r.try_get(0)?,
                    target: r.try_get(2)?,
                    attempts: r.try_get(3)?,
                    ticket: parse_doc(&doc)?,
                    event,
                });
            }
            Ok(jobs)
        })
    }

    fn finish(&self, outcomes: Vec<(i64, Outcome)>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let now = Timestamp::now().as_millisecond();
            let mut tx = self.pool.begin().await?;
            for (job, outcome) in outcomes {
                let (state, next, error) = match outcome {
                    Outcome::Done => ("done", now, None),
                    Outcome::Retry { at, error } => ("pending", at.as_millisecond(), Some(error)),
                    Outcome::Dead { error } => ("dead", now, Some(error)),
                };
                sqlx::query(
                    "UPDATE jobs SET state = $1, next_attempt_ms = $2, last_error = $3, updated_ms = $4,
                     lease_until_ms = NULL WHERE id = $5",
                )
                .bind(state)
                .bind(next)
                .bind(error)
                .bind(now)
                .bind(job)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn change(
        &self,
        id: String,
        change: Change,
        targets: Vec<String>,
        now: Timestamp,
    ) -> StoreFuture<'_, Changed> {
        Box::pin(async move {
            let changed = super::events::change(&self.db, &id, &change, &targets, now).await?;
            self.notify.notify_waiters();
            Ok(changed)
        })
    }

    fn rate(
        &self,
        id: String,
        answer: SurveyAnswer,
        targets: Vec<String>,
    ) -> StoreFuture<'_, Changed> {
        Box::pin(async move {
            let changed = super::survey::rate(&self.db, &id, &answer, &targets).await?;
            self.notify.notify_waiters();
            Ok(changed)
        })
    }

    fn next_due(&self, target: String) -> StoreFuture<'_, Option<Timestamp>> {
        Box::pin(async move {
            let ms: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(CASE WHEN lease_until_ms > next_attempt_ms THEN lease_until_ms
                                 ELSE next_attempt_ms END) FROM jobs
                 WHERE state = 'pending' AND target = $1",
            )
            .bind(target)
            .fetch_one(&self.pool)
            .await?;
            Ok(ms.map(ts))
        })
    }

    fn pending_targets(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            Ok(sqlx::query_scalar(
                "SELECT DISTINCT target FROM jobs WHERE state = 'pending' ORDER BY target",
            )
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn stats(&self) -> StoreFuture<'_, Vec<TargetStats>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT j.target, SUM(CASE WHEN j.state = 'pending' THEN 1 ELSE 0 END),
                        SUM(CASE WHEN j.state = 'dead' THEN 1 ELSE 0 END),
                        MIN(CASE WHEN j.state = 'pending' THEN t.created_ms END)
                 FROM jobs j JOIN tickets t ON t.seq = j.ticket_seq
                 WHERE j.state IN ('pending', 'dead')
                 GROUP BY j.target ORDER BY j.target",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(TargetStats {
                    target: r.try_get(0)?,
                    pending: r.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
                    dead: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
                    oldest_pending: r.try_get::<Option<i64>, _>(3)?.map(ts),
                });
            }
            Ok(out)
        })
    }

    fn ticket_stats(&self, now: Timestamp) -> StoreFuture<'_, TicketStats> {
        Box::pin(super::events::ticket_stats(&self.pool, now))
    }

    fn notifier(&self) -> Arc<Notify> {
        self.notify.clone()
    }

    fn sla_queue(&self) -> Option<&dyn super::watch::SlaQueue> {
        Some(self)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
pub(crate) mod tests;
