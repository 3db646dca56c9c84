//! The static site: files from `DIST/site/` with cache headers, and the locale's 404 page.

use super::AppState;
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
