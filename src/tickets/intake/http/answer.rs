//! How the ticket endpoints answer: JSON for programs, themed pages for browser forms.

use super::TicketsState;
use crate::render::theme::PageMeta;
use crate::tickets::guard;
use crate::tickets::messages::Msg;
use crate::tickets::validate::{FieldErrors, TicketInput};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// How the client posted, which decides the shape of every answer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Json,
    Form,
}

pub(super) fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub(super) struct Ctx {
    pub(super) state: TicketsState,
    pub(super) mode: Mode,
    pub(super) lang: &'static str,
    pub(super) locale: String,
    pub(super) input: TicketInput,
}

impl Ctx {
    pub(super) fn refuse(&self, status: StatusCode, msg: Msg) -> Response {
        let text = msg.text(self.lang);
        match self.mode {
            Mode::Json => (
                status,
                axum::Json(serde_json::json!({"error": text, "code": msg.code()})),
            )
                .into_response(),
            Mode::Form => (
                status,
                page(&self.state, "thanks.html", &self.locale, &text, None, &text),
            )
                .into_response(),
        }
    }

    /// Field errors: 422 JSON, or the form again with errors next to the fields.
    pub(super) fn field_errors(&self, status: StatusCode, errors: &FieldErrors) -> Response {
        let map: BTreeMap<&str, String> = errors
            .iter()
            .map(|(k, m)| (*k, self.localized(*m)))
            .collect();
        match self.mode {
            Mode::Json => (status, axum::Json(serde_json::json!({"errors": map}))).into_response(),
            Mode::Form => (status, self.form_page(&map)).into_response(),
        }
    }

    pub(super) fn localized(&self, m: Msg) -> String {
        let key = format!("ticket_error_{}", m.code());
        match (&self.state.0.renderer, m) {
            // Theme strings override only parameterless messages.
            (
                Some(r),
                Msg::Required | Msg::Email | Msg::UnknownType | Msg::BadKey | Msg::MissingKey,
            ) => r
                .strings(&self.locale)
                .get(&key)
                .cloned()
                .unwrap_or_else(|| m.text(self.lang)),
            _ => m.text(self.lang),
        }
    }

    pub(super) fn form_page(
        &self,
        errors: &BTreeMap<&str, String>,
    ) -> axum::response::Html<String> {
        let s = &self.state.0;
        let strings = s
            .renderer
            .as_ref()
            .map(|r| r.strings(&self.locale))
            .unwrap_or_default();
        let mut ctx = crate::tickets::form_context(&s.config, &self.locale, &strings);
        ctx["values"] = self.input.form_values();
        ctx["errors"] = serde_json::json!(errors);
        ctx["time_token"] = serde_json::json!(guard::issue_token(
            &s.secret,
            Timestamp::now().as_millisecond()
        ));
        let title = strings
            .get("ticket_title")
            .cloned()
            .unwrap_or_else(|| match self.lang {
                "es" => "Abrir un ticket".into(),
                "pt" => "Abrir um ticket".into(),
                _ => "Open a ticket".into(),
            });
        page(
            &self.state,
            "ticket.html",
            &self.locale,
            &title,
            Some(("ticket_form", ctx)),
            "",
        )
    }
}

/// Renders a theme page, or a minimal fallback page when there is no built theme.
pub(super) fn page(
    s: &TicketsState,
    template: &str,
    locale: &str,
    title: &str,
    extra: Option<(&str, serde_json::Value)>,
    message: &str,
) -> axum::response::Html<String> {
    let url = match template {
        "ticket.html" => format!("/{locale}/tickets/new/"),
        _ => "/tickets/thanks".into(),
    };
    if let Some(r) = &s.0.renderer {
        let meta = PageMeta {
            title: title.to_string(),
            url,
            description: String::new(),
        };
        let extra: Vec<(&str, serde_json::Value)> = extra.clone().into_iter().collect();
        match r.render(template, locale, &meta, &extra) {
            Ok(html) => return axum::response::Html(html),
            Err(e) => tracing::error!("rendering {template}: {e}"),
        }
    }
    axum::response::Html(fallback_html(
        locale,
        title,
        extra.as_ref().map(|(_, v)| v),
        message,
    ))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fallback_html(
    locale: &str,
    title: &str,
    ctx: Option<&serde_json::Value>,
    message: &str,
) -> String {
    let mut body = format!("<h1>{}</h1>", esc(title));
    if !message.is_empty() && message != title {
        body.push_str(&format!("<p>{}</p>", esc(message)));
    }
    if let Some(c) = ctx {
        if c.get("id").is_some() {
            body.push_str(&format!(
                "<p><strong>{}</strong></p><p>{}</p><p>{}</p>",
                esc(c["id"].as_str().unwrap_or("")),
                esc(c["type_label"].as_str().unwrap_or("")),
                esc(c["first_response_due"].as_str().unwrap_or(""))
            ));
        } else {
            body.push_str(&format!("<form method=\"post\" action=\"/api/tickets\"><input type=\"hidden\" name=\"form_ts\" value=\"{}\">", esc(c["time_token"].as_str().unwrap_or(""))));
            let errors = &c["errors"];
            for f in [
                "name",
                "email",
                "partner",
                "type",
                "subject",
                "description",
                "partner_key",
                "locale",
                "page",
            ] {
                let v = c["values"][f].as_str().unwrap_or("");
                body.push_str(&format!(
                    "<p><label>{f} <input name=\"{f}\" value=\"{}\"></label>",
                    esc(v)
                ));
                if let Some(e) = errors[f].as_str() {
                    body.push_str(&format!(" <span class=\"error\">{}</span>", esc(e)));
                }
                body.push_str("</p>");
            }
            if let Some(e) = errors["form"].as_str() {
                body.push_str(&format!("<p class=\"error\">{}</p>", esc(e)));
            }
            body.push_str("<p hidden><input name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></p><button>OK</button></form>");
        }
    }
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{body}</body></html>",
        esc(locale),
        esc(title)
    )
}
