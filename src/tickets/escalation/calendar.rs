//! The business calendar (time zone, weekly hours, holidays) and the SLA deadlines of a ticket.
//!
//! Local opening times are turned into instants day by day in the configured zone, so DST gaps
//! and overlaps are handled by the time zone database: an opening inside a gap moves forward by
//! the gap, an opening inside an overlap takes the earlier instant (jiff's "compatible" rule).

use crate::tickets::config::{Clock, SupportConfig};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::BTreeSet;

/// How far ahead the business clock looks for opening hours before giving up.
const HORIZON_DAYS: usize = 3 * 366;

/// Opening hours, holidays and zone, ready for deadline arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    tz_name: String,
    /// Opening ranges per weekday (Monday = 0) in minutes from midnight, `[open, close)`.
    week: [Vec<(i64, i64)>; 7],
    holidays: BTreeSet<Date>,
    yearly: BTreeSet<(i8, i8)>,
}

/// Why deadlines cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum SlaError {
    #[error("unknown request type `{0}`")]
    UnknownType(String),
    #[error(
        "no business hours within {HORIZON_DAYS} days; check support.business_hours and support.holidays"
    )]
    NoBusinessHours,
    #[error("time arithmetic out of range")]
    Range,
}

impl Calendar {
    /// Compiles the calendar part of `support:`; errors name the key.
    pub fn from_config(c: &SupportConfig) -> Result<Calendar, (String, String)> {
        let tz = TimeZone::get(&c.time_zone).map_err(|_| {
            (
                "support.time_zone".to_string(),
                format!(
                    "`{}` is not a known IANA time zone (e.g. `America/Bogota`, `Europe/Madrid`, `UTC`)",
                    c.time_zone
                ),
            )
        })?;
        let mut week: [Vec<(i64, i64)>; 7] = Default::default();
        for (i, (day, hours)) in c.business_hours.days().into_iter().enumerate() {
            let key = format!("support.business_hours.{day}");
            for range in &hours.0 {
                let (open, close) = parse_range(range).ok_or_else(|| {
                    (
                        key.clone(),
                        format!("`{range}` is not a range such as `09:00-18:00` (close after open, up to 24:00)"),
                    )
                })?;
                week[i].push((open, close));
            }
            week[i].sort_unstable();
            if week[i].windows(2).any(|w| w[1].0 < w[0].1) {
                return Err((key, "ranges overlap".into()));
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err((
                "support.business_hours".into(),
                "no day has business hours; business-clock SLAs could never end".into(),
            ));
        }
        let mut holidays = BTreeSet::new();
        let mut yearly = BTreeSet::new();
        for (i, h) in c.holidays.iter().enumerate() {
            let h = h.trim();
            if let Ok(d) = h.parse::<Date>() {
                holidays.insert(d);
            } else if let Some((m, d)) = h
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse::<i8>().ok()?, d.parse::<i8>().ok()?)))
                && Date::new(2024, m, d).is_ok()
                && h.len() == 5
            {
                yearly.insert((m, d));
            } else {
                return Err((
                    format!("support.holidays[{i}]"),
                    format!(
                        "`{h}` is not a date: write `2025-12-25` for one date or `12-25` for every year"
                    ),
                ));
            }
        }
        Ok(Calendar {
            tz,
            tz_name: c.time_zone.clone(),
            week,
            holidays,
            yearly,
        })
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The calendar's time zone name as configured.
    pub fn time_zone_name(&self) -> &str {
        &self.tz_name
    }

    /// True when `d` is a configured holiday.
    pub fn is_holiday(&self, d: Date) -> bool {
        self.holidays.contains(&d) || self.yearly.contains(&(d.month(), d.day()))
    }

    /// The opening ranges of a local date as instants (empty on holidays and closed days).
    fn ranges_on(&self, d: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.is_holiday(d) {
            return Vec::new();
        }
        let wd = d.weekday().to_monday_zero_offset() as usize;
        let start = d.to_datetime(jiff::civil::Time::midnight());
        self.week[wd]
            .iter()
            .filter_map(|&(o, c)| {
                let open = self.instant(start, o)?;
                let close = self.instant(start, c)?;
                (open < close).then_some((open, close))
            })
            .collect()
    }

    fn instant(&self, midnight: DateTime, minutes: i64) -> Option<Timestamp> {
        let dt = midnight
            .checked_add(SignedDuration::from_mins(minutes))
            .ok()?;
        self.tz
            .to_ambiguous_zoned(dt)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    }

    /// True when `t` falls inside business hours.
    pub fn is_open(&self, t: Timestamp) -> bool {
        let d = t.to_zoned(self.tz.clone()).date();
        // A range of the previous local day can end after local midnight only across DST; check it too.
        [d.yesterday().ok(), Some(d)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.ranges_on(d))
            .any(|(o, c)| o <= t && t < c)
    }

    /// The instant when `amount` of business time has passed after `t` (the next opening when
    /// `amount` is zero and `t` is outside business hours).
    pub fn add_business(
        &self,
        t: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, SlaError> {
        let mut remaining = amount;
        let mut day = t
            .to_zoned(self.tz.clone())
            .date()
            .yesterday()
            .map_err(|_| SlaError::Range)?;
        for _ in 0..HORIZON_DAYS {
            for (open, close) in self.ranges_on(day) {
                let start = open.max(t);
                if close <= start {
                    continue;
                }
                let available = close.duration_since(start);
                if remaining <= available {
                    return start.checked_add(remaining).map_err(|_| SlaError::Range);
                }
                remaining -= available;
            }
            day = day.tomorrow().map_err(|_| SlaError::Range)?;
        }
        Err(SlaError::NoBusinessHours)
    }

    /// `t` plus `amount` on `clock`.
    pub fn add(
        &self,
        clock: Clock,
        t: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, SlaError> {
        match clock {
            Clock::Business => self.add_business(t, amount),
            Clock::Calendar => t.checked_add(amount).map_err(|_| SlaError::Range),
        }
    }

    /// An instant as RFC 3339 with the calendar's offset at that instant.
    pub fn rfc3339(&self, t: Timestamp) -> String {
        rfc3339(t, &self.tz)
    }
}

/// An instant as RFC 3339 with the zone's offset (`2026-03-09T10:00:00-04:00`).
pub fn rfc3339(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn parse_range(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once('-')?;
    let (o, c) = (parse_hm(a.trim())?, parse_hm(b.trim())?);
    (o < c && c <= 24 * 60).then_some((o, c))
}

fn parse_hm(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && (h < 24 || m == 0)).then_some(h * 60 + m)
}

/// One contact of a ticket's chain with its times.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ContactDue {
    pub role: String,
    /// When this contact is notified (reception for the first, the previous one's due after).
    pub notify_at: Timestamp,
    /// When this contact must have answered.
    pub due: Timestamp,
}

/// The deadlines a ticket gets at reception.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Deadlines {
    pub received: Timestamp,
    pub business_hours: bool,
    pub clock: Clock,
    pub first_response_target: Timestamp,
    pub first_response_breach: Timestamp,
    pub contacts: Vec<ContactDue>,
}

/// Computes the deadlines of a ticket of `type_id` received at `received`.
pub fn deadlines(
    config: &SupportConfig,
    cal: &Calendar,
    type_id: &str,
    received: Timestamp,
) -> Result<Deadlines, SlaError> {
    let t = config
        .request_type(type_id)
        .ok_or_else(|| SlaError::UnknownType(type_id.into()))?;
    let inside = cal.is_open(received);
    let rule = t
        .sla
        .rule(inside)
        .ok_or_else(|| SlaError::UnknownType(type_id.into()))?;
    let target = cal.add(rule.clock, received, rule.target.0)?;
    let breach = cal.add(rule.clock, received, rule.breach())?;
    let mut contacts = Vec::new();
    let mut notify_at = received;
    for c in &rule.contacts {
        let due = match c.due {
            Some(d) => cal.add(rule.clock, received, d.0)?,
            None => breach,
        };
        contacts.push(ContactDue {
            role: c.role.clone(),
            notify_at,
            due,
        });
        notify_at = due;
    }
    Ok(Deadlines {
        received,
        business_hours: inside,
        clock: rule.clock,
        first_response_target: target,
        first_response_breach: breach,
        contacts,
    })
}

/// The contract JSON of `ayuda sla` (instants in RFC 3339 with the calendar's offset).
pub fn sla_json(type_id: &str, cal: &Calendar, d: &Deadlines) -> serde_json::Value {
    serde_json::json!({
        "type": type_id,
        "received": cal.rfc3339(d.received),
        "time_zone": cal.time_zone_name(),
        "business_hours": d.business_hours,
        "clock": d.clock,
        "first_response_target": cal.rfc3339(d.first_response_target),
        "first_response_breach": cal.rfc3339(d.first_response_breach),
        "contacts": d.contacts.iter().map(|c| serde_json::json!({
            "role": c.role,
            "notify_at": cal.rfc3339(c.notify_at),
            "due": cal.rfc3339(c.due),
        })).collect::<Vec<_>>(),
    })
}
