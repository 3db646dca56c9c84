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
