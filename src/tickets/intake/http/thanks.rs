//! The thank-you page `GET /tickets/thanks?id=…&locale=…&sig=…[&tz=…]`, reached by a signed
//! link after a ticket is stored.

use super::TicketsState;
use super::answer::page;
use crate::tickets::calendar;
use crate::tickets::guard;
use crate::tickets::messages::{self, Msg};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) fn thanks_url(s: &TicketsState, id: &str, locale: &str, tz: &str) -> String {
    let sig = guard::signature(&s.0.secret, "thanks", id);
    let enc = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut url = format!(
        "/tickets/thanks?id={}&locale={}&sig={sig}",
        enc(id),
        enc(locale)
    );
    if !tz.is_empty() && jiff::tz::TimeZone::get(tz).is_ok() {
        url.push_str(&format!("&tz={}", enc(tz)));
    }
    url
}

#[derive(serde::Deserialize)]
pub(super) struct ThanksQuery {
    id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    sig: String,
}

pub(super) async fn thanks(
    State(s): State<TicketsState>,
    Query(q): Query<ThanksQuery>,
) -> Response {
    let inner = &s.0;
    let locale = if inner.locales.contains(&q.locale) {
        q.locale.clone()
    } else {
        inner.default_locale.clone()
    };
    let lang = messages::lang_of(&locale);
    let not_found = || {
        let title = match lang {
            "es" => "Ticket no encontrado",
            "pt" => "Ticket não encontrado",
            _ => "Ticket not found",
        };
        (
            StatusCode::NOT_FOUND,
            page(&s, "404.html", &locale, title, None, title),
        )
            .into_response()
    };
    if !guard::verify_signature(&inner.secret, "thanks", &q.id, &q.sig) {
        return not_found();
    }
    let view = match inner.store.get(q.id.clone()).await {
        Ok(Some(v)) => v,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!("thank-you page: {e}");
            return (StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable.text(lang)).into_response();
        }
    };
    let t = view.ticket;
    let tz =
        jiff::tz::TimeZone::get(q.tz.trim()).unwrap_or_else(|_| inner.calendar.time_zone().clone());
    let type_label = inner
        .config
        .request_type(&t.kind)
        .map(|rt| rt.label.get(&locale, &inner.default_locale).to_string())
        .unwrap_or_else(|| t.kind.clone());
    let ctx = serde_json::json!({
        "id": t.id,
        "type": t.kind,
        "type_label": type_label,
        "status": t.status,
        "first_response_due": crate::i18n::format_datetime(t.deadlines.first_response_target, &tz, &locale),
        "first_response_due_iso": calendar::rfc3339(t.deadlines.first_response_target, &tz),
    });
    let strings = inner
        .renderer
        .as_ref()
        .map(|r| r.strings(&locale))
        .unwrap_or_default();
    let title = strings
        .get("ticket_thanks_title")
        .cloned()
        .unwrap_or_else(|| match lang {
            "es" => "Recibimos tu ticket".into(),
            "pt" => "Recebemos seu ticket".into(),
            _ => "We received your ticket".into(),
        });
    (
        [(header::CACHE_CONTROL, "private, no-store")],
        page(
            &s,
            "thanks.html",
            &locale,
            &title,
            Some(("ticket", ctx)),
            "",
        ),
    )
        .into_response()
}
