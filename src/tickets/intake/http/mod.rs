//! The ticket endpoints, as a self-contained router the service merges:
//! `POST /api/tickets`, `GET /api/tickets/token`, the thank-you page `GET /tickets/thanks`,
//! the form again after a refused form post `GET /tickets/form` ([`draft`]), the action links'
//! confirmation page `GET|POST /tickets/act`, the partner's status page and lookup form
//! `GET|POST /tickets/status` with its confirmation `POST /tickets/status/confirm`, the
//! satisfaction survey `GET|POST /tickets/survey`, the attachments' downloads
//! `GET /tickets/attachment`, and the tools' report
//! `POST /api/tickets/{id}/events`.

mod act;
mod act_text;
mod answer;
mod attachment;
mod draft;
mod events;
mod state;
mod status;
mod status_text;
mod survey;
mod survey_text;
mod thanks;
mod upload;

pub use draft::{DRAFT_CAPACITY, DRAFT_TTL, Draft, Drafts};
pub use events::{TIMESTAMP_HEADER, signed_bytes as events_signed_bytes};
pub use state::{Inner, OpenError, TicketsState, default_data_dir, load_secret};
pub(crate) use thanks::due_text;

use crate::tickets::attachments;
use crate::tickets::calendar::{self};
use crate::tickets::escalation::links::{ACT_PATH, ATTACHMENT_PATH, STATUS_PATH, SURVEY_PATH};
use crate::tickets::guard::{self, TokenCheck};
use crate::tickets::keys::KeyCheck;
use crate::tickets::messages::{self, Msg};
use crate::tickets::report::http as report;
use crate::tickets::store::Ticket;
use crate::tickets::validate::{self, FieldErrors, TicketInput};
use answer::{Ctx, Mode, header_str};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use std::time::Duration;

/// The ticket routes with their own state, ready for `Router::merge`.
pub fn router(state: TicketsState) -> Router {
    Router::new()
        .route("/api/tickets", post(post_ticket))
        .route("/api/tickets/token", get(token))
        .route("/tickets/thanks", get(thanks::thanks))
        .route("/tickets/form", get(draft::draft_page))
        .route(ACT_PATH, get(act::show).post(act::apply))
        .route(STATUS_PATH, get(status::show).post(status::lookup))
        .route(status::CONFIRM_PATH, post(status::confirm))
        .route(SURVEY_PATH, get(survey::show).post(survey::answer))
        .route(ATTACHMENT_PATH, get(attachment::download))
        .route("/api/tickets/{id}/events", post(events::post_event))
        .route(report::REPORT_PATH, get(report::page))
        .route(report::STYLE_PATH, get(report::style))
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
    let multipart = content_type == "multipart/form-data";
    let mode = if content_type == "application/x-www-form-urlencoded" || multipart {
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
    // Programs are refused at once; a form's body is read first, so the partner's language is
    // known and what they typed is kept for the form (the body is bounded all the same).
    let limited = inner.limiter.take(ip, 1.0).err();
    if let (Some(wait), Mode::Json) = (limited, mode) {
        let r = ctx.refuse(StatusCode::TOO_MANY_REQUESTS, Msg::RateLimited(wait));
        return guard::with_retry_after(r, wait);
    }
    if mode == Mode::Json && content_type != "application/json" && !content_type.is_empty() {
        return ctx.refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::Unsupported);
    }
    let limit = inner.config.limits.max_body_bytes;
    let too_large = |ctx: &Ctx| ctx.refuse(StatusCode::PAYLOAD_TOO_LARGE, Msg::TooLarge(limit));
    let form = mode == Mode::Form;
    // Only the form with files may send more than `max_body_bytes`: its own bound covers the
    // files (support.attachments), the text fields keep theirs.
    let read = if multipart {
        upload::read(req, &inner.config, inner.body_timeout).await
    } else {
        let read = guard::read_input(req, form, limit, inner.body_timeout, TicketInput::from_form);
        read.await.map(|input| (input, Vec::new()))
    };
    let uploads;
    (ctx.input, uploads) = match read {
        Ok(read) => read,
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
    // Files cannot wait in a draft: a form sent back asks for them again.
    let sent_files = uploads
        .iter()
        .any(|u| u.size > 0 || !u.name.trim().is_empty());
    if let Some(wait) = limited {
        let mut errors = FieldErrors::from([("form", Msg::RateLimited(wait))]);
        if sent_files {
            errors.insert(upload::FILES_FIELD, Msg::AttachAgain);
        }
        let r = ctx.to_draft(&errors);
        return guard::with_retry_after(r, wait);
    }
    let mut refused = FieldErrors::new();
    if mode == Mode::Form || !ctx.input.form_ts.is_empty() {
        let check = guard::check_token(
            &inner.secret,
            &ctx.input.form_ts,
            Timestamp::now().as_millisecond(),
            Duration::from_secs(inner.config.form.min_fill_seconds),
            Duration::from_secs(inner.config.form.max_age_hours * 3600),
        );
        match check {
            TokenCheck::Ok => {}
            TokenCheck::Missing => _ = refused.insert("form", Msg::Confirm),
            TokenCheck::TooFast => _ = refused.insert("form", Msg::TooFast),
            TokenCheck::Expired => _ = refused.insert("form", Msg::FormExpired),
        }
    }
    // The key and every field are checked in the same round, so a partner fixes everything at
    // once. A form refused by the time trap is not worth an argon2 check of its key.
    let key = partner_key(&ctx, &headers, refused.is_empty()).await;
    if let PartnerKey::Bad(msg) = key {
        if msg == Msg::BadKey {
            // A wrong key costs more of the client's budget than a normal request.
            let _ = inner.limiter.take(ip, 4.0);
        }
        refused.insert("partner_key", msg);
    }
    let files = match attachments::check(&uploads, &inner.config.attachments) {
        Ok(files) => files,
        Err(msg) => {
            refused.insert(upload::FILES_FIELD, msg);
            Vec::new()
        }
    };
    let partner_key_name = match key {
        PartnerKey::Valid(name) => Some(name),
        _ => None,
    };
    // With keys, the partner is the key's: a key not (yet) valid leaves the field unjudged.
    let partner = match (&partner_key_name, inner.config.partner_key_required) {
        (Some(name), _) => Some(name.as_str()),
        (None, true) => Some(UNJUDGED_PARTNER),
        (None, false) => None,
    };
    let validated = validate::validate(
        &ctx.input,
        &inner.config,
        &inner.locales,
        &inner.default_locale,
        partner,
    );
    let valid = match validated {
        Ok(v) if refused.is_empty() => v,
        Ok(_) => return refuse_fields(&ctx, &mut refused, sent_files),
        Err(errors) => {
            refused.extend(errors);
            return refuse_fields(&ctx, &mut refused, sent_files);
        }
    };
    let received = Timestamp::now();
    let deadlines = match calendar::deadlines(&inner.config, &inner.calendar, &valid.kind, received)
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("deadlines: {e}");
            return unavailable(&ctx, sent_files);
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
        cc: valid.cc,
        partner_time_zone: Some(ctx.input.tz.trim())
            .filter(|tz| !tz.is_empty() && jiff::tz::TimeZone::get(tz).is_ok())
            .map(str::to_string),
        progress: Default::default(),
        attachments: Vec::new(),
    };
    let (ticket, staged) = match stage_files(&s, ticket, files).await {
        Ok(staged) => staged,
        Err(e) => {
            tracing::error!("storing attachments: {e}");
            return unavailable(&ctx, sent_files);
        }
    };
    let inserted = inner
        .store
        .insert(ticket, inner.deliverer.target_ids())
        .await;
    let stored = match (inserted, staged) {
        (Ok(t), Some(dir)) => {
            if let Err(e) = attachments::commit(&inner.data_dir, &dir, &t.id) {
                tracing::error!(ticket = %t.id, "moving attachments into place: {e}");
            }
            t
        }
        (Ok(t), None) => t,
        (Err(e), staged) => {
            tracing::error!("storing ticket: {e}");
            if let Some(dir) = staged {
                attachments::discard(&dir);
            }
            return unavailable(&ctx, sent_files);
        }
    };
    if !ctx.input.draft.is_empty() {
        inner.drafts.remove(&ctx.input.draft);
    }
    tracing::info!(ticket = %stored.id, kind = %stored.kind, "ticket received");
    let tz = ctx.input.tz.trim();
    let thanks = thanks::thanks_url(&s, &stored.id, &stored.locale, tz);
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
                    "status_url": thanks::status_url(&s, &stored.id),
                })),
            )
                .into_response()
        }
    };
    res.extensions_mut().insert(note);
    res
}

/// Stands for the partner while the key is not valid: the key's partner will replace the field.
const UNJUDGED_PARTNER: &str = "-";

/// What the request's partner key says.
enum PartnerKey {
    /// Keys are off, or the key was not checked (the form failed the time trap).
    Unchecked,
    Valid(String),
    /// Missing or not valid: the message for the `partner_key` field.
    Bad(Msg),
}

/// Checks the key of the request (`Authorization: Bearer`, else the `partner_key` field) when
/// the site requires keys and `check` is true.
async fn partner_key(ctx: &Ctx, headers: &HeaderMap, check: bool) -> PartnerKey {
    let inner = &ctx.state.0;
    if !inner.config.partner_key_required || !check {
        return PartnerKey::Unchecked;
    }
    let key = header_str(headers, "authorization")
        .and_then(guard::bearer_token)
        .map(str::to_string)
        .unwrap_or_else(|| ctx.input.partner_key.clone());
    if key.trim().is_empty() {
        return PartnerKey::Bad(Msg::MissingKey);
    }
    match inner.keys.verify(key).await {
        KeyCheck::Valid(name) => PartnerKey::Valid(name),
        _ => PartnerKey::Bad(Msg::BadKey),
    }
}

/// Writes the checked files to a staging folder and records them on the ticket (no files: no
/// folder).
async fn stage_files(
    s: &TicketsState,
    mut ticket: Ticket,
    files: Vec<attachments::Checked>,
) -> std::io::Result<(Ticket, Option<std::path::PathBuf>)> {
    if files.is_empty() {
        return Ok((ticket, None));
    }
    let data = s.inner().data_dir.clone();
    let staged = tokio::task::spawn_blocking(move || attachments::stage(&data, &files))
        .await
        .map_err(std::io::Error::other)??;
    ticket.attachments = staged.1;
    Ok((ticket, Some(staged.0)))
}

/// Every refused field at once: 401 with `WWW-Authenticate` when the key is among them, else
/// 422; forms get the draft page, asking for the files again when some were sent.
fn refuse_fields(ctx: &Ctx, errors: &mut FieldErrors, sent_files: bool) -> Response {
    if sent_files && ctx.mode == Mode::Form {
        errors
            .entry(upload::FILES_FIELD)
            .or_insert(Msg::AttachAgain);
    }
    let errors = &*errors;
    let key = errors.get("partner_key").copied();
    match (ctx.mode, key) {
        (Mode::Json, Some(msg)) => {
            let map: std::collections::BTreeMap<&str, String> = errors
                .iter()
                .map(|(k, m)| (*k, ctx.localized(*m)))
                .collect();
            let mut r = (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": msg.text(ctx.lang), "code": msg.code(), "errors": map})),
            )
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ayuda tickets\""),
            );
            r
        }
        _ => ctx.field_errors(StatusCode::UNPROCESSABLE_ENTITY, errors),
    }
}

/// Storage down: 503 with `Retry-After` for programs, the draft page for forms.
fn unavailable(ctx: &Ctx, sent_files: bool) -> Response {
    match ctx.mode {
        Mode::Json => {
            let mut r = ctx.refuse(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            r
        }
        Mode::Form => {
            let mut errors = FieldErrors::from([("form", Msg::Unavailable)]);
            if sent_files {
                errors.insert(upload::FILES_FIELD, Msg::AttachAgain);
            }
            ctx.to_draft(&errors)
        }
    }
}
