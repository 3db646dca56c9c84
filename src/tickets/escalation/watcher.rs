//! The SLA watcher: each tick it takes (or renews) the watcher lease in the database, asks the
//! queue what fell due ([`SlaQueue::due`]) and decides, ticket by ticket, whom to tell:
//!
//! - a chain contact's `notify_at` while the ticket is unanswered: `ticket.contact_notified` to that
//!   contact (the next one in the chain);
//! - the first-response target, `warn_before` earlier: `ticket.target_warning` to the contact
//!   current at the target;
//! - the breach: `ticket.breached`, recorded once, to the escalation contact (the roles of the
//!   level above the ticket's, `support.levels`);
//! - a ticket resolved `support.auto_close_after` ago without the partner's answer: closed as
//!   confirmed (`ticket.closed`, actor `auto-close`).
//!
//! Nothing is kept in memory between ticks: the database says what is due and what was done,
//! so a restart resumes where the last committed decision left off, and the unique
//! `(ticket, step)` key makes a decision taken twice (two processes, a lost lease) a no-op.
//! Time comes in as an argument ([`Watcher::tick`]), so tests run the clock in seconds.

use crate::tickets::calendar::ContactDue;
use crate::tickets::config::SupportConfig;
use crate::tickets::escalation::lifecycle::{AUTO_CLOSE_ACTOR, Action, Change, MAX_LEVEL};
use crate::tickets::queue::watch::{Decision, Due, SlaQueue, Step, WATCHER_LEASE};
use crate::tickets::store::{Notified, StoreError, Ticket, TicketEvent, TicketStore};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

/// Steps looked at per query; a tick repeats until nothing more is due.
const BATCH: u32 = 200;

/// The watcher of one process.
pub struct Watcher {
    store: Arc<dyn TicketStore>,
    config: SupportConfig,
    targets: Vec<String>,
    holder: String,
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tick {
    /// Whether this process held the lease (only the holder looks at the queue).
    pub leader: bool,
    /// `(ticket reference, event)` of each event recorded.
    pub recorded: Vec<(String, String)>,
    /// Steps marked handled without an event (the ticket was answered in time).
    pub skipped: usize,
}

impl Watcher {
    /// A watcher recording events for `targets`, under a holder id unique to this process.
    pub fn new(store: Arc<dyn TicketStore>, config: SupportConfig, targets: Vec<String>) -> Self {
        let holder = format!("pid{}-{:016x}", std::process::id(), rand::random::<u64>());
        // The partner hears of an auto-close only; reminders and breaches are the team's.
        let targets = targets
            .into_iter()
            .filter(|t| t != crate::tickets::config::PARTNER_EMAIL_TARGET)
            .collect();
        Watcher {
            store,
            config,
            targets,
            holder,
        }
    }

    /// How long the lease lasts without renewal: three intervals, so one slow tick does not
    /// hand the watcher over, and a dead holder is replaced within three.
    pub fn lease_ttl(&self) -> SignedDuration {
        self.config.watcher.interval.0 * 3
    }

    /// One look at the queue at `now`: renew the lease, then act on everything due.
    pub async fn tick(&self, now: Timestamp) -> Result<Tick, StoreError> {
        let Some(queue) = self.store.sla_queue() else {
            return Ok(Tick::default());
        };
        let mut tick = Tick {
            leader: queue
                .lease(WATCHER_LEASE, &self.holder, now, self.lease_ttl())
                .await?,
            ..Tick::default()
        };
        if !tick.leader {
            return Ok(tick);
        }
        let ahead = self.config.max_warn_before();
        loop {
            let due = queue.due(now, ahead, BATCH).await?;
            let mut decisions = Vec::new();
            let mut steps = Vec::new();
            for d in &due {
                if let Some(decision) = decide(&self.config, d, now, &self.targets) {
                    steps.push((
                        d.ticket.id.clone(),
                        d.step.action().event_name(),
                        decision.record.is_some(),
                    ));
                    decisions.push(decision);
                }
            }
            if decisions.is_empty() {
                break;
            }
            let ids = queue.decide(decisions, now).await?;
            for ((ticket, event, recorded), id) in steps.into_iter().zip(ids) {
                match id {
                    Some(_) => tick.recorded.push((ticket, event.to_string())),
                    None if !recorded => tick.skipped += 1,
                    None => {}
                }
            }
        }
        self.auto_close(queue, now, &mut tick).await?;
        Ok(tick)
    }

    /// Closes, as confirmed, the tickets resolved `support.auto_close_after` ago or more that
    /// the partner did not answer. The lifecycle makes it happen once: a ticket closed (or
    /// reopened) meanwhile refuses the change.
    async fn auto_close(
        &self,
        queue: &dyn SlaQueue,
        now: Timestamp,
        tick: &mut Tick,
    ) -> Result<(), StoreError> {
        let before = now - self.config.auto_close_after.0;
        loop {
            let ids = queue.resolved_before(before, BATCH).await?;
            let full = ids.len() as u32 >= BATCH;
            let mut closed = 0;
            for id in ids {
                let change = Change {
                    action: Action::Close,
                    actor: AUTO_CLOSE_ACTOR.to_string(),
                    to: None,
                    level: None,
                    note: None,
                    public: false,
                };
                let targets = crate::tickets::targets::with_partner_mail(
                    &self.config,
                    self.targets.clone(),
                    &change,
                );
                match self.store.change(id.clone(), change, targets, now).await {
                    Ok(c) => {
                        closed += 1;
                        tick.recorded.push((c.id, c.event.event));
                    }
                    Err(StoreError::Refused(_) | StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if !full || closed == 0 {
                return Ok(());
            }
        }
    }

    /// Gives the lease up if this process holds it (on shutdown), so another process takes
    /// over at its next tick.
    pub async fn release(&self) -> Result<(), StoreError> {
        match self.store.sla_queue() {
            Some(queue) => queue.release(WATCHER_LEASE, &self.holder).await,
            None => Ok(()),
        }
    }

    /// Ticks every `support.watcher.interval` until the task is dropped.
    pub async fn run(self: Arc<Self>) {
        let interval = self.config.watcher.interval.0.unsigned_abs();
        loop {
            match self.tick(Timestamp::now()).await {
                Ok(t) => {
                    for (id, event) in &t.recorded {
                        tracing::info!(ticket = %id, event = %event, "sla watcher");
                    }
                }
                Err(e) => tracing::warn!("sla watcher: {e}"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}

/// What to do with a due step at `now`; `None` while it is not due yet (a warning of a type
/// with a shorter `warn_before` than the longest one).
pub fn decide(
    config: &SupportConfig,
    d: &Due,
    now: Timestamp,
    targets: &[String],
) -> Option<Decision> {
    let t = &d.ticket;
    let record = match &d.step {
        Step::Remind { role, .. } => d
            .first_response
            .is_none()
            .then(|| notified(config, std::slice::from_ref(role), &t.locale)),
        Step::Warn => {
            if d.at - config.warn_before(&t.kind) > now {
                return None;
            }
            d.first_response.is_none().then(|| {
                notified(
                    config,
                    &current_contact(&t.deadlines.contacts, d.at),
                    &t.locale,
                )
            })
        }
        Step::Breach => match d.first_response {
            Some(at) if at <= d.at => None,
            // Answered late while no watcher ran: the breach is recorded, nobody is chased.
            Some(_) => Some(Vec::new()),
            None => {
                let level = t.progress.level.saturating_add(1).min(MAX_LEVEL);
                Some(notified(
                    config,
                    &level_roles(config, &t.kind, level),
                    &t.locale,
                ))
            }
        },
    };
    Some(Decision {
        seq: d.seq,
        step: d.step.clone(),
        record,
        targets: targets.to_vec(),
    })
}

/// The chain contact who holds the ticket at `at`: the last one notified before it (the
/// first one when none was).
pub(crate) fn current_contact(contacts: &[ContactDue], at: Timestamp) -> Vec<String> {
    contacts
        .iter()
        .rev()
        .find(|c| c.notify_at < at)
        .or(contacts.first())
        .map(|c| vec![c.role.clone()])
        .unwrap_or_default()
}

/// The roles of `level` for tickets of `kind` (`support.levels`, or the type's override).
pub fn level_roles(config: &SupportConfig, kind: &str, level: u8) -> Vec<String> {
    config
        .level(kind, level)
        .map(|l| l.roles.clone())
        .unwrap_or_default()
}

/// `roles` as the targets need them: name in `locale`, mailbox, Slack mention.
pub fn notified(config: &SupportConfig, roles: &[String], locale: &str) -> Vec<Notified> {
    roles
        .iter()
        .map(|role| {
            let c = config.contacts.get(role);
            Notified {
                role: role.clone(),
                name: c
                    .and_then(|c| c.name.as_ref())
                    .map_or_else(|| role.clone(), |n| n.get(locale, "en").to_string()),
                email: c.and_then(|c| c.email.clone()),
                slack: c.and_then(|c| c.slack.clone()),
            }
        })
        .collect()
}

/// Who an event tells: the contacts the watcher named, or for an escalation the roles of the
/// new level; nobody for the other events.
pub fn recipients(config: &SupportConfig, ticket: &Ticket, e: &TicketEvent) -> Vec<Notified> {
    if !e.notified.is_empty() {
        return e.notified.clone();
    }
    if e.action == Action::Escalate {
        let roles = level_roles(config, &ticket.kind, e.to_level);
        return notified(config, &roles, &ticket.locale);
    }
    if e.action == Action::Reopen {
        // The partner says it is not solved: whoever had it last, else the ticket's level.
        let roles = match &e.assignee {
            Some(a) => vec![a.clone()],
            None => level_roles(config, &ticket.kind, e.to_level),
        };
        return notified(config, &roles, &ticket.locale);
    }
    Vec::new()
}

#[cfg(test)]
#[path = "watcher_tests.rs"]
mod tests;
