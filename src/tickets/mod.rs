//! Tickets: intake, validation, SLA calendar, durable escalation queue and deliveries.

use serde::{Deserialize, Serialize};

/// `support:` in ayuda.yaml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {}

impl SupportConfig {
    /// Checks values serde cannot; returns the offending key and a message.
    pub fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

impl SupportConfig {
    /// True when the site offers the ticket form.
    pub fn tickets_enabled(&self) -> bool {
        true
    }
}

/// The `ticket_form` context of the ticket page in `locale` (see docs/templates.md).
pub fn form_context(
    _config: &SupportConfig,
    _locale: &str,
    _strings: &std::collections::BTreeMap<String, String>,
) -> serde_json::Value {
    serde_json::json!({
        "action": "/api/tickets",
        "types": [],
        "values": {},
        "errors": {},
        "partner_key_required": true,
        "time_token": "",
    })
}
