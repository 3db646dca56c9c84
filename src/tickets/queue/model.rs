//! What the queue stores and returns: tickets, their events, deliveries and views.

use crate::tickets::calendar::Deadlines;
use crate::tickets::escalation::lifecycle::Action;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A ticket as stored and delivered (the webhook body's `ticket`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ticket {
    /// Human-friendly reference, e.g. `T-7K3M-Q9`.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub created: Timestamp,
    pub locale: String,
    pub name: String,
    pub email: String,
    pub partner: String,
    /// Name of the partner key used, when one was.
    pub partner_key: Option<String>,
    pub subject: String,
    pub description: String,
    pub page: String,
    pub suggested: Vec<String>,
    pub opened: Vec<String>,
    pub time_zone: String,
    pub deadlines: Deadlines,
    /// Addresses the partner asked to copy on the mails about the ticket (the form's CC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// The partner's IANA time zone (the form's `tz`), for the deadlines in the partner's mails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_time_zone: Option<String>,
    /// Level, assignee and first response (the lifecycle's part of the ticket).
    #[serde(flatten, default)]
    pub progress: Progress,
    /// Files the partner attached, stored under `DATA/attachments/<id>/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A file attached to a ticket. Its stored name is generated (`1-9f3a…c2.png`); the partner's
/// file name is kept for display only and never reaches a path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    /// The stored file's name inside the ticket's folder.
    pub file: String,
    /// The partner's file name, cleaned for display (`captura.png`).
    pub name: String,
    pub size: u64,
    /// The content type it is served with (`image/png`, `text/plain; charset=utf-8`).
    pub content_type: String,
}

/// Where the team stands with a ticket, beside its `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    /// Support level, 1 to 3.
    #[serde(default = "first_level")]
    pub level: u8,
    /// A contact role or an agent name.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The first acknowledgement; decides whether the first-response SLA was met.
    #[serde(default)]
    pub first_response_at: Option<Timestamp>,
}

fn first_level() -> u8 {
    1
}

impl Default for Progress {
    fn default() -> Progress {
        Progress {
            level: first_level(),
            assignee: None,
            first_response_at: None,
        }
    }
}

/// One change of a ticket, as the append-only `ticket_events` table keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TicketEvent {
    /// Unique in the queue; with the ticket reference, the deliveries' idempotency key.
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: Action,
    /// The delivered event name (`ticket.acknowledged`).
    pub event: String,
    pub from: String,
    pub to: String,
    pub from_level: u8,
    pub to_level: u8,
    pub assignee: Option<String>,
    pub note: Option<String>,
    /// Whether the partner may see the note.
    pub public: bool,
    /// Who the event tells (the SLA watcher's events name their contacts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<Notified>,
}

/// A contact role an event notifies, as targets need it: Slack mentions `slack`, the email
/// target writes to `email`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Notified {
    /// A key of `support.contacts`.
    pub role: String,
    /// The role's name in the ticket's locale.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<String>,
}

/// What a lifecycle change did: the event recorded and the delivery jobs enqueued for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Changed {
    pub id: String,
    pub status: String,
    pub level: u8,
    pub assignee: Option<String>,
    pub event: TicketEvent,
    /// Targets that got a delivery job for the event.
    pub deliveries: Vec<String>,
}

/// Tickets by lifecycle state, as `/metrics` shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketStats {
    /// (status, level, tickets), sorted.
    pub by_status_level: Vec<(String, u8, i64)>,
    /// Unanswered past the breach time, or answered after it.
    pub breached: i64,
    /// Not acknowledged and past the first-response target.
    pub unacknowledged_past_target: i64,
    /// Acknowledged at or before the breach time.
    pub sla_met: i64,
    /// Acknowledged tickets and the sum of their first-response times (reception to first
    /// acknowledgement), for a mean.
    pub first_responses: i64,
    pub first_response_seconds: f64,
    /// Survey answers per score: (score 1–5, answers), scores without answers left out.
    pub survey_answers: Vec<(u8, i64)>,
}

/// Which tickets `ayuda tickets list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// A status (`acknowledged`) or a delivery state (`pending`, `delivered`, `dead`).
    pub status: Option<String>,
    pub level: Option<u8>,
    /// Only tickets past their first-response breach time without an answer in time.
    pub breached: bool,
}

/// A delivery job's state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    pub target: String,
    /// The event delivered (`ticket.created`, `ticket.acknowledged`, …).
    pub event: String,
    /// `pending`, `done` or `dead`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// A ticket with its events and deliveries (`ayuda tickets show`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketView {
    pub id: String,
    pub status: String,
    pub level: u8,
    pub assignee: Option<String>,
    pub first_response_at: Option<Timestamp>,
    /// Answered by the breach time; `null` while unanswered and not yet breached.
    pub sla_met: Option<bool>,
    pub ticket: Ticket,
    /// Oldest first.
    pub events: Vec<TicketEvent>,
    pub deliveries: Vec<Delivery>,
    /// The partner's answer to the satisfaction survey, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyAnswer>,
}

/// The partner's answer to the satisfaction survey of a closed ticket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SurveyAnswer {
    /// 1 (very unhappy) to 5 (very happy).
    pub score: u8,
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// One line of `ayuda tickets list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub created: Timestamp,
    pub first_response_target: Timestamp,
    pub first_response_breach: Timestamp,
    pub level: u8,
    pub assignee: Option<String>,
    pub first_response_at: Option<Timestamp>,
    /// Unanswered past the breach time, or answered after it.
    pub breached: bool,
    pub partner: String,
    pub subject: String,
    /// `delivered` when every job is done, `dead` when one is dead, else `pending`.
    pub deliveries: String,
}

/// A claimed delivery job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub target: String,
    /// Attempts including this one.
    pub attempts: i64,
    pub ticket: Ticket,
    /// The lifecycle event to deliver; `None` for the ticket's reception (`ticket.created`).
    pub event: Option<TicketEvent>,
}

/// What happened to a delivery attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    Done,
    Retry { at: Timestamp, error: String },
    Dead { error: String },
}

/// The queue of one target, as `/metrics` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStats {
    pub target: String,
    pub pending: i64,
    pub dead: i64,
    /// Reception of the oldest ticket still pending for this target.
    pub oldest_pending: Option<Timestamp>,
}
