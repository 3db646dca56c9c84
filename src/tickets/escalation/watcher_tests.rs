//! The SLA watcher with its clock in the test's hands: a type whose SLA counts in seconds,
//! ticks at chosen instants, and the queue's events and deliveries checked after each.

use super::*;
use crate::tickets::calendar::{Calendar, deadlines};
use crate::tickets::config::{ChainStep, Clock, Dur, SlaRule, SlaRules};
use crate::tickets::escalation::lifecycle::Change;
use crate::tickets::queue::database::DatabaseUrl;
use crate::tickets::store::tests::store_test;
use crate::tickets::store::{ListFilter, SqlStore};

const T0: &str = "2026-01-05T10:00:00Z";

fn t(secs: i64) -> Timestamp {
    T0.parse::<Timestamp>().unwrap() + SignedDuration::from_secs(secs)
}

/// `operations` answered by the operations manager within 5 s, then the head of technology;
/// target at 10 s, breach at 20 s; the watcher looks every second.
fn config() -> SupportConfig {
    let mut c = SupportConfig::default();
    let secs = |s| Dur(SignedDuration::from_secs(s));
    c.types[0].sla = SlaRules {
        any: Some(SlaRule {
            target: secs(10),
            breach: Some(secs(20)),
            clock: Clock::Calendar,
            contacts: vec![
                ChainStep {
                    role: "operations-manager".into(),
                    due: Some(secs(5)),
                },
                ChainStep {
                    role: "head-of-technology".into(),
                    due: None,
                },
            ],
        }),
        ..Default::default()
    };
    c.watcher.interval = secs(1);
    c.validate().unwrap();
    c
}

async fn open(url: &DatabaseUrl) -> Arc<dyn TicketStore> {
    Arc::new(SqlStore::connect(url).await.unwrap())
}

async fn file_ticket(store: &Arc<dyn TicketStore>, config: &SupportConfig) -> String {
    let cal = Calendar::from_config(config).unwrap();
    let mut ticket = crate::tickets::store::tests::ticket(1);
    ticket.kind = "operations".into();
    ticket.created = t(0);
    ticket.deadlines = deadlines(config, &cal, "operations", t(0)).unwrap();
    store.insert(ticket, vec!["hook".into()]).await.unwrap().id
}

fn watcher(store: &Arc<dyn TicketStore>, config: &SupportConfig) -> Watcher {
    Watcher::new(store.clone(), config.clone(), vec!["hook".into()])
}

/// The watcher events of a ticket: (event, notified roles).
async fn watcher_events(store: &Arc<dyn TicketStore>, id: &str) -> Vec<(String, Vec<String>)> {
    let view = store.get(id.to_string()).await.unwrap().unwrap();
    view.events
        .iter()
        .filter(|e| e.actor == "sla-watcher")
        .map(|e| {
            let roles = e.notified.iter().map(|n| n.role.clone()).collect();
            (e.event.clone(), roles)
        })
        .collect()
}

/// What an unanswered ticket gets, in order.
const EVERY_STEP: [&str; 3] = [
    "ticket.contact_notified",
    "ticket.target_warning",
    "ticket.breached",
];

async fn event_names(store: &Arc<dyn TicketStore>, id: &str) -> Vec<String> {
    let events = watcher_events(store, id).await;
    events.into_iter().map(|(e, _)| e).collect()
}

fn events(tick: &Tick) -> Vec<&str> {
    tick.recorded.iter().map(|(_, e)| e.as_str()).collect()
}

store_test! {
async fn an_unanswered_ticket_notifies_each_step_exactly_once(url) {
    let config = config();
    let store = open(&url).await;
    let id = file_ticket(&store, &config).await;
    let w = watcher(&store, &config);
    assert!(events(&w.tick(t(1)).await.unwrap()).is_empty());
    let tick = w.tick(t(6)).await.unwrap();
    assert!(tick.leader);
    assert_eq!(events(&tick), ["ticket.contact_notified"]);
    assert!(events(&w.tick(t(7)).await.unwrap()).is_empty(), "once");
    assert_eq!(
        events(&w.tick(t(10)).await.unwrap()),
        ["ticket.target_warning"]
    );
    assert_eq!(events(&w.tick(t(21)).await.unwrap()), ["ticket.breached"]);
    assert!(events(&w.tick(t(60)).await.unwrap()).is_empty());
    assert_eq!(
        watcher_events(&store, &id).await,
        [
            (
                "ticket.contact_notified".into(),
                vec!["head-of-technology".into()]
            ),
            // The contact current at the target: the head of technology, told at 5 s.
            (
                "ticket.target_warning".into(),
                vec!["head-of-technology".into()]
            ),
            // The escalation contact: level 2's roles.
            ("ticket.breached".into(), vec!["head-of-technology".into()]),
        ]
    );
    let view = store.get(id.clone()).await.unwrap().unwrap();
    let deliveries: Vec<&str> = view.deliveries.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(
        deliveries,
        [
            "ticket.created",
            "ticket.contact_notified",
            "ticket.target_warning",
            "ticket.breached"
        ]
    );
    let breached = store
        .list(ListFilter {
            breached: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(breached.len(), 1);
}
}

store_test! {
async fn an_acknowledged_ticket_is_not_chased(url) {
    let config = config();
    let store = open(&url).await;
    let id = file_ticket(&store, &config).await;
    let ack = Change {
        action: Action::Ack,
        actor: "operations-manager".into(),
        to: None,
        level: None,
        note: None,
        public: false,
    };
    store.change(id.clone(), ack, vec![], t(2)).await.unwrap();
    let w = watcher(&store, &config);
    let mut skipped = 0;
    for at in [6, 10, 21, 60] {
        let tick = w.tick(t(at)).await.unwrap();
        assert!(tick.recorded.is_empty(), "{tick:?}");
        skipped += tick.skipped;
    }
    assert_eq!(
        skipped, 3,
        "reminder, warning and breach handled without a word"
    );
    assert!(watcher_events(&store, &id).await.is_empty());
}
}

store_test! {
/// A process that recorded the reminder dies; a new one (new holder, same database) takes the
/// lease once it expires and carries on: nothing repeated, nothing lost.
async fn a_restart_repeats_nothing_and_loses_nothing(url) {
    let config = config();
    let store = open(&url).await;
    let id = file_ticket(&store, &config).await;
    assert_eq!(
        events(&watcher(&store, &config).tick(t(6)).await.unwrap()),
        ["ticket.contact_notified"]
    );
    drop(store);
    let store = open(&url).await;
    let w = watcher(&store, &config);
    // The dead process's lease runs three intervals past its last tick.
    assert!(!w.tick(t(8)).await.unwrap().leader);
    let tick = w.tick(t(21)).await.unwrap();
    assert!(tick.leader);
    assert_eq!(events(&tick), ["ticket.target_warning", "ticket.breached"]);
    assert_eq!(event_names(&store, &id).await, EVERY_STEP);
}
}

store_test! {
/// Even when a step is looked at again (its mark lost, a second watcher racing), the unique
/// (ticket, step) key records the breach once.
async fn a_breach_is_recorded_once(url) {
    let config = config();
    let sqlite = Arc::new(SqlStore::connect(&url).await.unwrap());
    let store: Arc<dyn TicketStore> = sqlite.clone();
    let id = file_ticket(&store, &config).await;
    let w = watcher(&store, &config);
    w.tick(t(21)).await.unwrap();
    sqlx::query("UPDATE tickets SET breach_watched_ms = NULL")
        .execute(&sqlite.pool)
        .await
        .unwrap();
    let again = w.tick(t(22)).await.unwrap();
    assert!(again.recorded.is_empty(), "{again:?}");
    let breaches = watcher_events(&store, &id)
        .await
        .into_iter()
        .filter(|(e, _)| e == "ticket.breached")
        .count();
    assert_eq!(breaches, 1);
    let breached_ms: Option<i64> = sqlx::query_scalar("SELECT breached_ms FROM tickets")
        .fetch_one(&sqlite.pool)
        .await
        .unwrap();
    assert_eq!(breached_ms, Some(t(21).as_millisecond()));
}
}

store_test! {
/// Two processes on one database: only the lease holder works, the other takes over when the
/// lease expires; and two watchers deciding the same steps at once still record each once.
async fn two_watchers_notify_each_step_once(url) {
    let config = config();
    let a_store = open(&url).await;
    let b_store = open(&url).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(file_ticket(&a_store, &config).await);
    }
    let (a, b) = (watcher(&a_store, &config), watcher(&b_store, &config));
    let (ta, tb) = tokio::join!(a.tick(t(6)), b.tick(t(6)));
    let (ta, tb) = (ta.unwrap(), tb.unwrap());
    assert!(ta.leader != tb.leader, "exactly one holds the lease");
    assert_eq!(ta.recorded.len() + tb.recorded.len(), 20);
    // The holder stops ticking: the other takes over after three intervals.
    let (idle, other) = if ta.leader { (&b, &a) } else { (&a, &b) };
    assert!(!idle.tick(t(8)).await.unwrap().leader);
    let took_over = idle.tick(t(10)).await.unwrap();
    assert!(took_over.leader);
    assert_eq!(took_over.recorded.len(), 20, "the warnings");
    assert!(!other.tick(t(11)).await.unwrap().leader);

    // Both decide every due breach at the same time, lease or not.
    let (qa, qb) = (a_store.sla_queue().unwrap(), b_store.sla_queue().unwrap());
    let due = qa.due(t(21), SignedDuration::ZERO, 100).await.unwrap();
    assert_eq!(due.len(), 20);
    let decisions: Vec<_> = due
        .iter()
        .filter_map(|d| decide(&config, d, t(21), &["hook".to_string()]))
        .collect();
    let race = decisions.iter().map(|d| async {
        let (x, y) = tokio::join!(
            qa.decide(vec![d.clone()], t(21)),
            qb.decide(vec![d.clone()], t(21))
        );
        let recorded = |r: Result<Vec<Option<i64>>, StoreError>| r.unwrap()[0].is_some();
        usize::from(recorded(x)) + usize::from(recorded(y))
    });
    let recorded: usize = futures_util::future::join_all(race).await.into_iter().sum();
    assert_eq!(recorded, 20);
    for id in &ids {
        assert_eq!(event_names(&a_store, id).await, EVERY_STEP);
        let view = a_store.get(id.clone()).await.unwrap().unwrap();
        assert_eq!(view.deliveries.len(), 4, "one job per event and target");
    }
}
}

store_test! {
/// A stopping process gives the lease up: the next process acts at once.
async fn a_released_lease_is_taken_at_once(url) {
    let config = config();
    let store = open(&url).await;
    file_ticket(&store, &config).await;
    let (a, b) = (watcher(&store, &config), watcher(&store, &config));
    assert!(a.tick(t(1)).await.unwrap().leader);
    assert!(!b.tick(t(2)).await.unwrap().leader);
    a.release().await.unwrap();
    let tick = b.tick(t(6)).await.unwrap();
    assert!(tick.leader);
    assert_eq!(events(&tick), ["ticket.contact_notified"]);
}
}

/// Records `action` on ticket `id` at `at` as `actor`.
async fn act(store: &Arc<dyn TicketStore>, id: &str, action: Action, to: Option<&str>, at: i64) {
    let change = Change {
        action,
        actor: "operations-manager".into(),
        to: to.map(str::to_string),
        level: None,
        note: None,
        public: false,
    };
    store
        .change(id.to_string(), change, vec!["hook".into()], t(at))
        .await
        .unwrap();
}

/// A ticket acknowledged at 1 s and resolved at 2 s, under `auto_close_after: 100s`.
async fn resolved_at_2s(url: &DatabaseUrl) -> (SupportConfig, Arc<dyn TicketStore>, String) {
    let mut config = config();
    config.auto_close_after = Dur(SignedDuration::from_secs(100));
    let store = open(url).await;
    let id = file_ticket(&store, &config).await;
    act(&store, &id, Action::Ack, None, 1).await;
    act(&store, &id, Action::Resolve, None, 2).await;
    (config, store, id)
}

fn closed(tick: &Tick) -> usize {
    events(tick)
        .iter()
        .filter(|e| **e == "ticket.closed")
        .count()
}

store_test! {
async fn a_resolved_ticket_closes_once_after_auto_close_after_and_not_before(url) {
    let (config, store, id) = resolved_at_2s(&url).await;
    let w = watcher(&store, &config);
    assert_eq!(closed(&w.tick(t(50)).await.unwrap()), 0);
    assert_eq!(closed(&w.tick(t(101)).await.unwrap()), 0, "not before");
    let tick = w.tick(t(102)).await.unwrap();
    assert_eq!(tick.recorded, [(id.clone(), "ticket.closed".to_string())]);
    assert_eq!(closed(&w.tick(t(103)).await.unwrap()), 0, "once");
    assert_eq!(closed(&w.tick(t(500)).await.unwrap()), 0, "once");
    let view = store.get(id.clone()).await.unwrap().unwrap();
    assert_eq!(view.status, "closed");
    let last = view.events.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str()),
        (Action::Close, "auto-close")
    );
    let closes = view.events.iter().filter(|e| e.action == Action::Close);
    assert_eq!(closes.count(), 1);
    let delivered = view
        .deliveries
        .iter()
        .filter(|d| d.event == "ticket.closed");
    assert_eq!(delivered.count(), 1, "delivered like any close");
}
}

store_test! {
async fn a_ticket_reopened_before_the_deadline_stays_open(url) {
    let (config, store, id) = resolved_at_2s(&url).await;
    act(&store, &id, Action::Reopen, None, 50).await;
    act(&store, &id, Action::Resolve, None, 60).await;
    let w = watcher(&store, &config);
    // The clock counts from the latest resolution.
    assert_eq!(closed(&w.tick(t(120)).await.unwrap()), 0);
    assert_eq!(closed(&w.tick(t(160)).await.unwrap()), 1);
}
}

store_test! {
async fn reopening_notifies_the_last_assignee(url) {
    let config = config();
    let store = open(&url).await;
    let id = file_ticket(&store, &config).await;
    act(&store, &id, Action::Ack, None, 1).await;
    act(&store, &id, Action::Assign, Some("head-of-technology"), 2).await;
    act(&store, &id, Action::Resolve, None, 3).await;
    act(&store, &id, Action::Reopen, None, 4).await;
    let view = store.get(id.clone()).await.unwrap().unwrap();
    let reopen = view.events.last().unwrap();
    assert_eq!(reopen.action, Action::Reopen);
    let told: Vec<String> = recipients(&config, &view.ticket, reopen)
        .into_iter()
        .map(|n| n.role)
        .collect();
    assert_eq!(told, ["head-of-technology"]);
}
}
