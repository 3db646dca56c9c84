//! What service instances sharing one PostgreSQL database must agree on, kept in it: partner
//! keys (table `partner_keys`, polled every [`POLL`] so that a revocation reaches every
//! instance within a second) and the secret that signs links (table `settings`).
//!
//! On one machine (SQLite) these stay files of the data folder: `partners.json` and
//! `secret.key` (see [`super::keys`] and `http::load_secret`).

use super::keys::{self, KeyError, PartnerKeys, PartnerRecord};
use crate::tickets::queue::database::{Backend, Db};
use crate::tickets::store::ts;
use argon2::Argon2;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use std::time::Duration;

/// How often an instance reads the partner keys again.
pub const POLL: Duration = Duration::from_millis(500);

fn db_error(e: impl std::fmt::Display) -> KeyError {
    KeyError::Db(e.to_string())
}

/// Issues a key for `name` in the database; returns the key (shown once).
pub async fn add(pool: &AnyPool, name: &str, argon: Argon2<'_>) -> Result<String, KeyError> {
    let name = keys::checked_name(name)?;
    let (key, r) = keys::new_key(name, argon)?;
    let inserted = sqlx::query(
        "INSERT INTO partner_keys (name, key_id, hash, created_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(&r.name)
    .bind(&r.key_id)
    .bind(&r.hash)
    .bind(r.created.as_millisecond())
    .execute(pool)
    .await
    .map_err(db_error)?;
    if inserted.rows_affected() == 0 {
        return Err(KeyError::Exists(name.into()));
    }
    Ok(key)
}

/// Every key record, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<PartnerRecord>, KeyError> {
    let rows = sqlx::query(
        "SELECT name, key_id, hash, created_ms, revoked_ms FROM partner_keys ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(PartnerRecord {
            name: r.try_get(0).map_err(db_error)?,
            key_id: r.try_get(1).map_err(db_error)?,
            hash: r.try_get(2).map_err(db_error)?,
            created: ts(r.try_get(3).map_err(db_error)?),
            revoked: r.try_get::<Option<i64>, _>(4).map_err(db_error)?.map(ts),
        });
    }
    Ok(out)
}

/// Revokes the active key of `name`.
pub async fn revoke(pool: &AnyPool, name: &str) -> Result<(), KeyError> {
    let r = sqlx::query(
        "UPDATE partner_keys SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL",
    )
    .bind(Timestamp::now().as_millisecond())
    .bind(name.trim())
    .execute(pool)
    .await
    .map_err(db_error)?;
    if r.rows_affected() == 0 {
        return Err(KeyError::NotFound(name.into()));
    }
    Ok(())
}

/// The service's partner keys: the data folder's file on SQLite, the database's table (read
/// now and every [`POLL`] by a task that ends with the last clone) on PostgreSQL.
pub async fn partner_keys(db: &Db, data: &std::path::Path) -> Result<PartnerKeys, KeyError> {
    if db.backend == Backend::Sqlite {
        return PartnerKeys::open(data);
    }
    let keys = PartnerKeys::from_records(list(&db.pool).await?);
    let records = keys.records();
    let pool = db.pool.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        loop {
            tick.tick().await;
            match list(&pool).await {
                Ok(r) => {
                    if !records.set(r) {
                        return;
                    }
                }
                Err(e) => tracing::warn!("keeping previous partner keys: {e}"),
            }
        }
    });
    Ok(keys)
}

/// The secret instances on PostgreSQL sign links with: `from_env` when given, else the one the
/// first instance stored. Every instance records the SHA-256 of the secret it uses, and one
/// whose secret differs from the recorded one refuses to start rather than sign links the
/// others reject.
pub async fn shared_secret(
    pool: &AnyPool,
    from_env: Option<Vec<u8>>,
    env_name: &str,
) -> Result<Vec<u8>, String> {
    let db = |e: sqlx::Error| format!("service secret in the database: {e}");
    let secret = match from_env {
        Some(s) => s,
        None => {
            let fresh = hex::encode(rand::random::<[u8; 32]>());
            stored_once(pool, "tickets_secret", &fresh)
                .await
                .map_err(db)?
                .into_bytes()
        }
    };
    let fingerprint = hex::encode(Sha256::digest(&secret));
    let recorded = stored_once(pool, "tickets_secret_sha256", &fingerprint)
        .await
        .map_err(db)?;
    if recorded != fingerprint {
        return Err(format!(
            "this instance's link secret differs from the one the other instances on this \
             database sign with: give every instance the same {env_name}, or unset it on all \
             of them to use the database's (after a deliberate change, delete the row \
             `tickets_secret_sha256` of table `settings`)"
        ));
    }
    Ok(secret)
}

/// The value of setting `name`, storing `value` first when there is none.
async fn stored_once(pool: &AnyPool, name: &str, value: &str) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(value)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::queue::database::connect;
    use crate::tickets::store::tests::store_test;

    fn cheap() -> Argon2<'static> {
        let params = argon2::Params::new(8, 1, 1, None).unwrap();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    }

    store_test! {
        /// Two instances on one database: a key issued by the CLI works on both, and its
        /// revocation reaches both within a second.
        async fn a_revoked_key_stops_working_on_every_instance_within_a_second(url) {
            let db = connect(&url).await.unwrap();
            if db.backend == Backend::Sqlite {
                return; // one machine: the file's own test covers it
            }
            let data = tempfile::tempdir().unwrap();
            let a = partner_keys(&db, data.path()).await.unwrap();
            let b = partner_keys(&connect(&url).await.unwrap(), data.path()).await.unwrap();
            let key = add(&db.pool, "Partner TV", cheap()).await.unwrap();
            assert!(matches!(
                add(&db.pool, "Partner TV", cheap()).await,
                Err(KeyError::Exists(_))
            ));
            tokio::time::sleep(POLL * 2).await;
            for keys in [&a, &b] {
                assert_eq!(keys.verify(key.clone()).await, keys::KeyCheck::Valid("Partner TV".into()));
            }
            revoke(&db.pool, "Partner TV").await.unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
            for keys in [&a, &b] {
                assert_eq!(keys.verify(key.clone()).await, keys::KeyCheck::Invalid);
            }
            assert_eq!(list(&db.pool).await.unwrap().len(), 1);
        }
    }

    store_test! {
        /// Instances agree on the secret: the first one's is everyone's, and one started with
        /// a different AYUDA_TICKETS_SECRET is refused with a message that names it.
        async fn instances_share_one_link_secret(url) {
            let db = connect(&url).await.unwrap();
            let first = shared_secret(&db.pool, None, "AYUDA_TICKETS_SECRET").await.unwrap();
            let second = shared_secret(&db.pool, None, "AYUDA_TICKETS_SECRET").await.unwrap();
            assert_eq!(first, second);
            assert_eq!(
                shared_secret(&db.pool, Some(first.clone()), "AYUDA_TICKETS_SECRET").await,
                Ok(first)
            );
            let err = shared_secret(&db.pool, Some(b"another secret, long".to_vec()), "AYUDA_TICKETS_SECRET")
                .await
                .unwrap_err();
            assert!(err.contains("AYUDA_TICKETS_SECRET"), "{err}");
        }
    }
}
