//! The delivery targets, one per file behind [`Deliverer::deliver`]: the worker
//! ([`run_worker`]) takes due jobs from the queue and hands each ticket to its target
//! (signed webhook, Slack, email, JSONL file, a monday.com board, Zendesk), with exponential backoff and jitter, Retry-After
//! honoured, and a dead state after `support.deliveries.max_attempts`.
//!
//! Delivery is at least once: a job leased by a process that dies is retried when the lease
//! ends, so webhooks carry `Idempotency-Key: <ticket id>` for receivers to drop repeats.

mod api;
mod email;
mod jsonl;
mod links;
pub mod monday;
mod partner_mail;
mod slack;
mod webhook;
pub mod zendesk;

pub use crate::tickets::queue::worker::{next_attempt, run_worker};
pub use api::event_line;
pub use links::{allowed_actions, attachments_text, link_actor};
pub use slack::attachments_block;
pub use slack::{slack_blocks, slack_event_message};

use crate::tickets::config::{PARTNER_EMAIL_TARGET, SupportConfig, TargetConfig, TargetKind};
use crate::tickets::escalation::lifecycle::{Action, Change};
use crate::tickets::queue::external::ExternalIds;
use crate::tickets::store::{Job, Ticket, TicketEvent};
use hmac::{KeyInit, Mac};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The header carrying the webhook signature unless the target names another.
pub const SIGNATURE_HEADER: &str = "X-Ayuda-Signature-256";

/// A failed attempt.
#[derive(Debug)]
pub struct Failure {
    pub error: String,
    /// What the target asked for (Retry-After).
    pub retry_after: Option<Duration>,
    /// The attempt waited for another delivery (the ticket's record in the tool) and was not
    /// tried: it does not count against `max_attempts`, and is tried again after
    /// `backoff_initial`.
    pub wait: bool,
}

impl Failure {
    pub(crate) fn new(error: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            retry_after: None,
            wait: false,
        }
    }

    /// An attempt that waits for another delivery; see [`Failure::wait`].
    pub(crate) fn waiting(error: impl Into<String>) -> Failure {
        Failure {
            wait: true,
            ..Failure::new(error)
        }
    }
}

/// Everything needed to deliver a ticket to the configured targets.
pub struct Deliverer {
    pub(crate) config: SupportConfig,
    targets: BTreeMap<String, TargetConfig>,
    data: PathBuf,
    base_url: String,
    client: reqwest::Client,
    file_lock: tokio::sync::Mutex<()>,
    /// Whether the worker runs (for `/healthz`).
    pub(crate) status: crate::tickets::queue::worker::Status,
    /// Delivery latency and attempt outcomes per target (for `/metrics`).
    pub metrics: crate::server::Metrics,
    /// Signs the one-click action links of notifications (none: no links).
    links: Option<crate::tickets::escalation::links::LinkSigner>,
    /// The site's theme for partner mails (none: the built-in theme).
    renderer: Option<std::sync::Arc<crate::render::theme::PageRenderer>>,
}

impl Deliverer {
    /// Prepares the targets of `config`; `data` anchors JSONL paths, `base_url` makes links absolute.
    pub fn new(config: &SupportConfig, data: PathBuf, base_url: &str) -> Result<Deliverer, String> {
        let client = reqwest::Client::builder()
            .timeout(config.deliveries.timeout.0.unsigned_abs())
            .user_agent(concat!("ayuda/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Deliverer {
            targets: config.targets.iter().map(|t| (t.id(), t.clone())).collect(),
            config: config.clone(),
            data,
            base_url: base_url.trim_end_matches('/').to_string(),
            client,
            file_lock: tokio::sync::Mutex::new(()),
            status: crate::tickets::queue::worker::Status::default(),
            metrics: crate::tickets::queue::worker::metrics(),
            links: None,
            renderer: None,
        })
    }

    /// `not_started`, `running`, or `stopped` once the worker task ended (panic, abort or a
    /// lane that stopped).
    pub fn worker_state(&self) -> &'static str {
        self.status.get()
    }

    /// Ids of the targets a new ticket gets a job for: the configured ones, and the partner's
    /// mail when `support.partner_email` is on.
    pub fn target_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.targets.keys().cloned().collect();
        if self.config.partner_email.enabled {
            ids.push(PARTNER_EMAIL_TARGET.into());
        }
        ids
    }

    /// One delivery attempt of a job: its ticket's reception or a lifecycle event, to its
    /// target; `ids` keeps the records ticketing tools (Monday, Zendesk) create.
    pub async fn deliver(&self, job: &Job, ids: &dyn ExternalIds) -> Result<(), Failure> {
        let (target, ticket, event) = (&job.target, &job.ticket, job.event.as_ref());
        if target == PARTNER_EMAIL_TARGET {
            return self.partner_email(job, ids).await;
        }
        let Some(t) = self.targets.get(target) else {
            return Err(Failure::new(format!(
                "target `{target}` is no longer configured"
            )));
        };
        match t.kind {
            TargetKind::Webhook => self.webhook(t, ticket, event).await,
            TargetKind::Slack => self.slack(t, ticket, event).await,
            TargetKind::Email => self.email(t, ticket, event).await,
            TargetKind::Jsonl => self.jsonl(t, ticket, event).await,
            TargetKind::Monday => self.monday(t, job, ids).await,
            TargetKind::Zendesk => self.zendesk(t, job, ids).await,
        }
    }

    /// The JSON body of webhook and JSONL deliveries: `{"event", "ticket", "links"}`, plus the
    /// lifecycle `change` (from, to, level, note, who is `notified`, …) for events after the
    /// reception. `links` holds the signed one-click actions that fit the ticket's state;
    /// `attachments` (when the partner attached files) their signed download links.
    pub fn event(&self, ticket: &Ticket, event: Option<&TicketEvent>) -> serde_json::Value {
        let links = self.links_json(ticket, Timestamp::now());
        let mut body = match event {
            None => serde_json::json!({"event": CREATED, "ticket": ticket, "links": links}),
            Some(e) => {
                // Who the event tells: the watcher's contacts, an escalation's new level.
                let mut change = e.clone();
                change.notified =
                    crate::tickets::escalation::watcher::recipients(&self.config, ticket, e);
                serde_json::json!({"event": e.event, "ticket": ticket, "change": change, "links": links})
            }
        };
        if !ticket.attachments.is_empty() {
            body["attachments"] = self.attachments_json(ticket);
        }
        body
    }
}

/// The event name of a ticket's reception.
pub const CREATED: &str = "ticket.created";

/// The targets a lifecycle event gets a job for: all but email, which announces new tickets
/// and writes only to the roles an event notifies ([`targets_for`]).
pub fn event_targets(config: &SupportConfig) -> Vec<String> {
    config
        .targets
        .iter()
        .filter(|t| t.kind != TargetKind::Email)
        .map(|t| t.id())
        .collect()
}

/// The targets a lifecycle `change` gets a job for: [`event_targets`], plus email for an
/// escalation, which writes to the new level's mailboxes (`support.levels`), and for a reopen,
/// which writes to the last assignee's; plus the partner's mail for a resolution, an
/// auto-close and a public note ([`with_partner_mail`]).
pub fn targets_for(config: &SupportConfig, change: &Change) -> Vec<String> {
    let targets = if matches!(change.action, Action::Escalate | Action::Reopen) {
        config.targets.iter().map(|t| t.id()).collect()
    } else {
        event_targets(config)
    };
    with_partner_mail(config, targets, change)
}

/// `targets` and, when partner mails are on and `change` sends one, the partner's mail.
pub fn with_partner_mail(
    config: &SupportConfig,
    mut targets: Vec<String>,
    change: &Change,
) -> Vec<String> {
    targets.retain(|t| t != PARTNER_EMAIL_TARGET);
    if config.partner_email.enabled && partner_mail::change_mails_partner(change) {
        targets.push(PARTNER_EMAIL_TARGET.into());
    }
    targets
}

/// The `Idempotency-Key` of a delivery: the ticket reference for its reception, reference and
/// event id (`T-7K3M-Q9:12`) for a lifecycle event, the same on every retry.
pub fn idempotency_key(ticket: &Ticket, event: Option<&TicketEvent>) -> String {
    match event {
        None => ticket.id.clone(),
        Some(e) => format!("{}:{}", ticket.id, e.id),
    }
}

pub(crate) fn env_var(name: Option<&str>) -> Result<String, Failure> {
    let name = name.unwrap_or_default();
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::new(format!("environment variable {name} is not set")))
}

/// `sha256=<hex HMAC-SHA256 of the body>`, the webhook signature header's value.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) async fn send(req: reqwest::RequestBuilder) -> Result<(), Failure> {
    let resp = req
        .send()
        .await
        .map_err(|e| Failure::new(format!("request failed: {e}")))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    Err(Failure {
        error: format!("HTTP {status}"),
        retry_after,
        wait: false,
    })
}

/// Retry-After as seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()?;
    Some(at.duration_since(Timestamp::now()).unsigned_abs())
        .filter(|_| at > Timestamp::now())
        .or(Some(Duration::ZERO))
}

pub(crate) fn type_label(config: &SupportConfig, ticket: &Ticket, locale: &str) -> String {
    config
        .request_type(&ticket.kind)
        .map(|t| t.label.get(locale, "en").to_string())
        .unwrap_or_else(|| ticket.kind.clone())
}

pub(crate) fn when(ticket: &Ticket, t: Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get(&ticket.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    crate::tickets::calendar::rfc3339(t, &tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    /// An agent's escalation names the new level's roles in the webhook body, as the
    /// watcher's events name theirs.
    #[test]
    fn an_escalation_body_names_the_new_level() {
        use crate::tickets::escalation::lifecycle::Action;
        let config = SupportConfig::default();
        let d = Deliverer::new(&config, PathBuf::from("."), "https://help.example.org").unwrap();
        let ticket = crate::tickets::store::tests::ticket(1);
        let e = TicketEvent {
            id: 3,
            at: Timestamp::UNIX_EPOCH,
            actor: "agent".into(),
            action: Action::Escalate,
            event: Action::Escalate.event_name().into(),
            from: "acknowledged".into(),
            to: "in_progress".into(),
            from_level: 2,
            to_level: 3,
            assignee: None,
            note: None,
            public: false,
            notified: Vec::new(),
        };
        let body = d.event(&ticket, Some(&e));
        let roles: Vec<&str> = body["change"]["notified"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["executive-vp", "technical-team"]);
        assert_eq!(
            body["change"]["notified"][1]["email"],
            "technical-team@example.org"
        );
    }
}
