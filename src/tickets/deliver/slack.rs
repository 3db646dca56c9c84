//! The Slack target: an incoming-webhook message in Block Kit.

use super::{Deliverer, Failure, env_var, send, type_label, when};
use crate::tickets::config::{SupportConfig, TargetConfig};
use crate::tickets::store::Ticket;

impl Deliverer {
    pub(super) async fn slack(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        let url = env_var(t.url_env.as_deref())?;
        let body = slack_blocks(&self.config, ticket, &self.base_url);
        send(self.client.post(&url).json(&body)).await
    }
}

/// The Slack incoming-webhook message (Block Kit): type, deadline, partner, link.
pub fn slack_blocks(config: &SupportConfig, ticket: &Ticket, base_url: &str) -> serde_json::Value {
    let d = &ticket.deadlines;
    let link = if ticket.page.starts_with('/') {
        format!("{base_url}{}", ticket.page)
    } else {
        ticket.page.clone()
    };
    let breach_unix = d.first_response_breach.as_second();
    let mut fields = vec![
        serde_json::json!({"type": "mrkdwn", "text": format!("*Type*\n{}", type_label(config, ticket, "en"))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*Partner*\n{} <mailto:{}|{}>", esc(&ticket.partner), ticket.email, esc(&ticket.name))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*First response due*\n<!date^{}^{{date_short_pretty}} {{time}}|{}>", d.first_response_target.as_second(), when(ticket, d.first_response_target))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*Breach*\n<!date^{breach_unix}^{{date_short_pretty}} {{time}}|{}>", when(ticket, d.first_response_breach))}),
    ];
    if let Some(c) = d.contacts.first() {
        let who = config
            .contacts
            .get(&c.role)
            .and_then(|r| r.slack.clone())
            .unwrap_or_else(|| c.role.clone());
        fields.push(serde_json::json!({"type": "mrkdwn", "text": format!("*Contact*\n{who}")}));
    }
    let mut blocks = vec![
        serde_json::json!({"type": "header", "text": {"type": "plain_text", "text": format!("{} · {}", ticket.id, truncate(&ticket.subject, 120))}}),
        serde_json::json!({"type": "section", "fields": fields}),
        serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": esc(&truncate(&ticket.description, 2500))}}),
    ];
    if !link.is_empty() {
        blocks.push(serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("From <{link}|the help center page>")}]}));
    }
    serde_json::json!({
        "text": format!("New ticket {}: {}", ticket.id, ticket.subject),
        "blocks": blocks,
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
