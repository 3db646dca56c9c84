//! The satisfaction survey in the queue: the answer and its `rate` event are written in
//! one transaction, and the primary key of `ticket_surveys` keeps the answer one per ticket
//! whoever posts at the same time.

use super::database::Db;
use super::events::change_in;
use super::store::{StoreError, ts};
use super::{Changed, SurveyAnswer};
use crate::tickets::escalation::lifecycle::{Action, Change};
use sqlx::{AnyPool, Row};

/// The actor of the survey's events: the partner, whose name the queue does not repeat.
const SURVEY_ACTOR: &str = "partner";

/// The scores of the survey.
pub const SCORES: std::ops::RangeInclusive<u8> = 1..=5;

/// A stored score as a `u8`.
pub(super) fn stored_score(v: i64) -> Result<u8, StoreError> {
    u8::try_from(v).map_err(|_| StoreError::Data(format!("stored survey: score {v}")))
}

/// The note of the `rate` event: `4/5`, then the comment.
pub fn note(answer: &SurveyAnswer) -> String {
    match answer.comment.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => format!("{}/5\n\n{c}", answer.score),
        _ => format!("{}/5", answer.score),
    }
}

/// Stores `answer` for closed ticket `id` with its `rate` event and one job per target. Refused
/// ([`StoreError::Refused`]) when the ticket is not closed, was rated already, or the score is
/// not 1 to 5.
pub(super) async fn rate(
    db: &Db,
    id: &str,
    answer: &SurveyAnswer,
    targets: &[String],
) -> Result<Changed, StoreError> {
    if !SCORES.contains(&answer.score) {
        return Err(StoreError::Refused(format!(
            "score {}: the survey takes 1 to 5",
            answer.score
        )));
    }
    let change = Change {
        action: Action::Rate,
        actor: SURVEY_ACTOR.to_string(),
        to: None,
        level: None,
        note: Some(note(answer)),
        public: false,
    };
    let mut tx = db.begin_write().await?;
    let (changed, seq) = change_in(&mut tx, db.backend, id, &change, targets, answer.at).await?;
    let stored = sqlx::query(
        "INSERT INTO ticket_surveys (ticket_seq, score, comment, answered_ms, event_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_seq) DO NOTHING",
    )
    .bind(seq)
    .bind(i64::from(answer.score))
    .bind(
        answer
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    )
    .bind(answer.at.as_millisecond())
    .bind(changed.event.id)
    .execute(&mut *tx)
    .await?;
    if stored.rows_affected() != 1 {
        // Dropping the transaction undoes the event too.
        return Err(StoreError::Refused(format!(
            "ticket {}: the survey was answered already",
            changed.id
        )));
    }
    tx.commit().await?;
    Ok(changed)
}

/// The survey answer of ticket `seq`, when there is one.
pub(super) async fn of_ticket(
    pool: &AnyPool,
    seq: i64,
) -> Result<Option<SurveyAnswer>, StoreError> {
    let row =
        sqlx::query("SELECT score, comment, answered_ms FROM ticket_surveys WHERE ticket_seq = $1")
            .bind(seq)
            .fetch_optional(pool)
            .await?;
    row.map(|r| {
        Ok(SurveyAnswer {
            score: stored_score(r.try_get(0)?)?,
            comment: r.try_get(1)?,
            at: ts(r.try_get(2)?),
        })
    })
    .transpose()
}

/// Answers per score, for the metrics: (score, answers), scores without answers left out.
pub(super) async fn counts(pool: &AnyPool) -> Result<Vec<(u8, i64)>, StoreError> {
    let rows =
        sqlx::query("SELECT score, COUNT(*) FROM ticket_surveys GROUP BY score ORDER BY score")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((stored_score(r.try_get(0)?)?, r.try_get(1)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::SURVEY_ACTOR;
    use crate::tickets::escalation::lifecycle::{Action, Change};
    use crate::tickets::store::tests::store_test;
    use crate::tickets::store::{SqlStore, StoreError, SurveyAnswer, TicketStore};
    use jiff::Timestamp;

    fn answer(score: u8) -> SurveyAnswer {
        SurveyAnswer {
            score,
            comment: Some("  bien  ".into()),
            at: Timestamp::now(),
        }
    }

    async fn act(store: &SqlStore, id: &str, action: Action) {
        let c = Change {
            action,
            actor: "ops".into(),
            to: None,
            level: None,
            note: None,
            public: false,
        };
        let now = Timestamp::now();
        store.change(id.into(), c, vec![], now).await.unwrap();
    }

    store_test! {
    /// Only a closed ticket is rated, once, 1 to 5; a refusal leaves no event behind.
    async fn one_answer_per_closed_ticket_with_a_score_of_one_to_five(url) {
        let store = SqlStore::connect(&url).await.unwrap();
        let id = store
            .insert(crate::tickets::store::tests::ticket(1), vec![])
            .await
            .unwrap()
            .id;
        let refused = |r: Result<_, StoreError>| matches!(r, Err(StoreError::Refused(_)));
        act(&store, &id, Action::Ack).await;
        act(&store, &id, Action::Resolve).await;
        let early = store.rate(id.clone(), answer(5), vec![]).await;
        assert!(refused(early), "resolved is not closed");
        act(&store, &id, Action::Close).await;
        for score in [0, 6, 255] {
            let r = store.rate(id.clone(), answer(score), vec![]).await;
            assert!(refused(r), "score {score}");
        }
        let rated = store.rate(id.clone(), answer(5), vec!["hook".into()]).await;
        let rated = rated.unwrap();
        assert_eq!(
            (rated.status.as_str(), rated.event.action),
            ("closed", Action::Rate)
        );
        assert_eq!(rated.event.actor, SURVEY_ACTOR);
        let again = store.rate(id.clone(), answer(1), vec!["hook".into()]).await;
        assert!(refused(again), "one answer per ticket");

        let view = store.get(id).await.unwrap().unwrap();
        let survey = view.survey.unwrap();
        assert_eq!((survey.score, survey.comment.as_deref()), (5, Some("bien")));
        let rates = view.events.iter().filter(|e| e.action == Action::Rate);
        assert_eq!(rates.count(), 1, "refused answers leave no event");
        assert_eq!(view.deliveries.len(), 1, "one job for the one answer");
        let stats = store.ticket_stats(Timestamp::now()).await.unwrap();
        assert_eq!(stats.survey_answers, [(5, 1)]);
    }
    }
}
