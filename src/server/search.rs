//! Search routes: `/api/search` (JSON), `/api/suggest` (top 5, small payload), `/search` (HTML
//! results page from the theme's `search.html`, works without JavaScript).

use super::client::Client;
use super::{AppState, LoadedSite};
use crate::render::theme::PageMeta;
use crate::search::engine::escape;
use crate::search::{SearchRequest, SearchResults};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::time::Instant;

/// Query string of the search routes. Numbers arrive as text so a bad one is ignored rather
/// than refused.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub q: Option<String>,
    pub locale: Option<String>,
    pub category: Option<String>,
    pub limit: Option<String>,
    pub page: Option<String>,
    /// `exact=1`: the words as typed, without typo correction.
    pub exact: Option<String>,
}

impl Params {
    fn request(&self) -> SearchRequest {
        SearchRequest {
            query: self.q.clone().unwrap_or_default(),
            locale: self.locale.clone().filter(|l| !l.is_empty()),
            category: self.category.clone().filter(|c| !c.is_empty()),
            limit: self.limit.as_deref().and_then(|l| l.trim().parse().ok()),
            page: self.page.as_deref().and_then(|p| p.trim().parse().ok()),
            no_snippets: false,
            exact: matches!(self.exact.as_deref().map(str::trim), Some("1" | "true")),
        }
    }
}

/// Runs a search, timing it and counting (and, when `record` names the client, recording)
/// zero results.
fn run(
    state: &AppState,
    site: &LoadedSite,
    req: &SearchRequest,
    record: Option<Client>,
) -> Result<SearchResults, String> {
    let Some(engine) = &site.engine else {
        return Err("search is not available for this site".into());
    };
    let start = Instant::now();
    let results = engine.search(req).map_err(|e| {
        tracing::error!("search failed: {e}");
        "search failed".to_string()
    })?;
    state.metrics.observe(
        "ayuda_search_duration_seconds",
        &[("locale", &results.locale)],
        start.elapsed().as_secs_f64(),
    );
    if results.total == 0 && results.matched == "none" && !req.query.trim().is_empty() {
        state.metrics.inc(
            "ayuda_search_zero_results_total",
            &[("locale", &results.locale)],
        );
        if let Some(Client(ip)) = record {
            state.gaps.record(&results.locale, &req.query, ip);
        }
    }
    Ok(results)
}

fn error_json(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({"error": message}))).into_response()
}

/// `GET /api/search?q=&locale=&category=&limit=&page=`.
pub async fn api_search(
    State(state): State<AppState>,
    client: Client,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let site = state.site.load_full();
    match run(&state, &site, &params.request(), Some(client)) {
        Ok(results) => (
            [(header::CACHE_CONTROL, "public, max-age=60")],
            Json(results),
        )
            .into_response(),
        Err(msg) => error_json(StatusCode::SERVICE_UNAVAILABLE, &msg),
    }
}

/// `GET /api/suggest?q=&locale=`: the top 5 articles, `{"hits": [{id, title, url, snippet,
/// category}]}`. Partial input is not recorded as a content gap.
pub async fn api_suggest(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let site = state.site.load_full();
    let mut req = params.request();
    req.limit = Some(5);
    req.page = Some(1);
    req.category = None;
    match run(&state, &site, &req, None) {
        Ok(results) => {
            let hits: Vec<serde_json::Value> = results
                .hits
                .iter()
                .map(|h| {
                    serde_json::json!({"id": h.id, "title": h.title, "url": h.url,
                        "snippet": h.snippet, "category": h.category_name})
                })
                .collect();
            (
                [(header::CACHE_CONTROL, "public, max-age=60")],
                Json(serde_json::json!({"hits": hits, "total": results.total})),
            )
                .into_response()
        }
        Err(msg) => error_json(StatusCode::SERVICE_UNAVAILABLE, &msg),
    }
}

/// `GET /search?q=&locale=&category=&page=`: the results page.
pub async fn page(
    State(state): State<AppState>,
    client: Client,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let site = state.site.load_full();
    let req = params.request();
    let (results, error) = if req.query.trim().is_empty() {
        (SearchResults::default(), None)
    } else {
        match run(&state, &site, &req, Some(client)) {
            Ok(r) => {
                // Whether a result gets opened is the content report's (server/feedback.rs).
                if r.total > 0 {
                    state.gaps.record_answered(&r.locale, &req.query, client.0);
                }
                (r, None)
            }
            Err(e) => (SearchResults::default(), Some(e)),
        }
    };
    let locale = site
        .renderer
        .as_ref()
        .map(|r| r.locale(req.locale.as_deref()).to_string())
        .or_else(|| (!results.locale.is_empty()).then(|| results.locale.clone()))
        .unwrap_or_else(|| "en".into());
    let category = req.category.as_deref();
    let context = serde_json::json!({
        "query": req.query,
        "locale": locale,
        "category": req.category,
        "exact": req.exact,
        "total": results.total,
        "partial": results.partial,
        "matched_words": results.matched_words,
        "missing_words": results.missing_words,
        "corrected": results.corrected,
        "exact_url": results_url(&req.query, &locale, category, true),
        "hits": results.hits.iter().map(|h| serde_json::json!({
            "title": h.title, "url": h.url, "snippet": h.snippet,
            "category": h.category, "category_name": h.category_name,
            "heading": h.heading, "missing": h.missing,
        })).collect::<Vec<_>>(),
        "categories": results.categories,
        "page": results.page.max(1),
        "pages": results.pages,
        "error": error,
    });
    let html = site.renderer.as_ref().and_then(|r| {
        let strings = r.strings(&locale);
        let label = strings
            .get("search_title")
            .or_else(|| strings.get("search"))
            .cloned()
            .unwrap_or_else(|| "Search".into());
        let title = if req.query.trim().is_empty() {
            label
        } else {
            format!("{label}: {}", req.query.trim())
        };
        let meta = PageMeta {
            title,
            url: "/search".into(),
            description: String::new(),
        };
        // The language switcher leads to the same search in the other locale.
        let same_search = |l: &str| results_url(&req.query, l, category, req.exact);
        r.render_localized(
            "search.html",
            &locale,
            &meta,
            &same_search,
            &[("search", context.clone())],
        )
        .inspect_err(|e| tracing::error!("search.html: {e}"))
        .ok()
    });
    let html = html.unwrap_or_else(|| fallback_page(&context));
    ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response()
}

/// `/search?q=…&locale=…`, with `category` and `exact=1` when given: links of the results page.
fn results_url(query: &str, locale: &str, category: Option<&str>, exact: bool) -> String {
    let mut params = form_urlencoded::Serializer::new(String::new());
    params.append_pair("q", query).append_pair("locale", locale);
    if let Some(c) = category {
        params.append_pair("category", c);
    }
    if exact {
        params.append_pair("exact", "1");
    }
    format!("/search?{}", params.finish())
}

/// A plain results page for sites whose theme cannot render `search.html`.
fn fallback_page(ctx: &serde_json::Value) -> String {
    let q = escape(ctx["query"].as_str().unwrap_or(""));
    let lang = escape(ctx["locale"].as_str().unwrap_or("en"));
    let mut html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{q}</title></head><body><main>\
         <form action=\"/search\" method=\"get\" role=\"search\"><input type=\"hidden\" name=\"locale\" value=\"{lang}\">\
         <input type=\"search\" name=\"q\" value=\"{q}\" aria-label=\"Search\"><button>Search</button></form>\
         <p>{} results</p><ol>",
        ctx["total"]
    );
    for h in ctx["hits"].as_array().into_iter().flatten() {
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a><p>{}</p></li>",
            escape(h["url"].as_str().unwrap_or("")),
            escape(h["title"].as_str().unwrap_or("")),
            h["snippet"].as_str().unwrap_or("")
        ));
    }
    html.push_str("</ol></main></body></html>");
    html
}
