//! Live reload and the error overlay: `/_ayuda/live.js`, `/_ayuda/events` (server-sent
//! events) and `/_ayuda/status` (JSON). See docs/serve.md.

use super::build::Outcome;
use crate::server::AppState;
use arc_swap::ArcSwap;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// The script pages carry in writer mode.
pub const LIVE_JS: &str = include_str!("../live.js");

/// Writer-mode state: the last build's status and the channel of build events.
pub struct Live {
    status: ArcSwap<serde_json::Value>,
    tx: broadcast::Sender<(&'static str, String)>,
    /// Set when the service stops: event streams end, so open pages do not hold the graceful
    /// shutdown (which waits for every connection) forever.
    closing: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    /// No build yet.
    pub fn new() -> Live {
        let (tx, _) = broadcast::channel(64);
        Live {
            status: ArcSwap::from_pointee(
                json!({"build": 0, "ok": true, "errors": [], "warnings": []}),
            ),
            tx,
            closing: watch::Sender::new(false),
        }
    }

    /// Ends every event stream (the browser's EventSource then retries on its own).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Publishes the outcome of a rebuild: a `reload` event when pages changed, a `status`
    /// event always.
    pub fn publish(&self, o: &Outcome) {
        let status = json!({
            "build": o.build,
            "ok": o.ok,
            "errors": o.errors,
            "warnings": o.warnings,
            "elapsed_ms": o.elapsed_ms,
        });
        self.status.store(Arc::new(status.clone()));
        if o.ok && (o.all || !o.changed.is_empty()) {
            let limit = 2000;
            let reload = json!({
                "build": o.build,
                "all": o.all || o.changed.len() > limit,
                "changed": if o.changed.len() > limit { &[][..] } else { &o.changed[..] },
            });
            let _ = self.tx.send(("reload", reload.to_string()));
        }
        let _ = self.tx.send(("status", status.to_string()));
    }

    /// The current status as JSON.
    pub fn status(&self) -> Arc<serde_json::Value> {
        self.status.load_full()
    }
}

/// `GET /_ayuda/live.js`.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LIVE_JS,
    )
        .into_response()
}

/// `GET /_ayuda/status`: `{"build", "ok", "errors": [{file, line, column, code, message}], "warnings"}`.
pub async fn status(State(state): State<AppState>) -> Response {
    let Some(live) = &state.live else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(live.status().as_ref().clone()),
    )
        .into_response()
}

/// `GET /_ayuda/events`: a `hello` event with the status, then `reload` and `status` events.
pub async fn events(State(state): State<AppState>) -> Response {
    let Some(live) = state.live.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rx = live.tx.subscribe();
    let mut closing = live.closing.subscribe();
    let hello = Event::default()
        .event("hello")
        .data(live.status().to_string());
    let stream = futures_util::stream::unfold(
        (Some(hello), rx, live),
        |(first, mut rx, live)| async move {
            if let Some(ev) = first {
                return Some((Ok::<Event, Infallible>(ev), (None, rx, live)));
            }
            let ev = match rx.recv().await {
                Ok((name, data)) => Event::default().event(name).data(data),
                // Fell behind: send the status again; the page reloads if it missed a build.
                Err(broadcast::error::RecvError::Lagged(_)) => Event::default()
                    .event("hello")
                    .data(live.status().to_string()),
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((Ok(ev), (None, rx, live)))
        },
    )
    .take_until(async move {
        let _ = closing.wait_for(|c| *c).await;
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
