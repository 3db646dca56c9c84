//! The mails to the partner who opened a ticket: at reception (reference, type, promised
//! first response in the partner's zone and language, the signed status link), on the team's
//! public notes, on resolution (with "it's solved" / "still a problem" links to the status
//! page, where the partner confirms: a link never changes anything) and on auto-close.
//!
//! Each is a delivery job of the `partner_email` target, so it is retried like any delivery
//! and sent once per event; the text comes from the theme (`templates/email/partner.txt` and
//! `.html`, the `mail_*` strings of each locale), sent as multipart/alternative through the
//! SMTP settings of an email target, in one thread per ticket.

use super::email::{sender, threaded};
use super::{Deliverer, Failure, type_label};
use crate::render::theme::PageRenderer;
use crate::tickets::escalation::lifecycle::{AUTO_CLOSE_ACTOR, Action, Change, PARTNER_ACTOR};
use crate::tickets::queue::external::ExternalIds;
use crate::tickets::store::{Job, Ticket, TicketEvent};
use jiff::Timestamp;
use std::sync::{Arc, OnceLock};

/// The thread of the partner's mails, beside the team's (`<T-7K3M-Q9.partner@ayuda.tickets>`).
const THREAD: &str = "partner";

/// What a mail to the partner is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartnerMail {
    Received,
    Note,
    Resolved,
    AutoClosed,
}

impl PartnerMail {
    fn as_str(self) -> &'static str {
        match self {
            PartnerMail::Received => "received",
            PartnerMail::Note => "note",
            PartnerMail::Resolved => "resolved",
            PartnerMail::AutoClosed => "auto_closed",
        }
    }
}

/// The mail a lifecycle change sends the partner, if any: a resolution, the watcher's
/// auto-close, and any other change carrying a public note. The partner's own answers (status
/// page) send nothing back.
pub(crate) fn mail_for(action: Action, actor: &str, public_note: bool) -> Option<PartnerMail> {
    if actor == PARTNER_ACTOR {
        return None;
    }
    match action {
        Action::Resolve => Some(PartnerMail::Resolved),
        Action::Close if actor == AUTO_CLOSE_ACTOR => Some(PartnerMail::AutoClosed),
        _ if public_note => Some(PartnerMail::Note),
        _ => None,
    }
}

/// Whether `change` sends the partner a mail.
pub(crate) fn change_mails_partner(change: &Change) -> bool {
    let public_note = change.public && change.note.as_deref().is_some_and(|n| !n.trim().is_empty());
    mail_for(change.action, &change.actor, public_note).is_some()
}

/// The note of `e` when the partner may read it.
fn public_note(e: &TicketEvent) -> Option<&str> {
    e.note
        .as_deref()
        .filter(|n| e.public && !n.trim().is_empty())
}

/// The built-in theme, for services started without a built site.
fn embedded() -> Result<&'static PageRenderer, Failure> {
    static THEME: OnceLock<Result<PageRenderer, String>> = OnceLock::new();
    THEME
        .get_or_init(|| PageRenderer::embedded().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Failure::new(format!("partner mail: built-in theme: {e}")))
}

impl Deliverer {
    /// Renders partner mails with the site's theme (its overrides and strings).
    pub fn with_renderer(mut self, renderer: Option<Arc<PageRenderer>>) -> Deliverer {
        self.renderer = renderer;
        self
    }

    /// Sends the partner the mail of `job`: its ticket's reception or its event; an event that
    /// mails nobody (a private note, an agent's acknowledgement) sends nothing. An event's
    /// mail waits for the mails of earlier events, so the partner reads them in order.
    pub(super) async fn partner_email(
        &self,
        job: &Job,
        ids: &dyn ExternalIds,
    ) -> Result<(), Failure> {
        let (ticket, event) = (&job.ticket, job.event.as_ref());
        let kind = match event {
            None => PartnerMail::Received,
            Some(e) => match mail_for(e.action, &e.actor, public_note(e).is_some()) {
                Some(k) => k,
                None => return Ok(()),
            },
        };
        let Some(smtp) = self.config.partner_smtp() else {
            return Err(Failure::new(
                "partner mails are off (support.partner_email.enabled) or have no email target",
            ));
        };
        if let Some(e) = event {
            super::api::after_earlier(job, e.id, ids).await?;
        }
        let msg = self.partner_message(ticket, event, kind, Timestamp::now())?;
        self.send_mail(smtp, msg).await
    }

    /// The mail of `kind` to the partner of `ticket`, as sent at `now`; no network.
    pub(crate) fn partner_message(
        &self,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
        kind: PartnerMail,
        now: Timestamp,
    ) -> Result<lettre::Message, Failure> {
        use lettre::message::{MultiPart, SinglePart, header::ContentType};
        let renderer = match &self.renderer {
            Some(r) => r.as_ref(),
            None => embedded()?,
        };
        let locale = ticket.locale.as_str();
        let mail = self.mail_context(renderer, ticket, event, kind, now);
        let subject = mail["subject"].as_str().unwrap_or_default().to_string();
        let render = |name: &str| {
            renderer
                .render_mail(name, locale, &mail)
                .map_err(|e| Failure::new(format!("partner mail: {e}")))
        };
        let (text, html) = (render("email/partner.txt")?, render("email/partner.html")?);
        let p = &self.config.partner_email;
        let from = p
            .from
            .clone()
            .or_else(|| self.config.partner_smtp().and_then(|t| t.from.clone()))
            .unwrap_or_default();
        let mut msg = threaded(
            sender(&from, &subject, std::slice::from_ref(&ticket.email))?,
            ticket,
            THREAD,
            event.map(|e| e.id),
        );
        for cc in &ticket.cc {
            msg = msg.cc(cc
                .parse()
                .map_err(|e| Failure::new(format!("cc {cc}: {e}")))?);
        }
        if let Some(reply) = &p.reply_to {
            msg = msg.reply_to(
                reply
                    .parse()
                    .map_err(|e| Failure::new(format!("reply_to: {e}")))?,
            );
        }
        msg.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| Failure::new(format!("partner mail: {e}")))
    }

    /// The `mail` the templates get (docs/templates.md, "Partner mails").
    fn mail_context(
        &self,
        renderer: &PageRenderer,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
        kind: PartnerMail,
        now: Timestamp,
    ) -> serde_json::Value {
        let locale = ticket.locale.as_str();
        let t = renderer.strings(locale);
        let s = |key: &str| t.get(key).cloned().unwrap_or_default();
        let after = duration_words(
            &s("mail_days"),
            &s("mail_hours"),
            self.config.auto_close_after.0,
        );
        let fill = |key: &str| {
            s(key)
                .replace("{id}", &ticket.id)
                .replace("{subject}", &ticket.subject)
                .replace("{name}", &ticket.name)
                .replace("{after}", &after)
        };
        let status_url = match &self.links {
            Some(signer) => format!(
                "{}{}",
                self.base_url,
                crate::tickets::escalation::links::status_path(signer, &ticket.id)
            ),
            None => String::new(),
        };
        let first_response = (kind == PartnerMail::Received).then(|| {
            let tz = ticket
                .partner_time_zone
                .as_deref()
                .and_then(|z| jiff::tz::TimeZone::get(z).ok())
                .or_else(|| jiff::tz::TimeZone::get(&ticket.time_zone).ok())
                .unwrap_or(jiff::tz::TimeZone::UTC);
            let d = &ticket.deadlines;
            let due = |at| crate::tickets::http::due_text(at, &tz, locale, now);
            serde_json::json!({
                "target": due(d.first_response_target),
                "breach": due(d.first_response_breach),
                "same": d.first_response_target == d.first_response_breach,
            })
        });
        // The auto-close asks how the help was (the survey of a closed ticket).
        let survey_url = match (&self.links, kind) {
            (Some(signer), PartnerMail::AutoClosed) => {
                Some(crate::tickets::escalation::links::survey_url(
                    signer,
                    &self.base_url,
                    &ticket.id,
                    now,
                ))
            }
            _ => None,
        };
        let note = event.and_then(public_note);
        let intro_key = format!("mail_{}_intro", kind.as_str());
        // Both answers open the status page at its question: the page's buttons decide.
        let confirm_url = format!("{status_url}#ticket-confirm-title");
        serde_json::json!({
            "kind": kind.as_str(),
            "lang": locale,
            "subject": fill(&format!("mail_subject_{}", kind.as_str())),
            "greeting": fill("mail_greeting"),
            "intro": fill(&intro_key),
            "note": note,
            "note_lines": note.map(|n| n.lines().collect::<Vec<_>>()).unwrap_or_default(),
            "ticket": {
                "id": ticket.id,
                "subject": ticket.subject,
                "type_label": type_label(&self.config, ticket, locale),
            },
            "first_response": first_response,
            "status_url": status_url,
            "solved_url": confirm_url,
            "reopen_url": confirm_url,
            "silence": fill("mail_resolved_silence"),
            "new_ticket_url": format!("{}/{locale}/tickets/new/", self.base_url),
            "survey_url": survey_url,
        })
    }
}

/// `d` in words with the theme's `{n} days` / `{n} hours`: days when it is a whole number
/// of them.
fn duration_words(days: &str, hours: &str, d: jiff::SignedDuration) -> String {
    let h = d.as_hours();
    if h >= 24 && h % 24 == 0 {
        days.replace("{n}", &(h / 24).to_string())
    } else {
        hours.replace("{n}", &h.max(1).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolutions, auto-closes and public notes mail the partner; private notes, the team's
    /// other changes, the watcher's reminders and the partner's own answers do not.
    #[test]
    fn which_changes_mail_the_partner() {
        let cases = [
            (Action::Resolve, "agent", false, Some(PartnerMail::Resolved)),
            (Action::Resolve, "agent", true, Some(PartnerMail::Resolved)),
            (
                Action::Close,
                AUTO_CLOSE_ACTOR,
                false,
                Some(PartnerMail::AutoClosed),
            ),
            (Action::Close, "agent", false, None),
            (Action::Note, "agent", true, Some(PartnerMail::Note)),
            (Action::Ack, "agent", true, Some(PartnerMail::Note)),
            (Action::Note, "agent", false, None),
            (Action::Ack, "agent", false, None),
            (Action::Breach, "sla-watcher", false, None),
            (Action::Reopen, PARTNER_ACTOR, true, None),
            (Action::Close, PARTNER_ACTOR, false, None),
        ];
        for (action, actor, public_note, want) in cases {
            assert_eq!(
                mail_for(action, actor, public_note),
                want,
                "{action:?} by {actor}"
            );
        }
        let change = |public: bool, note: &str| Change {
            action: Action::Note,
            actor: "agent".into(),
            to: None,
            level: None,
            note: Some(note.into()),
            public,
        };
        assert!(change_mails_partner(&change(true, "Done")));
        assert!(!change_mails_partner(&change(true, "  ")));
        assert!(!change_mails_partner(&change(false, "Done")));
    }

    #[test]
    fn durations_read_in_days_or_hours() {
        let w = |h| duration_words("{n} días", "{n} horas", jiff::SignedDuration::from_hours(h));
        assert_eq!(w(120), "5 días");
        assert_eq!(w(36), "36 horas");
        assert_eq!(w(1), "1 horas");
    }
}
