//! The email target: SMTP via lettre, plain text.

use super::{Deliverer, Failure, env_var, type_label, when};
use crate::tickets::config::{SupportConfig, TargetConfig};
use crate::tickets::store::Ticket;

impl Deliverer {
    pub(super) async fn email(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
        let host = t.smtp_host.clone().unwrap_or_default();
        let mut builder = match t.smtp_security.as_deref().unwrap_or("starttls") {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host),
            "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &host,
            )),
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host),
        }
        .map_err(|e| Failure::new(format!("smtp: {e}")))?;
        if let Some(port) = t.smtp_port {
            builder = builder.port(port);
        }
        if t.username_env.is_some() {
            let user = env_var(t.username_env.as_deref())?;
            let pass = env_var(t.password_env.as_deref())?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        let transport = builder
            .timeout(Some(self.config.deliveries.timeout.0.unsigned_abs()))
            .build();
        let msg = message(&self.config, t, ticket)?;
        transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| Failure::new(format!("smtp: {e}")))
    }
}

/// The message of `ticket` for target `t`: recipients, headers and body, no network.
fn message(
    config: &SupportConfig,
    t: &TargetConfig,
    ticket: &Ticket,
) -> Result<lettre::Message, Failure> {
    use lettre::Message;
    use lettre::message::header::ContentType;
    let mut to: Vec<String> = t.to.clone();
    if to.is_empty() {
        to = ticket
            .deadlines
            .contacts
            .iter()
            .filter_map(|c| config.contacts.get(&c.role)?.email.clone())
            .collect();
        to.dedup();
    }
    if to.is_empty() {
        return Err(Failure::new(
            "email: no recipients (set `to` or role emails)",
        ));
    }
    let from = t.from.clone().unwrap_or_default();
    // Tickets stored before single-line fields were enforced may hold line breaks: a header
    // never gets them (lettre would encode them, this keeps the subject readable).
    let subject = format!("[{}] {}: {}", ticket.id, ticket.kind, ticket.subject)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>();
    let mut msg = Message::builder()
        .from(
            from.parse()
                .map_err(|e| Failure::new(format!("from: {e}")))?,
        )
        .subject(subject)
        .message_id(Some(format!("<{}@ayuda.tickets>", ticket.id)))
        .header(ContentType::TEXT_PLAIN);
    if let Ok(reply) = ticket.email.parse() {
        msg = msg.reply_to(reply);
    }
    for addr in &to {
        msg = msg.to(addr
            .parse()
            .map_err(|e| Failure::new(format!("to {addr}: {e}")))?);
    }
    msg.body(email_text(config, ticket))
        .map_err(|e| Failure::new(format!("email: {e}")))
}

fn email_text(config: &SupportConfig, ticket: &Ticket) -> String {
    let d = &ticket.deadlines;
    let mut out = format!(
        "Ticket {}\nType: {}\nPartner: {}\nFrom: {} <{}>\nLocale: {}\nPage: {}\n\nFirst response due: {}\nBreach: {}\n",
        ticket.id,
        type_label(config, ticket, "en"),
        ticket.partner,
        ticket.name,
        ticket.email,
        ticket.locale,
        ticket.page,
        when(ticket, d.first_response_target),
        when(ticket, d.first_response_breach),
    );
    for c in &d.contacts {
        out.push_str(&format!(
            "Contact {}: due {}\n",
            c.role,
            when(ticket, c.due)
        ));
    }
    out.push_str(&format!(
        "\nSubject: {}\n\n{}\n",
        ticket.subject, ticket.description
    ));
    if !ticket.opened.is_empty() {
        out.push_str(&format!(
            "\nArticles opened before writing: {}\n",
            ticket.opened.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::calendar::{Calendar, deadlines};
    use crate::tickets::config::TargetKind;

    #[test]
    fn ticket_values_cannot_add_email_headers() {
        let config = SupportConfig::default();
        let cal = Calendar::from_config(&config).unwrap();
        let now = jiff::Timestamp::now();
        let ticket = Ticket {
            id: "T-AAAA-BB".into(),
            kind: "business".into(),
            status: "received".into(),
            created: now,
            locale: "en".into(),
            name: "Ana\r\nBcc: name@evil.example.org".into(),
            email: "ana@partner.example.org\r\nBcc: email@evil.example.org".into(),
            partner: "P".into(),
            partner_key: None,
            subject: "Hola\r\nBcc: subject@evil.example.org".into(),
            description: "Texto".into(),
            page: String::new(),
            suggested: Vec::new(),
            opened: Vec::new(),
            time_zone: "UTC".into(),
            deadlines: deadlines(&config, &cal, "business", now).unwrap(),
            progress: Default::default(),
        };
        let target: TargetConfig = serde_json::from_value(serde_json::json!({
            "kind": "email", "smtp_host": "smtp.example.org", "from": "help@example.org"
        }))
        .unwrap();
        assert_eq!(target.kind, TargetKind::Email);
        let raw =
            String::from_utf8(message(&config, &target, &ticket).unwrap().formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.starts_with("Bcc") || l.starts_with("Reply-To")),
            "{headers}"
        );
        assert!(
            headers.contains("Subject: [T-AAAA-BB] business: Hola  Bcc"),
            "{headers}"
        );
    }
}
