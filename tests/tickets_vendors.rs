//! The Monday and Zendesk targets against local fakes of their APIs, through the real worker:
//! the documented request shapes and auth, a ticket followed from reception through
//! acknowledgement, escalation and resolution in order, retries after a lost answer that
//! create nothing twice, rate limits honoured, refused tokens reported.

mod common;
mod vendor_fakes;

use axum::http::Method;
use ayuda::tickets::TicketsState;
use ayuda::tickets::escalation::lifecycle::{Action, Change};
use base64::Engine;
use serde_json::json;
use std::time::{Duration, Instant};
use vendor_fakes::*;
/// The ticket service with `targets` (YAML list items) and its worker.
async fn service(
    targets: &str,
    max_attempts: u32,
) -> (TicketsState, tokio::task::JoinHandle<()>, tempfile::TempDir) {
    set_tokens();
    let dir = tempfile::tempdir().unwrap();
    let config = ayuda::Config::parse(&format!(
        "support:\n  partner_key_required: false\n  targets:\n{targets}  deliveries: {{backoff_initial: 50ms, backoff_max: 3s, max_attempts: {max_attempts}}}\n"
    ))
    .unwrap();
    let state = TicketsState::open(&config, dir.path(), None).await.unwrap();
    let worker = state.spawn_worker();
    (state, worker, dir)
}

/// The ticket's deliveries once none is pending.
async fn settled(state: &TicketsState, id: &str) -> Vec<ayuda::tickets::store::Delivery> {
    let start = Instant::now();
    loop {
        let view = state
            .inner()
            .store
            .get(id.to_string())
            .await
            .unwrap()
            .unwrap();
        if view.deliveries.iter().all(|d| d.state != "pending") {
            return view.deliveries;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not delivered: {:?}",
            view.deliveries
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A fake tool, the service delivering to it, and one ticket filed there.
struct Run {
    fake: Shared,
    state: TicketsState,
    id: String,
    _worker: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Run {
    async fn file_ticket(tool: Tool, quirks: Quirks) -> Run {
        let (fake, target) = start(tool, quirks).await;
        let (state, worker, dir) = service(&target, 12).await;
        let id = common::post_ticket(&state, "Campaña de marzo").await;
        Run {
            fake,
            state,
            id,
            _worker: worker,
            _dir: dir,
        }
    }

    /// An agent's change, enqueued for every target as the CLI does.
    async fn act(&self, action: Action, to: Option<&str>, note: Option<&str>, public: bool) {
        let change = Change {
            action,
            actor: "ana".into(),
            to: to.map(str::to_string),
            level: None,
            note: note.map(str::to_string),
            public,
        };
        let targets = ayuda::tickets::deliver::event_targets(&self.state.inner().config);
        let now = jiff::Timestamp::now();
        let store = &self.state.inner().store;
        store
            .change(self.id.clone(), change, targets, now)
            .await
            .unwrap();
    }

    /// Waits until every delivery is done; what the fake saw.
    async fn delivered(&self) -> Vec<Seen> {
        let deliveries = settled(&self.state, &self.id).await;
        assert!(
            deliveries.iter().all(|d| d.state == "done"),
            "{deliveries:?}"
        );
        self.fake.seen()
    }

    /// An answer lost after the record was created: the retry finds it, nothing is created
    /// twice, and the acknowledgement goes to that record. What the fake saw.
    async fn lost_answer(tool: Tool) -> (String, Vec<Seen>) {
        let run = Run::file_ticket(tool, LOSE_FIRST_CREATE).await;
        run.act(Action::Ack, None, None, false).await;
        let seen = run.delivered().await;
        assert_eq!(run.fake.creations(), 1, "created twice: {seen:?}");
        (run.id.clone(), seen)
    }

    /// The first call refused for 2 s: the retry comes after them. What the fake saw.
    async fn limited(tool: Tool) -> (String, Vec<Seen>) {
        let run = Run::file_ticket(tool, LIMIT_FIRST).await;
        let seen = run.delivered().await;
        assert_eq!(run.fake.creations(), 1);
        let gap = seen[1].at - seen[0].at;
        assert!(
            gap >= Duration::from_millis(1900),
            "retried after {gap:?}, not after the 2 s asked for"
        );
        (run.id.clone(), seen)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monday_item_follows_the_ticket_through_its_lifecycle() {
    let run = Run::file_ticket(Tool::Monday, PLAIN).await;
    let id = &run.id;
    // At once, before the item exists: these wait for it, then follow in order.
    run.act(Action::Ack, None, None, false).await;
    let note = Some("Needs the technical team.");
    run.act(Action::Escalate, Some("head-of-technology"), note, false)
        .await;
    run.act(Action::Resolve, None, None, false).await;
    let seen = run.delivered().await;

    let ops: Vec<&str> = seen.iter().map(Seen::op).collect();
    assert_eq!(
        ops,
        [
            "create_item",
            "change_multiple_column_values",
            "change_multiple_column_values",
            "create_update",
            "change_multiple_column_values"
        ]
    );
    for s in &seen {
        assert_eq!(s.method, Method::POST);
        assert_eq!(
            s.header("authorization"),
            MONDAY_TOKEN,
            "the token, no scheme"
        );
        assert_eq!(
            s.header("api-version"),
            ayuda::tickets::deliver::monday::DEFAULT_API_VERSION
        );
        assert!(s.header("content-type").starts_with("application/json"));
    }
    let create = &seen[0];
    assert_eq!(create.var("board"), "1234567890");
    assert_eq!(create.var("group"), "topics");
    let name = create.var("name").as_str().unwrap();
    assert!(
        name.starts_with(&format!("{id} · Campaña de marzo")),
        "{name}"
    );
    let values = create.json_var("values");
    assert_eq!(values["text_ref"], id.as_str());
    // As received, though the ticket was acknowledged and escalated before the item existed.
    assert_eq!(
        (&values["status"], &values["numbers"], &values["text_owner"]),
        (&json!("received"), &json!("1"), &json!(""))
    );
    assert!(
        seen[1..].iter().all(|s| s.var("item") == "9001"),
        "{seen:?}"
    );
    assert_eq!(
        seen[1].json_var("values"),
        json!({"status": "acknowledged"})
    );
    assert_eq!(
        seen[2].json_var("values"),
        json!({"status": "in_progress", "numbers": "2", "text_owner": "head-of-technology"})
    );
    let update = seen[3].var("body").as_str().unwrap();
    assert!(
        update.starts_with("ayuda: escalated to level 2 → head-of-technology (by ana)")
            && update.ends_with("Needs the technical team."),
        "{update}"
    );
    assert_eq!(seen[4].json_var("values"), json!({"status": "resolved"}));
    assert_eq!(run.fake.creations(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monday_retry_after_a_lost_answer_finds_the_item_by_reference() {
    let (id, seen) = Run::lost_answer(Tool::Monday).await;
    let ops: Vec<&str> = seen.iter().map(Seen::op).collect();
    assert_eq!(
        ops,
        [
            "create_item",
            "items_page_by_column_values",
            "change_multiple_column_values"
        ]
    );
    assert_eq!(
        (seen[1].var("column"), seen[1].var("value")),
        (&json!("text_ref"), &json!(id))
    );
    assert_eq!(seen[2].var("item"), "9001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monday_complexity_budget_is_waited_for() {
    let (_, seen) = Run::limited(Tool::Monday).await;
    let ops: Vec<&str> = seen.iter().map(Seen::op).collect();
    // The refused create, the lookup of the retry (nothing found), the create.
    assert_eq!(
        ops,
        ["create_item", "items_page_by_column_values", "create_item"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_end_dead_with_a_clear_error() {
    let (_m, monday) = start(Tool::Monday, REFUSE).await;
    let (_z, zendesk) = start(Tool::Zendesk, REFUSE).await;
    let (state, _worker, _dir) = service(&(monday + &zendesk), 1).await;
    let id = common::post_ticket(&state, "Campaña de marzo").await;
    let deliveries = settled(&state, &id).await;
    let vars = ["$VENDORS_TEST_MONDAY_TOKEN", "$VENDORS_TEST_ZENDESK_TOKEN"];
    for (d, var) in deliveries.iter().zip(vars) {
        assert_eq!(d.state, "dead", "{d:?}");
        let error = d.last_error.as_deref().unwrap_or_default();
        let said = format!("refused the API token in {var}");
        assert!(error.contains(&said), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zendesk_ticket_follows_the_ticket_through_its_lifecycle() {
    let run = Run::file_ticket(Tool::Zendesk, PLAIN).await;
    let id = &run.id;
    run.act(Action::Ack, None, None, false).await;
    let public = Some("We are reverting the release.");
    run.act(Action::Escalate, Some("vp-technology"), public, true)
        .await;
    run.act(Action::Note, None, Some("Vendor called."), false)
        .await;
    run.act(Action::Resolve, None, None, false).await;
    let seen = run.delivered().await;

    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.uri))
        .collect();
    let put = "PUT /api/v2/tickets/9001.json";
    assert_eq!(calls, ["POST /api/v2/tickets.json", put, put, put, put]);
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("support-bot@example.org/token:{ZENDESK_TOKEN}"));
    for s in &seen {
        assert_eq!(s.header("authorization"), format!("Basic {basic}"));
        assert!(s.header("content-type").starts_with("application/json"));
    }
    let create = &seen[0];
    assert_eq!(create.header("idempotency-key"), id);
    let t = &create.body["ticket"];
    assert_eq!(t["subject"], "Campaña de marzo");
    assert_eq!(t["external_id"], id.as_str());
    assert_eq!(
        t["requester"],
        json!({"name": "Ana", "email": "ana@partner.example.org"})
    );
    assert_eq!(
        t["comment"],
        json!({"body": "Pregunta sobre la campaña de marzo.", "public": true})
    );
    assert_eq!(
        t["tags"],
        json!(["ayuda", "ayuda_type_business", "ayuda_level_1"])
    );
    assert_eq!(t["priority"], "normal");

    let ack = &seen[1].body["ticket"];
    assert_eq!(ack["status"], "open");
    assert_eq!(
        ack["comment"],
        json!({"body": "ayuda: acknowledged (by ana)", "public": false})
    );
    let up = &seen[2].body["ticket"];
    assert_eq!(
        (&up["additional_tags"], &up["remove_tags"], &up["priority"]),
        (
            &json!(["ayuda_level_2"]),
            &json!(["ayuda_level_1"]),
            &json!("high")
        )
    );
    assert_eq!(up["comment"]["public"], true, "a public note");
    assert!(
        up.get("status").is_none(),
        "acknowledged → in_progress stays open: {up}"
    );
    let note = &seen[3].body["ticket"];
    assert_eq!(
        note["comment"],
        json!({"body": "ayuda: note (by ana)\n\nVendor called.", "public": false})
    );
    assert!(note.get("status").is_none(), "{note}");
    assert_eq!(seen[4].body["ticket"]["status"], "solved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zendesk_retry_after_a_lost_answer_finds_the_ticket_by_external_id() {
    let (id, seen) = Run::lost_answer(Tool::Zendesk).await;
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.uri))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /api/v2/tickets.json".to_string(),
            format!("GET /api/v2/tickets.json?external_id={id}"),
            "PUT /api/v2/tickets/9001.json".to_string(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zendesk_rate_limit_is_waited_for() {
    let (id, seen) = Run::limited(Tool::Zendesk).await;
    // The 429'd POST, the lookup of the retry (nothing found), the POST that creates.
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[2].header("idempotency-key"), id);
}

/// A slow tool API (300 ms per creation, longer than the retry delay): the ticket's events
/// wait for its record without spending their attempts, so even `max_attempts: 2` delivers
/// them once the record exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_wait_for_a_slow_creation_without_spending_attempts() {
    let (fake, target) = start(Tool::Zendesk, PLAIN).await;
    let (state, worker, dir) = service(&target, 2).await;
    let id = common::post_ticket(&state, "Campaña de marzo").await;
    let run = Run {
        fake,
        state,
        id,
        _worker: worker,
        _dir: dir,
    };
    run.act(Action::Ack, None, None, false).await;
    let seen = run.delivered().await;
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.uri))
        .collect();
    assert_eq!(
        calls,
        ["POST /api/v2/tickets.json", "PUT /api/v2/tickets/9001.json"]
    );
}
