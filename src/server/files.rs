//! The static site: files from `DIST/site/` with cache headers, and the locale's 404 page.
//!
//! Only the site is served: no dotfiles (`.env`, `.git/`), no data files (queue, keys, secrets,
//! JSONL outputs) even when someone copies them in, and nothing a symbolic link points to outside
//! `DIST/site/`. Each of those answers the same 404 as a missing file.

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
    if !servable(&dir, &path).await {
        return not_found(&dir, &path).await;
    }
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

/// Longest file name the service looks up; longer segments cannot name a file (most file systems
/// stop at 255 bytes) and would make the lookup fail with an error instead of a 404.
const MAX_SEGMENT: usize = 255;

/// File names and extensions of the data folder and of secrets, never served even when present.
const DATA_NAMES: &[&str] = &["partners.json", "search-gaps.json", "secret.key"];
const DATA_EXTENSIONS: &[&str] = &[
    "sqlite",
    "sqlite3",
    "sqlite-wal",
    "sqlite-shm",
    "db",
    "db-wal",
    "db-shm",
    "jsonl",
    "key",
    "pem",
    "tmp",
];

/// True when `name` is a dotfile or a data file.
fn hidden_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    name.starts_with('.') || DATA_NAMES.contains(&lower.as_str()) || DATA_EXTENSIONS.contains(&ext)
}

/// True when the URL path may be served from `dir`: no dotfile or data file on the way, no
/// segment too long to be a file name, and the file it names (following symbolic links) is
/// inside `dir`.
async fn servable(dir: &Path, url_path: &str) -> bool {
    let Ok(decoded) = percent_encoding::percent_decode_str(url_path).decode_utf8() else {
        return false;
    };
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .iter()
        .any(|s| s.len() > MAX_SEGMENT || hidden_name(s) || s.contains('\\'))
    {
        return false;
    }
    let Ok(root) = tokio::fs::canonicalize(dir).await else {
        return false;
    };
    let target = segments.iter().fold(root.clone(), |p, s| p.join(s));
    let Ok(real) = tokio::fs::canonicalize(&target).await else {
        // Missing: ServeDir answers 404 (and the name checks above already ran).
        return true;
    };
    if !real.starts_with(&root) {
        return false;
    }
    // A folder is served through its index.html, which must be inside too.
    let is_dir = tokio::fs::metadata(&real).await.is_ok_and(|m| m.is_dir());
    if !is_dir {
        return true;
    }
    match tokio::fs::canonicalize(real.join("index.html")).await {
        Ok(index) => index.starts_with(&root),
        Err(_) => true,
    }
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

#[cfg(test)]
mod tests {
    use super::super::{AppState, LoadedSite, router};
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn only_the_site_is_served() {
        let tmp = tempfile::tempdir().unwrap();
        let dist = tmp.path().join("dist");
        let site = dist.join("site");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(site.join("es/articles/a")).unwrap();
        std::fs::create_dir_all(site.join(".git")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        std::fs::write(site.join("es/articles/a/index.html"), "article").unwrap();
        std::fs::write(site.join("404.html"), "missing").unwrap();
        std::fs::write(site.join(".env"), "SECRET=1").unwrap();
        std::fs::write(site.join(".git/config"), "[core]").unwrap();
        std::fs::write(site.join("tickets.sqlite"), "queue").unwrap();
        std::fs::write(site.join("partners.json"), "keys").unwrap();
        std::fs::write(outside.join("passwd"), "root:x:0:0").unwrap();
        std::fs::create_dir_all(outside.join("dir")).unwrap();
        std::fs::write(outside.join("dir/index.html"), "outside").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.join("passwd"), site.join("passwd.txt")).unwrap();
            std::os::unix::fs::symlink(outside.join("dir"), site.join("linked")).unwrap();
            std::os::unix::fs::symlink(site.join("index.html"), site.join("inside.html")).unwrap();
        }
        let app = router(AppState::new(
            LoadedSite::open(&dist),
            &tmp.path().join("data"),
        ));
        let get = |p: &str| {
            let app = app.clone();
            let req = Request::get(p).body(Body::empty()).unwrap();
            async move {
                let res = app.oneshot(req).await.unwrap();
                let status = res.status();
                let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        };
        assert_eq!(get("/").await, (StatusCode::OK, "home".into()));
        assert_eq!(get("/es/articles/a/").await.0, StatusCode::OK);
        for p in [
            "/.env",
            "/%2eenv",
            "/.git/config",
            "/tickets.sqlite",
            "/partners.json",
            "/passwd.txt",
            "/linked/",
            "/linked/index.html",
        ] {
            let (status, body) = get(p).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
            assert_eq!(body, "missing", "{p}");
        }
        #[cfg(unix)]
        assert_eq!(
            get("/inside.html").await.0,
            StatusCode::OK,
            "links inside the site work"
        );
        let long = format!("/{}/", "a".repeat(256));
        assert_eq!(
            get(&long).await.0,
            StatusCode::NOT_FOUND,
            "a 256-byte segment"
        );
        let long = format!("/es/{}", "b".repeat(300));
        assert_eq!(get(&long).await.0, StatusCode::NOT_FOUND);
    }
}
