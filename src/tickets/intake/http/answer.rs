//! How the ticket endpoints answer: JSON for programs, themed pages for browser forms.

use super::TicketsState;
use super::draft::{Draft, redirect_to_draft};
use crate::render::theme::PageMeta;
use crate::tickets::guard;
use crate::tickets::messages::{self, Msg};
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

    /// Field errors: JSON with the status, or (forms) a draft with the values and a 303 to it.
    pub(super) fn field_errors(&self, status: StatusCode, errors: &FieldErrors) -> Response {
        match self.mode {
            Mode::Json => {
                let map: BTreeMap<&str, String> = errors
                    .iter()
                    .map(|(k, m)| (*k, self.localized(*m)))
                    .collect();
                (status, axum::Json(serde_json::json!({"errors": map}))).into_response()
            }
            Mode::Form => self.to_draft(errors),
        }
    }

    /// Keeps what the partner typed (not the key) with the errors in their language, and
    /// answers 303 to the page that shows them (post/redirect/get).
    pub(super) fn to_draft(&self, errors: &FieldErrors) -> Response {
        let errors = errors
            .iter()
            .map(|(k, m)| (k.to_string(), self.localized(*m)))
            .collect();
        let draft = Draft {
            locale: self.locale.clone(),
            values: self.input.form_values(),
            errors,
        };
        redirect_to_draft(&self.state, draft)
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
}

/// The ticket form of `locale` with `values` and `errors` and a fresh time-trap token.
pub(super) fn form_page(
    state: &TicketsState,
    locale: &str,
    values: serde_json::Value,
    errors: &BTreeMap<String, String>,
) -> axum::response::Html<String> {
    let s = &state.0;
    let strings = s
        .renderer
        .as_ref()
        .map(|r| r.strings(locale))
        .unwrap_or_default();
    let mut ctx = crate::tickets::form_context(&s.config, locale, &strings);
    ctx["values"] = values;
    ctx["errors"] = serde_json::json!(errors);
    ctx["time_token"] = serde_json::json!(guard::issue_token(
        &s.secret,
        Timestamp::now().as_millisecond()
    ));
    let title =
        strings
            .get("ticket_title")
            .cloned()
            .unwrap_or_else(|| match messages::lang_of(locale) {
                "es" => "Abrir un ticket".into(),
                "pt" => "Abrir um ticket".into(),
                _ => "Open a ticket".into(),
            });
    page(
        state,
        "ticket.html",
        locale,
        &title,
        Some(("ticket_form", ctx)),
        "",
    )
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
            for k in [
                "id",
                "type_label",
                "first_response_due",
                "first_response_breach",
                "email",
            ] {
                body.push_str(&format!("<p>{}</p>", esc(c[k].as_str().unwrap_or(""))));
            }
        } else {
            body.push_str(&format!("<form method=\"post\" action=\"/api/tickets\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"form_ts\" value=\"{}\">", esc(c["time_token"].as_str().unwrap_or(""))));
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
                "draft",
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
            if c["attachments"]["enabled"] == true {
                body.push_str("<p><label>attachments <input type=\"file\" name=\"attachments\" multiple></label>");
                if let Some(e) = errors["attachments"].as_str() {
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
