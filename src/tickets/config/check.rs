//! Checks of `support:` that serde cannot express, with the key path of each problem.

use super::*;

type Invalid = (String, String);

impl SupportConfig {
    /// Checks values serde cannot; returns the offending key path (`support.types[1].sla`) and a message.
    pub fn validate(&self) -> Result<(), Invalid> {
        let bad = |key: String, msg: String| Err((key, msg));
        crate::tickets::calendar::Calendar::from_config(self)?;
        actions::validate(&self.links, &self.events_api)?;
        attachments::validate(&self.attachments)?;
        if self.types.is_empty() {
            return bad(
                "support.types".into(),
                "at least one request type is needed".into(),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, t) in self.types.iter().enumerate() {
            let key = format!("support.types[{i}]");
            if !is_id(&t.id) {
                return bad(
                    format!("{key}.id"),
                    format!(
                        "`{}` is not an id: use lowercase letters, digits and `-`",
                        t.id
                    ),
                );
            }
            if !seen.insert(t.id.clone()) {
                return bad(
                    format!("{key}.id"),
                    format!("type `{}` is defined twice", t.id),
                );
            }
            for inside in [true, false] {
                let Some(rule) = t.sla.rule(inside) else {
                    let which = if inside {
                        "business_hours"
                    } else {
                        "outside_business_hours"
                    };
                    return bad(
                        format!("{key}.sla"),
                        format!(
                            "type `{}` has no rule for tickets received {}; add `{which}:` or `any:`",
                            t.id,
                            which.replace('_', " ")
                        ),
                    );
                };
                let rule_key = format!(
                    "{key}.sla.{}",
                    if inside && t.sla.business_hours.is_some() {
                        "business_hours"
                    } else if !inside && t.sla.outside_business_hours.is_some() {
                        "outside_business_hours"
                    } else {
                        "any"
                    }
                );
                if rule.breach() < rule.target.0 {
                    return bad(
                        format!("{rule_key}.breach"),
                        "the breach comes before the target; it must be equal or later".into(),
                    );
                }
                if rule.contacts.is_empty() {
                    return bad(
                        format!("{rule_key}.contacts"),
                        "the contact chain is empty; name at least one role".into(),
                    );
                }
                let mut last = SignedDuration::ZERO;
                for (j, c) in rule.contacts.iter().enumerate() {
                    if !self.contacts.contains_key(&c.role) {
                        let known: Vec<&str> = self.contacts.keys().map(String::as_str).collect();
                        return bad(
                            format!("{rule_key}.contacts[{j}].role"),
                            format!(
                                "unknown role `{}`; known roles: {}",
                                c.role,
                                known.join(", ")
                            ),
                        );
                    }
                    let due = c.due.map_or(rule.breach(), |d| d.0);
                    if due < last {
                        return bad(
                            format!("{rule_key}.contacts[{j}].due"),
                            "each contact must be due no earlier than the previous one".into(),
                        );
                    }
                    last = due;
                }
            }
        }
        for (name, c) in &self.contacts {
            if let Some(email) = &c.email
                && !crate::tickets::validate::is_email(email)
            {
                return bad(
                    format!("support.contacts.{name}.email"),
                    format!("`{email}` is not an email address"),
                );
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            let key = format!("support.targets[{i}]");
            if !ids.insert(t.id()) {
                return bad(
                    format!("{key}.id"),
                    format!(
                        "target id `{}` is used twice; give each target an `id`",
                        t.id()
                    ),
                );
            }
            match t.kind {
                TargetKind::Webhook | TargetKind::Slack if t.url_env.is_none() => {
                    return bad(
                        format!("{key}.url_env"),
                        "name the environment variable that holds the URL (secrets stay out of ayuda.yaml)".into(),
                    );
                }
                TargetKind::Jsonl if t.path.as_deref().is_none_or(str::is_empty) => {
                    return bad(
                        format!("{key}.path"),
                        "a jsonl target needs `path` (relative to the data folder)".into(),
                    );
                }
                TargetKind::Jsonl if !t.path.as_deref().is_some_and(inside_data) => {
                    return bad(
                        format!("{key}.path"),
                        format!(
                            "`{}` leaves the data folder; write a relative path without `..`, such as `deliveries.jsonl`",
                            t.path.as_deref().unwrap_or_default()
                        ),
                    );
                }
                TargetKind::Email => {
                    if t.smtp_host.is_none() {
                        return bad(
                            format!("{key}.smtp_host"),
                            "an email target needs `smtp_host`".into(),
                        );
                    }
                    if !t
                        .from
                        .as_deref()
                        .is_some_and(crate::tickets::validate::is_email)
                    {
                        return bad(
                            format!("{key}.from"),
                            "an email target needs a sender address in `from`".into(),
                        );
                    }
                    if let Some(sec) = &t.smtp_security
                        && !["starttls", "tls", "none"].contains(&sec.as_str())
                    {
                        return bad(
                            format!("{key}.smtp_security"),
                            format!("`{sec}` is not one of starttls, tls, none"),
                        );
                    }
                }
                TargetKind::Monday | TargetKind::Zendesk => super::vendors::check(t, &key)?,
                _ => {}
            }
        }
        self.check_levels()?;
        partner_email::validate(self)?;
        self.check_ranges()
    }

    /// Numbers and durations that deserialize but would break the service later (a worker
    /// that panics, a form nobody can fill, a token that never expires).
    fn check_ranges(&self) -> Result<(), Invalid> {
        let d = &self.deliveries;
        let l = &self.limits;
        let f = &self.form;
        let secs = |x: &Dur| x.0.as_secs_f64();
        let checks: [(&str, f64, f64, f64, &str); 13] = [
            (
                "deliveries.max_attempts",
                f64::from(d.max_attempts),
                1.0,
                100.0,
                "",
            ),
            (
                "deliveries.concurrency",
                d.concurrency as f64,
                1.0,
                64.0,
                " deliveries in flight per target",
            ),
            (
                "deliveries.timeout",
                secs(&d.timeout),
                1.0,
                600.0,
                " seconds (1s to 10m)",
            ),
            (
                "deliveries.backoff_initial",
                secs(&d.backoff_initial),
                0.01,
                3600.0,
                " seconds (10ms to 1h)",
            ),
            (
                "deliveries.backoff_max",
                secs(&d.backoff_max),
                secs(&d.backoff_initial),
                7.0 * 86400.0,
                " seconds (backoff_initial to 7 days)",
            ),
            (
                "limits.max_body_bytes",
                l.max_body_bytes as f64,
                1024.0,
                16.0 * 1024.0 * 1024.0,
                " bytes",
            ),
            (
                "limits.name_max",
                l.name_max as f64,
                1.0,
                1000.0,
                " characters",
            ),
            (
                "limits.partner_max",
                l.partner_max as f64,
                1.0,
                1000.0,
                " characters",
            ),
            (
                "limits.subject_max",
                l.subject_max as f64,
                1.0,
                1000.0,
                " characters",
            ),
            (
                "limits.subject_min",
                l.subject_min as f64,
                0.0,
                l.subject_max as f64,
                " characters (at most subject_max)",
            ),
            (
                "limits.description_max",
                l.description_max as f64,
                1.0,
                100_000.0,
                " characters",
            ),
            (
                "limits.description_min",
                l.description_min as f64,
                0.0,
                l.description_max as f64,
                " characters (at most description_max)",
            ),
            (
                "form.max_age_hours",
                f.max_age_hours as f64,
                1.0,
                720.0,
                " hours (30 days)",
            ),
        ];
        for (key, value, min, max, unit) in checks {
            if !(min..=max).contains(&value) {
                // Integers past 2^53 print rounded; say "too large" rather than a wrong number.
                let shown = if value < 1e15 {
                    value.to_string()
                } else {
                    "the value".to_string()
                };
                return Err((
                    format!("support.{key}"),
                    format!("{shown} is out of range; use {min} to {max}{unit}"),
                ));
            }
        }
        if f.min_fill_seconds >= f.max_age_hours.saturating_mul(3600) || f.min_fill_seconds > 3600 {
            return Err((
                "support.form.min_fill_seconds".into(),
                format!(
                    "{} is out of range; use 0 to 3600 seconds, less than max_age_hours",
                    f.min_fill_seconds
                ),
            ));
        }
        Ok(())
    }

    /// True when the site offers the ticket form.
    pub fn tickets_enabled(&self) -> bool {
        self.enabled
    }

    /// The request type with that id.
    pub fn request_type(&self, id: &str) -> Option<&RequestType> {
        self.types.iter().find(|t| t.id == id)
    }
}

/// True for a relative path that stays inside the folder it is joined to.
fn inside_data(path: &str) -> bool {
    let p = std::path::Path::new(path);
    !path.contains('\\')
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        && p.file_name().is_some()
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
