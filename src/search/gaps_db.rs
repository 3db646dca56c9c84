//! Search counts in a database several service instances share: each instance adds what it
//! counted since its last flush ([`GapRecorder::take_pending`]) to table `search_counts`, and
//! reads the totals from it, so that the writers' reports see every instance's searches.

use super::gaps::{Gap, GapRecorder, GapTable};
use crate::tickets::store::{StoreError, ts};
use jiff::Timestamp;
use sqlx::{AnyPool, Row};

const GAP: &str = "gap";
const ANSWERED: &str = "answered";

/// Adds what `recorder` counted since the last flush to the database; on failure the counts
/// stay pending for the next flush.
pub async fn flush(pool: &AnyPool, recorder: &GapRecorder) -> Result<(), StoreError> {
    let pending = recorder.take_pending();
    if pending.0.is_empty() && pending.1.is_empty() {
        return Ok(());
    }
    match add(pool, &pending).await {
        Ok(()) => Ok(()),
        Err(e) => {
            recorder.restore_pending(pending);
            Err(e)
        }
    }
}

async fn add(pool: &AnyPool, (gaps, searches): &(GapTable, GapTable)) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for (kind, table) in [(GAP, gaps), (ANSWERED, searches)] {
        for (locale, queries) in table {
            for (query, g) in queries {
                let last = g
                    .last
                    .parse::<Timestamp>()
                    .map_or(0, |t| t.as_millisecond());
                sqlx::query(
                    "INSERT INTO search_counts (kind, locale, query, count, opened, last_ms)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (kind, locale, query) DO UPDATE SET
                       count = search_counts.count + excluded.count,
                       opened = CASE
                         WHEN search_counts.opened + excluded.opened
                              > search_counts.count + excluded.count
                         THEN search_counts.count + excluded.count
                         ELSE search_counts.opened + excluded.opened END,
                       last_ms = CASE WHEN excluded.last_ms > search_counts.last_ms
                                      THEN excluded.last_ms ELSE search_counts.last_ms END",
                )
                .bind(kind)
                .bind(locale)
                .bind(query)
                .bind(i64::try_from(g.count).unwrap_or(i64::MAX))
                .bind(i64::try_from(g.opened).unwrap_or(i64::MAX))
                .bind(last)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The totals: zero-result searches and answered searches, per locale and query.
pub async fn load(pool: &AnyPool) -> Result<(GapTable, GapTable), StoreError> {
    let rows = sqlx::query(
        "SELECT kind, locale, query, count, opened, last_ms FROM search_counts
         ORDER BY kind, locale, query",
    )
    .fetch_all(pool)
    .await?;
    let (mut gaps, mut searches) = (GapTable::new(), GapTable::new());
    for r in rows {
        let kind: String = r.try_get(0)?;
        let table = if kind == GAP {
            &mut gaps
        } else {
            &mut searches
        };
        let count: i64 = r.try_get(3)?;
        let opened: i64 = r.try_get(4)?;
        table.entry(r.try_get(1)?).or_default().insert(
            r.try_get(2)?,
            Gap {
                count: u64::try_from(count).unwrap_or(0),
                opened: u64::try_from(opened).unwrap_or(0),
                last: ts(r.try_get(5)?).to_string(),
            },
        );
    }
    Ok((gaps, searches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::queue::database::connect;
    use crate::tickets::store::tests::store_test;
    use std::net::IpAddr;

    store_test! {
        /// Two instances count the same gap and the same answered search: the database holds
        /// the sum, and a failed flush loses nothing.
        async fn instances_add_their_counts_up(url) {
            let db = connect(&url).await.unwrap();
            let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
            let [a, b] = [0, 1].map(|i| GapRecorder::open(dirs[i].path()));
            for (n, r) in [&a, &b].into_iter().enumerate() {
                let client = IpAddr::from([198, 51, 100, n as u8]);
                r.record("es", "factura duplicada", client);
                r.record_answered("es", "clave partner", client);
                r.record_opened("es", "clave partner", client);
            }
            flush(&db.pool, &a).await.unwrap();
            flush(&db.pool, &a).await.unwrap(); // nothing new: adds nothing
            flush(&db.pool, &b).await.unwrap();
            let (gaps, searches) = load(&db.pool).await.unwrap();
            assert_eq!(gaps["es"]["factura duplicada"].count, 2);
            let s = &searches["es"]["clave partner"];
            assert_eq!((s.count, s.opened), (2, 2));

            a.record("es", "otra", IpAddr::from([203, 0, 113, 1]));
            db.pool.close().await;
            assert!(flush(&db.pool, &a).await.is_err());
            let db = connect(&url).await.unwrap();
            flush(&db.pool, &a).await.unwrap();
            let (gaps, _) = load(&db.pool).await.unwrap();
            assert_eq!(gaps["es"]["otra"].count, 1, "kept for the next flush");
        }
    }
}
