//! The email target: SMTP via lettre, plain text.

use super::{Deliverer, Failure, env_var, type_label, when};
use crate::tickets::config::{SupportConfig, TargetConfig};
use crate::tickets::store::Ticket;

impl Deliverer {
    pub(super) async fn email(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        use lettre::message::header::ContentType;
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
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
        let transport = builder.build();
        let mut to: Vec<String> = t.to.clone();
        if to.is_empty() {
            to = ticket
                .deadlines
                .contacts
                .iter()
                .filter_map(|c| self.config.contacts.get(&c.role)?.email.clone())
                .collect();
            to.dedup();
        }
        if to.is_empty() {
            return Err(Failure::new(
                "email: no recipients (set `to` or role emails)",
            ));
        }
        let from = t.from.clone().unwrap_or_default();
        let mut msg = Message::builder()
            .from(
                from.parse()
                    .map_err(|e| Failure::new(format!("from: {e}")))?,
            )
            .subject(format!(
                "[{}] {}: {}",
                ticket.id, ticket.kind, ticket.subject
            ))
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
        let msg = msg
            .body(email_text(&self.config, ticket))
            .map_err(|e| Failure::new(format!("email: {e}")))?;
        transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| Failure::new(format!("smtp: {e}")))
    }
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
