//! The ticket endpoints, as a self-contained router the service merges:
//! `POST /api/tickets`, `GET /api/tickets/token`, the thank-you page `GET /tickets/thanks`,
//! the action links' confirmation page `GET|POST /tickets/act` and the tools' report
//! `POST /api/tickets/{id}/events`.

mod act;
mod act_text;
mod answer;
mod events;
mod state;

pub use events::{TIMESTAMP_HEADER, signed_bytes as events_signed_bytes};
pub use state::{Inner, OpenError, TicketsState, default_data_dir, load_secret};

use crate::tickets::calendar::{self};
use crate::tickets::escalation::links::ACT_PATH;
use crate::tickets::guard::{self, TokenCheck};
use crate::tickets::keys::KeyCheck;
use crate::tickets::messages::{self, Msg};
use crate::tickets::store::Ticket;
use crate::tickets::validate::{self, FieldErrors, TicketInput};
use answer::{Ctx, Mode, header_str, page};
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use std::time::Duration;

/// The ticket routes with their own state, ready for `Router::merge`.
pub fn router(state: TicketsState) -> Router {
    Router::new()
        .route("/api/tickets", post(post_ticket))
        .route("/api/tickets/token", get(token))
        .route("/tickets/thanks", get(thanks))
        .route(ACT_PATH, get(act::show).post(act::apply))
        .route("/api/tickets/{id}/events", post(events::post_event))
        .with_state(state)
}

async fn token(State(s): State<TicketsState>) -> Response {
    let t = guard::issue_token(&s.0.secret, Timestamp::now().as_millisecond());
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"time_token": t})),
    )
        .into_response()
}

async fn post_ticket(State(s): State<TicketsState>, req: Request) -> Response {
    let inner = &s.0;
    let headers = req.headers().clone();
    // The media type without parameters: `application/jsonp` is not JSON.
    let content_type = guard::media_type(&headers);
    let mode = if content_type == "application/x-www-form-urlencoded" {
        Mode::Form
    } else {
        Mode::Json
    };
    let accept_lang =
        header_str(&headers, "accept-language").and_then(messages::from_accept_language);
    let mut ctx = Ctx {
        state: s.clone(),
        mode,
        lang: accept_lang.unwrap_or(messages::lang_of(&inner.default_locale)),
        locale: inner.default_locale.clone(),
        input: TicketInput::default(),
    };
    let ip = inner.proxy.client_of(req.headers(), req.extensions());
    if let Err(wait) = inner.limiter.take(ip, 1.0) {
        let r = ctx.refuse(StatusCode::TOO_MANY_REQUESTS, Msg::RateLimited(wait));
        return guard::with_retry_after(r, wait);
    }
    if mode == Mode::Json && content_type != "application/json" && !content_type.is_empty() {
        return ctx.refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::Unsupported);
    }
    let limit = inner.config.limits.max_body_bytes;
    let too_large = |ctx: &Ctx| ctx.refuse(StatusCode::PAYLOAD_TOO_LARGE, Msg::TooLarge(limit));
    let form = mode == Mode::Form;
    let read = guard::read_input(req, form, limit, inner.body_timeout, TicketInput::from_form);
    ctx.input = match read.await {
        Ok(input) => input,
        Err(guard::InputError::TooLarge) => return too_large(&ctx),
        Err(guard::InputError::Answer(r)) => return r,
    };
    let requested = ctx.input.locale.trim().to_string();
    if inner.locales.contains(&requested) {
        ctx.locale = requested.clone();
        ctx.lang = messages::lang_of(&requested);
    }
    // Browser guards: origin on anything a browser sends; honeypot and time trap on forms.
    let browser = mode == Mode::Form || headers.contains_key("sec-fetch-site");
    if browser
        && !guard::origin_allowed(
            header_str(&headers, "origin"),
            header_str(&headers, "sec-fetch-site"),
            header_str(&headers, "host"),
            &inner.base_url,
            &inner.config.form.allowed_origins,
        )
    {
        return ctx.refuse(StatusCode::FORBIDDEN, Msg::Origin);
    }
    if !ctx.input.website.trim().is_empty() {
        return ctx.refuse(StatusCode::BAD_REQUEST, Msg::Rejected);
    }
    if mode == Mode::Form || !ctx.input.form_ts.is_empty() {
        let check = guard::check_token(
            &inner.secret,
            &ctx.input.form_ts,
            Timestamp::now().as_millisecond(),
            Duration::from_secs(inner.config.form.min_fill_seconds),
            Duration::from_secs(inner.config.form.max_age_hours * 3600),
        );
        let msg = match check {
            TokenCheck::Ok => None,
            TokenCheck::Missing => Some(Msg::Confirm),
            TokenCheck::TooFast => Some(Msg::TooFast),
            TokenCheck::Expired => Some(Msg::FormExpired),
        };
        if let Some(m) = msg {
            return ctx.field_errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FieldErrors::from([("form", m)]),
            );
        }
    }
    // Partner key.
    let mut partner_key_name = None;
    if inner.config.partner_key_required {
        let key = header_str(&headers, "authorization")
            .and_then(guard::bearer_token)
            .map(str::to_string)
            .unwrap_or_else(|| ctx.input.partner_key.clone());
        if key.trim().is_empty() {
            return unauthorized(&ctx, Msg::MissingKey);
        }
        match inner.keys.verify(key).await {
            KeyCheck::Valid(name) => partner_key_name = Some(name),
            _ => {
                // A bad key costs more of the client's budget than a normal request.
                let _ = inner.limiter.take(ip, 4.0);
                return unauthorized(&ctx, Msg::BadKey);
            }
        }
    }
    let valid = match validate::validate(
        &ctx.input,
        &inner.config,
        &inner.locales,
        &inner.default_locale,
        partner_key_name.as_deref(),
    ) {
        Ok(v) => v,
        Err(errors) => return ctx.field_errors(StatusCode::UNPROCESSABLE_ENTITY, &errors),
    };
    let received = Timestamp::now();
    let deadlines = match calendar::deadlines(&inner.config, &inner.calendar, &valid.kind, received)
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("deadlines: {e}");
            return ctx.refuse(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable);
        }
    };
    let ticket = Ticket {
        id: String::new(),
        kind: valid.kind,
        status: "received".into(),
        created: received,
        locale: valid.locale,
        name: valid.name,
        email: valid.email,
        partner: valid.partner,
        partner_key: partner_key_name,
        subject: valid.subject,
        description: valid.description,
        page: valid.page,
        suggested: valid.suggested,
        opened: valid.opened,
        time_zone: inner.calendar.time_zone_name().to_string(),
        deadlines,
        progress: Default::default(),
    };
    let stored = match inner
        .store
        .insert(ticket, inner.deliverer.target_ids())
        .await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("storing ticket: {e}");
            let mut r = ctx.refuse(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return r;
        }
    };
    tracing::info!(ticket = %stored.id, kind = %stored.kind, "ticket received");
    let tz = ctx.input.tz.trim();
    let thanks = thanks_url(&s, &stored.id, &stored.locale, tz);
    let note = crate::server::AccessNote(stored.id.clone());
    let mut res = match mode {
        Mode::Form => (StatusCode::SEE_OTHER, [(header::LOCATION, thanks)]).into_response(),
        Mode::Json => {
            let cal = &inner.calendar;
            let d = &stored.deadlines;
            (
                StatusCode::CREATED,
                [(header::LOCATION, thanks.clone())],
                axum::Json(serde_json::json!({
                    "id": stored.id,
                    "type": stored.kind,
                    "status": stored.status,
                    "created": cal.rfc3339(stored.created),
                    "business_hours": d.business_hours,
                    "time_zone": cal.time_zone_name(),
                    "first_response_due": cal.rfc3339(d.first_response_target),
                    "first_response_breach": cal.rfc3339(d.first_response_breach),
                    "thanks_url": thanks,
                })),
            )
                .into_response()
        }
    };
    res.extensions_mut().insert(note);
    res
}

fn unauthorized(ctx: &Ctx, msg: Msg) -> Response {
    let mut r = match ctx.mode {
        Mode::Json => {
            let text = msg.text(ctx.lang);
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": text, "code": msg.code(), "errors": {"partner_key": text}})),
            )
                .into_response()
        }
        Mode::Form => ctx.field_errors(
            StatusCode::UNAUTHORIZED,
            &FieldErrors::from([("partner_key", msg)]),
        ),
    };
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"ayuda tickets\""),
    );
    r
}

fn thanks_url(s: &TicketsState, id: &str, locale: &str, tz: &str) -> String {
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
struct ThanksQuery {
    id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    sig: String,
}

async fn thanks(State(s): State<TicketsState>, Query(q): Query<ThanksQuery>) -> Response {
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
