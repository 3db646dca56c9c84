//! Agents act from their tools: the signed one-click links' confirmation page
//! (`GET|POST /tickets/act`) and the tools' `POST /api/tickets/{id}/events`, through
//! `tower::ServiceExt::oneshot`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::escalation::lifecycle::Action;
use ayuda::tickets::escalation::links::ActionLink;
use ayuda::tickets::{TicketsState, router};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use tower::ServiceExt;

struct Site {
    _dir: tempfile::TempDir,
    state: TicketsState,
}

/// The HMAC key tools sign with in these tests.
const EVENTS_KEY: &str = "events-key-of-the-tests-0123456789";

/// A site whose posts are limited to `per_minute` per client.
async fn site(per_minute: u32) -> Site {
    // Every test sets the same value, so tests running at once agree on it.
    unsafe { std::env::set_var("ACTIONS_TEST_EVENTS_KEY", EVENTS_KEY) };
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "base_url: https://help.example.org\nlocales: [es, en, pt]\ndefault_locale: es\nsupport:\n  partner_key_required: false\n  targets: [{{kind: jsonl, path: out.jsonl}}, {{kind: email, smtp_host: 127.0.0.1, smtp_security: none, from: help@example.org}}]\n  events_api: {{secret_env: ACTIONS_TEST_EVENTS_KEY}}\n  limits: {{rate_limit_per_minute: {per_minute}}}\n"
    );
    let config = ayuda::Config::parse(&yaml).unwrap();
    let state = TicketsState::open(&config, &dir.path().join("data"), None)
        .await
        .unwrap();
    Site { _dir: dir, state }
}

async fn send(s: &Site, req: Request<Body>) -> (StatusCode, String) {
    let resp = router(s.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn link(s: &Site, id: &str, action: Action, issued: Timestamp) -> ActionLink {
    let links = &s.state.inner().links;
    let valid = SignedDuration::from_hours(1);
    ActionLink::new(links, id, action, "operations-manager", issued, valid)
}

fn get(link: &ActionLink, lang: &str) -> Request<Body> {
    Request::get(format!("/tickets/act?{}", link.query()))
        .header("accept-language", lang)
        .body(Body::empty())
        .unwrap()
}

fn confirm(link: &ActionLink, fetch_site: &str) -> Request<Body> {
    Request::post("/tickets/act")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en")
        .header("origin", "https://help.example.org")
        .header("sec-fetch-site", fetch_site)
        .body(Body::from(link.query()))
        .unwrap()
}

async fn view(s: &Site, id: &str) -> ayuda::tickets::store::TicketView {
    s.state.inner().store.get(id.into()).await.unwrap().unwrap()
}

async fn status_and_events(s: &Site, id: &str) -> (String, Vec<(String, String)>) {
    let view = view(s, id).await;
    let events = view
        .events
        .iter()
        .map(|e| (e.event.clone(), e.actor.clone()))
        .collect();
    (view.status, events)
}

#[tokio::test]
async fn the_confirmation_page_changes_nothing_until_confirmed() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "El video no carga").await;
    let l = link(&s, &id, Action::Ack, Timestamp::now());
    let (status, body) = send(&s, get(&l, "en")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for shown in [
        id.as_str(),
        "El video no carga",
        "Acknowledge the ticket",
        "Received",
        "operations-manager",
        "method=\"post\" action=\"/tickets/act\"",
        &l.sig,
    ] {
        assert!(body.contains(shown), "{shown} missing: {body}");
    }
    // Opening the link (a preview, a scanner, the agent) twice changes nothing.
    send(&s, get(&l, "en")).await;
    assert_eq!(
        status_and_events(&s, &id).await,
        ("received".into(), vec![])
    );
    // The page speaks the agent's language.
    let (_, es) = send(&s, get(&l, "es-CO,es;q=0.9")).await;
    assert!(es.contains("Confirmar la primera respuesta"), "{es}");
    let (_, pt) = send(&s, get(&l, "pt-BR")).await;
    assert!(pt.contains("Confirmar a primeira resposta"), "{pt}");

    let (status, body) = send(&s, confirm(&l, "same-origin")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Done: the ticket is acknowledged."), "{body}");
    assert_eq!(
        status_and_events(&s, &id).await,
        (
            "acknowledged".into(),
            vec![("ticket.acknowledged".into(), "operations-manager".into())]
        )
    );
    let view = view(&s, &id).await;
    assert!(view.first_response_at.is_some());
    assert_eq!(
        view.deliveries
            .iter()
            .filter(|d| d.target == "jsonl")
            .count(),
        2,
        "the reception and the acknowledgement"
    );
}

#[tokio::test]
async fn a_replayed_link_says_what_happened_and_changes_nothing() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let l = link(&s, &id, Action::Ack, Timestamp::now());
    assert_eq!(send(&s, confirm(&l, "same-origin")).await.0, StatusCode::OK);
    let (status, body) = send(&s, confirm(&l, "same-origin")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("Nothing changed: the ticket is already Acknowledged"),
        "{body}"
    );
    // The page itself no longer offers the button.
    let (status, page) = send(&s, get(&l, "en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Nothing changed") && !page.contains("<form"),
        "{page}"
    );
    assert_eq!(status_and_events(&s, &id).await.1.len(), 1);
}

#[tokio::test]
async fn expired_and_tampered_links_get_403() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let old = link(
        &s,
        &id,
        Action::Ack,
        Timestamp::now() - SignedDuration::from_hours(2),
    );
    let (status, body) = send(&s, get(&old, "en")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("The link has expired"), "{body}");
    assert_eq!(
        send(&s, confirm(&old, "same-origin")).await.0,
        StatusCode::FORBIDDEN
    );

    let fresh = link(&s, &id, Action::Ack, Timestamp::now());
    let tampered = [
        ActionLink {
            action: "resolve".into(),
            ..fresh.clone()
        },
        ActionLink {
            actor: "vp-marketing".into(),
            ..fresh.clone()
        },
        ActionLink {
            sig: "00".repeat(32),
            ..fresh.clone()
        },
    ];
    for t in &tampered {
        let (status, body) = send(&s, get(t, "en")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{t:?}");
        assert!(body.contains("Invalid link"), "{body}");
        assert_eq!(
            send(&s, confirm(t, "same-origin")).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let bare = Request::get("/tickets/act?ticket=x")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&s, bare).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        status_and_events(&s, &id).await,
        ("received".into(), vec![])
    );
}

#[tokio::test]
async fn confirmations_from_other_sites_are_refused_and_posts_are_rate_limited() {
    let s = site(3).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let l = link(&s, &id, Action::Ack, Timestamp::now());
    let (status, _) = send(&s, confirm(&l, "cross-site")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_and_events(&s, &id).await.0, "received");
    // The ticket post and the refused confirmation took two of the three per minute.
    assert_eq!(send(&s, confirm(&l, "same-origin")).await.0, StatusCode::OK);
    let (status, _) = send(&s, confirm(&l, "same-origin")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn escalate_and_resolve_links_act_as_their_contact() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let esc = link(&s, &id, Action::Escalate, Timestamp::now());
    let (_, page) = send(&s, get(&esc, "en")).await;
    assert!(page.contains("moves from level 1 to level 2"), "{page}");
    assert_eq!(
        send(&s, confirm(&esc, "same-origin")).await.0,
        StatusCode::OK
    );
    let resolve = link(&s, &id, Action::Resolve, Timestamp::now());
    // Resolving needs the first response first: the page says so and offers nothing.
    let (status, page) = send(&s, get(&resolve, "en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<form"), "{page}");
    let ack = link(&s, &id, Action::Ack, Timestamp::now());
    send(&s, confirm(&ack, "same-origin")).await;
    assert_eq!(
        send(&s, confirm(&resolve, "same-origin")).await.0,
        StatusCode::OK
    );
    let view = view(&s, &id).await;
    assert_eq!((view.status.as_str(), view.level), ("resolved", 2));
}

// --- POST /api/tickets/{id}/events ---

fn event_post(id: &str) -> axum::http::request::Builder {
    Request::post(format!("/api/tickets/{id}/events")).header("content-type", "application/json")
}

fn with_key(id: &str, key: &str, body: &str) -> Request<Body> {
    event_post(id)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn signed(id: &str, body: &str, at: Timestamp, key: &str) -> Request<Body> {
    let ts = at.as_second();
    let payload = ayuda::tickets::http::events_signed_bytes(ts, body.as_bytes());
    event_post(id)
        .header("x-ayuda-timestamp", ts.to_string())
        .header(
            "x-ayuda-signature-256",
            ayuda::tickets::deliver::sign(key.as_bytes(), &payload),
        )
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn tools_report_with_an_agent_key() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let key = s
        .state
        .inner()
        .agents
        .add("zendesk-automation")
        .await
        .unwrap();
    let (status, body) = send(
        &s,
        with_key(&id, &key, r#"{"action": "ack", "as": "someone-else"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = json(&body);
    assert_eq!(
        (v["id"].as_str(), v["status"].as_str()),
        (Some(id.as_str()), Some("acknowledged"))
    );
    assert_eq!(v["event"], "ticket.acknowledged");
    assert!(v["event_id"].as_i64().unwrap() > 0);
    let body = r#"{"action": "escalate", "to": "head-of-technology", "note": "needs level 2", "public": false}"#;
    let (status, answer) = send(&s, with_key(&id, &key, body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (
            json(&answer)["level"].as_i64(),
            json(&answer)["assignee"].as_str()
        ),
        (Some(2), Some("head-of-technology"))
    );
    // The actor is the key's agent, whatever the body says.
    let (_, events) = status_and_events(&s, &id).await;
    assert!(
        events
            .iter()
            .all(|(_, actor)| actor == "zendesk-automation"),
        "{events:?}"
    );

    // A revoked key stops working.
    s.state
        .inner()
        .agents
        .revoke("zendesk-automation")
        .await
        .unwrap();
    let (status, _) = send(
        &s,
        with_key(&id, &key, r#"{"action": "note", "note": "x"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tools_report_with_an_hmac_signature() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let body = r#"{"action": "ack", "as": "monday-automation"}"#;
    let (status, answer) = send(&s, signed(&id, body, Timestamp::now(), EVENTS_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        status_and_events(&s, &id).await.1,
        vec![("ticket.acknowledged".into(), "monday-automation".into())]
    );
    // A wrong key, a changed body or a changed timestamp: 401.
    let note = r#"{"action": "note", "note": "checked", "as": "monday-automation"}"#;
    let (status, _) = send(&s, signed(&id, note, Timestamp::now(), "another key")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut changed = signed(&id, note, Timestamp::now(), EVENTS_KEY);
    *changed.body_mut() = Body::from(note.replace("checked", "changed"));
    assert_eq!(send(&s, changed).await.0, StatusCode::UNAUTHORIZED);
    let mut moved = signed(&id, note, Timestamp::now(), EVENTS_KEY);
    moved
        .headers_mut()
        .insert("x-ayuda-timestamp", "1".parse().unwrap());
    assert_eq!(send(&s, moved).await.0, StatusCode::UNAUTHORIZED);
    // A genuine request replayed later than max_skew: 403.
    let old = Timestamp::now() - SignedDuration::from_mins(6);
    let (status, answer) = send(&s, signed(&id, note, old, EVENTS_KEY)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(json(&answer)["code"], "stale");
    // A signed request names its actor.
    let (status, answer) = send(
        &s,
        signed(
            &id,
            r#"{"action": "note", "note": "x"}"#,
            Timestamp::now(),
            EVENTS_KEY,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json(&answer)["errors"]["as"].is_string(), "{answer}");
    assert_eq!(status_and_events(&s, &id).await.1.len(), 1);
}

#[tokio::test]
async fn the_events_api_answers_every_error_with_its_status() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let key = s.state.inner().agents.add("ops-script").await.unwrap();
    let no_auth = event_post(&id)
        .body(Body::from(r#"{"action":"ack"}"#))
        .unwrap();
    assert_eq!(send(&s, no_auth).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = send(&s, with_key(&id, "ayuda_agent_0000", r#"{"action":"ack"}"#)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, answer) = send(&s, with_key(&id, &key, "{not json")).await;
    assert_eq!(
        (status, json(&answer)["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_json"))
    );
    for (body, field) in [
        (r#"{"action": "shout"}"#, "action"),
        (r#"{}"#, "action"),
        (r#"{"action": "assign"}"#, "to"),
        (r#"{"action": "ack", "to": "ops"}"#, "to"),
        (r#"{"action": "escalate", "level": 7}"#, "level"),
        (r#"{"action": "ack", "level": 2}"#, "level"),
        (r#"{"action": "note"}"#, "note"),
        (
            r#"{"action": "note", "note": "x", "public": "yes"}"#,
            "public",
        ),
        (r#"{"action": "ack", "colour": "red"}"#, "colour"),
    ] {
        let (status, answer) = send(&s, with_key(&id, &key, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            json(&answer)["errors"][field].is_string(),
            "{body}: {answer}"
        );
    }
    let (status, answer) = send(&s, with_key("T-0000-00", &key, r#"{"action":"ack"}"#)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = send(&s, with_key(&id, &key, r#"{"action":"resolve"}"#)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        json(&answer)["error"]
            .as_str()
            .unwrap()
            .contains("acknowledge it first"),
        "{answer}"
    );

    let big = format!(r#"{{"action":"note","note":"{}"}}"#, "x".repeat(70 * 1024));
    assert_eq!(
        send(&s, with_key(&id, &key, &big)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let form = Request::post(format!("/api/tickets/{id}/events"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from("action=ack"))
        .unwrap();
    assert_eq!(send(&s, form).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let cross = event_post(&id)
        .header("authorization", format!("Bearer {key}"))
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(r#"{"action":"ack"}"#))
        .unwrap();
    assert_eq!(send(&s, cross).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        status_and_events(&s, &id).await,
        ("received".into(), vec![])
    );
}

/// An escalation reported by a tool or confirmed from a link is mailed to the new level like
/// one made from the CLI; other actions are not (email carries escalations and the watcher's
/// notifications only).
#[tokio::test]
async fn escalations_from_tools_and_links_reach_the_email_target() {
    let s = site(1000).await;
    let id = common::post_ticket(&s.state, "Campaña de marzo").await;
    let key = s
        .state
        .inner()
        .agents
        .add("monday-automation")
        .await
        .unwrap();
    let (status, body) = send(&s, with_key(&id, &key, r#"{"action": "escalate"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        json(&body)["deliveries"],
        serde_json::json!(["jsonl", "email"]),
        "{body}"
    );
    let (status, body) = send(&s, with_key(&id, &key, r#"{"action": "ack"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        json(&body)["deliveries"],
        serde_json::json!(["jsonl"]),
        "{body}"
    );
    let esc = link(&s, &id, Action::Escalate, Timestamp::now());
    assert_eq!(
        send(&s, confirm(&esc, "same-origin")).await.0,
        StatusCode::OK
    );
    let view = view(&s, &id).await;
    let mailed: Vec<&str> = view
        .deliveries
        .iter()
        .filter(|d| d.target == "email")
        .map(|d| d.event.as_str())
        .collect();
    assert_eq!(
        mailed,
        ["ticket.created", "ticket.escalated", "ticket.escalated"]
    );
}
