//! The one-click action links every notification carries: Slack buttons, and the `links`
//! object of webhook and JSONL bodies. Each link is signed for the ticket, the action and the
//! contact it is meant for, and offered only when the ticket's state allows the action.

use super::Deliverer;
use crate::tickets::escalation::lifecycle::{self, Action, Change, State, Status};
use crate::tickets::escalation::links::{ActionLink, AttachmentLink, LINK_ACTIONS, LinkSigner};
use crate::tickets::store::Ticket;
use jiff::Timestamp;

impl Deliverer {
    /// Signs the links of later deliveries with `signer` (the service secret's link key).
    pub fn with_links(mut self, signer: LinkSigner) -> Deliverer {
        self.links = Some(signer);
        self
    }

    /// The action links that fit `ticket` now, in [`LINK_ACTIONS`] order: `(action, URL)`.
    /// Empty when no signer is set (deliveries made outside the service).
    pub fn action_links(&self, ticket: &Ticket, now: Timestamp) -> Vec<(Action, String)> {
        let Some(signer) = &self.links else {
            return Vec::new();
        };
        let actor = link_actor(ticket);
        let valid_for = self.config.links.valid_for.0;
        allowed_actions(ticket, now)
            .into_iter()
            .map(|a| {
                let link = ActionLink::new(signer, &ticket.id, a, &actor, now, valid_for);
                (a, link.url(&self.base_url))
            })
            .collect()
    }

    /// The `links` object of webhook and JSONL bodies: `{"ack": URL, "escalate": URL, …}`.
    pub fn links_json(&self, ticket: &Ticket, now: Timestamp) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .action_links(ticket, now)
            .into_iter()
            .map(|(a, url)| (a.as_str().to_string(), url.into()))
            .collect();
        serde_json::Value::Object(map)
    }
}

impl Deliverer {
    /// The signed download links of `ticket`'s attachments: `(file name, URL)`. They expire
    /// `support.attachments.link_valid_for` after the reception, so every retry of a delivery
    /// carries the same links (Zendesk refuses an idempotency key reused with another body).
    /// Empty when no signer is set.
    pub fn attachment_links(&self, ticket: &Ticket) -> Vec<(String, String)> {
        let Some(signer) = &self.links else {
            return Vec::new();
        };
        let valid_for = self.config.attachments.link_valid_for.0;
        ticket
            .attachments
            .iter()
            .map(|a| {
                let link =
                    AttachmentLink::new(signer, &ticket.id, &a.file, ticket.created, valid_for);
                (a.name.clone(), link.url(&self.base_url))
            })
            .collect()
    }

    /// The `attachments` array of webhook and JSONL bodies: `[{name, size, content_type, url}]`.
    pub fn attachments_json(&self, ticket: &Ticket) -> serde_json::Value {
        let urls = self.attachment_links(ticket);
        ticket
            .attachments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                serde_json::json!({
                    "name": a.name, "size": a.size, "content_type": a.content_type,
                    "url": urls.get(i).map(|(_, u)| u),
                })
            })
            .collect()
    }
}

/// The attachments as plain text for emails and tools' comments: `Attachments:` and one
/// `- name: URL` line each; empty without attachments.
pub fn attachments_text(links: &[(String, String)]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nAttachments:\n");
    for (name, url) in links {
        out.push_str(&format!("- {name}: {url}\n"));
    }
    out
}

/// Who a notification's links act as: the assignee, else the first contact of the chain.
pub fn link_actor(ticket: &Ticket) -> String {
    ticket
        .progress
        .assignee
        .clone()
        .or_else(|| ticket.deadlines.contacts.first().map(|c| c.role.clone()))
        .unwrap_or_else(|| "agent".to_string())
}

/// The link actions the lifecycle allows on `ticket` at `now` (the same rules as the CLI).
pub fn allowed_actions(ticket: &Ticket, now: Timestamp) -> Vec<Action> {
    let Ok(status) = Status::parse(&ticket.status) else {
        return Vec::new();
    };
    let state = State {
        status,
        level: ticket.progress.level,
        assignee: ticket.progress.assignee.clone(),
        first_response_at: ticket.progress.first_response_at,
    };
    LINK_ACTIONS
        .into_iter()
        .filter(|&action| {
            let change = Change {
                action,
                actor: link_actor(ticket),
                to: None,
                level: None,
                note: None,
                public: false,
            };
            lifecycle::apply(&state, &change, now).is_ok()
        })
        .collect()
}

/// The button or line label of a link's action in notifications.
pub(super) fn action_label(action: Action) -> &'static str {
    match action {
        Action::Ack => "Acknowledge",
        Action::Escalate => "Escalate",
        Action::Resolve => "Resolve",
        other => other.as_str(),
    }
}
