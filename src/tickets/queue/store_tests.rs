//! Tests of the store, run on SQLite and on a throwaway PostgreSQL cluster ([`store_test`]),
//! and the ticket the other queue tests store.

use super::*;
use crate::tickets::queue::database::DatabaseUrl;

#[path = "../../../tests/common/pg.rs"]
pub(crate) mod pg;

/// Keeps a test's database alive: a temporary folder or a PostgreSQL cluster.
#[allow(dead_code)] // held for its Drop
pub(crate) enum Place {
    Folder(tempfile::TempDir),
    Cluster(pg::PgCluster),
}

/// A fresh SQLite database in a temporary folder.
pub(crate) fn sqlite() -> (Place, DatabaseUrl) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::in_folder(dir.path());
    (Place::Folder(dir), url)
}

/// A fresh PostgreSQL database on a cluster of its own, or `None` (with a printed reason) when
/// PostgreSQL is not installed.
pub(crate) fn postgres() -> Option<(Place, DatabaseUrl)> {
    let cluster = pg::PgCluster::start(false)?;
    let url = DatabaseUrl::Postgres(cluster.database());
    Some((Place::Cluster(cluster), url))
}

/// Defines test `name` as module `name` with two tests, `sqlite` and `postgres`, that run the
/// same body on a fresh database of each engine (`url: DatabaseUrl`); `postgres` is skipped
/// with a printed reason when PostgreSQL is not installed.
macro_rules! store_test {
    ($(#[$meta:meta])* async fn $name:ident($url:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($url: $crate::tickets::queue::database::DatabaseUrl) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (_place, url) = $crate::tickets::store::tests::sqlite();
                run(url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((_place, url)) = $crate::tickets::store::tests::postgres() {
                    run(url).await;
                }
            }
        }
    };
}
use crate::tickets::calendar::{Calendar, deadlines};
use crate::tickets::config::SupportConfig;
#[allow(unused_imports)] // used by the tests of other files
pub(crate) use store_test;

/// A ticket as the service would store it.
pub(crate) fn ticket(i: usize) -> Ticket {
    let config = SupportConfig::default();
    let cal = Calendar::from_config(&config).unwrap();
    let now = Timestamp::now();
    Ticket {
        id: String::new(),
        kind: "business".into(),
        status: "received".into(),
        created: now,
        locale: "en".into(),
        name: format!("Partner user {i}"),
        email: "ops@partner.example.org".into(),
        partner: "Partner TV".into(),
        partner_key: None,
        subject: format!("Ticket {i}"),
        description: "A ticket of the store tests.".into(),
        page: String::new(),
        suggested: Vec::new(),
        opened: Vec::new(),
        time_zone: "UTC".into(),
        deadlines: deadlines(&config, &cal, "business", now).unwrap(),
        cc: Vec::new(),
        partner_time_zone: None,
        progress: Default::default(),
        attachments: Vec::new(),
    }
}

store_test! {
async fn claim_takes_at_most_limit_jobs_of_its_target(url) {
    let store = SqlStore::connect(&url).await.unwrap();
    for i in 0..10 {
        store
            .insert(ticket(i), vec!["hook".into(), "file".into()])
            .await
            .unwrap();
    }
    let lease = SignedDuration::from_secs(60);
    let later = Timestamp::now() + SignedDuration::from_secs(1);
    let jobs = store.claim(later, lease, "hook".into(), 3).await.unwrap();
    assert_eq!(jobs.len(), 3, "LIMIT must bind the limit");
    assert!(jobs.iter().all(|j| j.target == "hook" && j.attempts == 1));
    let rest = store.claim(later, lease, "hook".into(), 100).await.unwrap();
    assert_eq!(rest.len(), 7, "leased jobs are not claimed twice");
    let file = store.claim(later, lease, "file".into(), 100).await.unwrap();
    assert_eq!(file.len(), 10);
    // Every job of `hook` is leased: the next one can be claimed when a lease ends.
    let due = store.next_due("hook".into()).await.unwrap().unwrap();
    assert_eq!(due.as_millisecond(), (later + lease).as_millisecond());
}
}

store_test! {
    /// Concurrent tickets are committed in groups by multi-row statements: each keeps its own
    /// reference, contacts and one job per target, however the writer grouped them.
    async fn a_group_commit_stores_every_ticket_with_its_contacts_and_jobs(url) {
        let store = Arc::new(SqlStore::connect(&url).await.unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..300 {
            let store = store.clone();
            tasks.spawn(async move {
                store
                    .insert(ticket(i), vec!["hook".into(), "file".into()])
                    .await
                    .unwrap()
            });
        }
        let mut ids = std::collections::BTreeSet::new();
        while let Some(t) = tasks.join_next().await {
            let t = t.unwrap();
            assert!(ids.insert(t.id.clone()), "reference {} given twice", t.id);
        }
        assert_eq!(ids.len(), 300);
        for id in ids.iter().take(20) {
            let view = store.get(id.clone()).await.unwrap().unwrap();
            assert_eq!(&view.ticket.id, id);
            let targets: Vec<&str> = view.deliveries.iter().map(|d| d.target.as_str()).collect();
            assert_eq!(targets, ["hook", "file"]);
        }
        let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_contacts")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(contacts, 300 * ticket(0).deadlines.contacts.len() as i64);
        let list = store.list(ListFilter::default()).await.unwrap();
        assert_eq!(list.len(), 300);
    }
}
