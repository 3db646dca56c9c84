//! `support.partner_email`: the mails ayuda writes to the partner who opened a ticket (at
//! reception, on public notes, on resolution and on auto-close), sent through the SMTP
//! settings of one of the `kind: email` targets.

use super::{SupportConfig, TargetConfig, TargetKind};
use serde::{Deserialize, Serialize};

/// The delivery target id of the partner's mails (a lane and jobs of its own in the queue).
pub(crate) const PARTNER_EMAIL_TARGET: &str = "partner_email";

/// `support.partner_email`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartnerEmailConfig {
    /// Whether partners get mails at all (default off: the site must name its sender).
    pub enabled: bool,
    /// Sender address (default: the `from` of the email target used).
    pub from: Option<String>,
    /// The team's address partners answer to (`Reply-To`); required when enabled.
    pub reply_to: Option<String>,
    /// The `id` of the `kind: email` target whose SMTP settings are used (default: the first
    /// email target).
    pub smtp: Option<String>,
}

impl SupportConfig {
    /// The email target whose SMTP settings carry the partner's mails, when they are enabled.
    pub fn partner_smtp(&self) -> Option<&TargetConfig> {
        if !self.partner_email.enabled {
            return None;
        }
        let mut email = self.targets.iter().filter(|t| t.kind == TargetKind::Email);
        match &self.partner_email.smtp {
            Some(id) => email.find(|t| t.id() == *id),
            None => email.next(),
        }
    }
}

/// The checks of `support.partner_email`, with the key path of a problem.
pub(super) fn validate(c: &SupportConfig) -> Result<(), (String, String)> {
    let p = &c.partner_email;
    if !p.enabled {
        return Ok(());
    }
    let key = |k: &str| format!("support.partner_email.{k}");
    let is_email = crate::tickets::validate::is_email;
    let Some(smtp) = c.partner_smtp() else {
        let known: Vec<String> = c
            .targets
            .iter()
            .filter(|t| t.kind == TargetKind::Email)
            .map(|t| t.id())
            .collect();
        return Err(match &p.smtp {
            Some(id) => (
                key("smtp"),
                format!(
                    "`{id}` is not the id of a `kind: email` target; email targets: {}",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                ),
            ),
            None => (
                key("enabled"),
                "partner mails use the SMTP settings of a `kind: email` target in `support.targets`; add one".into(),
            ),
        });
    };
    if let Some(from) = &p.from
        && !is_email(from)
    {
        return Err((key("from"), format!("`{from}` is not an email address")));
    }
    if p.from.is_none() && !smtp.from.as_deref().is_some_and(is_email) {
        return Err((
            key("from"),
            "name the sender address of partner mails".into(),
        ));
    }
    match &p.reply_to {
        Some(r) if is_email(r) => {}
        Some(r) => return Err((key("reply_to"), format!("`{r}` is not an email address"))),
        None => {
            return Err((
                key("reply_to"),
                "name the team's address partners answer to (e.g. support@example.org)".into(),
            ));
        }
    }
    if c.targets.iter().any(|t| t.id() == PARTNER_EMAIL_TARGET) {
        return Err((
            "support.targets".into(),
            format!(
                "the target id `{PARTNER_EMAIL_TARGET}` is reserved for partner mails; rename the target"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    fn parse(support: &str) -> Result<crate::Config, String> {
        crate::Config::parse(&format!("support:\n{support}")).map_err(|e| e.to_string())
    }

    const MAIL: &str = "  targets:\n    - {id: team-mail, kind: email, smtp_host: smtp.example.org, from: help@example.org}\n";

    #[test]
    fn partner_email_is_read_and_checked_with_its_key_and_line() {
        let c = parse(&format!(
            "{MAIL}  partner_email:\n    enabled: true\n    reply_to: support@example.org\n"
        ))
        .unwrap();
        assert_eq!(
            c.support.partner_smtp().map(|t| t.id()),
            Some("team-mail".into())
        );
        let e = parse(&format!("{MAIL}  partner_email:\n    enabled: true\n")).unwrap_err();
        assert!(
            e.contains("support.partner_email.reply_to") && e.contains("ayuda.yaml:4"),
            "{e}"
        );
        let e = parse(&format!(
            "{MAIL}  partner_email:\n    enabled: true\n    reply_to: team\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("`team` is not an email address") && e.contains("ayuda.yaml:6"),
            "{e}"
        );
        let e = parse(&format!(
            "{MAIL}  partner_email:\n    enabled: true\n    reply_to: s@example.org\n    smtp: mail\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("support.partner_email.smtp")
                && e.contains("team-mail")
                && e.contains("ayuda.yaml:7"),
            "{e}"
        );
        let e = parse("  partner_email:\n    enabled: true\n    reply_to: s@example.org\n")
            .unwrap_err();
        assert!(
            e.contains("support.partner_email.enabled") && e.contains("ayuda.yaml:3"),
            "{e}"
        );
        let e = parse("  partner_email:\n    enable: true\n").unwrap_err();
        assert!(e.contains("enable"), "{e}");
        assert!(parse("  partner_email: {enabled: false}\n").is_ok());
    }
}
