//! A ticket service in memory (no theme) with one partner key, and the requests the ticket
//! tests send to it through `tower::ServiceExt::oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::escalation::lifecycle::{Action, Change};
use ayuda::tickets::{TicketsState, keys, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A ticket service over a temporary data folder.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub state: TicketsState,
    /// The key of partner "Partner TV".
    pub key: String,
}

/// Argon2 parameters cheap enough for tests.
pub fn cheap_argon() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(256, 1, 1, None).unwrap();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// A site (es, en, pt; default es; Bogota calendar; a JSONL target) with `extra` appended to
/// its `support:` section.
pub async fn site(extra: &str) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "base_url: https://help.example.org\nlocales: [es, en, pt]\ndefault_locale: es\nsupport:\n  time_zone: America/Bogota\n  targets: [{{kind: jsonl, path: out.jsonl}}]\n{extra}"
    );
    let config = ayuda::Config::parse(&yaml).unwrap();
    let data = dir.path().join("data");
    let key = keys::add_with(&data, "Partner TV", cheap_argon()).unwrap();
    let state = TicketsState::open(&config, &data, None).await.unwrap();
    Site { dir, state, key }
}

/// A valid JSON ticket (without key).
pub fn ticket() -> serde_json::Value {
    serde_json::json!({
        "name": "Ana", "email": "ana@partner.example.org", "type": "technical",
        "subject": "El video no carga", "description": "Desde ayer el reproductor falla con error 500.",
        "locale": "es", "page": "/es/articles/reproductor/", "suggested": ["a1", "a2"], "opened": ["a2"]
    })
}

/// Sends `req` to the ticket routes: status, headers and body.
pub async fn send(s: &Site, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = router(s.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// `GET path` on the ticket routes.
pub async fn get_page(s: &Site, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    send(s, Request::get(path).body(Body::empty()).unwrap()).await
}

/// A JSON post, with `Authorization: Bearer key` when given.
pub fn json_post(body: &serde_json::Value, key: Option<&str>) -> Request<Body> {
    let mut b = Request::post("/api/tickets").header("content-type", "application/json");
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    b.body(Body::from(body.to_string())).unwrap()
}

/// Tickets stored.
pub async fn count(s: &Site) -> usize {
    s.state
        .inner()
        .store
        .list(Default::default())
        .await
        .unwrap()
        .len()
}

/// A browser form post, from `origin` when given.
pub fn form_post(body: &str, origin: Option<&str>) -> Request<Body> {
    let mut b = Request::post("/api/tickets")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "help.example.org");
    if let Some(o) = origin {
        b = b
            .header("origin", o)
            .header("sec-fetch-site", "same-origin");
    }
    b.body(Body::from(body.to_string())).unwrap()
}

/// The fields of a valid Spanish form post, with the given key, token and honeypot.
pub fn form_fields<'a>(key: &'a str, token: &'a str, website: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Ana"),
        ("email", "ana@partner.example.org"),
        ("type", "operations"),
        ("subject", "Reporte mensual"),
        (
            "description",
            "¿Dónde descargo el reporte mensual de consumo?",
        ),
        ("locale", "es"),
        ("tz", "Europe/Madrid"),
        ("partner_key", key),
        ("website", website),
        ("form_ts", token),
    ]
}

/// `fields` with `name` set to `value` (replaced, or added).
pub fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value));
    fields
}

/// A change by the operations manager, as `ayuda tickets ACTION [--note N] [--public]`.
pub fn agent_change(
    action: ayuda::tickets::escalation::lifecycle::Action,
    note: Option<&str>,
    public: bool,
) -> ayuda::tickets::escalation::lifecycle::Change {
    ayuda::tickets::escalation::lifecycle::Change {
        action,
        actor: "operations-manager".into(),
        to: None,
        level: None,
        note: note.map(str::to_string),
        public,
    }
}

/// `fields` form-urlencoded.
pub fn encode(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A valid Spanish form body.
pub fn form_body(key: &str, token: &str, website: &str) -> String {
    encode(&form_fields(key, token, website))
}

/// A time-trap token from `GET /api/tickets/token`.
pub async fn fresh_token(s: &Site) -> String {
    let (_, _, body) = get_page(s, "/api/tickets/token").await;
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["time_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends a form post and, when it answers 303 to the draft page, follows it: the post's status,
/// its `Location` (empty without one), and the status, headers and body of the page it leads to
/// (those of the post itself otherwise).
pub async fn send_and_follow(
    s: &Site,
    req: Request<Body>,
) -> (
    StatusCode,
    String,
    StatusCode,
    axum::http::HeaderMap,
    String,
) {
    let (status, headers, body) = send(s, req).await;
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if status == StatusCode::SEE_OTHER && location.starts_with("/tickets/form?") {
        let (page_status, page_headers, page) = get_page(s, &location).await;
        return (status, location, page_status, page_headers, page);
    }
    (status, location, status, headers, body)
}

/// A ticket service with the default theme: tests/fixtures/serve built into a temporary folder,
/// with `extra` appended to its `support:` section. The build folder lives as long as the site.
pub async fn themed_site(extra: &str) -> (Site, super::Built) {
    let root = super::fixture("serve");
    let built = super::build_into_temp(&root, false);
    let yaml = std::fs::read_to_string(root.join("ayuda.yaml")).unwrap();
    let config = ayuda::Config::parse(&format!(
        "{yaml}support:\n  time_zone: America/Bogota\n  targets: [{{kind: jsonl, path: out.jsonl}}]\n{extra}"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = keys::add_with(&data, "Partner TV", cheap_argon()).unwrap();
    let state = TicketsState::open(&config, &data, Some(built.out.path()))
        .await
        .unwrap();
    (Site { dir, state, key }, built)
}

/// Sends a valid Spanish form post from the site with a fresh token: the thank-you address it
/// redirects to.
pub async fn send_valid_form(s: &Site) -> String {
    let token = fresh_token(s).await;
    let body = form_body(&s.key, &token, "");
    let (status, headers, page) = send(s, form_post(&body, Some("https://help.example.org"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    headers["location"].to_str().unwrap().to_string()
}

/// Ticket `id` with its events and deliveries.
pub async fn view_of(s: &Site, id: &str) -> ayuda::tickets::store::TicketView {
    s.state
        .inner()
        .store
        .get(id.to_string())
        .await
        .unwrap()
        .unwrap()
}

/// The one ticket stored, with its deliveries.
pub async fn only_ticket(s: &Site) -> ayuda::tickets::store::TicketView {
    let store = &s.state.inner().store;
    let list = store.list(Default::default()).await.unwrap();
    assert_eq!(list.len(), 1, "one ticket stored");
    store.get(list[0].id.clone()).await.unwrap().unwrap()
}

/// Posts a ticket with the site's key: its reference and `status_url` (path and query).
pub async fn open_ticket(s: &Site) -> (String, String) {
    let (status, _, body) = send(s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let url = v["status_url"].as_str().expect("status_url in the answer");
    let path = url
        .strip_prefix("https://help.example.org")
        .unwrap_or(url)
        .to_string();
    assert!(path.starts_with("/tickets/status?id="), "{url}");
    (v["id"].as_str().unwrap().to_string(), path)
}

/// Records `action` on ticket `id` as `operations-manager`.
pub async fn change(s: &Site, id: &str, action: Action, note: Option<&str>, public: bool) {
    let c = Change {
        action,
        actor: "operations-manager".into(),
        to: None,
        level: None,
        note: note.map(str::to_string),
        public,
    };
    s.state
        .inner()
        .store
        .change(id.to_string(), c, vec![], jiff::Timestamp::now())
        .await
        .unwrap();
}

/// A same-origin form post of `fields` to `path`, as the theme's pages send it.
pub fn form(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "help.example.org")
        .header("origin", "https://help.example.org")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(encode(fields)))
        .unwrap()
}

/// The query pairs of a path.
pub fn query_of(path: &str) -> Vec<(String, String)> {
    let q = path.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

/// The value of field `k` among `q`.
pub fn field<'a>(q: &'a [(String, String)], k: &str) -> &'a str {
    &q.iter().find(|(n, _)| n == k).unwrap().1
}

/// The headers of a page reached by a signed link: not cached, not indexed, and its address
/// never sent to another site.
pub fn assert_private(headers: &axum::http::HeaderMap) {
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(cache.contains("no-store"), "{cache}");
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert_eq!(
        headers["referrer-policy"], "same-origin",
        "the signed address never reaches another site"
    );
}
