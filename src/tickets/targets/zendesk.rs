//! The Zendesk target: one Zendesk ticket per ticket through the Support API v2
//! (`POST /api/v2/tickets.json`, `PUT /api/v2/tickets/{id}.json`), with API-token basic auth
//! (`{email}/token:{token}`), its id kept in the queue for the ticket's later events.
//!
//! Creation is idempotent twice over: Zendesk's `Idempotency-Key` header (the ayuda reference)
//! drops a repeat within its two-hour window, and a retry first looks the ticket up by
//! `external_id`, which also covers later retries.

use super::api::{call_json, event_line, id_at, record_for_event};
use super::{Deliverer, Failure, env_var, idempotency_key};
use crate::tickets::config::TargetConfig;
use crate::tickets::queue::external::ExternalIds;
use crate::tickets::store::{Job, Ticket, TicketEvent};
use serde_json::{Map, Value, json};

impl Deliverer {
    pub(super) async fn zendesk(
        &self,
        t: &TargetConfig,
        job: &Job,
        ids: &dyn ExternalIds,
    ) -> Result<(), Failure> {
        let db = |e: crate::tickets::store::StoreError| Failure::new(e.to_string());
        let ticket = &job.ticket;
        let Some(e) = &job.event else {
            let known = ids.external_id(ticket.id.clone(), job.target.clone());
            if known.await.map_err(db)?.is_some() {
                return Ok(());
            }
            let mut found = None;
            if job.attempts > 1 {
                let mut url = endpoint(t, "tickets.json")?;
                url.query_pairs_mut().append_pair("external_id", &ticket.id);
                let (_, body) = self.zendesk_call(t, self.client.get(url)).await?;
                found = id_at(&body, "/tickets/0/id");
            }
            let id = match found {
                Some(id) => id,
                None => {
                    let req = self
                        .client
                        .post(endpoint(t, "tickets.json")?)
                        .header("Idempotency-Key", idempotency_key(ticket, None))
                        .json(&create_body(ticket, &self.attachment_links(ticket)));
                    let (_, body) = self.zendesk_call(t, req).await?;
                    id_at(&body, "/ticket/id").ok_or_else(|| {
                        Failure::new(format!("zendesk: the created ticket has no id: {body}"))
                    })?
                }
            };
            return ids
                .set_external_id(ticket.id.clone(), job.target.clone(), id)
                .await
                .map_err(db);
        };
        let id = record_for_event(job, e, ids).await?;
        let req = self
            .client
            .put(endpoint(t, &format!("tickets/{id}.json"))?)
            .json(&update_body(e));
        self.zendesk_call(t, req).await.map_err(|f| match f {
            f if f.error.contains("422") && f.error.contains("closed") => Failure::new(format!(
                "zendesk: ticket {id} is closed and cannot be updated (Zendesk keeps closed tickets read-only): {}",
                f.error
            )),
            f => f,
        })?;
        Ok(())
    }

    async fn zendesk_call(
        &self,
        t: &TargetConfig,
        req: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Value), Failure> {
        let token_env = t.token_env.as_deref().unwrap_or_default();
        let token = env_var(Some(token_env))?;
        let email = t.email.as_deref().unwrap_or_default();
        let req = req.basic_auth(format!("{email}/token"), Some(token));
        call_json(req, "zendesk", token_env).await
    }
}

/// `URL/api/v2/PATH` of the target's account.
fn endpoint(t: &TargetConfig, path: &str) -> Result<reqwest::Url, Failure> {
    let base = t.url.as_deref().unwrap_or_default().trim_end_matches('/');
    reqwest::Url::parse(&format!("{base}/api/v2/{path}"))
        .map_err(|e| Failure::new(format!("zendesk: url `{base}`: {e}")))
}

/// The tag of a support level (Zendesk tags take no spaces).
fn level_tag(level: u8) -> String {
    format!("ayuda_level_{level}")
}

/// Zendesk's priority for a support level: normal at level 1, high at 2, urgent at 3.
fn priority(level: u8) -> &'static str {
    match level {
        0 | 1 => "normal",
        2 => "high",
        _ => "urgent",
    }
}

/// The Zendesk status of an ayuda status; `None` for one this version does not know.
/// `closed` maps to `solved`: Zendesk closes solved tickets itself, and a closed Zendesk
/// ticket can no longer be updated, which would lose a later `reopen`.
pub fn status(ayuda: &str) -> Option<&'static str> {
    Some(match ayuda {
        "received" => "new",
        "acknowledged" | "in_progress" | "reopened" => "open",
        "resolved" | "closed" => "solved",
        _ => return None,
    })
}

/// The body of `POST /api/v2/tickets.json`: the reception, with the attachments' download
/// links (`files`) under the description, the same on every retry (Zendesk refuses an
/// `Idempotency-Key` reused with another body).
pub fn create_body(ticket: &Ticket, files: &[(String, String)]) -> Value {
    let kind: String = ticket
        .kind
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    // The partner's copies are named in the description, not added as Zendesk CCs: ayuda's own
    // partner mails copy them, and Zendesk would mail them a second time.
    let mut body = ticket.description.clone();
    if !ticket.cc.is_empty() {
        body += &format!("\n\nCC: {}", ticket.cc.join(", "));
    }
    body += &super::attachments_text(files);
    json!({"ticket": {
        "subject": ticket.subject,
        "comment": {"body": body, "public": true},
        "requester": {"name": ticket.name, "email": ticket.email},
        "external_id": ticket.id,
        "tags": ["ayuda", format!("ayuda_type_{kind}"), level_tag(1)],
        "priority": priority(1),
    }})
}

/// The body of `PUT /api/v2/tickets/{id}.json` for an event: its line as a comment (internal
/// unless the note is public), the mapped status when it changed (acknowledged → in_progress
/// stays `open`), and the level's tag and
/// priority when the level changed. Unknown events are a comment only.
pub fn update_body(e: &TicketEvent) -> Value {
    let mut t = Map::new();
    t.insert(
        "comment".into(),
        json!({"body": event_line(e), "public": e.public}),
    );
    if let Some(s) = status(&e.to)
        && status(&e.from) != Some(s)
    {
        t.insert("status".into(), json!(s));
    }
    if e.from_level != e.to_level {
        t.insert("additional_tags".into(), json!([level_tag(e.to_level)]));
        t.insert("remove_tags".into(), json!([level_tag(e.from_level)]));
        t.insert("priority".into(), json!(priority(e.to_level)));
    }
    json!({ "ticket": t })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::escalation::lifecycle::Action;
    use crate::tickets::targets::api::tests::event;

    #[test]
    fn unknown_event_becomes_an_internal_comment() {
        let e = event("ticket.breached", Action::Note);
        assert_eq!(
            update_body(&e),
            json!({"ticket": {"comment": {"body": "ayuda: breached (by sla-watcher)", "public": false}}})
        );
    }

    #[test]
    fn escalation_moves_tags_priority_and_status() {
        let mut e = event("ticket.escalated", Action::Escalate);
        (e.from, e.to, e.from_level, e.to_level) =
            ("acknowledged".into(), "in_progress".into(), 1, 3);
        (e.note, e.public) = (Some("Reverting the release.".into()), true);
        let body = update_body(&e);
        assert!(body["ticket"].get("status").is_none(), "both are open");
        assert_eq!(body["ticket"]["priority"], "urgent");
        assert_eq!(body["ticket"]["additional_tags"], json!(["ayuda_level_3"]));
        assert_eq!(body["ticket"]["remove_tags"], json!(["ayuda_level_1"]));
        assert_eq!(body["ticket"]["comment"]["public"], true);
    }

    /// The agents see the partner's copies, then the attachments' links, in the ticket's
    /// first comment.
    #[test]
    fn the_description_names_the_copies_and_the_files() {
        let mut ticket = crate::tickets::store::tests::ticket(1);
        assert_eq!(
            create_body(&ticket, &[])["ticket"]["comment"]["body"],
            ticket.description.as_str()
        );
        ticket.cc = vec![
            "lead@partner.example.org".into(),
            "ops@partner.example.org".into(),
        ];
        let body = create_body(&ticket, &[]);
        let text = body["ticket"]["comment"]["body"]
            .as_str()
            .unwrap_or_default();
        assert!(
            text.ends_with("\n\nCC: lead@partner.example.org, ops@partner.example.org"),
            "{text}"
        );
        let url = "https://help.example.org/tickets/attachment?ticket=T-1&file=1-ab.png";
        let body = create_body(&ticket, &[("captura.png".into(), url.into())]);
        let text = body["ticket"]["comment"]["body"]
            .as_str()
            .unwrap_or_default();
        let cc = text.find("CC: lead@").unwrap_or(usize::MAX);
        let file = text.find(url).unwrap_or(0);
        assert!(cc < file, "{text}");
    }

    #[test]
    fn statuses_map_to_zendesk() {
        let mapped: Vec<_> = [
            "received",
            "acknowledged",
            "in_progress",
            "resolved",
            "closed",
            "reopened",
            "snoozed",
        ]
        .map(status)
        .into();
        assert_eq!(
            mapped,
            [
                Some("new"),
                Some("open"),
                Some("open"),
                Some("solved"),
                Some("solved"),
                Some("open"),
                None
            ]
        );
    }
}
