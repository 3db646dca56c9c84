//! Tests of the SQLite store, and the ticket the other queue tests store.

use super::*;
use crate::tickets::calendar::{Calendar, deadlines};
use crate::tickets::config::SupportConfig;

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
        progress: Default::default(),
    }
}

#[tokio::test]
async fn claim_takes_at_most_limit_jobs_of_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open(dir.path()).await.unwrap();
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
