//! Agent keys: the bearer keys tools use on `POST /api/tickets/{id}/events`, issued by
//! `ayuda agents add NAME`. Only the SHA-256 of a key is stored: keys are 256 random bits,
//! which no dictionary holds, so a fast hash is enough and a lookup costs one indexed query
//! (no argon2 run an anonymous client could make the service pay for).

use super::database::DatabaseUrl;
use super::store::{StoreError, open_pool, ts};
use jiff::Timestamp;
use sha2::Digest;
use sqlx::AnyPool;
use sqlx::Row;
use std::path::Path;

/// The prefix of agent keys (tells them apart from partner keys in logs and secrets scanners).
const PREFIX: &str = "ayuda_agent_";

/// An agent as `ayuda agents list` shows it (never the key or its hash).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgentRecord {
    pub name: String,
    pub created: Timestamp,
    pub revoked: Option<Timestamp>,
    pub active: bool,
}

/// The agent keys of a queue database.
#[derive(Clone)]
pub struct AgentKeys {
    pool: AnyPool,
}

fn hash(key: &str) -> String {
    hex::encode(sha2::Sha256::digest(key.trim().as_bytes()))
}

/// An agent name, as the events' actor takes it (1 to 100 characters, no control characters).
fn checked(name: &str) -> Result<String, StoreError> {
    crate::tickets::escalation::lifecycle::checked_name("NAME", name)
        .map_err(|e| StoreError::Refused(e.to_string()))
}

impl AgentKeys {
    /// The agent keys of the queue in `data` (created and migrated when missing).
    pub async fn open(data: &Path) -> Result<AgentKeys, StoreError> {
        Ok(AgentKeys {
            pool: open_pool(data).await?.pool,
        })
    }

    /// The agent keys of an open database.
    pub fn with_db(db: &super::database::Db) -> AgentKeys {
        AgentKeys {
            pool: db.pool.clone(),
        }
    }

    /// The agent keys of the database `url` names (created and migrated when missing).
    pub async fn connect(url: &DatabaseUrl) -> Result<AgentKeys, StoreError> {
        Ok(AgentKeys {
            pool: super::database::connect(url).await?.pool,
        })
    }

    /// The queue database these keys live in (the agents' report reads it).
    pub fn database(&self) -> &AnyPool {
        &self.pool
    }

    /// Issues a key for `name` (refused while it has an active one); the key, to print once.
    pub async fn add(&self, name: &str) -> Result<String, StoreError> {
        let name = checked(name)?;
        let key = format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        let inserted = sqlx::query(
            "INSERT INTO agent_keys (name, hash, created_ms) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(&name)
        .bind(hash(&key))
        .bind(Timestamp::now().as_millisecond())
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Refused(format!(
                "agent `{name}` has an active key; revoke it first (ayuda agents revoke \"{name}\")"
            )));
        }
        Ok(key)
    }

    /// Every agent key, oldest first.
    pub async fn list(&self) -> Result<Vec<AgentRecord>, StoreError> {
        let rows = sqlx::query("SELECT name, created_ms, revoked_ms FROM agent_keys ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let revoked = r.try_get::<Option<i64>, _>(2)?.map(ts);
            out.push(AgentRecord {
                name: r.try_get(0)?,
                created: ts(r.try_get(1)?),
                active: revoked.is_none(),
                revoked,
            });
        }
        Ok(out)
    }

    /// Revokes the active key of `name`.
    pub async fn revoke(&self, name: &str) -> Result<(), StoreError> {
        let name = checked(name)?;
        let r = sqlx::query(
            "UPDATE agent_keys SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL",
        )
        .bind(Timestamp::now().as_millisecond())
        .bind(&name)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "active key of agent `{name}`"
            )));
        }
        Ok(())
    }

    /// The agent an active `key` belongs to.
    pub async fn verify(&self, key: &str) -> Result<Option<String>, StoreError> {
        if !key.trim().starts_with(PREFIX) {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar(
                "SELECT name FROM agent_keys WHERE hash = $1 AND revoked_ms IS NULL",
            )
            .bind(hash(key))
            .fetch_optional(&self.pool)
            .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::tickets::store::tests::store_test! {
    async fn keys_are_issued_once_verified_and_revoked(url) {
        let agents = AgentKeys::connect(&url).await.unwrap();
        let key = agents.add("zendesk-automation").await.unwrap();
        assert!(key.starts_with(PREFIX) && key.len() == PREFIX.len() + 64);
        assert!(matches!(
            agents.add("zendesk-automation").await,
            Err(StoreError::Refused(_))
        ));
        assert_eq!(
            agents.verify(&key).await.unwrap().as_deref(),
            Some("zendesk-automation")
        );
        assert_eq!(agents.verify("ayuda_agent_00").await.unwrap(), None);
        let stored: String = sqlx::query_scalar("SELECT hash FROM agent_keys")
            .fetch_one(&agents.pool)
            .await
            .unwrap();
        assert!(
            !stored.contains(&key[PREFIX.len()..]),
            "only the hash is stored"
        );
        agents.revoke("zendesk-automation").await.unwrap();
        assert_eq!(agents.verify(&key).await.unwrap(), None);
        let list = agents.list().await.unwrap();
        assert_eq!((list.len(), list[0].active), (1, false));
        // A new key after the revocation.
        let again = agents.add("zendesk-automation").await.unwrap();
        assert_ne!(again, key);
    }
    }
}
