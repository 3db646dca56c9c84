//! `GET /tickets/act` and `POST /tickets/act`: the one-click action links of notifications.
//!
//! GET checks the link and shows a confirmation page (ticket, subject, status, what confirming
//! does, a button); it never changes anything, so link previews and scanners that open the
//! URL are harmless. POST carries the same signed fields: the signature is the capability,
//! and the Origin / Sec-Fetch-Site check of the other form posts keeps other sites from
//! submitting it. The change goes through `TicketStore::change` as the link's actor.

use super::TicketsState;
use super::act_text::{self as text};
use super::answer::header_str;
use crate::render::theme::PageMeta;
use crate::tickets::escalation::lifecycle::{Action, Change};
use crate::tickets::escalation::links::{ACT_PATH, ActionLink, LinkError};
use crate::tickets::guard;
use crate::tickets::messages::{self, Msg};
use crate::tickets::store::{StoreError, TicketView};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use std::net::IpAddr;

/// What a page of the flow shows; rendered as `ticket_action.html` (see docs/templates.md).
#[derive(Default)]
struct ActPage {
    title: String,
    view: Option<TicketView>,
    link: Option<ActionLink>,
    action: Option<Action>,
    /// Offer the confirmation form.
    confirm: bool,
    result: Option<String>,
    error: Option<String>,
}

/// The page's language and the site locale to render it in: the agent's browser language
/// when the site has it, else the site's default.
pub(super) fn lang_of(s: &TicketsState, headers: &HeaderMap) -> (&'static str, String) {
    let inner = s.inner();
    let lang = header_str(headers, "accept-language")
        .and_then(messages::from_accept_language)
        .unwrap_or(messages::lang_of(&inner.default_locale));
    let locale = if inner.locales.iter().any(|l| l == lang) {
        lang.to_string()
    } else {
        inner.default_locale.clone()
    };
    (lang, locale)
}

pub(super) async fn show(
    State(s): State<TicketsState>,
    headers: HeaderMap,
    link: Result<Query<ActionLink>, QueryRejection>,
) -> Response {
    let (lang, locale) = lang_of(&s, &headers);
    let Ok(Query(link)) = link else {
        return refused(&s, lang, &locale, LinkError::Tampered);
    };
    let action = match link.verify(&s.inner().links, Timestamp::now()) {
        Ok(a) => a,
        Err(e) => return refused(&s, lang, &locale, e),
    };
    let view = match load(&s, lang, &locale, &link.ticket).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let allowed = crate::tickets::targets::allowed_actions(&view.ticket, Timestamp::now());
    let confirm = allowed.contains(&action);
    let error = (!confirm).then(|| text::refused(lang, &text::status(lang, &view.status)));
    let page = ActPage {
        title: text::title(lang, action).to_string(),
        view: Some(view),
        link: Some(link),
        action: Some(action),
        confirm,
        error,
        ..Default::default()
    };
    render(&s, lang, &locale, StatusCode::OK, page)
}

pub(super) async fn apply(State(s): State<TicketsState>, req: Request) -> Response {
    let (lang, locale) = lang_of(&s, req.headers());
    let fail = |status, msg: Msg| message(&s, lang, &locale, status, msg);
    let (link, ip) = match guarded_form(&s, req, link_from_form, fail).await {
        Ok((Some(l), ip)) => (l, ip),
        Ok((None, _)) => return refused(&s, lang, &locale, LinkError::Tampered),
        Err(r) => return r,
    };
    let inner = s.inner();
    let now = Timestamp::now();
    let action = match link.verify(&inner.links, now) {
        Ok(a) => a,
        Err(e) => {
            // A forged or stale link costs more of the client's budget.
            let _ = inner.limiter.take(ip, 4.0);
            return refused(&s, lang, &locale, e);
        }
    };
    let change = Change {
        action,
        actor: link.actor.clone(),
        to: None,
        level: None,
        note: None,
        public: false,
    };
    let targets = crate::tickets::targets::targets_for(&inner.config, &change);
    let outcome = inner
        .store
        .change(link.ticket.clone(), change, targets, now)
        .await;
    let (status, result, refused_now) = match outcome {
        Ok(c) => {
            tracing::info!(ticket = %c.id, action = action.as_str(), actor = %link.actor, "changed from an action link");
            (
                StatusCode::OK,
                Some(text::done(lang, action, c.level)),
                false,
            )
        }
        Err(StoreError::Refused(_)) => (StatusCode::CONFLICT, None, true),
        Err(StoreError::NotFound(_)) => return not_found(&s, lang, &locale),
        Err(e) => {
            tracing::error!("action link: {e}");
            let status = StatusCode::SERVICE_UNAVAILABLE;
            return message(&s, lang, &locale, status, Msg::Unavailable);
        }
    };
    let view = match load(&s, lang, &locale, &link.ticket).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    // A refusal names the status the ticket has now (someone else acted first).
    let error = refused_now.then(|| text::refused(lang, &text::status(lang, &view.status)));
    let page = ActPage {
        title: text::title(lang, action).to_string(),
        view: Some(view),
        link: Some(link),
        action: Some(action),
        confirm: false,
        result,
        error,
    };
    render(&s, lang, &locale, status, page)
}

/// The guards of the pages' form posts, in order: the per-client limit, the Origin /
/// Sec-Fetch-Site check, then a bounded body read through `parse`. A refusal is answered by
/// `fail` (with `Retry-After` when limited); else the form and the client's address.
pub(super) async fn guarded_form<T: serde::de::DeserializeOwned>(
    s: &TicketsState,
    req: Request,
    parse: fn(&[u8]) -> T,
    fail: impl Fn(StatusCode, Msg) -> Response,
) -> Result<(T, IpAddr), Response> {
    let inner = s.inner();
    let headers = req.headers();
    let ip = inner.proxy.client_of(headers, req.extensions());
    if let Err(wait) = inner.limiter.take(ip, 1.0) {
        let r = fail(StatusCode::TOO_MANY_REQUESTS, Msg::RateLimited(wait));
        return Err(guard::with_retry_after(r, wait));
    }
    if !guard::origin_allowed(
        header_str(headers, "origin"),
        header_str(headers, "sec-fetch-site"),
        header_str(headers, "host"),
        &inner.base_url,
        &inner.config.form.allowed_origins,
    ) {
        return Err(fail(StatusCode::FORBIDDEN, Msg::Origin));
    }
    let limit = inner.config.limits.max_body_bytes;
    match guard::read_input(req, true, limit, inner.body_timeout, parse).await {
        Ok(form) => Ok((form, ip)),
        Err(guard::InputError::TooLarge) => {
            Err(fail(StatusCode::PAYLOAD_TOO_LARGE, Msg::TooLarge(limit)))
        }
        Err(guard::InputError::Answer(r)) => Err(r),
    }
}

/// The link fields of a posted form; `None` when one is missing or malformed.
fn link_from_form(body: &[u8]) -> Option<ActionLink> {
    let mut link = ActionLink {
        ticket: String::new(),
        action: String::new(),
        actor: String::new(),
        exp: 0,
        sig: String::new(),
    };
    let mut exp = None;
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "ticket" => link.ticket = v.into_owned(),
            "action" => link.action = v.into_owned(),
            "as" => link.actor = v.into_owned(),
            "exp" => exp = v.parse::<i64>().ok(),
            "sig" => link.sig = v.into_owned(),
            _ => {}
        }
    }
    link.exp = exp?;
    Some(link)
}

async fn load(
    s: &TicketsState,
    lang: &'static str,
    locale: &str,
    id: &str,
) -> Result<TicketView, Response> {
    let missing = || not_found(s, lang, locale);
    let down = |status, msg| message(s, lang, locale, status, msg);
    load_view(s, id, "action link", missing, down).await
}

/// Ticket `id`, or the page that says it is unknown (`missing`) or that the storage failed
/// (`down` with 503; the error is logged under `what`).
pub(super) async fn load_view(
    s: &TicketsState,
    id: &str,
    what: &str,
    missing: impl FnOnce() -> Response,
    down: impl FnOnce(StatusCode, Msg) -> Response,
) -> Result<TicketView, Response> {
    match s.inner().store.get(id.to_string()).await {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(missing()),
        Err(e) => {
            tracing::error!("{what}: {e}");
            Err(down(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable))
        }
    }
}

fn message_page(title: String, error: String) -> ActPage {
    ActPage {
        title,
        error: Some(error),
        ..Default::default()
    }
}

/// A page that only says why the request was refused (`msg` as title and alert).
fn message(s: &TicketsState, lang: &str, locale: &str, status: StatusCode, msg: Msg) -> Response {
    let text = msg.text(lang);
    render(s, lang, locale, status, message_page(text.clone(), text))
}

fn not_found(s: &TicketsState, lang: &'static str, locale: &str) -> Response {
    let t = text::not_found(lang).to_string();
    render(
        s,
        lang,
        locale,
        StatusCode::NOT_FOUND,
        message_page(t.clone(), t),
    )
}

/// 403: a link that is not ours, was changed, or has expired.
fn refused(s: &TicketsState, lang: &'static str, locale: &str, e: LinkError) -> Response {
    let (title, msg) = text::link_refused(lang, e == LinkError::Expired);
    let page = message_page(title.to_string(), msg.to_string());
    render(s, lang, locale, StatusCode::FORBIDDEN, page)
}

/// The `action` context of `ticket_action.html`.
fn context(lang: &str, p: &ActPage) -> serde_json::Value {
    let l = text::labels(lang);
    let ticket = p.view.as_ref().map(|v| {
        serde_json::json!({
            "id": v.id,
            "subject": v.ticket.subject,
            "status": v.status,
            "status_label": text::status(lang, &v.status),
            "level": v.level,
        })
    });
    let form = match (&p.link, p.confirm) {
        (Some(link), true) => serde_json::json!({
            "action": ACT_PATH,
            "fields": [
                {"name": "ticket", "value": link.ticket},
                {"name": "action", "value": link.action},
                {"name": "as", "value": link.actor},
                {"name": "exp", "value": link.exp.to_string()},
                {"name": "sig", "value": link.sig},
            ],
            "button": l.confirm,
        }),
        _ => serde_json::Value::Null,
    };
    let effect = match (p.action, &p.view, p.confirm) {
        (Some(a), Some(v), true) => text::effect(lang, a, v.level),
        _ => String::new(),
    };
    serde_json::json!({
        "ticket": ticket,
        "actor": p.link.as_ref().map(|l| l.actor.clone()),
        "effect": effect,
        "form": form,
        "result": p.result,
        "error": p.error,
        "labels": {
            "reference": l.reference, "subject": l.subject, "status": l.status,
            "actor": l.actor, "level": l.level,
        },
    })
}

fn render(
    s: &TicketsState,
    lang: &str,
    locale: &str,
    status: StatusCode,
    page: ActPage,
) -> Response {
    let ctx = context(lang, &page);
    let view = ThemedPage {
        template: "ticket_action.html",
        url: ACT_PATH,
        key: "action",
        title: &page.title,
    };
    let html = view.html(s, locale, ctx, |c| fallback(lang, &page.title, c));
    (
        status,
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::response::Html(html),
    )
        .into_response()
}

/// A page of the service in the theme: `template` with the context under `key`.
pub(super) struct ThemedPage<'a> {
    pub template: &'static str,
    pub url: &'static str,
    pub key: &'static str,
    pub title: &'a str,
}

impl ThemedPage<'_> {
    /// The page in the site's theme, or `fallback`'s plain HTML without a theme (tests,
    /// `tickets serve-api`) or when the template fails (logged).
    pub fn html(
        &self,
        s: &TicketsState,
        locale: &str,
        ctx: serde_json::Value,
        fallback: impl FnOnce(&serde_json::Value) -> String,
    ) -> String {
        if let Some(r) = &s.inner().renderer {
            let meta = PageMeta {
                title: self.title.to_string(),
                url: self.url.to_string(),
                description: String::new(),
            };
            match r.render(self.template, locale, &meta, &[(self.key, ctx.clone())]) {
                Ok(h) => return h,
                Err(e) => tracing::error!("rendering {}: {e}", self.template),
            }
        }
        fallback(&ctx)
    }
}

pub(super) fn esc(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page without a built theme (tests, `tickets serve-api`): the same content, plain.
fn fallback(lang: &str, title: &str, c: &serde_json::Value) -> String {
    let mut body = format!("<main><h1>{}</h1>", esc(&title.into()));
    if !c["error"].is_null() {
        body.push_str(&format!(
            "<div role=\"alert\"><p>{}</p></div>",
            esc(&c["error"])
        ));
    }
    if !c["result"].is_null() {
        body.push_str(&format!(
            "<div role=\"status\"><p>{}</p></div>",
            esc(&c["result"])
        ));
    }
    let l = &c["labels"];
    if let Some(t) = c["ticket"].as_object() {
        body.push_str(&format!(
            "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            esc(&l["reference"]), esc(&t["id"]), esc(&l["subject"]), esc(&t["subject"]),
            esc(&l["status"]), esc(&t["status_label"]), esc(&l["level"]), esc(&t["level"]),
            esc(&l["actor"]), esc(&c["actor"]),
        ));
    }
    if let Some(form) = c["form"].as_object() {
        body.push_str(&format!("<p>{}</p>", esc(&c["effect"])));
        body.push_str(&format!(
            "<form method=\"post\" action=\"{}\">",
            esc(&form["action"])
        ));
        for f in form["fields"].as_array().into_iter().flatten() {
            body.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(&f["name"]),
                esc(&f["value"])
            ));
        }
        body.push_str(&format!(
            "<button type=\"submit\">{}</button></form>",
            esc(&form["button"])
        ));
    }
    body.push_str("</main>");
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head><body>{body}</body></html>",
        esc(&lang.into()),
        esc(&title.into())
    )
}
