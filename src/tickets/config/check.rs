//! Checks of `support:` that serde cannot express, with the key path of each problem.

use super::*;

type Invalid = (String, String);

impl SupportConfig {
    /// Checks values serde cannot; returns the offending key path (`support.types[1].sla`) and a message.
    pub fn validate(&self) -> Result<(), Invalid> {
        let bad = |key: String, msg: String| Err((key, msg));
        crate::tickets::calendar::Calendar::from_config(self)?;
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
                _ => {}
            }
        }
        if self.deliveries.max_attempts == 0 {
            return bad(
                "support.deliveries.max_attempts".into(),
                "must be at least 1".into(),
            );
        }
        if self.limits.max_body_bytes < 1024 {
            return bad(
                "support.limits.max_body_bytes".into(),
                "must be at least 1024".into(),
            );
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

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
