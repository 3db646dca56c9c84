//! The static site: files from `DIST/site/` with cache headers, and the locale's 404 page.

use super::AppState;
use super::writer::build::Pages;
use crate::site::output::url_to_file;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Assets carry a `?v=` content hash: cache them for a year.
const ASSETS_CACHE: &str = "public, max-age=31536000, immutable";
/// Pages change with each publish: cache briefly.
const HTML_CACHE: &str = "public, max-age=300";
/// Images and other files next to articles.
const FILE_CACHE: &str = "public, max-age=3600";

/// Serves a file of the site, or the 404 page.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let site = state.site.load_full();
    let path = req.uri().path().to_string();
    if let Some(pages) = &site.pages {
        return serve_memory(pages, &path, &state);
    }
    let dir = site.dist.join("site");
    let res = match ServeDir::new(&dir).oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if res.status() == StatusCode::NOT_FOUND {
        return not_found(&dir, &path).await;
    }
    let mut res = res;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let cache = if path.starts_with("/assets/") {
        ASSETS_CACHE
    } else if is_html {
        HTML_CACHE
    } else {
        FILE_CACHE
    };
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    res
}

/// The 404 page of the locale in the path (`site/<locale>/404.html`), else `site/404.html`.
pub async fn not_found(site_dir: &Path, path: &str) -> Response {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let mut candidates = Vec::new();
    let is_segment = !first.is_empty()
        && first.len() <= 16
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if is_segment {
        candidates.push(site_dir.join(first).join("404.html"));
    }
    candidates.push(site_dir.join("404.html"));
    for c in candidates {
        if let Ok(html) = tokio::fs::read(&c).await {
            return (
                StatusCode::NOT_FOUND,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                html,
            )
                .into_response();
        }
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// Writer mode: a page from memory, never cached by the browser (it changes with each save).
fn serve_memory(pages: &Pages, path: &str, state: &AppState) -> Response {
    let key = format!("site/{}", url_to_file(path));
    if let Some(bytes) = pages.get(&key) {
        let mime = mime_of(&key);
        return (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            bytes.clone(),
        )
            .into_response();
    }
    if !path.ends_with('/') && pages.contains_key(&format!("{key}/index.html")) {
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, format!("{path}/"))],
        )
            .into_response();
    }
    if pages.is_empty() && state.live.is_some() {
        // No good build yet: a page that shows the errors and reloads once they are fixed.
        let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>ayuda: build errors</title>\
            <script src=\"/_ayuda/live.js\" defer></script></head><body><main><h1>The content has errors</h1>\
            <p>Fix them and save; this page reloads by itself.</p></main></body></html>";
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            html,
        )
            .into_response();
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let html = pages
        .get(&format!("site/{first}/404.html"))
        .or_else(|| pages.get("site/404.html"));
    match html {
        Some(b) => (
            StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            b.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Content type by file extension, for pages served from memory.
fn mime_of(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
