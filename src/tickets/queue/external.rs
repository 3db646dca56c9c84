//! The ids ticketing tools give a ticket (a Monday item id, a Zendesk ticket id), one per
//! ticket and target, so lifecycle deliveries update the record the reception created; and the
//! ordering check that keeps a target's deliveries of one ticket in order.

use super::store::{SqlStore, StoreError, StoreFuture};
use jiff::Timestamp;

/// External ids per ticket and target, and the order of a ticket's deliveries.
pub trait ExternalIds: Send + Sync {
    /// The id `target` gave ticket `ticket` (its reference), once its reception was delivered.
    fn external_id(&self, ticket: String, target: String) -> StoreFuture<'_, Option<String>>;
    /// Records the id `target` gave ticket `ticket`; a second call keeps the first id.
    fn set_external_id(
        &self,
        ticket: String,
        target: String,
        external: String,
    ) -> StoreFuture<'_, ()>;
    /// Whether a delivery of `ticket` to `target` for an earlier event (the reception is event
    /// 0) is still pending: a later event waits for it, so the tool sees them in order.
    /// `Some` with the time the last of them is next tried (a past time while one is in
    /// flight or due now); `None` when none is pending.
    fn earlier_pending(
        &self,
        ticket: String,
        target: String,
        event_id: i64,
    ) -> StoreFuture<'_, Option<Timestamp>>;
    /// Takes back the attempt the claim of job `job` counted, for an attempt that only
    /// waited for another delivery.
    fn uncount_attempt(&self, job: i64) -> StoreFuture<'_, ()>;
}

impl ExternalIds for SqlStore {
    fn external_id(&self, ticket: String, target: String) -> StoreFuture<'_, Option<String>> {
        Box::pin(async move {
            Ok(sqlx::query_scalar(
                "SELECT e.external_id FROM ticket_external_ids e
                 JOIN tickets t ON t.seq = e.ticket_seq WHERE t.id = $1 AND e.target = $2",
            )
            .bind(ticket)
            .bind(target)
            .fetch_optional(self.pool())
            .await?)
        })
    }

    fn set_external_id(
        &self,
        ticket: String,
        target: String,
        external: String,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let r = sqlx::query(
                "INSERT INTO ticket_external_ids (ticket_seq, target, external_id, created_ms)
                 SELECT seq, $1, $2, $3 FROM tickets WHERE id = $4
                 ON CONFLICT (ticket_seq, target) DO NOTHING",
            )
            .bind(&target)
            .bind(external)
            .bind(Timestamp::now().as_millisecond())
            .bind(&ticket)
            .execute(self.pool())
            .await?;
            if r.rows_affected() == 0 && self.external_id(ticket.clone(), target).await?.is_none() {
                return Err(StoreError::NotFound(ticket));
            }
            Ok(())
        })
    }

    fn earlier_pending(
        &self,
        ticket: String,
        target: String,
        event_id: i64,
    ) -> StoreFuture<'_, Option<Timestamp>> {
        Box::pin(async move {
            let (count, next): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MAX(CASE WHEN j.lease_until_ms > $4 THEN 0
                                           ELSE j.next_attempt_ms END)
                 FROM jobs j JOIN tickets t ON t.seq = j.ticket_seq
                 WHERE t.id = $1 AND j.target = $2 AND j.event_id < $3 AND j.state = 'pending'",
            )
            .bind(ticket)
            .bind(target)
            .bind(event_id)
            .bind(Timestamp::now().as_millisecond())
            .fetch_one(self.pool())
            .await?;
            Ok((count > 0).then(|| super::store::ts(next.unwrap_or(0))))
        })
    }

    fn uncount_attempt(&self, job: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE jobs SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
                 WHERE id = $1",
            )
            .bind(job)
            .execute(self.pool())
            .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::escalation::lifecycle::{Action, Change};
    use crate::tickets::queue::database::DatabaseUrl;
    use crate::tickets::store::tests::store_test;
    use crate::tickets::store::{Ticket, TicketStore};

    /// A queue holding one ticket with a job for target `zd`.
    async fn with_ticket(url: &DatabaseUrl) -> (SqlStore, Ticket) {
        let store = SqlStore::connect(url).await.unwrap();
        let t = store
            .insert(crate::tickets::store::tests::ticket(1), vec!["zd".into()])
            .await
            .unwrap();
        (store, t)
    }

    store_test! {
    async fn external_ids_are_kept_per_ticket_and_target(url) {
        let (store, t) = with_ticket(&url).await;
        let get = |target: &str| store.external_id(t.id.clone(), target.into());
        assert_eq!(get("zd").await.unwrap(), None);
        store
            .set_external_id(t.id.clone(), "zd".into(), "35436".into())
            .await
            .unwrap();
        // A repeated delivery (a lease that ran out) keeps the first id.
        store
            .set_external_id(t.id.clone(), "zd".into(), "99999".into())
            .await
            .unwrap();
        assert_eq!(get("zd").await.unwrap().as_deref(), Some("35436"));
        assert_eq!(get("monday").await.unwrap(), None);
        let missing = store
            .set_external_id("T-NONE-00".into(), "zd".into(), "1".into())
            .await;
        assert!(
            matches!(missing, Err(StoreError::NotFound(_))),
            "{missing:?}"
        );
    }
    }

    store_test! {
    async fn a_later_event_sees_the_pending_reception(url) {
        let (store, t) = with_ticket(&url).await;
        let ack = Change {
            action: Action::Ack,
            actor: "ops".into(),
            to: None,
            level: None,
            note: None,
            public: false,
        };
        let changed = store
            .change(t.id.clone(), ack, vec!["zd".into()], Timestamp::now())
            .await
            .unwrap();
        let e = changed.event.id;
        let pending =
            |target: &str, event: i64| store.earlier_pending(t.id.clone(), target.into(), event);
        // The reception is due now: look again soon.
        let due = pending("zd", e).await.unwrap().unwrap();
        assert!(due <= Timestamp::now(), "{due}");
        assert_eq!(pending("zd", 0).await.unwrap(), None);
        assert_eq!(pending("other", e).await.unwrap(), None);
        // Retried in an hour: the event waits as long.
        let later = Timestamp::now() + jiff::SignedDuration::from_hours(1);
        sqlx::query("UPDATE jobs SET next_attempt_ms = $1 WHERE event_id = 0")
            .bind(later.as_millisecond())
            .execute(store.pool())
            .await
            .unwrap();
        let due = pending("zd", e).await.unwrap().unwrap();
        assert_eq!(due.as_millisecond(), later.as_millisecond());
    }
    }
}
