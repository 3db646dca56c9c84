//! The generic webhook target: the event as JSON, signed with HMAC-SHA256 when a secret is set.

use super::{CREATED, Deliverer, Failure, SIGNATURE_HEADER, env_var, idempotency_key, send, sign};
use crate::tickets::config::TargetConfig;
use crate::tickets::store::{Ticket, TicketEvent};

impl Deliverer {
    pub(super) async fn webhook(
        &self,
        t: &TargetConfig,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
    ) -> Result<(), Failure> {
        let url = env_var(t.url_env.as_deref())?;
        let body = serde_json::to_vec(&self.event(ticket, event))
            .map_err(|e| Failure::new(e.to_string()))?;
        let mut req = self
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotency_key(ticket, event))
            .header("X-Ayuda-Event", event.map_or(CREATED, |e| e.event.as_str()));
        if t.secret_env.is_some() {
            let secret = env_var(t.secret_env.as_deref())?;
            let header = t.signature_header.as_deref().unwrap_or(SIGNATURE_HEADER);
            req = req.header(header, sign(secret.as_bytes(), &body));
        }
        send(req.body(body)).await
    }
}
