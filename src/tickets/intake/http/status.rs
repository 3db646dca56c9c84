//! The partner's side of a ticket: the status page `GET /tickets/status?id=REF&sig=…`, the
//! lookup form (`GET /tickets/status` without a signature, `POST /tickets/status` with the
//! reference and the partner key) and the confirmation of a resolved ticket
//! (`POST /tickets/status/confirm`: "It's solved" closes it, "Still a problem" reopens it).
//! A closed ticket's page links to the satisfaction survey, or shows its answer.
//!
//! The page shows what the partner may see: status and level in words, the dates, the
//! first-response deadline and the public notes, in the ticket's language. It names no agent
//! (actors, assignees and internal notes stay out). GET never changes anything; the posts pass
//! the per-client limit and the Origin / Sec-Fetch-Site check of the other form posts.

use super::TicketsState;
use super::act::{ThemedPage, esc, guarded_form, lang_of, load_view};
use super::act_text;
use super::status_text as text;
use super::thanks::due_text;
use crate::tickets::escalation::lifecycle::PARTNER_ACTOR;
use crate::tickets::escalation::lifecycle::{Action, Change};
use crate::tickets::escalation::links::{STATUS_PATH, SurveyLink, status_path, verify_status};
use crate::tickets::keys::KeyCheck;
use crate::tickets::messages::{self, Msg};
use crate::tickets::store::{StoreError, TicketView};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The path the confirmation form posts to.
pub const CONFIRM_PATH: &str = "/tickets/status/confirm";

/// The longest comment kept with "Still a problem" (characters).
const MAX_COMMENT: usize = 5000;

/// The query of the status page; both empty for the lookup form.
#[derive(Default, serde::Deserialize)]
pub(super) struct StatusQuery {
    #[serde(default)]
    id: String,
    #[serde(default)]
    sig: String,
}

/// The fields of the lookup form.
#[derive(Default, serde::Deserialize)]
struct LookupForm {
    reference: String,
    partner_key: String,
}

impl LookupForm {
    fn parse(body: &[u8]) -> LookupForm {
        let mut f = LookupForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "reference" => f.reference = v.trim().to_string(),
                "partner_key" => f.partner_key = v.trim().to_string(),
                _ => {}
            }
        }
        f
    }
}

/// The fields of the confirmation form.
#[derive(Default, serde::Deserialize)]
struct ConfirmForm {
    id: String,
    sig: String,
    answer: String,
    comment: String,
}

impl ConfirmForm {
    fn parse(body: &[u8]) -> ConfirmForm {
        let mut f = ConfirmForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "id" => f.id = v.into_owned(),
                "sig" => f.sig = v.into_owned(),
                "answer" => f.answer = v.into_owned(),
                "comment" => f.comment = v.trim().to_string(),
                _ => {}
            }
        }
        f
    }
}

/// What one page shows: a ticket (with its signature, for the confirmation form) or the lookup
/// form (with the reference typed), and a message.
#[derive(Default)]
struct Page {
    title: String,
    view: Option<(TicketView, String)>,
    lookup: Option<String>,
    error: Option<String>,
}

pub(super) async fn show(
    State(s): State<TicketsState>,
    headers: HeaderMap,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> Response {
    let (lang, locale) = lang_of(&s, &headers);
    let q = q.map(|Query(q)| q).unwrap_or_default();
    if q.id.is_empty() && q.sig.is_empty() {
        return lookup_page(&s, lang, &locale, StatusCode::OK, String::new(), None);
    }
    if verify_status(&s.inner().links, &q.id, &q.sig).is_err() {
        return refused(&s, lang, &locale);
    }
    match load(&s, lang, &locale, &q.id).await {
        Ok(view) => ticket_page(&s, StatusCode::OK, view, q.sig, None),
        Err(r) => r,
    }
}

/// `POST /tickets/status`: the reference and the partner key lead to the signed page. An
/// unknown ticket and a wrong key get the same answer, and the key is checked in both cases.
pub(super) async fn lookup(State(s): State<TicketsState>, req: Request) -> Response {
    let (lang, locale) = lang_of(&s, req.headers());
    let fail = |status, msg: Msg| message(&s, lang, &locale, status, msg);
    let (form, ip) = match guarded_form(&s, req, LookupForm::parse, fail).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let inner = s.inner();
    let key = inner.keys.verify(form.partner_key.clone()).await;
    let view = match inner.store.get(form.reference.clone()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("status lookup: {e}");
            return message(
                &s,
                lang,
                &locale,
                StatusCode::SERVICE_UNAVAILABLE,
                Msg::Unavailable,
            );
        }
    };
    match (key, view) {
        (KeyCheck::Valid(partner), Some(v))
            if v.ticket.partner_key.as_deref() == Some(&partner) =>
        {
            let to = status_path(&inner.links, &v.id);
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        _ => {
            // A wrong guess costs more of the client's budget, as a wrong key on the form does.
            let _ = inner.limiter.take(ip, 4.0);
            let error = Some(text::lookup_refused(lang).to_string());
            lookup_page(
                &s,
                lang,
                &locale,
                StatusCode::NOT_FOUND,
                form.reference,
                error,
            )
        }
    }
}

/// `POST /tickets/status/confirm`: the partner closes ("solved") or reopens ("reopen", with an
/// optional comment kept as a public note) a resolved ticket, as actor `partner`.
pub(super) async fn confirm(State(s): State<TicketsState>, req: Request) -> Response {
    let (lang, locale) = lang_of(&s, req.headers());
    let fail = |status, msg: Msg| message(&s, lang, &locale, status, msg);
    let (form, ip) = match guarded_form(&s, req, ConfirmForm::parse, fail).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let inner = s.inner();
    if verify_status(&inner.links, &form.id, &form.sig).is_err() {
        let _ = inner.limiter.take(ip, 4.0);
        return refused(&s, lang, &locale);
    }
    let (action, note) = match form.answer.as_str() {
        "solved" => (Action::Close, None),
        "reopen" => {
            let comment: String = form.comment.chars().take(MAX_COMMENT).collect();
            (Action::Reopen, Some(comment).filter(|c| !c.is_empty()))
        }
        _ => return message(&s, lang, &locale, StatusCode::BAD_REQUEST, Msg::Rejected),
    };
    // The partner answers a resolution only: a closed ticket stays closed for them (agents may
    // still reopen it), whatever a crafted post says.
    let view = match load(&s, lang, &locale, &form.id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if view.status != "resolved" {
        return not_resolved(&s, view, form.sig);
    }
    let change = Change {
        action,
        actor: PARTNER_ACTOR.to_string(),
        to: None,
        level: None,
        public: note.is_some(),
        note,
    };
    let targets = crate::tickets::targets::targets_for(&inner.config, &change);
    let now = Timestamp::now();
    match inner
        .store
        .change(form.id.clone(), change, targets, now)
        .await
    {
        Ok(c) => {
            tracing::info!(ticket = %c.id, action = action.as_str(), "answered by the partner");
            let to = status_path(&inner.links, &form.id);
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        // Someone acted first (an agent reopened, the watcher closed): say what it is now.
        Err(StoreError::Refused(_)) => match load(&s, lang, &locale, &form.id).await {
            Ok(view) => not_resolved(&s, view, form.sig),
            Err(r) => r,
        },
        Err(StoreError::NotFound(_)) => not_found(&s, lang, &locale),
        Err(e) => {
            tracing::error!("status confirmation: {e}");
            let status = StatusCode::SERVICE_UNAVAILABLE;
            message(&s, lang, &locale, status, Msg::Unavailable)
        }
    }
}

/// 409: the ticket is not resolved (any more), so the partner's answer changed nothing.
fn not_resolved(s: &TicketsState, view: TicketView, sig: String) -> Response {
    let lang = messages::lang_of(&view.ticket.locale);
    let error = text::not_resolved(lang, &act_text::status(lang, &view.status));
    ticket_page(s, StatusCode::CONFLICT, view, sig, Some(error))
}

async fn load(
    s: &TicketsState,
    lang: &'static str,
    locale: &str,
    id: &str,
) -> Result<TicketView, Response> {
    let missing = || not_found(s, lang, locale);
    let down = |status, msg| message(s, lang, locale, status, msg);
    load_view(s, id, "status page", missing, down).await
}

/// The page of a ticket, in the ticket's language.
fn ticket_page(
    s: &TicketsState,
    status: StatusCode,
    view: TicketView,
    sig: String,
    error: Option<String>,
) -> Response {
    let locale = s.inner().locale_or_default(&view.ticket.locale).to_string();
    let lang = messages::lang_of(&locale);
    let page = Page {
        title: text::labels(lang)["title"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        view: Some((view, sig)),
        error,
        ..Default::default()
    };
    render(s, lang, &locale, status, page)
}

fn lookup_page(
    s: &TicketsState,
    lang: &str,
    locale: &str,
    status: StatusCode,
    reference: String,
    error: Option<String>,
) -> Response {
    let page = Page {
        title: text::labels(lang)["lookup_title"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        lookup: Some(reference),
        error,
        ..Default::default()
    };
    render(s, lang, locale, status, page)
}

fn message(s: &TicketsState, lang: &str, locale: &str, status: StatusCode, msg: Msg) -> Response {
    let text = msg.text(lang);
    let page = Page {
        title: text.clone(),
        error: Some(text),
        ..Default::default()
    };
    render(s, lang, locale, status, page)
}

fn not_found(s: &TicketsState, lang: &str, locale: &str) -> Response {
    let t = act_text::not_found(lang).to_string();
    let page = Page {
        title: t.clone(),
        error: Some(t),
        ..Default::default()
    };
    render(s, lang, locale, StatusCode::NOT_FOUND, page)
}

/// 403: a status link that is not ours or was changed.
fn refused(s: &TicketsState, lang: &str, locale: &str) -> Response {
    let (title, msg) = text::link_refused(lang);
    let page = Page {
        title: title.to_string(),
        error: Some(msg.to_string()),
        ..Default::default()
    };
    render(s, lang, locale, StatusCode::FORBIDDEN, page)
}

/// The `status` context of `ticket_status.html`.
fn context(s: &TicketsState, lang: &str, locale: &str, p: &Page) -> serde_json::Value {
    let inner = s.inner();
    let now = Timestamp::now();
    let ticket = p.view.as_ref().map(|(v, sig)| {
        let t = &v.ticket;
        let tz = TimeZone::get(&t.time_zone).unwrap_or_else(|_| inner.calendar.time_zone().clone());
        let when = |at: Timestamp| {
            serde_json::json!({
                "text": due_text(at, &tz, locale, now),
                "iso": crate::tickets::calendar::rfc3339(at, &tz),
            })
        };
        let level = inner
            .config
            .level(&t.kind, v.level)
            .and_then(|l| l.name.as_ref())
            .map(|n| n.get(locale, &inner.default_locale).to_string())
            .unwrap_or_else(|| text::level(lang, v.level));
        let type_label = inner
            .config
            .request_type(&t.kind)
            .map(|rt| rt.label.get(locale, &inner.default_locale).to_string())
            .unwrap_or_else(|| t.kind.clone());
        let notes: Vec<_> = v
            .events
            .iter()
            .filter(|e| e.public)
            .filter_map(|e| e.note.as_ref().map(|n| (e.at, n)))
            .map(|(at, n)| serde_json::json!({"at": when(at), "text": n}))
            .collect();
        let updated = v.events.last().map(|e| when(e.at));
        let confirm = (v.status == "resolved")
            .then(|| serde_json::json!({"action": CONFIRM_PATH, "id": v.id, "sig": sig}));
        // A closed ticket links to its survey (a fresh link each time), or shows the answer.
        let survey = match &v.survey {
            Some(a) => Some(serde_json::json!({
                "answer": {"score": a.score, "score_label": super::survey_text::score_label(lang, a.score)},
            })),
            None if v.status == "closed" => Some(serde_json::json!({
                "url": SurveyLink::new(&inner.links, &v.id, now).path(),
            })),
            None => None,
        };
        serde_json::json!({
            "id": v.id,
            "subject": t.subject,
            "type_label": type_label,
            "status": v.status,
            "status_label": act_text::status(lang, &v.status),
            "level_label": level,
            "created": when(t.created),
            "first_response_due": when(t.deadlines.first_response_breach),
            "first_response_at": v.first_response_at.map(when),
            "updated": updated,
            "notes": notes,
            "confirm": confirm,
            "survey": survey,
        })
    });
    let lookup = p
        .lookup
        .as_ref()
        .map(|reference| serde_json::json!({"action": STATUS_PATH, "reference": reference}));
    serde_json::json!({
        "ticket": ticket,
        "lookup": lookup,
        "error": p.error,
        "labels": text::labels(lang),
    })
}

fn render(s: &TicketsState, lang: &str, locale: &str, status: StatusCode, page: Page) -> Response {
    let ctx = context(s, lang, locale, &page);
    let view = ThemedPage {
        template: "ticket_status.html",
        url: STATUS_PATH,
        key: "status",
        title: &page.title,
    };
    let html = view.html(s, locale, ctx, |c| fallback(lang, &page.title, c));
    private_page(status, html)
}

/// A page of the partner's signed links: not kept by caches, not indexed, and its address
/// (which carries the signature) never sent to another site.
pub(super) fn private_page(status: StatusCode, html: String) -> Response {
    let mut r = (status, axum::response::Html(html)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// The plain page without a theme around the HTML `main` writes: the title, the error of
/// context `c` when there is one, and `noindex`.
pub(super) fn plain_page(
    lang: &str,
    title: &str,
    c: &serde_json::Value,
    main: impl FnOnce(&mut String),
) -> String {
    let mut body = format!("<main><h1>{}</h1>", esc(&title.into()));
    if !c["error"].is_null() {
        body.push_str(&format!(
            "<div role=\"alert\"><p>{}</p></div>",
            esc(&c["error"])
        ));
    }
    main(&mut body);
    body.push_str("</main>");
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>{}</title></head><body>{body}</body></html>",
        esc(&lang.into()),
        esc(&title.into())
    )
}

/// The page without a built theme (tests, `tickets serve-api`): the same content, plain.
fn fallback(lang: &str, title: &str, c: &serde_json::Value) -> String {
    plain_page(lang, title, c, |body| ticket_and_lookup(body, c))
}

fn ticket_and_lookup(body: &mut String, c: &serde_json::Value) {
    let l = &c["labels"];
    if let Some(t) = c["ticket"].as_object() {
        body.push_str("<dl>");
        let rows = [
            ("reference", &t["id"]),
            ("subject", &t["subject"]),
            ("type", &t["type_label"]),
            ("status", &t["status_label"]),
            ("level", &t["level_label"]),
            ("created", &t["created"]["text"]),
            ("first_response_due", &t["first_response_due"]["text"]),
            ("first_response_at", &t["first_response_at"]["text"]),
            ("updated", &t["updated"]["text"]),
        ];
        for (k, v) in rows.into_iter().filter(|(_, v)| !v.is_null()) {
            body.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(&l[k]), esc(v)));
        }
        body.push_str(&format!("</dl><h2>{}</h2><ul>", esc(&l["notes"])));
        for n in t["notes"].as_array().into_iter().flatten() {
            body.push_str(&format!(
                "<li><time>{}</time> {}</li>",
                esc(&n["at"]["text"]),
                esc(&n["text"])
            ));
        }
        body.push_str("</ul>");
        if let Some(sv) = t["survey"].as_object() {
            body.push_str(&format!("<h2>{}</h2>", esc(&l["survey_title"])));
            if let Some(a) = sv.get("answer").and_then(|a| a.as_object()) {
                body.push_str(&format!(
                    "<p>{}: {} {} ({})</p>",
                    esc(&l["survey_answered"]),
                    esc(&a["score"]),
                    esc(&l["of_five"]),
                    esc(&a["score_label"])
                ));
            } else {
                body.push_str(&format!(
                    "<p><a href=\"{}\">{}</a></p>",
                    esc(sv.get("url").unwrap_or_default()),
                    esc(&l["survey_invite"])
                ));
            }
        }
        if let Some(f) = t["confirm"].as_object() {
            body.push_str(&format!(
                "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"sig\" value=\"{}\"><label for=\"comment\">{}</label><textarea id=\"comment\" name=\"comment\"></textarea><button name=\"answer\" value=\"solved\">{}</button><button name=\"answer\" value=\"reopen\">{}</button></form>",
                esc(&f["action"]), esc(&f["id"]), esc(&f["sig"]), esc(&l["comment"]), esc(&l["solved"]), esc(&l["reopen"]),
            ));
        }
    }
    if let Some(f) = c["lookup"].as_object() {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{}\"><label for=\"reference\">{}</label><input id=\"reference\" name=\"reference\" value=\"{}\"><label for=\"partner_key\">{}</label><input id=\"partner_key\" name=\"partner_key\" type=\"password\"><button>{}</button></form>",
            esc(&f["action"]), esc(&l["reference"]), esc(&f["reference"]), esc(&l["partner_key"]), esc(&l["lookup_button"]),
        ));
    }
}
