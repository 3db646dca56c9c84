//! The ticket lifecycle: statuses, the agents' actions, and the pure transition function that
//! decides what an action does to a ticket (or refuses it). The store applies the result in one
//! transaction with its event; nothing here does IO.
//!
//! ```text
//! received ──ack──▶ acknowledged ──assign/escalate──▶ in_progress ──resolve──▶ resolved ──close──▶ closed
//!    ▲                  │                                                        ▲   │                │
//!    └ assign/escalate  └──────────────────────resolve───────────────────────────┘   └──reopen──┬─────┘
//!      keep `received`                                                                          ▼
//!                                                reopened ──ack / assign / escalate / resolve──▶ …
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Acknowledged,
    InProgress,
    Resolved,
    Closed,
    Reopened,
}

impl Status {
    /// Every status, in flow order.
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Acknowledged,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Reopened,
    ];

    /// The stored name (`in_progress`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }

    /// The status named `s`, or an error listing the known ones.
    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status `{s}`; statuses: {}", known.join(", "))
            })
    }

    /// Resolved or closed: the team's work is done.
    fn is_done(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an agent does to a ticket (`ayuda tickets ACTION REF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The first response is given.
    Ack,
    /// Someone (a contact role or an agent) takes the ticket.
    Assign,
    /// The ticket moves up a level (2, then 3).
    Escalate,
    Resolve,
    /// The partner confirmed, or did not answer.
    Close,
    Reopen,
    /// A note, internal or (`public`) for the partner; the status does not change.
    Note,
    /// Recorded by the SLA watcher, never an agent: the next contact of the chain is told the
    /// ticket is still unanswered at its `notify_at`.
    Remind,
    /// Recorded by the SLA watcher: the first-response target is reached (or near).
    Warn,
    /// Recorded by the SLA watcher: the first-response breach time passed without an answer.
    Breach,
    /// Recorded by the satisfaction survey, never an agent: the partner rated a closed ticket.
    Rate,
}

impl Action {
    /// Every action, in the order of the command line.
    pub const ALL: [Action; 7] = [
        Action::Ack,
        Action::Assign,
        Action::Escalate,
        Action::Resolve,
        Action::Close,
        Action::Reopen,
        Action::Note,
    ];

    /// The SLA watcher's events, which no command records.
    pub const WATCHER: [Action; 3] = [Action::Remind, Action::Warn, Action::Breach];

    /// The partner's events, which no command records (the survey's answer).
    pub const PARTNER: [Action; 1] = [Action::Rate];

    /// The command name (`ack`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Ack => "ack",
            Action::Assign => "assign",
            Action::Escalate => "escalate",
            Action::Resolve => "resolve",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::Note => "note",
            Action::Remind => "remind",
            Action::Warn => "warn",
            Action::Breach => "breach",
            Action::Rate => "rate",
        }
    }

    /// The event name deliveries carry (the webhook body's `event`).
    pub fn event_name(self) -> &'static str {
        match self {
            Action::Ack => "ticket.acknowledged",
            Action::Assign => "ticket.assigned",
            Action::Escalate => "ticket.escalated",
            Action::Resolve => "ticket.resolved",
            Action::Close => "ticket.closed",
            Action::Reopen => "ticket.reopened",
            Action::Note => "ticket.noted",
            Action::Remind => "ticket.contact_notified",
            Action::Warn => "ticket.target_warning",
            Action::Breach => "ticket.breached",
            Action::Rate => "ticket.rated",
        }
    }
}

/// The actor of the partner's confirmations (status page) in the ticket's events.
pub(crate) const PARTNER_ACTOR: &str = "partner";

/// The actor of the closes of resolved tickets the partner did not answer.
pub(crate) const AUTO_CLOSE_ACTOR: &str = "auto-close";

/// The highest support level (VP and technical team).
pub const MAX_LEVEL: u8 = 3;

/// The longest note, in characters.
pub const MAX_NOTE: usize = 10_000;

/// A requested change, as an agent asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: Action,
    /// Who acts (`--as`).
    pub actor: String,
    /// The new assignee (`--to`): a contact role or an agent name.
    pub to: Option<String>,
    /// The new level (`--level`, escalate only; default the next one).
    pub level: Option<u8>,
    pub note: Option<String>,
    /// Whether the partner may see the note.
    pub public: bool,
}

/// A ticket's lifecycle state: what the transition function reads and writes.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub status: Status,
    pub level: u8,
    pub assignee: Option<String>,
    pub first_response_at: Option<Timestamp>,
}

/// A refused change: the message names the ticket's status and what would be allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The status `action` leads to from `from`, or why it is refused. Pure: the table of the
/// lifecycle, tested pair by pair.
pub fn next_status(from: Status, action: Action) -> Result<Status, Refused> {
    use Action as A;
    use Status as S;
    let to = match (action, from) {
        (A::Ack, S::Received | S::Reopened) => S::Acknowledged,
        // Assigning or escalating before the first response keeps the SLA clock running.
        (A::Assign | A::Escalate, S::Received) => S::Received,
        (A::Assign | A::Escalate, S::Acknowledged | S::InProgress | S::Reopened) => S::InProgress,
        (A::Resolve, S::Acknowledged | S::InProgress | S::Reopened) => S::Resolved,
        (A::Close, S::Resolved) => S::Closed,
        (A::Reopen, S::Resolved | S::Closed) => S::Reopened,
        (A::Note, s) => s,
        // The survey follows the closing and changes nothing of the ticket.
        (A::Rate, S::Closed) => S::Closed,
        (A::Rate, s) => {
            return Err(Refused(format!(
                "the ticket is {s}: the survey opens once it is closed"
            )));
        }
        (A::Resolve, S::Received) => {
            return Err(Refused(
                "the ticket is received: acknowledge it first (ayuda tickets ack)".into(),
            ));
        }
        (A::Close, s) if !s.is_done() => {
            return Err(Refused(format!(
                "the ticket is {s}: resolve it before closing it"
            )));
        }
        (A::Reopen, s) => {
            return Err(Refused(format!(
                "the ticket is {s}: only resolved or closed tickets are reopened"
            )));
        }
        (a, s) if s.is_done() => {
            return Err(Refused(format!(
                "the ticket is {s}: reopen it before you {}",
                a.as_str()
            )));
        }
        (a, s) => {
            return Err(Refused(format!(
                "the ticket is {s}: cannot {} it again",
                a.as_str()
            )));
        }
    };
    Ok(to)
}

/// The state after `change` at `now`, or why it is refused: the status from [`next_status`],
/// plus the level, assignee, note and first-response rules of each action.
pub fn apply(state: &State, change: &Change, now: Timestamp) -> Result<State, Refused> {
    let status = next_status(state.status, change.action)?;
    let mut next = State {
        status,
        ..state.clone()
    };
    if change.level.is_some() && change.action != Action::Escalate {
        return Err(Refused("--level only applies to escalate".into()));
    }
    if change.to.is_some() && !matches!(change.action, Action::Assign | Action::Escalate) {
        return Err(Refused("--to only applies to assign and escalate".into()));
    }
    if let Some(to) = &change.to {
        next.assignee = Some(checked_name("--to", to)?);
    }
    match change.action {
        Action::Ack if state.first_response_at.is_none() => next.first_response_at = Some(now),
        Action::Assign if change.to.is_none() => {
            return Err(Refused(
                "assign needs --to ROLE (a contact role or an agent name)".into(),
            ));
        }
        Action::Escalate => {
            let level = change.level.unwrap_or(state.level.saturating_add(1));
            if level > MAX_LEVEL || level <= state.level {
                return Err(Refused(format!(
                    "the ticket is at level {}: escalate goes to a higher level, at most {MAX_LEVEL}",
                    state.level
                )));
            }
            next.level = level;
        }
        Action::Note if change.note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            return Err(Refused("note needs --note TEXT".into()));
        }
        _ => {}
    }
    checked_name("--as", &change.actor)?;
    if change
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(Refused(format!(
            "--note takes at most {MAX_NOTE} characters"
        )));
    }
    Ok(next)
}

/// A trimmed actor or assignee name: not empty, at most 100 characters, no control characters.
pub fn checked_name(flag: &str, name: &str) -> Result<String, Refused> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Refused(format!(
            "{flag} takes a name of 1 to 100 characters without control characters"
        )));
    }
    Ok(name.to_string())
}

/// Whether the first-response SLA was met: answered by the breach time. `None` while the
/// ticket is unanswered and the breach time is still ahead.
pub fn sla_met(
    first_response_at: Option<Timestamp>,
    breach: Timestamp,
    now: Timestamp,
) -> Option<bool> {
    match first_response_at {
        Some(at) => Some(at <= breach),
        None if now > breach => Some(false),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Status as S;

    /// Every (status, action) pair: the status it leads to, or `None` when refused.
    const TABLE: [(S, A, Option<S>); 42] = [
        (S::Received, A::Ack, Some(S::Acknowledged)),
        (S::Received, A::Assign, Some(S::Received)),
        (S::Received, A::Escalate, Some(S::Received)),
        (S::Received, A::Resolve, None),
        (S::Received, A::Close, None),
        (S::Received, A::Reopen, None),
        (S::Received, A::Note, Some(S::Received)),
        (S::Acknowledged, A::Ack, None),
        (S::Acknowledged, A::Assign, Some(S::InProgress)),
        (S::Acknowledged, A::Escalate, Some(S::InProgress)),
        (S::Acknowledged, A::Resolve, Some(S::Resolved)),
        (S::Acknowledged, A::Close, None),
        (S::Acknowledged, A::Reopen, None),
        (S::Acknowledged, A::Note, Some(S::Acknowledged)),
        (S::InProgress, A::Ack, None),
        (S::InProgress, A::Assign, Some(S::InProgress)),
        (S::InProgress, A::Escalate, Some(S::InProgress)),
        (S::InProgress, A::Resolve, Some(S::Resolved)),
        (S::InProgress, A::Close, None),
        (S::InProgress, A::Reopen, None),
        (S::InProgress, A::Note, Some(S::InProgress)),
        (S::Resolved, A::Ack, None),
        (S::Resolved, A::Assign, None),
        (S::Resolved, A::Escalate, None),
        (S::Resolved, A::Resolve, None),
        (S::Resolved, A::Close, Some(S::Closed)),
        (S::Resolved, A::Reopen, Some(S::Reopened)),
        (S::Resolved, A::Note, Some(S::Resolved)),
        (S::Closed, A::Ack, None),
        (S::Closed, A::Assign, None),
        (S::Closed, A::Escalate, None),
        (S::Closed, A::Resolve, None),
        (S::Closed, A::Close, None),
        (S::Closed, A::Reopen, Some(S::Reopened)),
        (S::Closed, A::Note, Some(S::Closed)),
        (S::Reopened, A::Ack, Some(S::Acknowledged)),
        (S::Reopened, A::Assign, Some(S::InProgress)),
        (S::Reopened, A::Escalate, Some(S::InProgress)),
        (S::Reopened, A::Resolve, Some(S::Resolved)),
        (S::Reopened, A::Close, None),
        (S::Reopened, A::Reopen, None),
        (S::Reopened, A::Note, Some(S::Reopened)),
    ];

    #[test]
    fn every_status_action_pair() {
        for from in Status::ALL {
            for action in Action::ALL {
                let expected = TABLE
                    .iter()
                    .find(|(s, a, _)| *s == from && *a == action)
                    .map(|(_, _, to)| *to)
                    .unwrap_or_else(|| panic!("{from} {action:?} missing from the table"));
                match (next_status(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {action:?}"),
                    (Err(e), None) => {
                        assert!(e.0.contains(from.as_str()), "{from} {action:?}: {e}")
                    }
                    (got, want) => panic!("{from} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_named() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        let e = Status::parse("open").unwrap_err();
        assert!(e.contains("`open`") && e.contains("in_progress"), "{e}");
    }

    fn change(action: Action) -> Change {
        Change {
            action,
            actor: "level 1 agent".into(),
            to: None,
            level: None,
            note: None,
            public: false,
        }
    }

    fn received() -> State {
        State {
            status: S::Received,
            level: 1,
            assignee: None,
            first_response_at: None,
        }
    }

    #[test]
    fn first_acknowledgement_sets_first_response_once() {
        let t1 = Timestamp::from_second(1_000).unwrap();
        let t2 = Timestamp::from_second(2_000).unwrap();
        let acked = apply(&received(), &change(A::Ack), t1).unwrap();
        assert_eq!(acked.first_response_at, Some(t1));
        let resolved = apply(&acked, &change(A::Resolve), t2).unwrap();
        let reopened = apply(&resolved, &change(A::Reopen), t2).unwrap();
        let again = apply(&reopened, &change(A::Ack), t2).unwrap();
        assert_eq!(again.first_response_at, Some(t1));
    }

    #[test]
    fn escalation_goes_up_to_level_three() {
        let now = Timestamp::UNIX_EPOCH;
        let l2 = apply(&received(), &change(A::Escalate), now).unwrap();
        assert_eq!((l2.level, l2.status), (2, S::Received));
        let mut to3 = change(A::Escalate);
        to3.level = Some(3);
        to3.to = Some(" technical team ".into());
        let l3 = apply(&l2, &to3, now).unwrap();
        assert_eq!(l3.level, 3);
        assert_eq!(l3.assignee.as_deref(), Some("technical team"));
        let e = apply(&l3, &change(A::Escalate), now).unwrap_err();
        assert!(e.0.contains("level 3"), "{e}");
        let mut down = change(A::Escalate);
        down.level = Some(1);
        assert!(apply(&l2, &down, now).is_err());
    }

    #[test]
    fn options_that_do_not_apply_are_refused() {
        let now = Timestamp::UNIX_EPOCH;
        let e = apply(&received(), &change(A::Assign), now).unwrap_err();
        assert!(e.0.contains("--to"), "{e}");
        let e = apply(&received(), &change(A::Note), now).unwrap_err();
        assert!(e.0.contains("--note"), "{e}");
        let mut ack = change(A::Ack);
        ack.level = Some(2);
        assert!(
            apply(&received(), &ack, now)
                .unwrap_err()
                .0
                .contains("--level")
        );
        let mut ack = change(A::Ack);
        ack.to = Some("ops".into());
        assert!(
            apply(&received(), &ack, now)
                .unwrap_err()
                .0
                .contains("--to")
        );
        let mut who = change(A::Ack);
        who.actor = "bad\u{7}name".into();
        assert!(
            apply(&received(), &who, now)
                .unwrap_err()
                .0
                .contains("--as")
        );
    }

    #[test]
    fn sla_is_met_when_answered_by_the_breach() {
        let breach = Timestamp::from_second(3_600).unwrap();
        let before = Timestamp::from_second(3_000).unwrap();
        let after = Timestamp::from_second(4_000).unwrap();
        assert_eq!(sla_met(Some(breach), breach, after), Some(true));
        assert_eq!(sla_met(Some(after), breach, after), Some(false));
        assert_eq!(sla_met(None, breach, before), None);
        assert_eq!(sla_met(None, breach, after), Some(false));
    }
}
