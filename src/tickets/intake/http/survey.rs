//! The satisfaction survey of a closed ticket: `GET /tickets/survey?id=REF&exp=…&sig=…` shows
//! the form (or the answer once given), `POST /tickets/survey` stores the answer and redirects
//! to the same link (post/redirect/get).
//!
//! One answer per ticket: a second answer is refused (409) with the first one shown, so a
//! forwarded link or a double click never changes a rating. GET never changes anything; the
//! post passes the per-client limit and the Origin / Sec-Fetch-Site check of the other form
//! posts. The page is in the ticket's language and works without JavaScript.

use super::TicketsState;
use super::act::{ThemedPage, esc, guarded_form, lang_of, load_view};
use super::act_text;
use super::status::{plain_page, private_page};
use super::survey_text::{self as text, Why};
use crate::tickets::escalation::links::{LinkError, SURVEY_PATH, SurveyLink, status_path};
use crate::tickets::messages::{self, Msg};
use crate::tickets::store::{StoreError, SurveyAnswer, TicketView};
use crate::tickets::survey::SCORES;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

/// The longest comment kept with an answer (characters).
pub const MAX_COMMENT: usize = 2000;

/// The fields of the survey form.
#[derive(Default, serde::Deserialize)]
struct SurveyForm {
    link: SurveyLink,
    score: String,
    comment: String,
}

impl SurveyForm {
    fn parse(body: &[u8]) -> SurveyForm {
        let mut f = SurveyForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "id" => f.link.id = v.into_owned(),
                "exp" => f.link.exp = v.trim().parse().unwrap_or_default(),
                "sig" => f.link.sig = v.into_owned(),
                "score" => f.score = v.trim().to_string(),
                "comment" => f.comment = v.trim().to_string(),
                _ => {}
            }
        }
        f
    }
}

/// What one page shows.
#[derive(Default)]
struct Page {
    view: Option<TicketView>,
    /// Offer the form (with the link it posts back and what was typed).
    form: Option<SurveyForm>,
    error: Option<String>,
    /// Set right after the answer was stored.
    thanks: bool,
}

pub(super) async fn show(
    State(s): State<TicketsState>,
    headers: axum::http::HeaderMap,
    q: Result<Query<SurveyLink>, QueryRejection>,
) -> Response {
    let (lang, locale) = lang_of(&s, &headers);
    let link = q.map(|Query(q)| q).unwrap_or_default();
    if let Err(e) = link.verify(&s.inner().links, Timestamp::now()) {
        return refused(&s, lang, &locale, e);
    }
    let view = match load(&s, lang, &locale, &link.id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if view.survey.is_some() {
        // The answer is shown, with the thanks: the post redirects here.
        return page(&s, StatusCode::OK, view, None, None, true);
    }
    if view.status != "closed" {
        return not_closed(&s, view);
    }
    let form = SurveyForm {
        link,
        ..Default::default()
    };
    page(&s, StatusCode::OK, view, Some(form), None, false)
}

/// `POST /tickets/survey`: stores the answer, then 303 to the survey link.
pub(super) async fn answer(State(s): State<TicketsState>, req: Request) -> Response {
    let (lang, locale) = lang_of(&s, req.headers());
    let fail = |status, msg: Msg| message(&s, lang, &locale, status, msg.text(lang));
    let (form, ip) = match guarded_form(&s, req, SurveyForm::parse, fail).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let inner = s.inner();
    let now = Timestamp::now();
    if let Err(e) = form.link.verify(&inner.links, now) {
        // A forged link costs more of the client's budget, as a wrong key does.
        let _ = inner.limiter.take(ip, 4.0);
        return refused(&s, lang, &locale, e);
    }
    let view = match load(&s, lang, &locale, &form.link.id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let lang = messages::lang_of(&view.ticket.locale);
    if view.survey.is_some() {
        return answered(&s, view);
    }
    if view.status != "closed" {
        return not_closed(&s, view);
    }
    let score = form.score.parse::<u8>().ok().filter(|n| SCORES.contains(n));
    let why = match score {
        None => Some(Why::Score),
        Some(_) if form.comment.chars().count() > MAX_COMMENT => Some(Why::CommentTooLong),
        Some(_) => None,
    };
    let (Some(score), None) = (score, why) else {
        let error = text::message(lang, why.unwrap_or(Why::Score), "", MAX_COMMENT);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&s, status, view, Some(form), Some(error), false);
    };
    let answer = SurveyAnswer {
        score,
        comment: Some(form.comment.clone()).filter(|c| !c.is_empty()),
        at: now,
    };
    // A rating goes where every lifecycle event goes (email aside); it mails nobody.
    let targets = crate::tickets::targets::event_targets(&inner.config);
    match inner.store.rate(view.id.clone(), answer, targets).await {
        Ok(c) => {
            tracing::info!(ticket = %c.id, "survey answered");
            let to = form.link.path();
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        // Answered already, or not closed (any more): say which, with what stands.
        Err(StoreError::Refused(_)) => match load(&s, lang, &locale, &view.id).await {
            Ok(v) if v.survey.is_some() => answered(&s, v),
            Ok(v) => not_closed(&s, v),
            Err(r) => r,
        },
        Err(StoreError::NotFound(_)) => not_found(&s, lang, &locale),
        Err(e) => {
            tracing::error!("survey answer: {e}");
            let status = StatusCode::SERVICE_UNAVAILABLE;
            message(&s, lang, &locale, status, Msg::Unavailable.text(lang))
        }
    }
}

async fn load(
    s: &TicketsState,
    lang: &'static str,
    locale: &str,
    id: &str,
) -> Result<TicketView, Response> {
    let missing = || not_found(s, lang, locale);
    let down = |status, msg: Msg| message(s, lang, locale, status, msg.text(lang));
    load_view(s, id, "survey", missing, down).await
}

/// 409: the survey was answered already; the answer is shown.
fn answered(s: &TicketsState, view: TicketView) -> Response {
    let lang = messages::lang_of(&view.ticket.locale);
    let error = text::message(lang, Why::Answered, "", MAX_COMMENT);
    page(s, StatusCode::CONFLICT, view, None, Some(error), false)
}

/// 409: the ticket is not closed, so there is nothing to rate yet.
fn not_closed(s: &TicketsState, view: TicketView) -> Response {
    let lang = messages::lang_of(&view.ticket.locale);
    let status = act_text::status(lang, &view.status);
    let error = text::message(lang, Why::NotClosed, &status, MAX_COMMENT);
    page(s, StatusCode::CONFLICT, view, None, Some(error), false)
}

/// The survey of a ticket, in the ticket's language.
fn page(
    s: &TicketsState,
    status: StatusCode,
    view: TicketView,
    form: Option<SurveyForm>,
    error: Option<String>,
    thanks: bool,
) -> Response {
    let locale = s.inner().locale_or_default(&view.ticket.locale).to_string();
    let lang = messages::lang_of(&locale);
    let p = Page {
        view: Some(view),
        form,
        error,
        thanks,
    };
    render(s, lang, &locale, status, p)
}

fn message(
    s: &TicketsState,
    lang: &str,
    locale: &str,
    status: StatusCode,
    text: String,
) -> Response {
    let p = Page {
        error: Some(text),
        ..Default::default()
    };
    render(s, lang, locale, status, p)
}

fn not_found(s: &TicketsState, lang: &str, locale: &str) -> Response {
    let t = act_text::not_found(lang).to_string();
    message(s, lang, locale, StatusCode::NOT_FOUND, t)
}

/// 403 for a changed link, 410 for an expired one.
fn refused(s: &TicketsState, lang: &str, locale: &str, e: LinkError) -> Response {
    let (status, why) = match e {
        LinkError::Tampered => (StatusCode::FORBIDDEN, Why::Tampered),
        LinkError::Expired => (StatusCode::GONE, Why::Expired),
    };
    message(
        s,
        lang,
        locale,
        status,
        text::message(lang, why, "", MAX_COMMENT),
    )
}

/// The `survey` context of `ticket_survey.html`.
fn context(s: &TicketsState, lang: &str, p: &Page) -> serde_json::Value {
    let ticket = p.view.as_ref().map(|v| {
        let answer = v.survey.as_ref().map(|a| {
            serde_json::json!({
                "score": a.score,
                "score_label": text::score_label(lang, a.score),
                "comment": a.comment,
            })
        });
        serde_json::json!({
            "id": v.id,
            "subject": v.ticket.subject,
            "status_url": status_path(&s.inner().links, &v.id),
            "answer": answer,
        })
    });
    let form = p.form.as_ref().map(|f| {
        let scores: Vec<_> = SCORES
            .rev()
            .map(|n| {
                serde_json::json!({
                    "value": n,
                    "label": text::score_label(lang, n),
                    "checked": f.score == n.to_string(),
                })
            })
            .collect();
        serde_json::json!({
            "action": SURVEY_PATH,
            "id": f.link.id,
            "exp": f.link.exp,
            "sig": f.link.sig,
            "scores": scores,
            "comment": f.comment,
            "max_comment": MAX_COMMENT,
        })
    });
    serde_json::json!({
        "ticket": ticket,
        "form": form,
        "error": p.error,
        "thanks": p.thanks,
        "labels": text::labels(lang),
    })
}

fn render(s: &TicketsState, lang: &str, locale: &str, status: StatusCode, p: Page) -> Response {
    let ctx = context(s, lang, &p);
    let title = text::labels(lang)["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let view = ThemedPage {
        template: "ticket_survey.html",
        url: SURVEY_PATH,
        key: "survey",
        title: &title,
    };
    let html = view.html(s, locale, ctx, |c| fallback(lang, &title, c));
    private_page(status, html)
}

/// The page without a built theme (tests, `tickets serve-api`): the same content, plain.
fn fallback(lang: &str, title: &str, c: &serde_json::Value) -> String {
    plain_page(lang, title, c, |body| survey_body(body, c))
}

fn survey_body(body: &mut String, c: &serde_json::Value) {
    let l = &c["labels"];
    if c["thanks"] == true {
        body.push_str(&format!("<p role=\"status\">{}</p>", esc(&l["thanks"])));
    }
    if let Some(t) = c["ticket"].as_object() {
        body.push_str(&format!(
            "<p>{} <strong>{}</strong>: {}</p>",
            esc(&l["reference"]),
            esc(&t["id"]),
            esc(&t["subject"])
        ));
        if let Some(a) = t["answer"].as_object() {
            body.push_str(&format!(
                "<h2>{}</h2><p class=\"survey-answer\">{} {}: {}</p><p>{}</p>",
                esc(&l["your_answer"]),
                esc(&a["score"]),
                esc(&l["of_five"]),
                esc(&a["score_label"]),
                esc(&a["comment"])
            ));
        }
    }
    if let Some(f) = c["form"].as_object() {
        body.push_str(&format!(
            "<p>{}</p><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"exp\" value=\"{}\"><input type=\"hidden\" name=\"sig\" value=\"{}\"><fieldset><legend>{}</legend>",
            esc(&l["intro"]), esc(&f["action"]), esc(&f["id"]), esc(&f["exp"]), esc(&f["sig"]), esc(&l["legend"]),
        ));
        for sc in f["scores"].as_array().into_iter().flatten() {
            let checked = if sc["checked"] == true {
                " checked"
            } else {
                ""
            };
            body.push_str(&format!(
                "<label><input type=\"radio\" name=\"score\" value=\"{v}\" required{checked}> {v} — {}</label>",
                esc(&sc["label"]),
                v = esc(&sc["value"]),
            ));
        }
        body.push_str(&format!(
            "</fieldset><label for=\"survey-comment\">{}</label><textarea id=\"survey-comment\" name=\"comment\" maxlength=\"{}\">{}</textarea><button>{}</button></form>",
            esc(&l["comment"]), esc(&f["max_comment"]), esc(&f["comment"]), esc(&l["submit"]),
        ));
    }
    if let Some(t) = c["ticket"].as_object() {
        body.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            esc(&t["status_url"]),
            esc(&l["status_link"])
        ));
    }
}
