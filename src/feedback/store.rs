//! Where votes live: the data folder's database, next to the ticket queue (one SQLite file
//! today; issue 16 moves the data folder's stores to PostgreSQL behind the same traits).

use super::Vote;
use crate::tickets::queue::database::DatabaseUrl;
use crate::tickets::store::{StoreError, StoreFuture};
use jiff::Timestamp;
use sqlx::AnyPool;
use sqlx::Row;
use std::path::Path;

/// A stored vote with its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVote {
    pub created: Timestamp,
    pub vote: Vote,
}

/// The articles a ticket's form suggested and the partner opened before sending it anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketArticles {
    pub created: Timestamp,
    pub locale: String,
    pub suggested: Vec<String>,
    pub opened: Vec<String>,
}

/// Votes, and what the content report reads of the tickets.
pub trait FeedbackStore: Send + Sync + 'static {
    /// Stores one vote received at `at`.
    fn insert(&self, vote: Vote, at: Timestamp) -> StoreFuture<'_, ()>;
    /// Votes received since `since` (all when `None`), oldest first.
    fn votes(&self, since: Option<Timestamp>) -> StoreFuture<'_, Vec<StoredVote>>;
    /// Tickets received since `since` that carry suggested or opened articles, oldest first.
    fn ticket_articles(&self, since: Option<Timestamp>) -> StoreFuture<'_, Vec<TicketArticles>>;
}

/// Votes in the data database (`DATA/tickets.sqlite` or PostgreSQL), table `feedback`.
pub struct SqlFeedback {
    pool: AnyPool,
}

impl SqlFeedback {
    /// Opens (creating and migrating) the data folder's database.
    pub async fn open(data: &Path) -> Result<SqlFeedback, StoreError> {
        Ok(SqlFeedback {
            pool: crate::tickets::store::open_pool(data).await?.pool,
        })
    }

    /// Votes in an open database.
    pub fn with_db(db: &crate::tickets::queue::database::Db) -> SqlFeedback {
        SqlFeedback {
            pool: db.pool.clone(),
        }
    }

    /// Opens (creating and migrating) the database `url` names.
    pub async fn connect(url: &DatabaseUrl) -> Result<SqlFeedback, StoreError> {
        Ok(SqlFeedback {
            pool: crate::tickets::queue::database::connect(url).await?.pool,
        })
    }
}

fn since_ms(since: Option<Timestamp>) -> i64 {
    since.map_or(i64::MIN, |t| t.as_millisecond())
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl FeedbackStore for SqlFeedback {
    fn insert(&self, vote: Vote, at: Timestamp) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO feedback (created_ms, article, locale, helpful, comment)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(at.as_millisecond())
            .bind(&vote.article)
            .bind(&vote.locale)
            .bind(i64::from(vote.helpful))
            .bind(&vote.comment)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn votes(&self, since: Option<Timestamp>) -> StoreFuture<'_, Vec<StoredVote>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT created_ms, article, locale, helpful, comment FROM feedback
                 WHERE created_ms >= $1 ORDER BY created_ms, id",
            )
            .bind(since_ms(since))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(StoredVote {
                    created: ts(r.try_get(0)?),
                    vote: Vote {
                        article: r.try_get(1)?,
                        locale: r.try_get(2)?,
                        helpful: r.try_get::<i64, _>(3)? != 0,
                        comment: r.try_get(4)?,
                    },
                });
            }
            Ok(out)
        })
    }

    fn ticket_articles(&self, since: Option<Timestamp>) -> StoreFuture<'_, Vec<TicketArticles>> {
        Box::pin(async move {
            // The lists live in the ticket document (tickets.doc, JSON).
            let rows = sqlx::query(
                "SELECT created_ms, doc FROM tickets WHERE created_ms >= $1 ORDER BY created_ms, seq",
            )
            .bind(since_ms(since))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::new();
            for r in rows {
                let doc: String = r.try_get(1)?;
                let t: crate::tickets::store::Ticket = serde_json::from_str(&doc)
                    .map_err(|e| StoreError::Data(format!("stored ticket: {e}")))?;
                if t.suggested.is_empty() && t.opened.is_empty() {
                    continue;
                }
                out.push(TicketArticles {
                    created: ts(r.try_get(0)?),
                    locale: t.locale,
                    suggested: t.suggested,
                    opened: t.opened,
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::tickets::store::tests::store_test! {
    async fn votes_are_kept_and_read_since_a_date(url) {
        let store = SqlFeedback::connect(&url).await.unwrap();
        let vote = |helpful| Vote {
            article: "partner-key".into(),
            locale: "es".into(),
            helpful,
            comment: String::new(),
        };
        let old: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let new: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        store.insert(vote(true), old).await.unwrap();
        store.insert(vote(false), new).await.unwrap();
        assert_eq!(store.votes(None).await.unwrap().len(), 2);
        let recent = store
            .votes(Some("2026-02-01T00:00:00Z".parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(
            recent,
            vec![StoredVote {
                created: new,
                vote: vote(false)
            }]
        );
        // The ticket queue shares the database and its migrations.
        crate::tickets::store::SqlStore::connect(&url).await.unwrap();
        assert!(store.ticket_articles(None).await.unwrap().is_empty());
    }
    }
}
