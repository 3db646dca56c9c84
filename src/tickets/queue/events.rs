//! Lifecycle changes in the queue: one transaction reads the ticket, applies the pure
//! transition ([`lifecycle::apply`]), updates the ticket, appends the event to `ticket_events`
//! and enqueues one delivery job per target, so a change is never half-recorded.

use super::database::{Backend, Db};
use super::store::{StoreError, parse_doc, ts};
use super::{Changed, Progress, TicketEvent, TicketStats};
use crate::tickets::escalation::lifecycle::{self, Action, Change, State, Status};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool};

/// Applies `change` to ticket `id` at `now` and enqueues the event for `targets`.
pub(super) async fn change(
    db: &Db,
    id: &str,
    change: &Change,
    targets: &[String],
    now: Timestamp,
) -> Result<Changed, StoreError> {
    // The write lock is taken before the read (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    // ticket's row, FOR UPDATE), so concurrent changes wait for each other instead of failing
    // when the read goes stale.
    let mut tx = db.begin_write().await?;
    let (changed, _) = change_in(&mut tx, db.backend, id, change, targets, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// [`change`] inside the caller's write transaction (which commits it, or drops it to undo the
/// change); also returns the ticket's `seq`.
pub(super) async fn change_in(
    tx: &mut AnyConnection,
    backend: Backend,
    id: &str,
    change: &Change,
    targets: &[String],
    now: Timestamp,
) -> Result<(Changed, i64), StoreError> {
    let id = id.trim().to_ascii_uppercase();
    macro_rules! read {
        ($lock:literal) => {
            concat!(
                "SELECT seq, status, level, assignee, first_response_ms, doc FROM tickets
                 WHERE id = $1",
                $lock
            )
        };
    }
    let sql = match backend {
        Backend::Sqlite => read!(""),
        Backend::Postgres => read!(" FOR UPDATE"),
    };
    let row = sqlx::query(sql)
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.clone()))?;
    let seq: i64 = row.try_get(0)?;
    let data = |what: String| StoreError::Data(format!("ticket {id}: {what}"));
    let status = Status::parse(&row.try_get::<String, _>(1)?).map_err(data)?;
    let level: i64 = row.try_get(2)?;
    let level = u8::try_from(level).map_err(|_| data(format!("level {level}")))?;
    let state = State {
        status,
        level,
        assignee: row.try_get(3)?,
        first_response_at: row.try_get::<Option<i64>, _>(4)?.map(ts),
    };
    let next = lifecycle::apply(&state, change, now)
        .map_err(|e| StoreError::Refused(format!("ticket {id}: {e}")))?;
    let mut ticket = parse_doc(&row.try_get::<String, _>(5)?)?;
    ticket.status = next.status.to_string();
    ticket.progress = Progress {
        level: next.level,
        assignee: next.assignee.clone(),
        first_response_at: next.first_response_at,
    };
    let doc = serde_json::to_string(&ticket).map_err(|e| data(e.to_string()))?;
    // Compare and set: a change committed by another process since the read is not overwritten.
    let updated = sqlx::query(
        "UPDATE tickets SET status = $1, level = $2, assignee = $3, first_response_ms = $4, doc = $5
         WHERE seq = $6 AND status = $7 AND level = $8",
    )
    .bind(next.status.as_str())
    .bind(i64::from(next.level))
    .bind(&next.assignee)
    .bind(next.first_response_at.map(|t| t.as_millisecond()))
    .bind(doc)
    .bind(seq)
    .bind(state.status.as_str())
    .bind(i64::from(state.level))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(data("changed by someone else meanwhile; try again".into()));
    }
    let note = change
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_events (ticket_seq, at_ms, actor, action, from_status, to_status,
         from_level, to_level, assignee, note, public)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(seq)
    .bind(now.as_millisecond())
    .bind(change.actor.trim())
    .bind(change.action.as_str())
    .bind(state.status.as_str())
    .bind(next.status.as_str())
    .bind(i64::from(state.level))
    .bind(i64::from(next.level))
    .bind(&next.assignee)
    .bind(note)
    .bind(i64::from(change.public))
    .fetch_one(&mut *tx)
    .await?;
    enqueue(&mut *tx, seq, event_id, targets, now).await?;
    let event = event_by_id(&mut *tx, event_id)
        .await?
        .ok_or_else(|| data(format!("event {event_id} vanished")))?;
    let changed = Changed {
        id,
        status: next.status.to_string(),
        level: next.level,
        assignee: next.assignee,
        event,
        deliveries: targets.to_vec(),
    };
    Ok((changed, seq))
}

/// Tickets by status and level, breaches and unacknowledged tickets past target at `now`.
pub(super) async fn ticket_stats(
    pool: &AnyPool,
    now: Timestamp,
) -> Result<TicketStats, StoreError> {
    let rows = sqlx::query(
        "SELECT status, level, COUNT(*) FROM tickets GROUP BY status, level ORDER BY status, level",
    )
    .fetch_all(pool)
    .await?;
    let mut by_status_level = Vec::with_capacity(rows.len());
    for r in rows {
        let level: i64 = r.try_get(1)?;
        let level = u8::try_from(level)
            .map_err(|_| StoreError::Data(format!("stored ticket: level {level}")))?;
        by_status_level.push((r.try_get(0)?, level, r.try_get(2)?));
    }
    // The same rule as lifecycle::sla_met, in SQL so that it scales with the queue.
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN first_response_ms IS NULL
                                       THEN CASE WHEN first_response_breach_ms < $1 THEN 1 ELSE 0 END
                                  WHEN first_response_ms > first_response_breach_ms THEN 1
                                  ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN first_response_ms IS NULL
                                       AND first_response_target_ms < $1 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN first_response_ms <= first_response_breach_ms
                                  THEN 1 ELSE 0 END), 0),
                COUNT(first_response_ms),
                CAST(COALESCE(SUM(first_response_ms - created_ms), 0) AS BIGINT)
         FROM tickets",
    )
    .bind(now.as_millisecond())
    .fetch_one(pool)
    .await?;
    Ok(TicketStats {
        by_status_level,
        breached: row.try_get(0)?,
        unacknowledged_past_target: row.try_get(1)?,
        sla_met: row.try_get(2)?,
        first_responses: row.try_get(3)?,
        first_response_seconds: row.try_get::<i64, _>(4)? as f64 / 1000.0,
        survey_answers: super::survey::counts(pool).await?,
    })
}

/// One pending job per target for event `event_id` (0: the reception) of ticket `seq`.
pub(super) async fn enqueue(
    conn: &mut AnyConnection,
    seq: i64,
    event_id: i64,
    targets: &[String],
    now: Timestamp,
) -> Result<(), StoreError> {
    let now = now.as_millisecond();
    let rows: Vec<(i64, i64, &str, i64)> = targets
        .iter()
        .map(|t| (seq, event_id, t.as_str(), now))
        .collect();
    insert_jobs(conn, &rows).await
}

/// Pending jobs (ticket seq, event id, target, due): a few multi-row statements.
pub(super) async fn insert_jobs(
    conn: &mut AnyConnection,
    rows: &[(i64, i64, &str, i64)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(super::group::MAX_ROWS / 6) {
        let sql = super::group::values_sql(
            "INSERT INTO jobs (ticket_seq, event_id, target, state, next_attempt_ms, updated_ms)",
            6,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &(seq, event_id, target, at) in chunk {
            query = query
                .bind(seq)
                .bind(event_id)
                .bind(target.to_string())
                .bind("pending")
                .bind(at)
                .bind(at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `SELECT` of the columns [`from_row`] reads, followed by `$rest`.
macro_rules! select_events {
    ($rest:literal) => {
        concat!(
            "SELECT id, at_ms, actor, action, from_status, to_status, from_level, to_level,
             assignee, note, public, notified FROM ticket_events ",
            $rest
        )
    };
}

/// The events of ticket `seq`, oldest first.
pub(super) async fn of_ticket(pool: &AnyPool, seq: i64) -> Result<Vec<TicketEvent>, StoreError> {
    let rows = sqlx::query(select_events!("WHERE ticket_seq = $1 ORDER BY id"))
        .bind(seq)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Event `id`, when there is one.
pub(super) async fn event_by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<TicketEvent>, StoreError> {
    let row = sqlx::query(select_events!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(r: &AnyRow) -> Result<TicketEvent, StoreError> {
    let name: String = r.try_get(3)?;
    let action = Action::ALL
        .into_iter()
        .chain(Action::WATCHER)
        .chain(Action::PARTNER)
        .find(|a| a.as_str() == name)
        .ok_or_else(|| StoreError::Data(format!("stored event: unknown action `{name}`")))?;
    let level = |i: usize| -> Result<u8, StoreError> {
        let v: i64 = r.try_get(i)?;
        u8::try_from(v).map_err(|_| StoreError::Data(format!("stored event: level {v}")))
    };
    Ok(TicketEvent {
        id: r.try_get(0)?,
        at: ts(r.try_get(1)?),
        actor: r.try_get(2)?,
        action,
        event: action.event_name().to_string(),
        from: r.try_get(4)?,
        to: r.try_get(5)?,
        from_level: level(6)?,
        to_level: level(7)?,
        assignee: r.try_get(8)?,
        note: r.try_get(9)?,
        public: r.try_get::<i64, _>(10)? != 0,
        notified: match r.try_get::<Option<String>, _>(11)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Data(format!("stored event: notified: {e}")))?,
            None => Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::tickets::escalation::lifecycle::{Action, Change};
    use crate::tickets::store::tests::store_test;
    use crate::tickets::store::{DB_FILE, ListFilter, SqlStore, TicketStore};
    use jiff::Timestamp;
    use sqlx::Connection;

    fn ack(actor: &str) -> Change {
        Change {
            action: Action::Ack,
            actor: actor.into(),
            to: None,
            level: None,
            note: None,
            public: false,
        }
    }

    store_test! {
    /// Agents acting on one ticket at the same time: one acknowledgement is recorded, and every
    /// other one is refused with the ticket's new status, never a database error.
    async fn concurrent_changes_are_serialized(url) {
        let store = std::sync::Arc::new(SqlStore::connect(&url).await.unwrap());
        let id = store
            .insert(crate::tickets::store::tests::ticket(1), vec![])
            .await
            .unwrap()
            .id;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..8 {
            let (store, id) = (store.clone(), id.clone());
            tasks.spawn(async move {
                let change = ack(&format!("agent {i}"));
                store
                    .change(id, change, vec!["hook".into()], Timestamp::now())
                    .await
            });
        }
        let mut ok = 0;
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Ok(_) => ok += 1,
                Err(crate::tickets::store::StoreError::Refused(m)) => {
                    assert!(m.contains("acknowledged"), "{m}")
                }
                Err(e) => panic!("a concurrent change failed: {e}"),
            }
        }
        assert_eq!(ok, 1);
        let view = store.get(id).await.unwrap().unwrap();
        assert_eq!((view.events.len(), view.deliveries.len()), (1, 1));
    }
    }

    store_test! {
    async fn ticket_stats_count_breaches_and_unanswered_tickets_past_target(url) {
        let store = SqlStore::connect(&url).await.unwrap();
        let hours = |h: i64| jiff::SignedDuration::from_hours(h);
        // Received 4 h ago with a 2 h target and a 3 h breach: past both.
        let mut late = crate::tickets::store::tests::ticket(1);
        late.deadlines.first_response_target = Timestamp::now() - hours(2);
        late.deadlines.first_response_breach = Timestamp::now() - hours(1);
        let late = store.insert(late, vec![]).await.unwrap();
        let fresh = store
            .insert(crate::tickets::store::tests::ticket(2), vec![])
            .await
            .unwrap();
        store
            .change(fresh.id, ack("ops"), vec![], Timestamp::now())
            .await
            .unwrap();
        let stats = store.ticket_stats(Timestamp::now()).await.unwrap();
        assert_eq!(
            stats.by_status_level,
            [("acknowledged".into(), 1, 1), ("received".into(), 1, 1)]
        );
        assert_eq!((stats.breached, stats.unacknowledged_past_target), (1, 1));
        assert_eq!((stats.sla_met, stats.first_responses), (1, 1));
        // Acknowledged now, after its breach: still breached, no longer unanswered.
        store
            .change(late.id, ack("ops"), vec![], Timestamp::now())
            .await
            .unwrap();
        let stats = store.ticket_stats(Timestamp::now()).await.unwrap();
        assert_eq!((stats.breached, stats.unacknowledged_past_target), (1, 0));
        assert_eq!((stats.sla_met, stats.first_responses), (1, 2));
    }
    }

    /// A queue written before the lifecycle: its jobs survive the table rebuild as the
    /// reception's, and its tickets (stored without level or assignee) take lifecycle changes.
    #[tokio::test]
    async fn a_queue_of_the_previous_version_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut old = sqlx::SqliteConnection::connect(&url).await.unwrap();
        for sql in [
            include_str!("../../../migrations/sqlite/0001_tickets.sql"),
            include_str!("../../../migrations/sqlite/0002_jobs_by_target.sql"),
            include_str!("../../../migrations/sqlite/0003_feedback.sql"),
        ] {
            sqlx::raw_sql(sql).execute(&mut old).await.unwrap();
        }
        let mut ticket = crate::tickets::store::tests::ticket(1);
        ticket.id = "T-0LD0-01".into();
        let mut doc = serde_json::to_value(&ticket).unwrap();
        for key in ["level", "assignee", "first_response_at"] {
            doc.as_object_mut().unwrap().remove(key);
        }
        sqlx::query(
            "INSERT INTO tickets (seq, id, type, status, created_ms, first_response_target_ms,
               first_response_breach_ms, partner, email, subject, doc)
             VALUES (1, $1, 'business', 'received', 0, 1, 2, 'P', 'a@example.org', 'S', $2)",
        )
        .bind(&ticket.id)
        .bind(doc.to_string())
        .execute(&mut old)
        .await
        .unwrap();
        sqlx::raw_sql(
            "INSERT INTO jobs (ticket_seq, target, state, attempts, next_attempt_ms, updated_ms)
             VALUES (1, 'hook', 'dead', 5, 0, 0);",
        )
        .execute(&mut old)
        .await
        .unwrap();
        old.close().await.unwrap();

        let store = SqlStore::open(dir.path()).await.unwrap();
        let list = store.list(ListFilter::default()).await.unwrap();
        assert_eq!((list[0].level, list[0].deliveries.as_str()), (1, "dead"));
        assert!(list[0].breached, "unanswered past its breach time");
        let change = ack("ops");
        let now = Timestamp::now();
        let changed = store
            .change(ticket.id.clone(), change, vec!["hook".into()], now)
            .await
            .unwrap();
        assert_eq!(changed.status, "acknowledged");
        let view = store.get(ticket.id.clone()).await.unwrap().unwrap();
        assert_eq!(view.ticket.progress.level, 1);
        assert_eq!(view.sla_met, Some(false), "answered after the breach");
        let jobs: Vec<(&str, &str)> = view
            .deliveries
            .iter()
            .map(|d| (d.event.as_str(), d.state.as_str()))
            .collect();
        assert_eq!(
            jobs,
            [
                ("ticket.created", "dead"),
                ("ticket.acknowledged", "pending")
            ]
        );
    }
}
