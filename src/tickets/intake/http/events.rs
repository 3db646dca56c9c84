//! `POST /api/tickets/{id}/events`: the team's tools (a Zendesk or Monday automation, a
//! script) report what happened to a ticket, with the actions of the CLI.
//!
//! Two ways to authenticate:
//! - an agent key from `ayuda agents add NAME` as `Authorization: Bearer KEY`; the actor is
//!   the agent's name;
//! - an HMAC signature like the outgoing webhook's: `X-Ayuda-Timestamp: UNIX` and
//!   `X-Ayuda-Signature-256: sha256=HEX` of `TIMESTAMP.BODY` under the key in the environment
//!   variable `support.events_api.secret_env`; requests whose timestamp is further than
//!   `max_skew` from the service's clock are refused as replays; the actor is the body's `as`.

use super::TicketsState;
use super::answer::header_str;
use crate::tickets::escalation::lifecycle::{Action, Change, MAX_LEVEL, MAX_NOTE};
use crate::tickets::guard;
use crate::tickets::store::StoreError;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

/// The header with the request's Unix time, covered by the signature.
pub const TIMESTAMP_HEADER: &str = "X-Ayuda-Timestamp";

fn error(status: StatusCode, code: &str, msg: impl Into<String>) -> Response {
    let msg = msg.into();
    (
        status,
        axum::Json(serde_json::json!({"error": msg, "code": code})),
    )
        .into_response()
}

fn unauthorized(msg: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized", msg);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"ayuda agents\""),
    );
    r
}

/// 400 naming the field.
fn bad_field(field: &str, msg: impl Into<String>) -> Response {
    let msg = msg.into();
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            serde_json::json!({"error": format!("{field}: {msg}"), "code": "bad_field",
            "errors": {field: msg}}),
        ),
    )
        .into_response()
}

/// Who is calling, once authenticated.
enum Caller {
    Agent(String),
    Signed,
}

pub(super) async fn post_event(
    State(s): State<TicketsState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let inner = s.inner();
    let headers = req.headers().clone();
    let ip = inner.proxy.client_of(req.headers(), req.extensions());
    if let Err(wait) = inner.limiter.take(ip, 1.0) {
        let msg = format!("too many requests; try again in {wait} s");
        return guard::with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", msg),
            wait,
        );
    }
    // Tools call this API; a page of another site must not (a browser says so).
    if header_str(&headers, "sec-fetch-site").is_some_and(|v| v.trim() == "cross-site") {
        return error(
            StatusCode::FORBIDDEN,
            "origin",
            "cross-site requests are refused",
        );
    }
    if guard::media_type(&headers) != "application/json" {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
            "send Content-Type: application/json",
        );
    }
    let bearer = header_str(&headers, "authorization").and_then(guard::bearer_token);
    let signature = header_str(&headers, crate::tickets::deliver::SIGNATURE_HEADER);
    // A key is checked before the body is read; a signature covers the body.
    let mut caller = None;
    if let Some(key) = bearer {
        match inner.agents.verify(key).await {
            Ok(Some(name)) => caller = Some(Caller::Agent(name)),
            Ok(None) => {
                let _ = inner.limiter.take(ip, 4.0);
                return unauthorized("unknown or revoked agent key");
            }
            Err(e) => {
                tracing::error!("agent keys: {e}");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "try again later",
                );
            }
        }
    } else if signature.is_none() {
        return unauthorized(
            "send an agent key (Authorization: Bearer KEY) or an X-Ayuda-Signature-256 signature",
        );
    }
    let limit = inner.config.limits.max_body_bytes;
    let body = match guard::read_body(req.into_body(), limit, inner.body_timeout).await {
        Ok(b) => b,
        Err(guard::BodyError::TooLarge) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {limit} bytes"),
            );
        }
        Err(guard::BodyError::Timeout) => return guard::body_timeout(),
    };
    if caller.is_none() {
        match check_signature(&s, &headers, &body, Timestamp::now()) {
            Ok(()) => caller = Some(Caller::Signed),
            Err(e) => {
                let _ = inner.limiter.take(ip, 4.0);
                return e.response();
            }
        }
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return guard::bad_json(&e),
    };
    let actor = match caller {
        Some(Caller::Agent(name)) => name,
        _ => match value.get("as").and_then(|v| v.as_str()) {
            Some(a) if valid_name(a) => a.trim().to_string(),
            _ => {
                return bad_field(
                    "as",
                    "a signed request names its actor: 1 to 100 characters",
                );
            }
        },
    };
    let change = match parse_change(&value, actor) {
        Ok(c) => c,
        Err((field, msg)) => return bad_field(&field, msg),
    };
    let targets = crate::tickets::targets::targets_for(&inner.config, &change);
    match inner
        .store
        .change(id, change, targets, Timestamp::now())
        .await
    {
        Ok(c) => {
            tracing::info!(ticket = %c.id, event = %c.event.event, actor = %c.event.actor, "changed through the events API");
            axum::Json(serde_json::json!({
                "id": c.id,
                "status": c.status,
                "level": c.level,
                "assignee": c.assignee,
                "event_id": c.event.id,
                "event": c.event.event,
                "deliveries": c.deliveries,
            }))
            .into_response()
        }
        Err(StoreError::NotFound(id)) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no ticket {id}"),
        ),
        Err(StoreError::Refused(m)) => error(StatusCode::CONFLICT, "refused", m),
        Err(e) => {
            tracing::error!("events API: {e}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "try again later",
            )
        }
    }
}

/// Why a signed request is refused.
enum SignatureError {
    /// 401, with the reason.
    Unauthorized(&'static str),
    /// 403: signed, but too far from the service's clock (a replay).
    Stale,
}

impl SignatureError {
    fn response(&self) -> Response {
        match self {
            SignatureError::Unauthorized(msg) => unauthorized(msg),
            SignatureError::Stale => error(
                StatusCode::FORBIDDEN,
                "stale",
                "the timestamp is too far from the service's clock (a replay, or a clock to set)",
            ),
        }
    }
}

/// Checks the HMAC mode's timestamp and signature of `body`.
fn check_signature(
    s: &TicketsState,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<(), SignatureError> {
    let api = &s.inner().config.events_api;
    let key = api
        .secret_env
        .as_deref()
        .and_then(|name| std::env::var(name).ok())
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::Unauthorized(
            "signed requests are not configured (support.events_api.secret_env)",
        ))?;
    let Some(ts) = header_str(headers, TIMESTAMP_HEADER).and_then(|v| v.trim().parse::<i64>().ok())
    else {
        return Err(SignatureError::Unauthorized(
            "a signed request carries X-Ayuda-Timestamp (Unix seconds)",
        ));
    };
    let given = header_str(headers, crate::tickets::deliver::SIGNATURE_HEADER).unwrap_or_default();
    let expected = crate::tickets::deliver::sign(key.as_bytes(), &signed_bytes(ts, body));
    if !crate::tickets::keys::ct_eq(given.trim().as_bytes(), expected.as_bytes()) {
        return Err(SignatureError::Unauthorized(
            "the signature does not match the body and timestamp",
        ));
    }
    if now.as_second().abs_diff(ts) > api.max_skew.0.as_secs().unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// What a signature covers: `TIMESTAMP.BODY`.
pub fn signed_bytes(ts: i64, body: &[u8]) -> Vec<u8> {
    let mut v = format!("{ts}.").into_bytes();
    v.extend_from_slice(body);
    v
}

fn valid_name(n: &str) -> bool {
    crate::tickets::escalation::lifecycle::checked_name("name", n).is_ok()
}

/// A field at fault and what it should hold (answered 400).
type BadField = (String, String);

fn bad(field: &str, msg: impl Into<String>) -> BadField {
    (field.to_string(), msg.into())
}

/// The change a body asks for, or the field at fault.
fn parse_change(v: &serde_json::Value, actor: String) -> Result<Change, BadField> {
    let Some(obj) = v.as_object() else {
        return Err(bad("body", "a JSON object such as {\"action\": \"ack\"}"));
    };
    for k in obj.keys() {
        if !["action", "to", "level", "note", "public", "as"].contains(&k.as_str()) {
            return Err(bad(
                k,
                "unknown field; fields: action, to, level, note, public, as",
            ));
        }
    }
    let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    let action = obj
        .get("action")
        .and_then(|a| a.as_str())
        .and_then(|a| Action::ALL.into_iter().find(|x| x.as_str() == a))
        .ok_or_else(|| bad("action", format!("one of {}", names.join(", "))))?;
    let text = |k: &str| -> Result<Option<String>, BadField> {
        match obj.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(k, "a string")),
        }
    };
    let to = text("to")?;
    let note = text("note")?;
    let level = match obj.get("level") {
        None | Some(serde_json::Value::Null) => None,
        Some(l) => match l.as_u64() {
            Some(n @ 2..) if n <= u64::from(MAX_LEVEL) => Some(n as u8),
            _ => return Err(bad("level", format!("a level from 2 to {MAX_LEVEL}"))),
        },
    };
    let public = match obj.get("public") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => return Err(bad("public", "true or false")),
    };
    if level.is_some() && action != Action::Escalate {
        return Err(bad("level", "only escalate takes a level"));
    }
    if let Some(t) = &to {
        if !matches!(action, Action::Assign | Action::Escalate) {
            return Err(bad("to", "only assign and escalate take `to`"));
        }
        if !valid_name(t) {
            return Err(bad("to", "a role or agent name of 1 to 100 characters"));
        }
    } else if action == Action::Assign {
        return Err(bad(
            "to",
            "assign needs `to`: a contact role or an agent name",
        ));
    }
    if action == Action::Note && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(bad("note", "note needs the text of the note"));
    }
    if note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(bad("note", format!("at most {MAX_NOTE} characters")));
    }
    Ok(Change {
        action,
        actor,
        to,
        level,
        note,
        public,
    })
}
