//! `support.levels` and `support.watcher`: who each support level is, and how the SLA watcher
//! runs. A request type may override both (`types[].levels`, `types[].warn_before`).

use super::{Dur, RequestType, SupportConfig};
use crate::config::Localized;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One support level: its name per locale and the contact roles it notifies.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Display name per locale (`{es: Nivel 2, en: Level 2}`).
    #[serde(default)]
    pub name: Option<Localized>,
    /// Keys of `support.contacts` told when a ticket reaches this level.
    pub roles: Vec<String>,
}

/// `support.watcher`: the SLA watcher inside the service.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WatcherConfig {
    /// Whether `ayuda serve` runs the watcher.
    pub enabled: bool,
    /// Time between two looks at the queue (also renews the lease).
    pub interval: Dur,
    /// How long before the first-response target the current contact is warned.
    pub warn_before: Dur,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        WatcherConfig {
            enabled: true,
            interval: Dur(SignedDuration::from_secs(30)),
            warn_before: Dur(SignedDuration::ZERO),
        }
    }
}

/// The lowest and highest support level.
pub const LEVELS: std::ops::RangeInclusive<u8> = 1..=3;

impl SupportConfig {
    /// The level `level` for tickets of `kind`: the type's override, else `support.levels`.
    pub fn level(&self, kind: &str, level: u8) -> Option<&Level> {
        self.request_type(kind)
            .and_then(|t| t.levels.get(&level))
            .or_else(|| self.levels.get(&level))
    }

    /// How long before the target tickets of `kind` are warned.
    pub fn warn_before(&self, kind: &str) -> SignedDuration {
        self.request_type(kind)
            .and_then(|t| t.warn_before)
            .unwrap_or(self.watcher.warn_before)
            .0
    }

    /// The longest warn-before of any type: how far ahead the watcher looks for targets.
    pub fn max_warn_before(&self) -> SignedDuration {
        self.types
            .iter()
            .filter_map(|t| t.warn_before.map(|d| d.0))
            .fold(self.watcher.warn_before.0, SignedDuration::max)
    }

    /// Checks `levels`, `watcher` and the types' overrides: levels 1 to 3, known roles,
    /// sensible durations. Returns the key path and a message.
    pub(super) fn check_levels(&self) -> Result<(), (String, String)> {
        check_level_map(self, "support.levels", &self.levels)?;
        for i in LEVELS {
            if !self.levels.contains_key(&i) {
                return Err((
                    "support.levels".into(),
                    format!("level {i} is missing; give levels 1, 2 and 3 their roles"),
                ));
            }
        }
        let w = &self.watcher;
        let secs = w.interval.0.as_secs_f64();
        if !(1.0..=3600.0).contains(&secs) {
            return Err((
                "support.watcher.interval".into(),
                format!("{:#} is out of range; use 1s to 1h", w.interval.0),
            ));
        }
        check_warn("support.watcher.warn_before", w.warn_before)?;
        let close = self.auto_close_after.0;
        if close < SignedDuration::from_hours(1) || close > SignedDuration::from_hours(90 * 24) {
            return Err((
                "support.auto_close_after".into(),
                format!("{close:#} is out of range; use 1h to 90d"),
            ));
        }
        for (i, t) in self.types.iter().enumerate() {
            check_type(self, &format!("support.types[{i}]"), t)?;
        }
        Ok(())
    }
}

fn check_type(c: &SupportConfig, key: &str, t: &RequestType) -> Result<(), (String, String)> {
    check_level_map(c, &format!("{key}.levels"), &t.levels)?;
    match t.warn_before {
        Some(d) => check_warn(&format!("{key}.warn_before"), d),
        None => Ok(()),
    }
}

fn check_warn(key: &str, d: Dur) -> Result<(), (String, String)> {
    if d.0 > SignedDuration::from_hours(7 * 24) {
        return Err((
            key.to_string(),
            format!("{:#} is out of range; use 0s to 7 days", d.0),
        ));
    }
    Ok(())
}

fn check_level_map(
    c: &SupportConfig,
    key: &str,
    levels: &BTreeMap<u8, Level>,
) -> Result<(), (String, String)> {
    for (n, level) in levels {
        let key = format!("{key}.{n}");
        if !LEVELS.contains(n) {
            return Err((
                key,
                format!("level {n} does not exist; levels are 1, 2 and 3"),
            ));
        }
        if level.roles.is_empty() {
            return Err((
                format!("{key}.roles"),
                "name at least one role of support.contacts".into(),
            ));
        }
        for (j, role) in level.roles.iter().enumerate() {
            if !c.contacts.contains_key(role) {
                let known: Vec<&str> = c.contacts.keys().map(String::as_str).collect();
                return Err((
                    format!("{key}.roles[{j}]"),
                    format!("unknown role `{role}`; known roles: {}", known.join(", ")),
                ));
            }
        }
    }
    Ok(())
}
