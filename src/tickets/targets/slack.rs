//! The Slack target: an incoming-webhook message in Block Kit.

use super::{Deliverer, Failure, env_var, send, type_label, when};
use crate::tickets::config::{SupportConfig, TargetConfig};
use crate::tickets::escalation::lifecycle::Action;
use crate::tickets::store::{Ticket, TicketEvent};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

impl Deliverer {
    pub(super) async fn slack(
        &self,
        t: &TargetConfig,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
    ) -> Result<(), Failure> {
        let url = env_var(t.url_env.as_deref())?;
        let links = self.action_links(ticket, jiff::Timestamp::now());
        let body = match event {
            None => {
                let mut body = slack_blocks(&self.config, ticket, &self.base_url, &links);
                let files = attachments_block(&self.attachment_links(ticket));
                if let (Some(blocks), Some(files)) = (body["blocks"].as_array_mut(), files) {
                    blocks.push(files);
                }
                body
            }
            Some(e) => {
                let notified =
                    crate::tickets::escalation::watcher::recipients(&self.config, ticket, e);
                slack_event_message(ticket, e, &notified, &links)
            }
        };
        send(self.client.post(&url).json(&body)).await
    }
}

/// The Slack incoming-webhook message (Block Kit): type, deadline, partner, link, and the
/// one-click action buttons (`links`, from [`Deliverer::action_links`]).
pub fn slack_blocks(
    config: &SupportConfig,
    ticket: &Ticket,
    base_url: &str,
    links: &[(Action, String)],
) -> serde_json::Value {
    let d = &ticket.deadlines;
    let link = site_link(&ticket.page, base_url);
    let breach_unix = d.first_response_breach.as_second();
    let mut fields = vec![
        serde_json::json!({"type": "mrkdwn", "text": format!("*Type*\n{}", esc(&type_label(config, ticket, "en")))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*Partner*\n{} <mailto:{}|{}>", esc(&ticket.partner), url_part(&ticket.email), esc(&ticket.name))}),
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
    if !ticket.cc.is_empty() {
        // The partner's copies, as text: each address escaped like every ticket value.
        let cc: Vec<String> = ticket.cc.iter().map(|a| esc(a)).collect();
        fields.push(
            serde_json::json!({"type": "mrkdwn", "text": format!("*CC*\n{}", cc.join(", "))}),
        );
    }
    let mut blocks = vec![
        serde_json::json!({"type": "header", "text": {"type": "plain_text", "text": format!("{} · {}", ticket.id, truncate(&ticket.subject, 120))}}),
        serde_json::json!({"type": "section", "fields": fields}),
        serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": esc(&truncate(&ticket.description, 2500))}}),
    ];
    if let Some(link) = link {
        blocks.push(serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("From <{link}|the help center page>")}]}));
    }
    blocks.extend(action_buttons(links));
    serde_json::json!({
        "text": format!("New ticket {}: {}", ticket.id, esc(&ticket.subject)),
        "blocks": blocks,
    })
}

/// The Slack message of a lifecycle event: its text, and the buttons that fit the ticket now.
pub fn slack_event_message(
    ticket: &Ticket,
    e: &TicketEvent,
    notified: &[crate::tickets::store::Notified],
    links: &[(Action, String)],
) -> serde_json::Value {
    let mut text = slack_event_text(ticket, e);
    text.push_str(&mentions(notified));
    let mut blocks =
        vec![serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
    blocks.extend(action_buttons(links));
    serde_json::json!({"text": text, "blocks": blocks})
}

/// An `actions` block of link buttons (Block Kit buttons with `url` open the signed link in
/// the browser, where the agent confirms); none when there is no link.
fn action_buttons(links: &[(Action, String)]) -> Option<serde_json::Value> {
    let buttons: Vec<serde_json::Value> = links
        .iter()
        .map(|(action, url)| {
            let label = super::links::action_label(*action);
            let mut b = serde_json::json!({
                "type": "button",
                "text": {"type": "plain_text", "text": label},
                "url": url,
                "action_id": format!("ayuda_{}", action.as_str()),
            });
            if *action == Action::Ack {
                b["style"] = "primary".into();
            }
            b
        })
        .collect();
    (!buttons.is_empty()).then(|| serde_json::json!({"type": "actions", "elements": buttons}))
}

/// The short Slack text of a lifecycle event: reference, subject, what changed, who, and
/// the note (the team's channel sees internal notes too); every value escaped.
pub fn slack_event_text(ticket: &Ticket, e: &TicketEvent) -> String {
    let what = super::email::event_summary(e);
    let mut text = format!(
        "{} · {}: {what}",
        ticket.id,
        esc(&truncate(&ticket.subject, 120))
    );
    if let Some(to) = &e.assignee {
        text.push_str(&format!(" → {}", esc(to)));
    }
    text.push_str(&format!(" (by {})", esc(&e.actor)));
    if let Some(note) = &e.note {
        let public = if e.public { "(public) " } else { "" };
        text.push_str(&format!("\n> {public}{}", esc(&truncate(note, 500))));
    }
    text
}

/// The line naming who an event notifies: each role's `slack` mention as ops configured it
/// (`<@U123>`, `<!subteam^S123>`), else its escaped name; empty when it notifies nobody.
pub fn mentions(notified: &[crate::tickets::store::Notified]) -> String {
    if notified.is_empty() {
        return String::new();
    }
    let who: Vec<String> = notified
        .iter()
        .map(|n| n.slack.clone().unwrap_or_else(|| esc(&n.name)))
        .collect();
    format!("\nNotified: {}", who.join(", "))
}

/// Characters that would end or split a Slack link (`<url|text>`), percent-encoded in URLs.
const LINK_BREAKERS: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'|')
    .add(b'`');

/// The absolute URL of `page` when it is a page of the site (a path, or a URL under
/// `base_url`), ready for a Slack link; `None` for anything else, which is never linked.
pub fn site_link(page: &str, base_url: &str) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    let url = if page.starts_with('/') && !page.starts_with("//") && !page.starts_with("/\\") {
        format!("{base}{page}")
    } else if page
        .strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    {
        page.to_string()
    } else {
        return None;
    };
    Some(url_part(&url))
}

/// A URL (or mailto address) safe inside a Slack link: link-breaking characters
/// percent-encoded, then `&` escaped as Slack asks.
fn url_part(s: &str) -> String {
    esc(&utf8_percent_encode(s, LINK_BREAKERS).to_string())
}

/// Escapes Slack's mrkdwn control characters (`&`, `<`, `>`), so text from a ticket can
/// neither mention (`<!channel>`) nor link (`<url|text>`).
/// A context block linking the attachments (`name` → signed download), when there are some.
pub fn attachments_block(files: &[(String, String)]) -> Option<serde_json::Value> {
    if files.is_empty() {
        return None;
    }
    let list: Vec<String> = files
        .iter()
        .map(|(name, url)| format!("<{url}|{}>", esc(&name.replace('|', "/"))))
        .collect();
    let text = format!("Attachments: {}", list.join(", "));
    Some(serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::calendar::{Calendar, deadlines};
    use crate::tickets::escalation::lifecycle::Action;

    fn hostile() -> Ticket {
        let config = SupportConfig::default();
        let cal = Calendar::from_config(&config).unwrap();
        let now = jiff::Timestamp::now();
        Ticket {
            id: "T-AAAA-BB".into(),
            kind: "business".into(),
            status: "received".into(),
            created: now,
            locale: "en".into(),
            name: "<https://evil.example.org|Support> & co".into(),
            email: "a|<!here>@partner.example.org".into(),
            partner: "<!channel>".into(),
            partner_key: None,
            subject: "<!channel> urgent <https://evil.example.org|reset password>".into(),
            description: "<!everyone> <@U123> read <https://evil.example.org|this>".into(),
            page: "/es/articles/x/>|<!here>".into(),
            suggested: Vec::new(),
            opened: Vec::new(),
            time_zone: "UTC".into(),
            deadlines: deadlines(&config, &cal, "business", now).unwrap(),
            cc: Vec::new(),
            partner_time_zone: None,
            progress: Default::default(),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn ticket_text_cannot_mention_or_link_in_slack() {
        let body = slack_blocks(
            &SupportConfig::default(),
            &hostile(),
            "https://help.example.org",
            &[],
        );
        // What Slack parses: the notification text and every mrkdwn text (plain_text, such as
        // the header, is shown as written).
        let mut parsed = vec![body["text"].as_str().unwrap().to_string()];
        collect_mrkdwn(&body["blocks"], &mut parsed);
        let text = parsed.join("\n");
        for injected in [
            "<!channel>",
            "<!here>",
            "<!everyone>",
            "<@U123>",
            "<https://evil",
        ] {
            assert!(!text.contains(injected), "{injected} reached Slack: {text}");
        }
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(
            text.contains(
                "<https://help.example.org/es/articles/x/%3E%7C%3C!here%3E|the help center page>"
            ),
            "{text}"
        );
        assert!(
            text.contains("<mailto:a%7C%3C!here%3E@partner.example.org|"),
            "{text}"
        );
    }

    #[test]
    fn lifecycle_event_text_is_short_and_escaped() {
        let e = TicketEvent {
            id: 4,
            at: jiff::Timestamp::UNIX_EPOCH,
            actor: "<!channel>".into(),
            action: Action::Escalate,
            event: "ticket.escalated".into(),
            from: "acknowledged".into(),
            to: "in_progress".into(),
            from_level: 1,
            to_level: 2,
            assignee: Some("<@U123> & co".into()),
            note: Some("see <https://evil.example.org|this>".into()),
            public: true,
            notified: Vec::new(),
        };
        let text = slack_event_text(&hostile(), &e);
        for injected in ["<!channel>", "<!here>", "<@U123>", "<https://evil"] {
            assert!(!text.contains(injected), "{injected} reached Slack: {text}");
        }
        assert!(text.starts_with("T-AAAA-BB · "), "{text}");
        assert!(
            text.contains(": escalated to level 2 → &lt;@U123&gt; &amp; co (by &lt;!channel&gt;)"),
            "{text}"
        );
        assert!(
            text.ends_with("\n> (public) see &lt;https://evil.example.org|this&gt;"),
            "{text}"
        );
    }

    fn collect_mrkdwn(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("type").and_then(|t| t.as_str()) == Some("mrkdwn") {
                    out.push(m["text"].as_str().unwrap_or_default().to_string());
                }
                m.values().for_each(|x| collect_mrkdwn(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect_mrkdwn(x, out)),
            _ => {}
        }
    }

    #[test]
    fn only_site_pages_are_linked() {
        let base = "https://help.example.org";
        assert_eq!(
            site_link("/es/articles/x/", base).as_deref(),
            Some("https://help.example.org/es/articles/x/")
        );
        assert_eq!(
            site_link("https://help.example.org/es/?q=a&b=c", base).as_deref(),
            Some("https://help.example.org/es/?q=a&amp;b=c")
        );
        for other in [
            "https://evil.example.org/",
            "https://help.example.org.evil.example/",
            "https://help.example.orgx/",
            "//evil.example.org/",
            "/\\evil.example.org/",
            "",
        ] {
            assert_eq!(site_link(other, base), None, "{other}");
        }
    }

    #[test]
    fn notified_roles_are_mentioned_or_named_escaped() {
        use crate::tickets::store::Notified;
        let who = |slack: Option<&str>, name: &str| Notified {
            role: "r".into(),
            name: name.into(),
            email: None,
            slack: slack.map(str::to_string),
        };
        assert_eq!(mentions(&[]), "");
        assert_eq!(
            mentions(&[
                who(Some("<!subteam^S123>"), "Ops"),
                who(None, "<!channel> team")
            ]),
            "\nNotified: <!subteam^S123>, &lt;!channel&gt; team"
        );
    }
}
