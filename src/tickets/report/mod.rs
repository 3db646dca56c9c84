//! The ticket administrator's figures (`ayuda report tickets`): tickets received per day, the
//! first-response SLA per ISO week by request type and by agent, first-response times, open
//! tickets by level and the satisfaction survey's answers.
//!
//! Days and weeks are those of the support calendar's zone (`support.time_zone`), so a ticket
//! received at 00:30 in Madrid counts on that Madrid day, DST or not. [`compute`] is pure: the
//! queue's rows and the instant `now` in, the report out; [`text`] and [`html`] render it.

pub mod cli;
pub mod html;
pub mod http;
pub mod text;

use crate::tickets::escalation::lifecycle::sla_met;
use crate::tickets::queue::report::{ReportAnswer, ReportTicket};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days the report covers when `--from` is not given: four weeks up to `--to`.
pub const DEFAULT_DAYS: i64 = 28;

/// `ayuda report tickets --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketReport {
    /// The support calendar's zone, in which days and weeks are counted.
    pub time_zone: String,
    /// First and last day covered (inclusive).
    pub from: Date,
    pub to: Date,
    /// When the report was made: decides which unanswered tickets are breached or pending.
    pub generated: Timestamp,
    /// Every day of the period, days without tickets included.
    pub received_per_day: Vec<DayCount>,
    /// Every ISO week the period touches, oldest first.
    pub weeks: Vec<Week>,
    pub first_response: FirstResponse,
    /// Tickets not closed, per level, whatever the period.
    pub open_by_level: Vec<LevelCount>,
    pub satisfaction: Satisfaction,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    pub date: Date,
    pub tickets: u64,
}

/// First-response SLA outcomes: met (answered by the breach time), breached (answered later,
/// or unanswered past it) and pending (unanswered, breach time still ahead).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaCount {
    pub met: u64,
    pub breached: u64,
    pub pending: u64,
}

/// One ISO week's SLA figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// `2026-W13`.
    pub week: String,
    pub total: SlaCount,
    /// Request type id → outcomes.
    pub by_type: BTreeMap<String, SlaCount>,
    /// Per agent (the actor of the first acknowledgement); unanswered tickets have no agent
    /// and are counted in `unanswered`.
    pub by_agent: BTreeMap<String, SlaCount>,
    pub unanswered: SlaCount,
}

/// First-response times (reception to first acknowledgement, wall-clock seconds) of the
/// answered tickets received in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstResponse {
    pub overall: Times,
    pub by_type: BTreeMap<String, Times>,
}

/// Nearest-rank percentiles; `null` when no ticket was answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Times {
    pub answered: u64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCount {
    pub level: u8,
    pub tickets: i64,
}

/// The satisfaction survey's answers given in the period: overall, per request type and per
/// agent (the one who resolved the rated ticket).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Satisfaction {
    #[serde(flatten)]
    pub overall: Scores,
    pub by_type: BTreeMap<String, Scores>,
    pub by_agent: BTreeMap<String, Scores>,
}

/// The mean of 1–5 scores (`null` without answers) and how many answers it is made of.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    pub average: Option<f64>,
    pub count: u64,
}

impl Scores {
    fn of(scores: &[u8]) -> Scores {
        let count = scores.len() as u64;
        let sum: u64 = scores.iter().map(|&s| u64::from(s)).sum();
        Scores {
            average: (count > 0).then(|| sum as f64 / count as f64),
            count,
        }
    }
}

/// What the report shows for the agent of a rated ticket that nobody resolved.
pub const NO_AGENT: &str = "(none)";

fn satisfaction(answers: &[ReportAnswer]) -> Satisfaction {
    let mut by_type: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut by_agent: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for a in answers {
        by_type.entry(a.kind.clone()).or_default().push(a.score);
        let agent = a.agent.clone().unwrap_or_else(|| NO_AGENT.to_string());
        by_agent.entry(agent).or_default().push(a.score);
    }
    let all: Vec<u8> = answers.iter().map(|a| a.score).collect();
    let scores =
        |m: BTreeMap<String, Vec<u8>>| m.into_iter().map(|(k, v)| (k, Scores::of(&v))).collect();
    Satisfaction {
        overall: Scores::of(&all),
        by_type: scores(by_type),
        by_agent: scores(by_agent),
    }
}

/// The period's bounds as instants: `[start of from, start of the day after to)` in `tz`.
pub fn bounds(tz: &TimeZone, from: Date, to: Date) -> Result<(Timestamp, Timestamp), String> {
    let start = |d: Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("{d}: {e}"))
    };
    let after = to.tomorrow().map_err(|e| format!("{to}: {e}"))?;
    Ok((start(from)?, start(after)?))
}

/// The period when `--from`/`--to` are absent: `to` defaults to today in `tz`, `from` to
/// [`DEFAULT_DAYS`] days ending on `to`. A `from` after `to` is an error.
pub fn period(
    tz: &TimeZone,
    now: Timestamp,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<(Date, Date), String> {
    let to = to.unwrap_or_else(|| now.to_zoned(tz.clone()).date());
    let from = match from {
        Some(d) => d,
        None => to
            .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
            .map_err(|e| format!("--to {to}: {e}"))?,
    };
    if from > to {
        return Err(format!("--from {from} is after --to {to}"));
    }
    Ok((from, to))
}

/// `2026-W13`: the ISO week of `d`.
pub fn iso_week(d: Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// Nearest-rank percentile `p` (0–100] of sorted values.
fn percentile(sorted: &[i64], p: u64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

fn times(mut secs: Vec<i64>) -> Times {
    secs.sort_unstable();
    Times {
        answered: secs.len() as u64,
        median_seconds: percentile(&secs, 50),
        p90_seconds: percentile(&secs, 90),
    }
}

impl SlaCount {
    fn add(&mut self, outcome: Option<bool>) {
        match outcome {
            Some(true) => self.met += 1,
            Some(false) => self.breached += 1,
            None => self.pending += 1,
        }
    }
}

/// The report of `tickets` (those received between `from` and `to`, days of `tz`) and of the
/// survey `answers` given in the same days, at `now`.
pub fn compute(
    tickets: &[ReportTicket],
    answers: &[ReportAnswer],
    open_by_level: Vec<(u8, i64)>,
    tz: &TimeZone,
    time_zone: &str,
    (from, to): (Date, Date),
    now: Timestamp,
) -> TicketReport {
    let mut days: BTreeMap<Date, u64> = BTreeMap::new();
    let mut weeks: BTreeMap<String, Week> = BTreeMap::new();
    let mut d = from;
    while d <= to {
        days.insert(d, 0);
        let w = iso_week(d);
        weeks.entry(w.clone()).or_insert_with(|| Week {
            week: w,
            total: SlaCount::default(),
            by_type: BTreeMap::new(),
            by_agent: BTreeMap::new(),
            unanswered: SlaCount::default(),
        });
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    let mut all = Vec::new();
    let mut per_type: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for t in tickets {
        let day = Zoned::new(t.created, tz.clone()).date();
        let Some(count) = days.get_mut(&day) else {
            continue;
        };
        *count += 1;
        let outcome = sla_met(t.first_response_at, t.first_response_breach, now);
        if let Some(w) = weeks.get_mut(&iso_week(day)) {
            w.total.add(outcome);
            w.by_type.entry(t.kind.clone()).or_default().add(outcome);
            match &t.agent {
                Some(a) if t.first_response_at.is_some() => {
                    w.by_agent.entry(a.clone()).or_default().add(outcome)
                }
                _ => w.unanswered.add(outcome),
            }
        }
        if let Some(at) = t.first_response_at {
            let secs = at.duration_since(t.created).as_secs();
            all.push(secs);
            per_type.entry(t.kind.clone()).or_default().push(secs);
        }
    }
    TicketReport {
        time_zone: time_zone.to_string(),
        from,
        to,
        generated: now,
        received_per_day: days
            .into_iter()
            .map(|(date, tickets)| DayCount { date, tickets })
            .collect(),
        weeks: weeks.into_values().collect(),
        first_response: FirstResponse {
            overall: times(all),
            by_type: per_type.into_iter().map(|(k, v)| (k, times(v))).collect(),
        },
        open_by_level: open_by_level
            .into_iter()
            .map(|(level, tickets)| LevelCount { level, tickets })
            .collect(),
        satisfaction: satisfaction(answers),
    }
}

#[cfg(test)]
mod tests;
