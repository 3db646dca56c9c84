//! The Monday target: one item per ticket on a board, through monday.com's GraphQL API v2
//! (`create_item`, `change_multiple_column_values`, `create_update`), its id kept in the queue
//! for the ticket's later events.
//!
//! monday answers application errors with HTTP 200 and an `errors` array; a spent complexity
//! budget carries `extensions.retry_in_seconds`, which the retry honours like Retry-After.

use super::api::{call_json, event_line, id_at, record_for_event, unauthorized};
use super::{Deliverer, Failure, env_var};
use crate::tickets::config::TargetConfig;
use crate::tickets::queue::external::ExternalIds;
use crate::tickets::store::{Job, Progress, Ticket, TicketEvent};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The public GraphQL endpoint.
pub const DEFAULT_API_URL: &str = "https://api.monday.com/v2";
/// The `API-Version` sent unless the target sets `api_version`.
pub const DEFAULT_API_VERSION: &str = "2025-10";

const CREATE_ITEM: &str = "mutation ($board: ID!, $group: String, $name: String!, $values: JSON) { create_item(board_id: $board, group_id: $group, item_name: $name, column_values: $values, create_labels_if_missing: true) { id } }";
const FIND_ITEM: &str = "query ($board: ID!, $column: String!, $value: String!) { items_page_by_column_values(board_id: $board, limit: 1, columns: [{column_id: $column, column_values: [$value]}]) { items { id } } }";
const CHANGE_COLUMNS: &str = "mutation ($board: ID!, $item: ID!, $values: JSON!) { change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values, create_labels_if_missing: true) { id } }";
const CREATE_UPDATE: &str =
    "mutation ($item: ID!, $body: String!) { create_update(item_id: $item, body: $body) { id } }";

/// monday's limit on item names.
const NAME_MAX: usize = 255;

impl Deliverer {
    pub(super) async fn monday(
        &self,
        t: &TargetConfig,
        job: &Job,
        ids: &dyn ExternalIds,
    ) -> Result<(), Failure> {
        let board = t.board_id.clone().unwrap_or_default();
        let Some(e) = &job.event else {
            return self.monday_create(t, job, ids, &board).await;
        };
        let item = record_for_event(job, e, ids).await?;
        let (columns, update) = event_changes(t, e);
        if !columns.is_empty() {
            let values = Value::Object(columns).to_string();
            let vars = json!({"board": board, "item": item, "values": values});
            self.graphql(t, CHANGE_COLUMNS, vars).await?;
        }
        if let Some(body) = update {
            self.graphql(t, CREATE_UPDATE, json!({"item": item, "body": body}))
                .await?;
        }
        Ok(())
    }

    /// Creates the ticket's item, unless an earlier attempt did: with `columns.reference`
    /// mapped, a retry first looks the item up by its reference.
    async fn monday_create(
        &self,
        t: &TargetConfig,
        job: &Job,
        ids: &dyn ExternalIds,
        board: &str,
    ) -> Result<(), Failure> {
        let ticket = &job.ticket;
        let db = |e: crate::tickets::store::StoreError| Failure::new(e.to_string());
        let known = ids.external_id(ticket.id.clone(), job.target.clone());
        if known.await.map_err(db)?.is_some() {
            return Ok(());
        }
        let mut found = None;
        if let Some(column) = t.columns.get("reference").filter(|_| job.attempts > 1) {
            let vars = json!({"board": board, "column": column, "value": ticket.id});
            let data = self.graphql(t, FIND_ITEM, vars).await?;
            found = id_at(&data, "/items_page_by_column_values/items/0/id");
        }
        let item = match found {
            Some(id) => id,
            None => {
                let vars = json!({
                    "board": board,
                    "group": t.group_id,
                    "name": item_name(ticket),
                    "values": Value::Object(item_columns(t, ticket)).to_string(),
                });
                let data = self.graphql(t, CREATE_ITEM, vars).await?;
                let item = id_at(&data, "/create_item/id").ok_or_else(|| {
                    Failure::new(format!(
                        "monday: create_item answered without an id: {data}"
                    ))
                })?;
                // Monday items have no description: the attachments go in an update.
                let files = super::attachments_text(&self.attachment_links(ticket));
                if !files.is_empty() {
                    let vars = json!({"item": item, "body": files.trim()});
                    self.graphql(t, CREATE_UPDATE, vars).await?;
                }
                item
            }
        };
        ids.set_external_id(ticket.id.clone(), job.target.clone(), item)
            .await
            .map_err(db)
    }

    /// One GraphQL call; the `data` of an answer without errors.
    async fn graphql(&self, t: &TargetConfig, query: &str, vars: Value) -> Result<Value, Failure> {
        let token_env = t.token_env.as_deref().unwrap_or_default();
        let token = env_var(Some(token_env))?;
        let url = t.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        let version = t.api_version.as_deref().unwrap_or(DEFAULT_API_VERSION);
        let req = self
            .client
            .post(url)
            .header("Authorization", token)
            .header("API-Version", version)
            .json(&json!({"query": query, "variables": vars}));
        let (_, body) = call_json(req, "monday", token_env).await?;
        if let Some(f) = answer_error(&body, token_env) {
            return Err(f);
        }
        Ok(body.get("data").cloned().unwrap_or(Value::Null))
    }
}

/// The failure an answer reports: its `errors` array (or the older `error_message`), with
/// `retry_in_seconds` as the retry delay; `None` for a clean answer.
pub fn answer_error(body: &Value, token_env: &str) -> Option<Failure> {
    let errors: Vec<&Value> = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let legacy = body.get("error_message").and_then(Value::as_str);
    if errors.is_empty() && legacy.is_none() {
        return None;
    }
    let mut messages = Vec::new();
    let mut retry_in = None;
    let mut refused = false;
    for e in &errors {
        let ext = e.get("extensions");
        let code = ext
            .and_then(|x| x.get("code"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let message = e
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| e.as_str())
            .unwrap_or("unknown error");
        messages.push(if code.is_empty() {
            message.to_string()
        } else {
            format!("{message} ({code})")
        });
        let status = ext
            .and_then(|x| x.get("status_code"))
            .and_then(Value::as_u64);
        refused |= matches!(status, Some(401 | 403))
            || code.contains("Unauthorized")
            || code.contains("UNAUTHORIZED");
        if let Some(s) = ext
            .and_then(|x| x.get("retry_in_seconds"))
            .and_then(Value::as_f64)
        {
            retry_in = Some(Duration::from_secs_f64(s.clamp(0.0, 86_400.0)));
        }
    }
    if let Some(m) = legacy {
        messages.push(m.to_string());
    }
    let detail = messages.join("; ");
    if refused {
        return Some(unauthorized("monday", token_env, &detail));
    }
    Some(Failure {
        error: format!("monday: {detail}"),
        retry_after: retry_in,
        wait: false,
    })
}

/// The item name: reference and subject, within monday's 255 characters.
pub fn item_name(ticket: &Ticket) -> String {
    super::slack::truncate(&format!("{} · {}", ticket.id, ticket.subject), NAME_MAX)
}

/// The value of a ticket field for its mapped column, in monday's simple string form (status
/// and dropdown labels, text, numbers, `YYYY-MM-DD HH:MM:SS` dates in UTC).
fn field(ticket: &Ticket, name: &str) -> Option<String> {
    let date = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M:%S").to_string();
    Some(match name {
        "reference" => ticket.id.clone(),
        "status" => ticket.status.clone(),
        "level" => ticket.progress.level.to_string(),
        "type" => ticket.kind.clone(),
        "assignee" => ticket.progress.assignee.clone().unwrap_or_default(),
        "partner" => ticket.partner.clone(),
        "deadline" => date(ticket.deadlines.first_response_target),
        "breach" => date(ticket.deadlines.first_response_breach),
        _ => return None,
    })
}

/// The column values of a new item: every mapped field as the ticket was received (status
/// `received`, level 1, no assignee), whatever happened since; the events that follow move
/// the columns in order.
pub fn item_columns(t: &TargetConfig, ticket: &Ticket) -> Map<String, Value> {
    let received = Ticket {
        status: "received".into(),
        cc: Vec::new(),
        partner_time_zone: None,
        progress: Progress::default(),
        attachments: Vec::new(),
        ..ticket.clone()
    };
    t.columns
        .iter()
        .filter_map(|(name, column)| Some((column.clone(), Value::String(field(&received, name)?))))
        .collect()
}

/// What an event changes on the item: the mapped status, level and assignee columns that
/// moved, and the update posted (level changes, notes, assignments, events this version does
/// not know, and any change no mapped column shows).
pub fn event_changes(t: &TargetConfig, e: &TicketEvent) -> (Map<String, Value>, Option<String>) {
    let mut columns = Map::new();
    let mut set = |name: &str, value: String| {
        if let Some(column) = t.columns.get(name) {
            columns.insert(column.clone(), Value::String(value));
        }
    };
    if e.from != e.to {
        set("status", e.to.clone());
    }
    if e.from_level != e.to_level {
        set("level", e.to_level.to_string());
    }
    if let Some(to) = &e.assignee
        && matches!(e.event.as_str(), "ticket.assigned" | "ticket.escalated")
    {
        set("assignee", to.clone());
    }
    let plain_status = matches!(
        e.event.as_str(),
        "ticket.acknowledged" | "ticket.resolved" | "ticket.closed" | "ticket.reopened"
    );
    let shown = plain_status && t.columns.contains_key("status") && e.note.is_none();
    let update = (!shown).then(|| event_line(e));
    (columns, update)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::escalation::lifecycle::Action;
    use crate::tickets::targets::api::tests::event;

    fn target() -> TargetConfig {
        let c = crate::Config::parse(
            "support:\n  targets:\n    - kind: monday\n      token_env: MONDAY_TOKEN\n      board_id: 1234567890\n      columns: {status: status, level: numbers, reference: text_ref}\n",
        )
        .unwrap();
        c.support.targets[0].clone()
    }

    #[test]
    fn unknown_event_becomes_an_update_and_moves_no_column() {
        let e = event("ticket.contact_notified", Action::Note);
        let (columns, update) = event_changes(&target(), &e);
        assert!(columns.is_empty(), "{columns:?}");
        assert_eq!(
            update.as_deref(),
            Some("ayuda: contact notified (by sla-watcher)")
        );
    }

    #[test]
    fn status_changes_move_the_column_and_escalations_post_an_update() {
        let mut ack = event("ticket.acknowledged", Action::Ack);
        ack.to = "acknowledged".into();
        let (columns, update) = event_changes(&target(), &ack);
        assert_eq!(Value::Object(columns), json!({"status": "acknowledged"}));
        assert_eq!(update, None, "the status column shows it");
        let mut up = event("ticket.escalated", Action::Escalate);
        (up.from, up.to, up.to_level) = ("acknowledged".into(), "in_progress".into(), 2);
        let (columns, update) = event_changes(&target(), &up);
        assert_eq!(
            Value::Object(columns),
            json!({"status": "in_progress", "numbers": "2"})
        );
        assert!(update.is_some_and(|u| u.contains("escalated to level 2")));
    }

    #[test]
    fn answer_errors_are_failures_with_their_delay() {
        let budget = json!({"errors": [{"message": "Complexity budget exhausted",
            "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 7}}]});
        let f = answer_error(&budget, "MONDAY_TOKEN").unwrap();
        assert_eq!(f.retry_after, Some(Duration::from_secs(7)));
        assert!(
            f.error.contains("COMPLEXITY_BUDGET_EXHAUSTED"),
            "{}",
            f.error
        );
        let refused = json!({"data": [], "errors": [{"message": "User unauthorized to perform action",
            "extensions": {"code": "UserUnauthorizedException", "status_code": 403}}]});
        let f = answer_error(&refused, "MONDAY_TOKEN").unwrap();
        assert!(
            f.error.contains("refused the API token in $MONDAY_TOKEN"),
            "{}",
            f.error
        );
        let legacy = json!({"error_code": "ComplexityException", "error_message": "Complexity budget exhausted"});
        assert!(answer_error(&legacy, "T").is_some());
        assert!(answer_error(&json!({"data": {"create_item": {"id": "1"}}}), "T").is_none());
    }

    #[test]
    fn item_names_fit_monday() {
        let mut ticket = crate::tickets::store::tests::ticket(1);
        ticket.id = "T-7K3M-Q9".into();
        ticket.subject = "ñ".repeat(400);
        let name = item_name(&ticket);
        assert_eq!(name.chars().count(), NAME_MAX);
        assert!(name.starts_with("T-7K3M-Q9 · ñ") && name.ends_with('…'));
    }
}
