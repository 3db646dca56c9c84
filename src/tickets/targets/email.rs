//! The email target: SMTP via lettre, plain text.

use super::links::action_label;
use super::{Deliverer, Failure, env_var, type_label, when};
use crate::tickets::config::{SupportConfig, TargetConfig};
use crate::tickets::escalation::lifecycle::Action;
use crate::tickets::store::{Ticket, TicketEvent};

impl Deliverer {
    /// Sends the mail of a new ticket, or of a lifecycle event to the roles it notifies (the
    /// watcher's reminders, warnings and breaches, escalations); an event that notifies
    /// nobody with a mailbox sends nothing.
    pub(super) async fn email(
        &self,
        t: &TargetConfig,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
    ) -> Result<(), Failure> {
        let links = self.action_links(ticket, jiff::Timestamp::now());
        let msg = match event {
            None => {
                let files = super::attachments_text(&self.attachment_links(ticket));
                message(&self.config, t, ticket, &links, &files)?
            }
            Some(e) => match event_message(&self.config, t, ticket, e, &links)? {
                Some(m) => m,
                None => return Ok(()),
            },
        };
        self.send_mail(t, msg).await
    }

    /// Sends `msg` through the SMTP settings of email target `t` (relay, port, security,
    /// credentials from the environment), within `support.deliveries.timeout`.
    pub(super) async fn send_mail(
        &self,
        t: &TargetConfig,
        msg: lettre::Message,
    ) -> Result<(), Failure> {
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
        transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| Failure::new(format!("smtp: {e}")))
    }
}

/// Message ids of a mail thread: `Message-ID` of the mail about `event` (the thread's first
/// mail, the reception, when `None`) and the thread's root id for `In-Reply-To` and
/// `References`. `thread` tells threads of one ticket apart (`""` the team's, `partner`).
pub(super) fn thread_ids(ticket: &Ticket, thread: &str, event: Option<i64>) -> (String, String) {
    let root = match thread {
        "" => ticket.id.clone(),
        t => format!("{}.{t}", ticket.id),
    };
    let id = match event {
        None => root.clone(),
        Some(e) => format!("{root}.{e}"),
    };
    (
        format!("<{id}@ayuda.tickets>"),
        format!("<{root}@ayuda.tickets>"),
    )
}

/// Threads `msg` as the mail about `event` of `thread` (see [`thread_ids`]): the reception
/// starts the thread, every later mail answers it.
pub(super) fn threaded(
    msg: lettre::message::MessageBuilder,
    ticket: &Ticket,
    thread: &str,
    event: Option<i64>,
) -> lettre::message::MessageBuilder {
    let (id, root) = thread_ids(ticket, thread, event);
    let msg = msg.message_id(Some(id));
    match event {
        None => msg,
        Some(_) => msg.in_reply_to(root.clone()).references(root),
    }
}

/// The message of `ticket` for target `t`: recipients, headers and body, no network.
fn message(
    config: &SupportConfig,
    t: &TargetConfig,
    ticket: &Ticket,
    links: &[(Action, String)],
    files: &str,
) -> Result<lettre::Message, Failure> {
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
    let subject = format!("[{}] {}: {}", ticket.id, ticket.kind, ticket.subject);
    let msg = threaded(builder(t, &subject, &to)?, ticket, "", None);
    let msg = match ticket.email.parse() {
        Ok(reply) => msg.reply_to(reply),
        Err(_) => msg,
    };
    msg.header(ContentType::TEXT_PLAIN)
        .body(email_text(config, ticket) + files + &links_text(links))
        .map_err(|e| Failure::new(format!("email: {e}")))
}

/// The signed one-click actions that fit the ticket, one per line (empty when none fits).
fn links_text(links: &[(Action, String)]) -> String {
    let mut text = String::new();
    for (action, url) in links {
        if text.is_empty() {
            text.push_str("\nAct on this ticket (each link asks for confirmation):\n");
        }
        text.push_str(&format!("- {}: {url}\n", action_label(*action)));
    }
    text
}

/// A message from the target's sender to `to` with `subject`.
pub(super) fn builder(
    t: &TargetConfig,
    subject: &str,
    to: &[String],
) -> Result<lettre::message::MessageBuilder, Failure> {
    sender(t.from.as_deref().unwrap_or_default(), subject, to)
}

/// A message from `from` to `to` with `subject`, whose control characters become spaces.
pub(super) fn sender(
    from: &str,
    subject: &str,
    to: &[String],
) -> Result<lettre::message::MessageBuilder, Failure> {
    // Tickets stored before single-line fields were enforced may hold line breaks: a header
    // never gets them (lettre would encode them, this keeps the subject readable).
    let subject = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>();
    let mut msg = lettre::Message::builder()
        .from(
            from.parse()
                .map_err(|e| Failure::new(format!("from: {e}")))?,
        )
        .subject(subject);
    for addr in to {
        msg = msg.to(addr
            .parse()
            .map_err(|e| Failure::new(format!("to {addr}: {e}")))?);
    }
    Ok(msg)
}

/// The message of lifecycle event `e` to the mailboxes of the roles it notifies, threaded
/// under the ticket's first message; `None` when it notifies no mailbox.
fn event_message(
    config: &SupportConfig,
    t: &TargetConfig,
    ticket: &Ticket,
    e: &TicketEvent,
    links: &[(Action, String)],
) -> Result<Option<lettre::Message>, Failure> {
    use lettre::message::header::ContentType;
    let notified = crate::tickets::escalation::watcher::recipients(config, ticket, e);
    let mut to: Vec<String> = notified.iter().filter_map(|n| n.email.clone()).collect();
    to.dedup();
    if to.is_empty() {
        return Ok(None);
    }
    let what = event_summary(e);
    let subject = format!("[{}] {what}: {}", ticket.id, ticket.subject);
    let names: Vec<&str> = notified.iter().map(|n| n.name.as_str()).collect();
    let d = &ticket.deadlines;
    let mut body = format!(
        "Ticket {} ({}), {what}.\nNotified: {}\nStatus: {}, level {}\nReceived: {}\nFirst response due: {}\nBreach: {}\n",
        ticket.id,
        type_label(config, ticket, "en"),
        names.join(", "),
        e.to.replace('_', " "),
        e.to_level,
        when(ticket, ticket.created),
        when(ticket, d.first_response_target),
        when(ticket, d.first_response_breach),
    );
    if let Some(note) = &e.note {
        body.push_str(&format!("\nNote from {}: {note}\n", e.actor));
    }
    body.push_str(&format!(
        "\nSubject: {}\n\n{}\n",
        ticket.subject, ticket.description
    ));
    body.push_str(&links_text(links));
    threaded(builder(t, &subject, &to)?, ticket, "", Some(e.id))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map(Some)
        .map_err(|e| Failure::new(format!("email: {e}")))
}

/// What an event says in a subject line (`still unanswered`, `escalated to level 2`).
pub(crate) fn event_summary(e: &TicketEvent) -> String {
    use crate::tickets::escalation::lifecycle::Action;
    match e.action {
        Action::Remind => "still unanswered, next contact notified".into(),
        Action::Warn => "first-response target reached".into(),
        Action::Breach => "first-response SLA breached".into(),
        Action::Escalate => format!("escalated to level {}", e.to_level),
        Action::Assign => "assigned".into(),
        Action::Note => "note added".into(),
        Action::Rate => "rated by the partner".into(),
        _ => e.to.replace('_', " "),
    }
}

fn email_text(config: &SupportConfig, ticket: &Ticket) -> String {
    let d = &ticket.deadlines;
    let mut out = format!(
        "Ticket {}\nType: {}\nPartner: {}\nFrom: {} <{}>\nCC: {}\nLocale: {}\nPage: {}\n\nFirst response due: {}\nBreach: {}\n",
        ticket.id,
        type_label(config, ticket, "en"),
        ticket.partner,
        ticket.name,
        ticket.email,
        if ticket.cc.is_empty() {
            "-".to_string()
        } else {
            ticket.cc.join(", ")
        },
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
            cc: Vec::new(),
            partner_time_zone: None,
            progress: Default::default(),
            attachments: Vec::new(),
        };
        let target: TargetConfig = serde_json::from_value(serde_json::json!({
            "kind": "email", "smtp_host": "smtp.example.org", "from": "help@example.org"
        }))
        .unwrap();
        assert_eq!(target.kind, TargetKind::Email);
        let raw = String::from_utf8(
            message(&config, &target, &ticket, &[], "")
                .unwrap()
                .formatted(),
        )
        .unwrap();
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
        // The partner's copies are named to the team, never mailed by the team's mail.
        let mut ticket = ticket;
        ticket.cc = vec!["lead@partner.example.org".into()];
        let raw = String::from_utf8(
            message(&config, &target, &ticket, &[], "")
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(
            raw.contains("\r\nCC: lead@partner.example.org\r\n"),
            "{raw}"
        );
        assert!(
            !raw.split("\r\n\r\n")
                .next()
                .unwrap_or_default()
                .contains("Cc:"),
            "{raw}"
        );
        // The attachments' download links are listed under the ticket.
        let url = "https://help.example.org/tickets/attachment?ticket=T-AAAA-BB&file=1-ab.png";
        let files =
            crate::tickets::deliver::attachments_text(&[("captura.png".into(), url.into())]);
        let raw = message(&config, &target, &ticket, &[], &files)
            .unwrap()
            .formatted();
        let text = String::from_utf8(raw).unwrap().replace("=\r\n", "");
        assert!(text.contains("Attachments:"), "{text}");
        assert!(
            text.contains(
                "- captura.png: https://help.example.org/tickets/attachment?ticket=3DT-AAAA-BB"
            ) || text.contains(&format!("- captura.png: {url}")),
            "{text}"
        );
    }

    /// A watcher event goes to the mailboxes of the roles it notifies, threaded under the
    /// ticket's first mail; an agent's escalation to the new level's; a note to nobody.
    #[test]
    fn events_write_to_the_notified_roles() {
        use crate::tickets::escalation::watcher::notified;
        let config = SupportConfig::default();
        let cal = Calendar::from_config(&config).unwrap();
        let now = jiff::Timestamp::now();
        let mut ticket = crate::tickets::store::tests::ticket(1);
        ticket.id = "T-AAAA-BB".into();
        ticket.deadlines = deadlines(&config, &cal, "business", now).unwrap();
        let target: TargetConfig = serde_json::from_value(serde_json::json!({
            "kind": "email", "smtp_host": "smtp.example.org", "from": "help@example.org",
            "to": ["desk@example.org"]
        }))
        .unwrap();
        let event = |action: Action, to_level: u8, roles: &[&str]| TicketEvent {
            id: 7,
            at: now,
            actor: "sla-watcher".into(),
            action,
            event: action.event_name().into(),
            from: "received".into(),
            to: "received".into(),
            from_level: 1,
            to_level,
            assignee: None,
            note: None,
            public: false,
            notified: notified(
                &config,
                &roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "en",
            ),
        };
        let headers = |e: &TicketEvent| {
            let m = event_message(&config, &target, &ticket, e, &[]).unwrap();
            let raw = String::from_utf8(m.map(|m| m.formatted()).unwrap_or_default()).unwrap();
            raw.split("\r\n\r\n").next().unwrap_or_default().to_string()
        };
        let breach = headers(&event(Action::Breach, 1, &["head-of-technology"]));
        assert!(
            breach.contains("To: head-of-technology@example.org"),
            "{breach}"
        );
        assert!(
            breach.contains("In-Reply-To: <T-AAAA-BB@ayuda.tickets>"),
            "{breach}"
        );
        assert!(breach.contains("first-response SLA breached"), "{breach}");
        let escalated = headers(&event(Action::Escalate, 3, &[]));
        assert!(
            escalated.contains("executive-vp@example.org")
                && escalated.contains("technical-team@example.org"),
            "{escalated}"
        );
        assert_eq!(headers(&event(Action::Note, 1, &[])), "");
    }

    /// Email notifications carry the same signed one-click links as Slack and webhooks.
    #[test]
    fn emails_carry_the_action_links() {
        let links = vec![
            (
                Action::Ack,
                "https://help.example.org/tickets/act?action=ack&sig=a".to_string(),
            ),
            (
                Action::Escalate,
                "https://help.example.org/tickets/act?action=escalate&sig=b".to_string(),
            ),
        ];
        let text = links_text(&links);
        assert!(
            text.contains("- Acknowledge: https://help.example.org/tickets/act?action=ack&sig=a"),
            "{text}"
        );
        assert!(
            text.contains("- Escalate: https://help.example.org/tickets/act?action=escalate&sig=b"),
            "{text}"
        );
        assert_eq!(links_text(&[]), "");
    }
}
