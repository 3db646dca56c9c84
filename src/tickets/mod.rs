//! Tickets: intake, validation, SLA calendar, durable escalation queue and deliveries.
//!
//! Flow, one sub-folder per stage: a post (form or JSON) passes [`intake`] (guards, partner
//! keys, validation), gets its deadlines from the business calendar in [`escalation`], and is
//! stored with its contact chain and delivery jobs in one transaction in the [`queue`] before
//! the partner sees 201/303; the queue's worker then hands it to the team's tools, one
//! [`targets`] file per kind.

pub mod cli;
pub mod config;
pub mod escalation;
pub mod intake;
pub mod queue;
pub mod report;
pub mod targets;

// The paths the service, the tests and `main.rs` use, kept across the move into sub-folders.
pub use escalation::calendar;
pub use intake::{attachments, guard, http, keys, messages, validate};
pub use queue::{store, survey};
pub use targets as deliver;

pub use config::SupportConfig;
pub use http::{TicketsState, router};

use crate::config::Localized;
use config::{Clock, SlaRule};
use std::collections::BTreeMap;

/// True when the site offers the ticket form (the default configuration does).
pub fn tickets_enabled() -> bool {
    SupportConfig::default().tickets_enabled()
}

/// The path of the theme's script-facing time-token endpoint.
pub const TOKEN_URL: &str = "/api/tickets/token";

/// A localized SLA hint for one rule (`Primera respuesta en 2–3 h hábiles`).
fn rule_hint(rule: &SlaRule, lang: &str) -> String {
    let hours = |d: jiff::SignedDuration| d.as_secs_f64() / 3600.0;
    messages::sla_hint(
        lang,
        hours(rule.target.0),
        rule.clock == Clock::Business,
        hours(rule.breach()),
    )
}

/// The SLA hint of a request type: the business-hours rule, plus the outside one when different.
pub fn type_sla_hint(
    t: &config::RequestType,
    locale: &str,
    strings: &BTreeMap<String, String>,
) -> String {
    let lang = messages::lang_of(locale);
    let inside = t.sla.rule(true).map(|r| rule_hint(r, lang));
    let outside = t.sla.rule(false).map(|r| rule_hint(r, lang));
    match (inside, outside) {
        (Some(i), Some(o)) if i != o => {
            let label = strings
                .get("ticket_outside_hours")
                .cloned()
                .unwrap_or_else(|| {
                    match lang {
                        "es" => "fuera del horario laboral",
                        "pt" => "fora do horário comercial",
                        _ => "outside business hours",
                    }
                    .to_string()
                });
            let lower = o.chars().next().map_or(String::new(), |c| {
                c.to_lowercase().collect::<String>() + &o[c.len_utf8()..]
            });
            format!("{i}; {label}: {lower}")
        }
        (Some(i), _) => i,
        (None, Some(o)) => o,
        (None, None) => String::new(),
    }
}

fn label(l: &Localized, locale: &str) -> String {
    l.get(locale, "en").to_string()
}

/// The `ticket_form` context of the ticket page in `locale` (see docs/templates.md).
///
/// The page is static, so `time_token` is empty here: the theme's script fills the `form_ts`
/// field from `token_url` when the page loads (see [`guard`] for the no-JavaScript path).
pub fn form_context(
    config: &SupportConfig,
    locale: &str,
    strings: &BTreeMap<String, String>,
) -> serde_json::Value {
    let types: Vec<serde_json::Value> = config
        .types
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "label": label(&t.label, locale),
                "sla": type_sla_hint(t, locale, strings),
            })
        })
        .collect();
    serde_json::json!({
        "action": "/api/tickets",
        "types": types,
        "values": {"locale": locale},
        "errors": {},
        "partner_key_required": config.partner_key_required,
        "time_token": "",
        "token_url": TOKEN_URL,
        "suggest_url": "/api/suggest",
        "min_fill_seconds": config.form.min_fill_seconds,
        "attachments": attachments_context(&config.attachments, strings),
    })
}

/// The `ticket_form.attachments` context: whether the form takes files, the `accept` list of
/// the file input and the hint with the limits (`{files}`, `{size}`, `{types}` of the theme's
/// `ticket_attachments_hint` filled in).
fn attachments_context(
    a: &config::AttachmentsConfig,
    strings: &BTreeMap<String, String>,
) -> serde_json::Value {
    let types: Vec<String> = a.types.iter().map(|t| t.to_uppercase()).collect();
    let accept: Vec<String> = a.types.iter().map(|t| format!(".{t}")).collect();
    let size = messages::size(a.max_file_bytes);
    let hint = strings
        .get("ticket_attachments_hint")
        .map(|h| {
            h.replace("{files}", &a.max_files.to_string())
                .replace("{size}", &size)
                .replace("{types}", &types.join(", "))
        })
        .unwrap_or_default();
    serde_json::json!({
        "enabled": a.enabled,
        "accept": accept.join(","),
        "max_files": a.max_files,
        "hint": hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_context_lists_types_with_hints() {
        let c = SupportConfig::default();
        let ctx = form_context(&c, "es", &BTreeMap::new());
        let types = ctx["types"].as_array().unwrap();
        assert_eq!(types.len(), 3);
        assert_eq!(types[1]["id"], "technical");
        assert_eq!(types[1]["label"], "Error o pregunta técnica");
        assert_eq!(
            types[1]["sla"],
            "Primera respuesta en 2–3 h hábiles; fuera del horario laboral: primera respuesta en 24 h"
        );
        assert_eq!(types[2]["sla"], "Primera respuesta en 24 h");
        assert_eq!(ctx["partner_key_required"], true);
        let en = form_context(&c, "en", &BTreeMap::new());
        assert_eq!(
            en["types"][0]["sla"],
            "First response within 2–3 business hours"
        );
    }
}
