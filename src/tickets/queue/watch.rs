//! The SLA watcher's side of the queue: the lease that makes one process the watcher, the
//! indexed look-ups of what fell due, and the one transaction that records a watcher event,
//! enqueues its deliveries and marks the step handled. The unique `(ticket, watch_key)` index
//! makes a second recording of the same step a no-op, whoever tries it.

use super::database::{Backend, Db};
use super::store::TicketStore;
use super::store::{SqlStore, StoreError, StoreFuture, parse_doc, ts};
use super::{Notified, Ticket};
use crate::tickets::escalation::lifecycle::Action;
use jiff::{SignedDuration, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool};

/// The lease row of the SLA watcher.
pub(crate) const WATCHER_LEASE: &str = "sla-watcher";

/// A step of a ticket's SLA the watcher looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The chain contact at `position` (1 and up) reaches its `notify_at`.
    Remind { position: i64, role: String },
    /// The first-response target (less `warn_before`).
    Warn,
    /// The first-response breach.
    Breach,
}

impl Step {
    /// The event's unique key per ticket (`reminded:1`, `target_warning`, `breached`).
    pub fn key(&self) -> String {
        match self {
            Step::Remind { position, .. } => format!("reminded:{position}"),
            Step::Warn => "target_warning".into(),
            Step::Breach => "breached".into(),
        }
    }

    /// The event the step records.
    pub fn action(&self) -> Action {
        match self {
            Step::Remind { .. } => Action::Remind,
            Step::Warn => Action::Warn,
            Step::Breach => Action::Breach,
        }
    }
}

/// A step that fell due, with the ticket as it stands.
#[derive(Debug, Clone)]
pub struct Due {
    pub seq: i64,
    pub step: Step,
    /// When the step fell due (for warnings: the target itself).
    pub at: Timestamp,
    pub ticket: Ticket,
    /// The first acknowledgement, if any.
    pub first_response: Option<Timestamp>,
}

/// What the watcher decided for a due step.
#[derive(Debug, Clone)]
pub struct Decision {
    pub seq: i64,
    pub step: Step,
    /// Record the event telling these contacts (possibly none, e.g. a late-answered breach),
    /// or (`None`) only mark the step handled.
    pub record: Option<Vec<Notified>>,
    /// Targets that get a delivery job for the event.
    pub targets: Vec<String>,
}

/// The queue operations the SLA watcher needs; a shared database implements them too.
pub trait SlaQueue: Send + Sync {
    /// Takes or renews lease `name` for `holder` until `now + ttl`; true when `holder` holds it
    /// (it was free, expired, or already `holder`'s).
    fn lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> StoreFuture<'_, bool>;
    /// Gives lease `name` up when `holder` holds it (a stopping process), so another process
    /// takes it at its next tick rather than after the expiry.
    fn release(&self, name: &str, holder: &str) -> StoreFuture<'_, ()>;
    /// Steps not yet handled that are due at `now` (warnings looked up to `now + warn_ahead`,
    /// the caller deciding per type), at most `limit` of each kind, oldest first.
    fn due(
        &self,
        now: Timestamp,
        warn_ahead: SignedDuration,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Due>>;
    /// Applies decisions in one transaction (one fsync for a batch): for each, the event
    /// (once per ticket and step), its delivery jobs, and the step marked handled. Returns per
    /// decision the new event's id, `None` when nothing was recorded (skipped, or recorded
    /// before).
    fn decide(&self, decisions: Vec<Decision>, now: Timestamp)
    -> StoreFuture<'_, Vec<Option<i64>>>;
    /// References of tickets `resolved` since `before` or earlier (their latest resolution),
    /// at most `limit`, oldest resolution first: the ones `support.auto_close_after` closes.
    fn resolved_before(&self, before: Timestamp, limit: u32) -> StoreFuture<'_, Vec<String>>;
}

impl SlaQueue for SqlStore {
    fn lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> StoreFuture<'_, bool> {
        let (name, holder) = (name.to_string(), holder.to_string());
        Box::pin(async move { lease(&self.pool, &name, &holder, now, ttl).await })
    }

    fn release(&self, name: &str, holder: &str) -> StoreFuture<'_, ()> {
        let (name, holder) = (name.to_string(), holder.to_string());
        Box::pin(async move {
            sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn due(
        &self,
        now: Timestamp,
        warn_ahead: SignedDuration,
        limit: u32,
    ) -> StoreFuture<'_, Vec<Due>> {
        Box::pin(due(&self.pool, now, warn_ahead, limit))
    }

    fn decide(
        &self,
        decisions: Vec<Decision>,
        now: Timestamp,
    ) -> StoreFuture<'_, Vec<Option<i64>>> {
        Box::pin(async move {
            let mut tx = self.db().begin_write().await?;
            let mut ids = Vec::with_capacity(decisions.len());
            for d in &decisions {
                ids.push(decide(&mut tx, self.db(), d, now).await?);
            }
            tx.commit().await?;
            if ids.iter().any(Option::is_some) {
                self.notifier().notify_waiters();
            }
            Ok(ids)
        })
    }

    fn resolved_before(&self, before: Timestamp, limit: u32) -> StoreFuture<'_, Vec<String>> {
        Box::pin(resolved_before(&self.pool, before, limit))
    }
}

async fn resolved_before(
    pool: &AnyPool,
    before: Timestamp,
    limit: u32,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT t.id FROM tickets t
         JOIN (SELECT ticket_seq, MAX(at_ms) AS at_ms FROM ticket_events
               WHERE action = 'resolve' GROUP BY ticket_seq) r ON r.ticket_seq = t.seq
         WHERE t.status = 'resolved' AND r.at_ms <= $1
         ORDER BY r.at_ms LIMIT $2",
    )
    .bind(before.as_millisecond())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

fn millis(d: SignedDuration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

async fn lease(
    pool: &AnyPool,
    name: &str,
    holder: &str,
    now: Timestamp,
    ttl: SignedDuration,
) -> Result<bool, StoreError> {
    let now_ms = now.as_millisecond();
    // One statement: taken when absent, renewed by its holder, taken over once expired.
    let row = sqlx::query(
        "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
         WHERE leases.holder = excluded.holder OR leases.expires_ms <= $4
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(now_ms.saturating_add(millis(ttl)))
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

async fn due(
    pool: &AnyPool,
    now: Timestamp,
    warn_ahead: SignedDuration,
    limit: u32,
) -> Result<Vec<Due>, StoreError> {
    let now_ms = now.as_millisecond();
    let limit = i64::from(limit);
    let mut out = Vec::new();
    // Each query walks one partial index holding only steps not yet handled.
    let reminders = sqlx::query(
        "SELECT c.ticket_seq, c.notify_at_ms, t.doc, t.first_response_ms, c.position, c.role
         FROM ticket_contacts c JOIN tickets t ON t.seq = c.ticket_seq
         WHERE c.watched_ms IS NULL AND c.position > 0 AND c.notify_at_ms <= $1
         ORDER BY c.notify_at_ms LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    for r in reminders {
        let step = Step::Remind {
            position: r.try_get(4)?,
            role: r.try_get(5)?,
        };
        out.push(due_row(&r, step)?);
    }
    /// The tickets whose `$column` is due and not yet handled (`$watched` unset).
    macro_rules! tickets_due {
        ($column:literal, $watched:literal) => {
            concat!(
                "SELECT seq, ",
                $column,
                ", doc, first_response_ms FROM tickets WHERE ",
                $watched,
                " IS NULL AND ",
                $column,
                " <= $1 ORDER BY ",
                $column,
                " LIMIT $2"
            )
        };
    }
    for (step, sql, until) in [
        (
            Step::Warn,
            tickets_due!("first_response_target_ms", "warn_watched_ms"),
            now_ms.saturating_add(millis(warn_ahead)),
        ),
        (
            Step::Breach,
            tickets_due!("first_response_breach_ms", "breach_watched_ms"),
            now_ms,
        ),
    ] {
        let rows = sqlx::query(sql)
            .bind(until)
            .bind(limit)
            .fetch_all(pool)
            .await?;
        for r in rows {
            out.push(due_row(&r, step.clone())?);
        }
    }
    Ok(out)
}

/// A due step from a row starting `seq, due time, doc, first_response_ms`.
fn due_row(r: &AnyRow, step: Step) -> Result<Due, StoreError> {
    Ok(Due {
        seq: r.try_get(0)?,
        step,
        at: ts(r.try_get(1)?),
        ticket: parse_doc(&r.try_get::<String, _>(2)?)?,
        first_response: r.try_get::<Option<i64>, _>(3)?.map(ts),
    })
}

async fn decide(
    tx: &mut AnyConnection,
    db: &Db,
    d: &Decision,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let now_ms = now.as_millisecond();
    let mut event_id = None;
    if let Some(notified) = &d.record {
        let sql = match db.backend {
            Backend::Sqlite => "SELECT status, level, assignee FROM tickets WHERE seq = $1",
            Backend::Postgres => {
                "SELECT status, level, assignee FROM tickets WHERE seq = $1 FOR UPDATE"
            }
        };
        let row = sqlx::query(sql)
            .bind(d.seq)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Data(format!("ticket #{} vanished", d.seq)))?;
        let status: String = row.try_get(0)?;
        let level: i64 = row.try_get(1)?;
        let notified = serde_json::to_string(notified)
            .map_err(|e| StoreError::Data(format!("notified: {e}")))?;
        // ON CONFLICT: the unique (ticket, watch_key) index turns a repeat into no row.
        event_id = sqlx::query_scalar(
            "INSERT INTO ticket_events (ticket_seq, at_ms, actor, action, from_status, to_status,
             from_level, to_level, assignee, note, public, notified, watch_key)
             VALUES ($1, $2, 'sla-watcher', $3, $4, $4, $5, $5, $6, NULL, 0, $7, $8)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(d.seq)
        .bind(now_ms)
        .bind(d.step.action().as_str())
        .bind(&status)
        .bind(level)
        .bind(row.try_get::<Option<String>, _>(2)?)
        .bind(notified)
        .bind(d.step.key())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = event_id {
            super::events::enqueue(tx, d.seq, id, &d.targets, now).await?;
        }
    }
    let mark = match &d.step {
        Step::Remind { position, .. } => sqlx::query(
            "UPDATE ticket_contacts SET watched_ms = $1
             WHERE ticket_seq = $2 AND position = $3 AND watched_ms IS NULL",
        )
        .bind(now_ms)
        .bind(d.seq)
        .bind(*position),
        Step::Warn => sqlx::query(
            "UPDATE tickets SET warn_watched_ms = $1 WHERE seq = $2 AND warn_watched_ms IS NULL",
        )
        .bind(now_ms)
        .bind(d.seq),
        Step::Breach => sqlx::query(
            "UPDATE tickets SET breach_watched_ms = $1,
                    breached_ms = CASE WHEN $3 = 1 THEN $1 ELSE breached_ms END
             WHERE seq = $2 AND breach_watched_ms IS NULL",
        )
        .bind(now_ms)
        .bind(d.seq)
        // Only the decision that recorded the event records the breach time.
        .bind(i64::from(event_id.is_some())),
    };
    mark.execute(&mut *tx).await?;
    Ok(event_id)
}
