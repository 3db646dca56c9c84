//! `POST /api/feedback` ("Was this article helpful?") and `POST /api/search/opened` (a result
//! of the search page was opened), the two signals the content report reads besides the
//! searches that found nothing.
//!
//! Votes come from the article page's form: a plain form post answered by a 303 back to the
//! article (`#feedback-thanks` shows the thanks), or by the theme's `feedback.html` page when
//! it cannot go back or the vote is refused; JSON answers JSON (201, 422 `{"errors"}`). The
//! guards are the ticket form's where they fit: the per-client rate limit, a body size limit,
//! the origin check on anything a browser sends, and the honeypot. There is no time trap: the
//! article page is static and a vote needs no second confirmation.

use super::AppState;
use crate::feedback::store::FeedbackStore;
use crate::feedback::{self, FeedbackInput, Problems};
use crate::render::theme::PageMeta;
use crate::tickets::guard::{self, RateLimiter};
use crate::tickets::messages::{self, Msg};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// What the feedback routes need besides the service state.
pub struct FeedbackService {
    pub store: Arc<dyn FeedbackStore>,
    /// Its own buckets, sized like the ticket form's (`support.limits.rate_limit_per_minute`).
    pub limiter: RateLimiter,
    pub base_url: String,
    /// `support.form.allowed_origins`.
    pub allowed_origins: Vec<String>,
    pub body_timeout: Duration,
}

/// Largest `POST /api/search/opened` body.
const MAX_OPENED_BODY: usize = 1024;

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// How an answer is shaped: a page for browser forms, JSON otherwise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Json,
    Form,
}

struct Answer {
    state: AppState,
    mode: Mode,
    locale: String,
    input: FeedbackInput,
}

impl Answer {
    fn refuse(&self, status: StatusCode, msg: Msg) -> Response {
        let text = msg.text(&self.locale);
        match self.mode {
            Mode::Json => (
                status,
                axum::Json(serde_json::json!({"error": text, "code": msg.code()})),
            )
                .into_response(),
            Mode::Form => (status, self.page(serde_json::json!({"error": text}))).into_response(),
        }
    }

    fn problems(&self, problems: &Problems) -> Response {
        let errors: serde_json::Map<String, serde_json::Value> = problems
            .iter()
            .map(|(k, p)| (k.to_string(), p.text(&self.locale).into()))
            .collect();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        match self.mode {
            Mode::Json => {
                (status, axum::Json(serde_json::json!({"errors": errors}))).into_response()
            }
            Mode::Form => {
                (status, self.page(serde_json::json!({"errors": errors}))).into_response()
            }
        }
    }

    /// The theme's `feedback.html` with `feedback` = `extra` plus the article's return link.
    fn page(&self, mut ctx: serde_json::Value) -> Html<String> {
        let back = feedback::return_path(&self.input.page).unwrap_or("");
        ctx["back_url"] = back.into();
        let site = self.state.site.load();
        let lang = messages::lang_of(&self.locale);
        let title = match (ctx.get("error").or(ctx.get("errors")), lang) {
            (None, "es") => "Gracias por tu opinión",
            (None, "pt") => "Obrigado pela sua opinião",
            (None, _) => "Thank you for your feedback",
            (Some(_), "es") => "No pudimos guardar tu opinión",
            (Some(_), "pt") => "Não foi possível salvar sua opinião",
            (Some(_), _) => "We could not save your feedback",
        };
        if let Some(r) = &site.renderer {
            let meta = PageMeta {
                title: title.to_string(),
                url: "/api/feedback".into(),
                description: String::new(),
            };
            match r.render(
                "feedback.html",
                &self.locale,
                &meta,
                &[("feedback", ctx.clone())],
            ) {
                Ok(html) => return Html(html),
                Err(e) => tracing::error!("rendering feedback.html: {e}"),
            }
        }
        let esc = crate::util::escape_html;
        let mut body = format!("<h1>{}</h1>", esc(title));
        if let Some(e) = ctx["error"].as_str() {
            body.push_str(&format!("<p>{}</p>", esc(e)));
        }
        for (field, e) in ctx["errors"].as_object().into_iter().flatten() {
            body.push_str(&format!(
                "<p>{}: {}</p>",
                esc(field),
                esc(e.as_str().unwrap_or(""))
            ));
        }
        if !back.is_empty() {
            body.push_str(&format!("<p><a href=\"{}\">←</a></p>", esc(back)));
        }
        Html(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><main>{body}</main></body></html>",
            esc(&self.locale),
            esc(title)
        ))
    }
}

/// The site's locales: those the build published, else the theme's languages.
fn site_locales(state: &AppState) -> Vec<String> {
    let site = state.site.load();
    let mut locales: Vec<String> = site
        .renderer
        .as_ref()
        .map(|r| r.locales().map(str::to_string).collect())
        .unwrap_or_default();
    if locales.is_empty() {
        locales = messages::LANGUAGES.iter().map(|s| s.to_string()).collect();
    }
    locales
}

/// True when a browser may send this post (the ticket form's origin rule).
fn origin_ok(service: &FeedbackService, headers: &HeaderMap) -> bool {
    guard::origin_allowed(
        header_str(headers, "origin"),
        header_str(headers, "sec-fetch-site"),
        header_str(headers, "host"),
        &service.base_url,
        &service.allowed_origins,
    )
}

/// `POST /api/feedback`: `article`, `locale`, `helpful` (yes/no), optional `comment`.
pub async fn post(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let content_type = guard::media_type(&headers);
    let mode = if content_type == "application/x-www-form-urlencoded" {
        Mode::Form
    } else {
        Mode::Json
    };
    let accept = header_str(&headers, "accept-language").and_then(messages::from_accept_language);
    let mut answer = Answer {
        state: state.clone(),
        mode,
        locale: accept.unwrap_or("en").to_string(),
        input: FeedbackInput::default(),
    };
    let Some(service) = state.feedback.clone() else {
        return answer.refuse(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable);
    };
    let client = state.proxy.client_of(req.headers(), req.extensions());
    if let Err(wait) = service.limiter.take(client, 1.0) {
        let r = answer.refuse(StatusCode::TOO_MANY_REQUESTS, Msg::RateLimited(wait));
        return guard::with_retry_after(r, wait);
    }
    if mode == Mode::Json && content_type != "application/json" && !content_type.is_empty() {
        return answer.refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::Unsupported);
    }
    let too_large = |a: &Answer| {
        a.refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::TooLarge(feedback::MAX_BODY),
        )
    };
    let form = mode == Mode::Form;
    let read = guard::read_input(
        req,
        form,
        feedback::MAX_BODY,
        service.body_timeout,
        FeedbackInput::from_form,
    );
    answer.input = match read.await {
        Ok(input) => input,
        Err(guard::InputError::TooLarge) => return too_large(&answer),
        Err(guard::InputError::Answer(r)) => return r,
    };
    let locales = site_locales(&state);
    let requested = answer.input.locale.trim();
    if locales.iter().any(|l| l == requested) {
        answer.locale = requested.to_string();
    }
    let browser = mode == Mode::Form || headers.contains_key("sec-fetch-site");
    if browser && !origin_ok(&service, &headers) {
        return answer.refuse(StatusCode::FORBIDDEN, Msg::Origin);
    }
    if !answer.input.website.trim().is_empty() {
        return answer.refuse(StatusCode::BAD_REQUEST, Msg::Rejected);
    }
    let vote = match feedback::validate(&answer.input, &locales) {
        Ok(v) => v,
        Err(problems) => return answer.problems(&problems),
    };
    let (locale, helpful) = (vote.locale.clone(), vote.helpful);
    if let Err(e) = service.store.insert(vote, jiff::Timestamp::now()).await {
        tracing::error!("storing feedback: {e}");
        let mut r = answer.refuse(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return r;
    }
    state.metrics.inc(
        "ayuda_feedback_total",
        &[
            ("locale", &locale),
            ("helpful", if helpful { "yes" } else { "no" }),
        ],
    );
    match mode {
        Mode::Json => (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({"status": "recorded"})),
        )
            .into_response(),
        Mode::Form => match feedback::return_path(&answer.input.page) {
            Some(back) => (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("{back}#feedback-thanks"))],
            )
                .into_response(),
            None => answer
                .page(serde_json::json!({"thanks": true}))
                .into_response(),
        },
    }
}

#[derive(serde::Deserialize)]
struct Opened {
    #[serde(default)]
    q: String,
    #[serde(default)]
    locale: String,
}

/// `POST /api/search/opened` `{"q", "locale"}`: the article page reports that the partner came
/// from the search page's results for `q`. 204; counted once per client, query and hour, and
/// only for queries the search page answered (see search/gaps.rs).
pub async fn opened(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let client = state.proxy.client_of(req.headers(), req.extensions());
    let allowed = state
        .feedback
        .as_ref()
        .is_none_or(|service| origin_ok(service, &headers));
    if !allowed {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Ok(body) = guard::read_body(req.into_body(), MAX_OPENED_BODY, Duration::from_secs(5)).await
    else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let Ok(o) = serde_json::from_slice::<Opened>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if !o.q.trim().is_empty() && !o.locale.trim().is_empty() {
        state.gaps.record_opened(o.locale.trim(), &o.q, client);
    }
    StatusCode::NO_CONTENT.into_response()
}
