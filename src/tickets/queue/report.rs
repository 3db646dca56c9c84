//! The queue's side of `ayuda report tickets`: the tickets of a period with their first
//! response and the agent who gave it, and the open tickets by level. The figures themselves
//! are computed in `crate::tickets::report` (pure, tested without a database).

use super::store::{StoreError, level, ts};
use jiff::Timestamp;
use sqlx::AnyPool;
use sqlx::Row;

/// One ticket as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTicket {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub level: u8,
    pub created: Timestamp,
    pub first_response_breach: Timestamp,
    pub first_response_at: Option<Timestamp>,
    /// The actor of the ticket's first `ack` event: the agent who answered it.
    pub agent: Option<String>,
}

/// Tickets received in `[from, to)`, oldest first.
pub async fn report_tickets(
    pool: &AnyPool,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ReportTicket>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.type, t.status, t.level, t.created_ms, t.first_response_breach_ms,
                    t.first_response_ms,
                    (SELECT e.actor FROM ticket_events e
                     WHERE e.ticket_seq = t.seq AND e.action = 'ack' ORDER BY e.id LIMIT 1)
             FROM tickets t WHERE t.created_ms >= $1 AND t.created_ms < $2
             ORDER BY t.created_ms, t.seq",
    )
    .bind(from.as_millisecond())
    .bind(to.as_millisecond())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReportTicket {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                status: r.try_get(2)?,
                level: level(r.try_get(3)?)?,
                created: ts(r.try_get(4)?),
                first_response_breach: ts(r.try_get(5)?),
                first_response_at: r.try_get::<Option<i64>, _>(6)?.map(ts),
                agent: r.try_get(7)?,
            })
        })
        .collect()
}

/// Tickets not closed, by level (whatever their reception date): (level, tickets).
pub async fn open_by_level(pool: &AnyPool) -> Result<Vec<(u8, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT level, COUNT(*) FROM tickets WHERE status != 'closed'
             GROUP BY level ORDER BY level",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((level(r.try_get(0)?)?, r.try_get(1)?)))
        .collect()
}

/// One survey answer as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportAnswer {
    pub kind: String,
    /// The actor of the ticket's last `resolve` event: the agent whose resolution was rated.
    pub agent: Option<String>,
    pub score: u8,
}

/// Survey answers given in `[from, to)`, oldest first.
pub async fn survey_answers(
    pool: &AnyPool,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ReportAnswer>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.type, s.score,
                    (SELECT e.actor FROM ticket_events e
                     WHERE e.ticket_seq = t.seq AND e.action = 'resolve' ORDER BY e.id DESC LIMIT 1)
             FROM ticket_surveys s JOIN tickets t ON t.seq = s.ticket_seq
             WHERE s.answered_ms >= $1 AND s.answered_ms < $2
             ORDER BY s.answered_ms, s.ticket_seq",
    )
    .bind(from.as_millisecond())
    .bind(to.as_millisecond())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReportAnswer {
                kind: r.try_get(0)?,
                score: super::survey::stored_score(r.try_get(1)?)?,
                agent: r.try_get(2)?,
            })
        })
        .collect()
}
