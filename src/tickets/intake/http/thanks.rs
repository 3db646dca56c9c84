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
use jiff::Timestamp;
use jiff::tz::TimeZone;

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

/// The absolute address of the partner's status page of ticket `id` (signed, no expiry).
pub(super) fn status_url(s: &TicketsState, id: &str) -> String {
    let path = crate::tickets::escalation::links::status_path(&s.0.links, id);
    format!("{}{path}", s.0.base_url.trim_end_matches('/'))
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
    let locale = inner.locale_or_default(&q.locale).to_string();
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
    let (target, breach) = (
        t.deadlines.first_response_target,
        t.deadlines.first_response_breach,
    );
    let now = Timestamp::now();
    let ctx = serde_json::json!({
        "id": t.id,
        "type": t.kind,
        "type_label": type_label,
        "status": t.status,
        "email": t.email,
        "cc": t.cc.join(", "),
        "status_url": crate::tickets::escalation::links::status_path(&inner.links, &t.id),
        "first_response_due": due_text(target, &tz, &locale, now),
        "first_response_due_iso": calendar::rfc3339(target, &tz),
        "first_response_breach": due_text(breach, &tz, &locale, now),
        "first_response_breach_iso": calendar::rfc3339(breach, &tz),
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

/// When a deadline falls, as the partner reads it in `tz` seen from `now`: "hoy a las 11:00",
/// "mañana a las 09:30" or "el 9 de marzo de 2026 a las 11:00", then the zone.
pub(crate) fn due_text(at: Timestamp, tz: &TimeZone, locale: &str, now: Timestamp) -> String {
    let z = at.to_zoned(tz.clone());
    let today = now.to_zoned(tz.clone()).date();
    let hm = format!("{:02}:{:02}", z.hour(), z.minute());
    // format_date reads the date in UTC: hand it the local date at UTC midnight.
    let date = || {
        let midnight = z.date().to_zoned(TimeZone::UTC).map(|u| u.timestamp());
        crate::i18n::format_date(midnight.unwrap_or(at), locale)
    };
    let day = if z.date() == today {
        0
    } else if today.tomorrow().is_ok_and(|d| d == z.date()) {
        1
    } else {
        2
    };
    let when = match (messages::lang_of(locale), day) {
        ("es", 0) => format!("hoy a las {hm}"),
        ("es", 1) => format!("mañana a las {hm}"),
        ("es", _) => format!("el {} a las {hm}", date()),
        ("pt", 0) => format!("hoje às {hm}"),
        ("pt", 1) => format!("amanhã às {hm}"),
        ("pt", _) => format!("em {} às {hm}", date()),
        (_, 0) => format!("today at {hm}"),
        (_, 1) => format!("tomorrow at {hm}"),
        (_, _) => format!("on {} at {hm}", date()),
    };
    format!("{when} ({})", tz.iana_name().unwrap_or("UTC"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_read_as_today_tomorrow_or_a_date_in_the_partner_zone() {
        let tz = TimeZone::get("America/Bogota").unwrap();
        let now: Timestamp = "2026-03-06T14:00:00Z".parse().unwrap(); // Friday 09:00 in Bogota
        let cases = [
            ("2026-03-06T16:00:00Z", "es", "hoy a las 11:00"),
            ("2026-03-06T16:00:00Z", "en", "today at 11:00"),
            // 03:30 UTC on Saturday is still Friday evening in Bogota.
            ("2026-03-07T03:30:00Z", "pt", "hoje às 22:30"),
            ("2026-03-07T14:00:00Z", "es", "mañana a las 09:00"),
            (
                "2026-03-09T16:00:00Z",
                "es",
                "el 9 de marzo de 2026 a las 11:00",
            ),
            ("2026-03-09T16:00:00Z", "en", "on March 9, 2026 at 11:00"),
        ];
        for (at, locale, want) in cases {
            let at: Timestamp = at.parse().unwrap();
            assert_eq!(
                due_text(at, &tz, locale, now),
                format!("{want} (America/Bogota)")
            );
        }
    }
}
