//! What the ticketing-tool targets (Monday, Zendesk) share: a JSON call with bounded reading
//! and clear authentication errors, the ordering rule for a ticket's events, and the readable
//! line an event becomes in the tool.

use super::{Failure, parse_retry_after};
use crate::tickets::queue::external::ExternalIds;
use crate::tickets::store::{Job, TicketEvent};
use serde_json::Value;

/// Largest answer body read from a tool's API.
const MAX_ANSWER: usize = 1 << 20;

/// Sends `req` to `tool` and returns the JSON body of a 2xx answer (`null` when empty).
/// Failures carry the answer's Retry-After; 401 and 403 say which token was refused.
pub(super) async fn call_json(
    req: reqwest::RequestBuilder,
    tool: &str,
    token_env: &str,
) -> Result<(reqwest::StatusCode, Value), Failure> {
    let mut resp = req
        .send()
        .await
        .map_err(|e| Failure::new(format!("{tool}: request failed: {e}")))?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Failure::new(format!("{tool}: reading the answer: {e}")))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(Failure::new(format!(
                "{tool}: HTTP {status}, answer larger than {MAX_ANSWER} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(unauthorized(tool, token_env, &snippet(&body)));
    }
    if !status.is_success() {
        return Err(Failure {
            error: format!("{tool}: HTTP {status}: {}", snippet(&body)),
            retry_after,
            wait: false,
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((status, Value::Null));
    }
    let json = serde_json::from_slice(&body).map_err(|e| {
        Failure::new(format!(
            "{tool}: HTTP {status} with an answer that is not JSON ({e}): {}",
            snippet(&body)
        ))
    })?;
    Ok((status, json))
}

/// The failure of a refused token: it will not pass on retry until ops fix it, so the error
/// says what to check (the job ends dead after `max_attempts`).
pub(super) fn unauthorized(tool: &str, token_env: &str, detail: &str) -> Failure {
    tracing::error!(
        "{tool} refused the API token in ${token_env}: {detail}; check the variable and the token's permissions"
    );
    Failure::new(format!(
        "{tool} refused the API token in ${token_env} (401/403: {detail}); check the variable and the token's permissions"
    ))
}

/// The start of an answer body, for error messages.
pub(super) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Ok once no delivery of `job`'s ticket to its target for an event before `event_id` is
/// pending; until then a failure that retries when the earlier one is next tried and spends
/// no attempt, so the target sees a ticket's events in order.
pub(super) async fn after_earlier(
    job: &Job,
    event_id: i64,
    ids: &dyn ExternalIds,
) -> Result<(), Failure> {
    let db = |e: crate::tickets::store::StoreError| Failure::new(e.to_string());
    let (ticket, target) = (job.ticket.id.clone(), job.target.clone());
    let earlier = ids.earlier_pending(ticket.clone(), target.clone(), event_id);
    if let Some(next) = earlier.await.map_err(db)? {
        // Not an attempt at the target: give the claim's count back, and look again when the
        // earlier delivery is next tried (soon when it is in flight or due).
        ids.uncount_attempt(job.id).await.map_err(db)?;
        let mut f = Failure::waiting(format!(
            "waiting: an earlier delivery of {ticket} to `{target}` is still pending"
        ));
        f.retry_after = Some(next.duration_since(jiff::Timestamp::now()))
            .filter(|d| d.is_positive())
            .map(|d| d.unsigned_abs());
        return Err(f);
    }
    Ok(())
}

/// The external id of `job`'s ticket in its target, once the reception and every earlier event
/// of the ticket were delivered there; until then a failure that retries later, so the tool
/// sees a ticket's events in order and never an update before the record exists. Waiting
/// spends no attempt (the event would otherwise die behind a slow or failing creation).
pub(super) async fn record_for_event(
    job: &Job,
    event: &TicketEvent,
    ids: &dyn ExternalIds,
) -> Result<String, Failure> {
    let db = |e: crate::tickets::store::StoreError| Failure::new(e.to_string());
    let (ticket, target) = (job.ticket.id.clone(), job.target.clone());
    after_earlier(job, event.id, ids).await?;
    ids.external_id(ticket.clone(), target.clone())
        .await
        .map_err(db)?
        .ok_or_else(|| {
            Failure::new(format!(
                "{ticket} has no record in `{target}`: its ticket.created delivery did not succeed"
            ))
        })
}

/// The record id at `pointer` of a tool's answer: a number, or digits in a string (monday
/// writes ids as strings); anything else is no id, so an answer cannot steer the URL path of
/// a later request.
pub(super) fn id_at(body: &Value, pointer: &str) -> Option<String> {
    let id = match body.pointer(pointer)? {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// The readable line of an event in a ticketing tool (plain text): what changed, to whom, by
/// whom, then the note. Events this version does not know (`ticket.contact_notified`, …) are named
/// from their event name, never refused.
pub fn event_line(e: &TicketEvent) -> String {
    let what = match e.event.as_str() {
        "ticket.escalated" => format!("escalated to level {}", e.to_level),
        "ticket.assigned" => "assigned".to_string(),
        "ticket.noted" => "note".to_string(),
        "ticket.acknowledged" => "acknowledged".to_string(),
        "ticket.resolved" => "resolved".to_string(),
        "ticket.closed" => "closed".to_string(),
        "ticket.reopened" => "reopened".to_string(),
        other => other
            .strip_prefix("ticket.")
            .unwrap_or(other)
            .replace(['_', '.'], " "),
    };
    let mut line = format!("ayuda: {what}");
    if let Some(to) = e.assignee.as_deref().filter(|_| e.event != "ticket.noted") {
        line.push_str(&format!(" → {to}"));
    }
    line.push_str(&format!(" (by {})", e.actor));
    if let Some(note) = e.note.as_deref().filter(|n| !n.trim().is_empty()) {
        line.push_str("\n\n");
        line.push_str(note.trim());
    }
    line
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tickets::escalation::lifecycle::Action;

    /// A lifecycle event as the queue returns it.
    pub(crate) fn event(name: &str, action: Action) -> TicketEvent {
        TicketEvent {
            id: 7,
            at: jiff::Timestamp::UNIX_EPOCH,
            actor: "sla-watcher".into(),
            action,
            event: name.into(),
            from: "received".into(),
            to: "received".into(),
            from_level: 1,
            to_level: 1,
            assignee: None,
            note: None,
            public: false,
            notified: Vec::new(),
        }
    }

    #[test]
    fn record_ids_are_digits_only() {
        let body =
            serde_json::json!({"a": 35436, "b": "9001", "c": "../users/1", "d": -1, "e": ""});
        let ids: Vec<_> = ["/a", "/b", "/c", "/d", "/e", "/f"]
            .map(|p| id_at(&body, p))
            .into();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(ids, [some("35436"), some("9001"), None, None, None, None]);
    }

    #[test]
    fn unknown_events_become_a_readable_line() {
        let mut e = event("ticket.target_warning", Action::Note);
        e.note = Some("First response due at 11:00.".into());
        assert_eq!(
            event_line(&e),
            "ayuda: target warning (by sla-watcher)\n\nFirst response due at 11:00."
        );
        let mut e = event("ticket.escalated", Action::Escalate);
        (e.to_level, e.assignee, e.actor) = (2, Some("head-of-technology".into()), "ana".into());
        assert_eq!(
            event_line(&e),
            "ayuda: escalated to level 2 → head-of-technology (by ana)"
        );
    }
}
