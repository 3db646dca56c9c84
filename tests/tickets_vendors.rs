//! The Monday and Zendesk targets against local fakes of their APIs, through the real worker:
//! the documented request shapes and auth, a ticket followed from reception through
//! acknowledgement, escalation and resolution in order, retries after a lost answer that
//! create nothing twice, rate limits honoured, refused tokens reported.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use ayuda::tickets::TicketsState;
use ayuda::tickets::escalation::lifecycle::{Action, Change};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

const MONDAY_TOKEN: &str = "monday-test-token";
const ZENDESK_TOKEN: &str = "zendesk-test-token";

fn set_tokens() {
    static ONCE: Once = Once::new();
    // SAFETY: every test of this binary calls this first, before it starts a service or a
    // fake, and Once makes the others wait until the variables are set: no thread of this
    // binary reads the environment meanwhile.
    ONCE.call_once(|| unsafe {
        std::env::set_var("VENDORS_TEST_MONDAY_TOKEN", MONDAY_TOKEN);
        std::env::set_var("VENDORS_TEST_ZENDESK_TOKEN", ZENDESK_TOKEN);
    });
}

/// One request a fake received.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The GraphQL operation of a monday call (`create_item`, …).
    fn op(&self) -> &'static str {
        let q = self.body["query"].as_str().unwrap_or_default();
        [
            "create_item",
            "items_page_by_column_values",
            "change_multiple_column_values",
            "create_update",
        ]
        .into_iter()
        .find(|op| q.contains(&format!("{op}(")))
        .unwrap_or("?")
    }

    fn var(&self, name: &str) -> &Value {
        &self.body["variables"][name]
    }

    /// A JSON-string variable (monday's `JSON` scalar), parsed.
    fn json_var(&self, name: &str) -> Value {
        serde_json::from_str(self.var(name).as_str().expect("a JSON string")).expect("JSON")
    }
}

/// How a fake misbehaves.
#[derive(Default, Clone, Copy)]
struct Quirks {
    /// The first creation is done, but its answer is a 500 (the outcome looks unknown).
    lose_first_create: bool,
    /// The first call is refused for a rate limit or complexity budget, 2 s to wait.
    limit_first: bool,
    /// Every call is refused as unauthorized.
    refuse: bool,
}

#[derive(Default)]
struct Fake {
    quirks: Quirks,
    seen: Mutex<Vec<Seen>>,
    /// Created records: id and what they were created with.
    records: Mutex<Vec<(u64, Value)>>,
}

type Shared = Arc<Fake>;

impl Fake {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn record(&self, method: Method, uri: Uri, headers: HeaderMap, body: &Bytes) -> usize {
        let body = serde_json::from_slice(body).unwrap_or(Value::Null);
        let mut seen = self.seen.lock().unwrap();
        seen.push(Seen {
            at: Instant::now(),
            method,
            uri,
            headers,
            body,
        });
        seen.len()
    }

    fn create(&self, with: Value) -> u64 {
        let mut records = self.records.lock().unwrap();
        let id = 9_000 + records.len() as u64 + 1;
        records.push((id, with));
        id
    }

    fn creations(&self) -> usize {
        self.records.lock().unwrap().len()
    }
}

/// monday.com's GraphQL endpoint: errors as HTTP 200 with an `errors` array.
async fn monday(
    State(fake): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = fake.record(method, uri, headers, &body);
    let seen = fake.seen().pop().expect("recorded");
    let q = fake.quirks;
    if q.refuse {
        return axum::Json(
            json!({"data": [], "errors": [{"message": "User unauthorized to perform action",
            "extensions": {"code": "UserUnauthorizedException", "status_code": 403}}]}),
        )
        .into_response();
    }
    if q.limit_first && n == 1 {
        return axum::Json(json!({"errors": [{"message": "Complexity budget exhausted",
            "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 2}}]}))
        .into_response();
    }
    let data = match seen.op() {
        "create_item" => {
            // Slow enough that the ticket's first events are claimed before it is done.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let first = fake.creations() == 0;
            let id = fake.create(seen.json_var("values"));
            if q.lose_first_create && first {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            json!({"create_item": {"id": id.to_string()}})
        }
        "items_page_by_column_values" => {
            let (column, value) = (seen.var("column"), seen.var("value"));
            let items: Vec<Value> = fake
                .records
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, values)| &values[column.as_str().unwrap_or_default()] == value)
                .map(|(id, _)| json!({"id": id.to_string()}))
                .collect();
            json!({"items_page_by_column_values": {"cursor": null, "items": items}})
        }
        "change_multiple_column_values" => {
            json!({"change_multiple_column_values": {"id": seen.var("item")}})
        }
        "create_update" => json!({"create_update": {"id": "77"}}),
        _ => return (StatusCode::BAD_REQUEST, "unknown operation").into_response(),
    };
    axum::Json(json!({"data": data, "account_id": 1})).into_response()
}

/// Zendesk's ticket endpoints.
async fn zendesk(
    State(fake): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = fake.record(method.clone(), uri.clone(), headers, &body);
    let seen = fake.seen().pop().expect("recorded");
    let q = fake.quirks;
    if q.refuse {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "Couldn't authenticate you"})),
        )
            .into_response();
    }
    if q.limit_first && n == 1 {
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")]).into_response();
    }
    match (method, uri.path()) {
        (Method::POST, "/api/v2/tickets.json") => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let first = fake.creations() == 0;
            let id = fake.create(seen.body["ticket"].clone());
            if q.lose_first_create && first {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            (
                StatusCode::CREATED,
                axum::Json(json!({"ticket": {"id": id, "status": "new"}})),
            )
                .into_response()
        }
        (Method::GET, "/api/v2/tickets.json") => {
            let wanted = uri
                .query()
                .and_then(|q| q.strip_prefix("external_id="))
                .unwrap_or_default()
                .to_string();
            let tickets: Vec<Value> = fake
                .records
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, t)| t["external_id"] == wanted.as_str())
                .map(|(id, _)| json!({"id": id}))
                .collect();
            axum::Json(json!({"tickets": tickets, "count": tickets.len()})).into_response()
        }
        (Method::PUT, path) if path.starts_with("/api/v2/tickets/") => {
            axum::Json(json!({"ticket": {"id": 1}})).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Clone, Copy)]
enum Tool {
    Monday,
    Zendesk,
}

const PLAIN: Quirks = Quirks {
    lose_first_create: false,
    limit_first: false,
    refuse: false,
};
const LOSE_FIRST_CREATE: Quirks = Quirks {
    lose_first_create: true,
    ..PLAIN
};
const LIMIT_FIRST: Quirks = Quirks {
    limit_first: true,
    ..PLAIN
};
const REFUSE: Quirks = Quirks {
    refuse: true,
    ..PLAIN
};

/// A fake of `tool` on loopback and the target (a YAML list item) that delivers to it.
async fn start(tool: Tool, quirks: Quirks) -> (Shared, String) {
    let fake = Arc::new(Fake {
        quirks,
        ..Fake::default()
    });
    let app = match tool {
        Tool::Monday => axum::Router::new().route("/v2", axum::routing::post(monday)),
        Tool::Zendesk => axum::Router::new()
            .route("/api/v2/tickets.json", axum::routing::any(zendesk))
            .route("/api/v2/tickets/{id}", axum::routing::any(zendesk)),
    };
    let base = common::serve_locally(app.with_state(fake.clone())).await;
    let target = match tool {
        Tool::Monday => format!(
            "    - kind: monday\n      api_url: {base}/v2\n      token_env: VENDORS_TEST_MONDAY_TOKEN\n      board_id: 1234567890\n      group_id: topics\n      columns: {{reference: text_ref, status: status, level: numbers, assignee: text_owner}}\n"
        ),
        Tool::Zendesk => format!(
            "    - kind: zendesk\n      url: {base}\n      email: support-bot@example.org\n      token_env: VENDORS_TEST_ZENDESK_TOKEN\n"
        ),
    };
    (fake, target)
}

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
