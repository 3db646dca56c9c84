//! Shared helpers for integration tests: build a fixture site into a temporary folder.
#![allow(dead_code)]

pub mod crash;
pub mod pg;
pub mod server;
pub mod smtp;
pub mod tickets;

use ayuda::site::{BuildOptions, BuildReport, build};
use std::path::{Path, PathBuf};

/// A fixture under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A shared corpus under ../shared/corpora, or None (with a printed reason) when absent.
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora")
        .join(rel);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipping: corpus {} is not present", path.display());
        None
    }
}

/// A built site in a temporary folder.
pub struct Built {
    pub report: BuildReport,
    pub out: tempfile::TempDir,
}

impl Built {
    /// Reads a file of the output (`site/...`), panicking with the list of files when absent.
    pub fn read(&self, rel: &str) -> String {
        let path = self.out.path().join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// True when the output has the file.
    pub fn has(&self, rel: &str) -> bool {
        self.out.path().join(rel).is_file()
    }

    /// Codes of the warnings.
    pub fn warning_codes(&self) -> Vec<&str> {
        self.report.warnings.iter().map(|d| d.code).collect()
    }
}

/// Builds `root` into a fresh temporary folder.
pub fn build_into_temp(root: &Path, drafts: bool) -> Built {
    let out = tempfile::tempdir().expect("temp dir");
    let report = build(&BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.path().to_path_buf()),
        drafts,
        ..Default::default()
    })
    .expect("build starts");
    Built { report, out }
}

/// A site root in a temporary folder whose `content_dir` points at `content` (absolute) with
/// the given extra configuration lines.
pub fn root_with_content(content: &Path, extra_config: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "base_url: https://help.example.org\ncontent_dir: {}\n{extra_config}",
        content.display()
    );
    std::fs::write(root.path().join("ayuda.yaml"), config).expect("write config");
    root
}

/// Serves `app` on a loopback port for the rest of the test; its base URL (`http://ADDR`).
pub async fn serve_locally(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Posts a JSON ticket (no key) to the ticket routes of `state`; its reference after a 201.
pub async fn post_ticket(state: &ayuda::tickets::TicketsState, subject: &str) -> String {
    use tower::ServiceExt;
    let body = serde_json::json!({"name": "Ana", "email": "ana@partner.example.org", "partner": "P",
        "type": "business", "subject": subject, "description": "Pregunta sobre la campaña de marzo."});
    let req = axum::http::Request::post("/api/tickets")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    let resp = ayuda::tickets::router(state.clone())
        .oneshot(req)
        .await
        .expect("answer");
    assert_eq!(resp.status(), axum::http::StatusCode::CREATED);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    v["id"].as_str().expect("id").to_string()
}
