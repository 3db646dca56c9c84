//! The writer task of a store: tickets sent to it are committed in groups, every ticket of a
//! group made durable by one commit before any of their senders is answered, which keeps
//! durability while letting 50 concurrent clients share the cost of each fsync. A group is
//! written with a few multi-row statements, so a database server costs a few round trips per
//! group, not per ticket.

use super::model::Ticket;
use super::store::StoreError;
use sqlx::{AnyConnection, Connection, Row};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Tickets a group commit takes at most.
const MAX_GROUP: usize = 256;

/// A ticket to store, its targets, and where to answer.
pub(super) type Request = (
    Ticket,
    Vec<String>,
    oneshot::Sender<Result<Ticket, StoreError>>,
);

/// Commits what arrives on `rx` in groups on `conn`, answers each sender, and wakes the
/// delivery lanes through `notify`.
pub(super) async fn writer(
    mut conn: AnyConnection,
    mut rx: mpsc::Receiver<Request>,
    notify: Arc<Notify>,
) {
    let mut group: Vec<Request> = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = rx.recv().await {
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        let tickets: Vec<(Ticket, Vec<String>)> = group
            .iter()
            .map(|(t, targets, _)| (t.clone(), targets.clone()))
            .collect();
        match commit_group(&mut conn, tickets).await {
            Ok(stored) => {
                for ((_, _, reply), t) in group.drain(..).zip(stored) {
                    let _ = reply.send(Ok(t));
                }
                notify.notify_waiters();
            }
            Err(e) => {
                tracing::error!("group commit failed: {e}");
                let msg = e.to_string();
                for (_, _, reply) in group.drain(..) {
                    let _ = reply.send(Err(StoreError::Data(msg.clone())));
                }
            }
        }
    }
}

/// A new reference: `T-` and six characters of Crockford's base32 (no I, L, O, U).
pub fn new_reference() -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let c: Vec<char> = (0..6)
        .map(|_| A[rand::random_range(0..32usize)] as char)
        .collect();
    format!("T-{}{}{}{}-{}{}", c[0], c[1], c[2], c[3], c[4], c[5])
}

async fn commit_group(
    conn: &mut AnyConnection,
    mut group: Vec<(Ticket, Vec<String>)>,
) -> Result<Vec<Ticket>, StoreError> {
    // A few multi-row statements per group rather than a few per ticket: on a database server
    // every statement is a round trip, which would cost more than the commit itself.
    let mut tx = conn.begin().await?;
    let mut seqs: Vec<Option<i64>> = vec![None; group.len()];
    loop {
        let todo: Vec<usize> = (0..group.len()).filter(|&i| seqs[i].is_none()).collect();
        if todo.is_empty() {
            break;
        }
        for chunk in todo.chunks(MAX_ROWS / 10) {
            let sql = values_sql(
                "INSERT INTO tickets (id, type, status, created_ms, first_response_target_ms,
                 first_response_breach_ms, partner, email, subject, doc)",
                10,
                chunk.len(),
                " ON CONFLICT (id) DO NOTHING RETURNING seq, id",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for &i in chunk {
                let t = &mut group[i].0;
                t.id = new_reference();
                let doc =
                    serde_json::to_string(&*t).map_err(|e| StoreError::Data(e.to_string()))?;
                query = query
                    .bind(t.id.clone())
                    .bind(t.kind.clone())
                    .bind(t.status.clone())
                    .bind(t.created.as_millisecond())
                    .bind(t.deadlines.first_response_target.as_millisecond())
                    .bind(t.deadlines.first_response_breach.as_millisecond())
                    .bind(t.partner.clone())
                    .bind(t.email.clone())
                    .bind(t.subject.clone())
                    .bind(doc);
            }
            // A reference already taken (or drawn twice in this statement) returns no row:
            // that ticket draws another one in the next round.
            for row in query.fetch_all(&mut *tx).await? {
                let (seq, id): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                if let Some(&i) = chunk
                    .iter()
                    .find(|&&i| seqs[i].is_none() && group[i].0.id == id)
                {
                    seqs[i] = Some(seq);
                }
            }
        }
    }
    let stored: Vec<(i64, &Ticket, &[String])> = group
        .iter()
        .zip(&seqs)
        .filter_map(|((t, targets), seq)| seq.map(|s| (s, t, targets.as_slice())))
        .collect();
    let contacts: Vec<(i64, i64, &str, i64, i64)> = stored
        .iter()
        .flat_map(|&(seq, t, _)| {
            t.deadlines.contacts.iter().enumerate().map(move |(i, c)| {
                let position = i64::try_from(i).unwrap_or(i64::MAX);
                (
                    seq,
                    position,
                    c.role.as_str(),
                    c.notify_at.as_millisecond(),
                    c.due.as_millisecond(),
                )
            })
        })
        .collect();
    for chunk in contacts.chunks(MAX_ROWS / 5) {
        let sql = values_sql(
            "INSERT INTO ticket_contacts (ticket_seq, position, role, notify_at_ms, due_ms)",
            5,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &(seq, position, role, notify_at, due) in chunk {
            query = query
                .bind(seq)
                .bind(position)
                .bind(role.to_string())
                .bind(notify_at)
                .bind(due);
        }
        query.execute(&mut *tx).await?;
    }
    let jobs: Vec<(i64, i64, &str, i64)> = stored
        .iter()
        .flat_map(|&(seq, t, targets)| {
            targets
                .iter()
                .map(move |target| (seq, 0, target.as_str(), t.created.as_millisecond()))
        })
        .collect();
    super::events::insert_jobs(&mut tx, &jobs).await?;
    tx.commit().await?;
    Ok(group.into_iter().map(|(t, _)| t).collect())
}

/// Rows one multi-row statement takes at most, times its columns: within the bound
/// parameters of SQLite (32,766) and PostgreSQL (65,535).
pub(super) const MAX_ROWS: usize = 5000;

/// `head VALUES ($1, …, $columns), (…) tail` for `rows` rows: the placeholders of a
/// multi-row insert (sqlx's QueryBuilder writes `?` for the Any driver, which PostgreSQL does
/// not read).
pub(super) fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * columns * 5);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(sql, "{sep}${}", r * columns + c + 1);
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}
