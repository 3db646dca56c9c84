//! The escalation plan of a ticket (`ayuda sla`): who is told what, and when, if nobody
//! answers: the reception, each reminder of the chain, the warning, the breach; and who
//! levels 1 to 3 are. It asks the watcher's own rules ([`watcher`](super::watcher)), so the
//! plan is what the watcher will do.

use super::calendar::{Calendar, Deadlines};
use super::watcher::{current_contact, level_roles, notified};
use crate::tickets::config::{LEVELS, SupportConfig};
use crate::tickets::store::Notified;
use jiff::Timestamp;
use serde::Serialize;

/// One announcement of the plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub at: Timestamp,
    /// The delivered event (`ticket.contact_notified`).
    pub event: &'static str,
    pub notify: Vec<Notified>,
    /// Whether it happens only while the ticket is unacknowledged.
    pub if_unacknowledged: bool,
}

/// One support level of the plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelPlan {
    pub level: u8,
    pub name: String,
    /// Told when the ticket is escalated to this level.
    pub notify: Vec<Notified>,
}

/// The steps of a ticket of `kind` with deadlines `d`, in time order, names in `locale`.
pub fn steps(config: &SupportConfig, kind: &str, d: &Deadlines, locale: &str) -> Vec<Step> {
    let step = |at, event, roles: &[String], if_unacknowledged| Step {
        at,
        event,
        notify: notified(config, roles, locale),
        if_unacknowledged,
    };
    let mut out = Vec::new();
    if let Some(first) = d.contacts.first() {
        let roles = [first.role.clone()];
        out.push(step(d.received, "ticket.created", &roles, false));
    }
    for c in d.contacts.iter().skip(1) {
        let roles = [c.role.clone()];
        out.push(step(c.notify_at, "ticket.contact_notified", &roles, true));
    }
    let target = d.first_response_target;
    let warn_at = (target - config.warn_before(kind)).max(d.received);
    let current = current_contact(&d.contacts, target);
    out.push(step(warn_at, "ticket.target_warning", &current, true));
    let escalation = level_roles(config, kind, 2);
    out.push(step(
        d.first_response_breach,
        "ticket.breached",
        &escalation,
        true,
    ));
    // Stable: at equal times the order above (chain before warning before breach) stays.
    out.sort_by_key(|s| s.at);
    out
}

/// Levels 1 to 3 for tickets of `kind`, names in `locale`.
pub fn levels(config: &SupportConfig, kind: &str, locale: &str) -> Vec<LevelPlan> {
    LEVELS
        .map(|level| LevelPlan {
            level,
            name: config
                .level(kind, level)
                .and_then(|l| l.name.as_ref())
                .map_or_else(|| format!("Level {level}"), |n| n.get(locale, "en").into()),
            notify: notified(config, &level_roles(config, kind, level), locale),
        })
        .collect()
}

/// The plan as JSON (`plan`, `levels`), instants with the calendar's offset.
pub fn plan_json(
    config: &SupportConfig,
    cal: &Calendar,
    kind: &str,
    d: &Deadlines,
    locale: &str,
) -> (serde_json::Value, serde_json::Value) {
    let plan: Vec<serde_json::Value> = steps(config, kind, d, locale)
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "at": cal.rfc3339(s.at),
                "event": s.event,
                "notify": s.notify,
                "if_unacknowledged": s.if_unacknowledged,
            })
        })
        .collect();
    let levels = serde_json::to_value(levels(config, kind, locale)).unwrap_or_default();
    (plan.into(), levels)
}

/// The plan as text, for people.
pub fn plan_text(
    config: &SupportConfig,
    cal: &Calendar,
    kind: &str,
    d: &Deadlines,
    locale: &str,
) -> String {
    let hours = if d.business_hours {
        "inside"
    } else {
        "outside"
    };
    let mut out = format!(
        "A `{kind}` ticket received {} ({hours} business hours, {} clock, {}):\n\n",
        cal.rfc3339(d.received),
        serde_json::to_value(d.clock)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        cal.time_zone_name(),
    );
    for s in steps(config, kind, d, locale) {
        let what = match s.event {
            "ticket.created" => "new ticket",
            "ticket.contact_notified" => "still unanswered: next contact",
            "ticket.target_warning" => "first-response target",
            _ => "first response breached: escalation contact",
        };
        let unless = if s.if_unacknowledged {
            " (unless acknowledged)"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {}  {:<23} {what}{unless}: {}\n",
            cal.rfc3339(s.at),
            s.event,
            people(&s.notify)
        ));
    }
    out.push_str(
        "\nEscalation (`ayuda tickets escalate`, ticket.escalated) tells the new level:\n",
    );
    for l in levels(config, kind, locale) {
        out.push_str(&format!(
            "  level {}  {}: {}\n",
            l.level,
            l.name,
            people(&l.notify)
        ));
    }
    out
}

/// `Name <mailbox>, …`.
fn people(notify: &[Notified]) -> String {
    let names: Vec<String> = notify
        .iter()
        .map(|n| match &n.email {
            Some(e) => format!("{} <{e}>", n.name),
            None => n.name.clone(),
        })
        .collect();
    if names.is_empty() {
        "nobody".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::calendar::deadlines;

    /// The default procedure, technical ticket on a Saturday: the operations manager told at
    /// reception and warned at the 24 h target, the head of technology reminded at 24 h and
    /// told of the breach; levels 2 and 3 as the procedure names them.
    #[test]
    fn the_default_plan_follows_the_procedure() {
        let config = SupportConfig::default();
        let cal = Calendar::from_config(&config).unwrap();
        let at: Timestamp = "2026-03-07T10:00:00Z".parse().unwrap();
        let d = deadlines(&config, &cal, "technical", at).unwrap();
        let plan: Vec<(String, &str, Vec<String>)> = steps(&config, "technical", &d, "en")
            .into_iter()
            .map(|s| {
                let roles = s.notify.into_iter().map(|n| n.role).collect();
                (cal.rfc3339(s.at), s.event, roles)
            })
            .collect();
        let role = |r: &str| vec![r.to_string()];
        assert_eq!(
            plan,
            [
                (
                    "2026-03-07T10:00:00+00:00".into(),
                    "ticket.created",
                    role("operations-manager")
                ),
                (
                    "2026-03-08T10:00:00+00:00".into(),
                    "ticket.contact_notified",
                    role("head-of-technology")
                ),
                (
                    "2026-03-08T10:00:00+00:00".into(),
                    "ticket.target_warning",
                    role("operations-manager")
                ),
                (
                    "2026-03-08T10:00:00+00:00".into(),
                    "ticket.breached",
                    role("head-of-technology")
                ),
            ]
        );
        let levels = levels(&config, "technical", "es");
        assert_eq!(levels[2].name, "Nivel 3 · VP y equipo técnico");
        let l3: Vec<&str> = levels[2].notify.iter().map(|n| n.role.as_str()).collect();
        assert_eq!(l3, ["executive-vp", "technical-team"]);
        let text = plan_text(&config, &cal, "technical", &d, "en");
        assert!(
            text.contains("ticket.contact_notified still unanswered: next contact (unless acknowledged): Head of technology <head-of-technology@example.org>"),
            "{text}"
        );
    }
}
