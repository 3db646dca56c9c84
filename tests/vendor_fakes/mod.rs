//! Fakes of the monday.com GraphQL API and the Zendesk Support API on loopback: they record
//! every request and answer as the real services document, with quirks a test turns on (a
//! lost answer, a rate limit, a refused token).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

pub const MONDAY_TOKEN: &str = "monday-test-token";
pub const ZENDESK_TOKEN: &str = "zendesk-test-token";

pub fn set_tokens() {
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
pub struct Seen {
    pub at: Instant,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The GraphQL operation of a monday call (`create_item`, …).
    pub fn op(&self) -> &'static str {
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

    pub fn var(&self, name: &str) -> &Value {
        &self.body["variables"][name]
    }

    /// A JSON-string variable (monday's `JSON` scalar), parsed.
    pub fn json_var(&self, name: &str) -> Value {
        serde_json::from_str(self.var(name).as_str().expect("a JSON string")).expect("JSON")
    }
}

/// How a fake misbehaves.
#[derive(Default, Clone, Copy)]
pub struct Quirks {
    /// The first creation is done, but its answer is a 500 (the outcome looks unknown).
    pub lose_first_create: bool,
    /// The first call is refused for a rate limit or complexity budget, 2 s to wait.
    pub limit_first: bool,
    /// Every call is refused as unauthorized.
    pub refuse: bool,
}

#[derive(Default)]
pub struct Fake {
    quirks: Quirks,
    seen: Mutex<Vec<Seen>>,
    /// Created records: id and what they were created with.
    records: Mutex<Vec<(u64, Value)>>,
}

pub type Shared = Arc<Fake>;

impl Fake {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Records a request; how many the fake has seen, and this one.
    pub async fn record(&self, req: Request) -> (usize, Seen) {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        let seen = Seen {
            at: Instant::now(),
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        };
        let mut all = self.seen.lock().unwrap();
        all.push(seen.clone());
        (all.len(), seen)
    }

    pub fn create(&self, with: Value) -> u64 {
        let mut records = self.records.lock().unwrap();
        let id = 9_000 + records.len() as u64 + 1;
        records.push((id, with));
        id
    }

    pub fn creations(&self) -> usize {
        self.records.lock().unwrap().len()
    }
}

/// monday.com's GraphQL endpoint: errors as HTTP 200 with an `errors` array.
pub async fn monday(State(fake): State<Shared>, req: Request) -> Response {
    let (n, seen) = fake.record(req).await;
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
pub async fn zendesk(State(fake): State<Shared>, req: Request) -> Response {
    let (n, seen) = fake.record(req).await;
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
    match (seen.method.clone(), seen.uri.path()) {
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
            let wanted = seen
                .uri
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
pub enum Tool {
    Monday,
    Zendesk,
}

pub const PLAIN: Quirks = Quirks {
    lose_first_create: false,
    limit_first: false,
    refuse: false,
};
pub const LOSE_FIRST_CREATE: Quirks = Quirks {
    lose_first_create: true,
    ..PLAIN
};
pub const LIMIT_FIRST: Quirks = Quirks {
    limit_first: true,
    ..PLAIN
};
pub const REFUSE: Quirks = Quirks {
    refuse: true,
    ..PLAIN
};

/// A fake of `tool` on loopback and the target (a YAML list item) that delivers to it.
pub async fn start(tool: Tool, quirks: Quirks) -> (Shared, String) {
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
    let base = crate::common::serve_locally(app.with_state(fake.clone())).await;
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
