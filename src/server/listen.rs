//! The accept loop: HTTP/1.1 connections with read timeouts, a connection limit that keeps
//! `/healthz` answering, and a shutdown that ends within a grace period whatever clients do.
//!
//! `axum::serve` has no header-read timeout and no connection limit, and its graceful shutdown
//! waits for every connection forever, so the service runs its own loop on hyper-util:
//!
//! - hyper's `header_read_timeout` closes a connection that does not send a complete request
//!   head in time; it also runs while a kept-alive connection waits for its next request, so it
//!   is the idle timeout too;
//! - request bodies must arrive within `body_timeout_seconds` (a per-frame wait, tower-http's
//!   `RequestBodyTimeoutLayer`; the ticket endpoint also bounds its whole read);
//! - at most `max_connections` are served; the next ones go to a small overflow lane that
//!   answers only `/healthz` (everything else gets 503) with a short header timeout, and past
//!   that lane a connection is closed as soon as it is accepted, so silent clients cannot take
//!   every file descriptor;
//! - on SIGTERM the listener closes, connections finish their current request, and after
//!   `shutdown_grace_seconds` the rest are dropped.
//!
//! Only HTTP/1.1 is spoken: TLS and HTTP/2 belong to the reverse proxy in front.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// `server:` in ayuda.yaml: connection handling of `ayuda serve`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// A connection must send a complete request head within this (also the keep-alive idle time).
    pub header_timeout_seconds: u64,
    /// Longest wait for the next piece of a request body; the ticket endpoint also bounds the
    /// whole body read by it.
    pub body_timeout_seconds: u64,
    /// Longest time a handler may take before the client gets 503 (event streams excepted once
    /// they have started).
    pub request_timeout_seconds: u64,
    /// Connections served at once; the next ones get `/healthz` only, then are refused.
    pub max_connections: usize,
    /// After SIGTERM, how long open requests may take before the service exits anyway.
    pub shutdown_grace_seconds: u64,
    /// Proxies whose `X-Forwarded-For` is believed when `support.limits.trust_forwarded_for` is
    /// on (CIDR or single addresses); loopback when empty.
    pub trusted_proxies: Vec<String>,
    /// The Content-Security-Policy of every page; absent: the policy the default theme needs,
    /// empty: none.
    pub content_security_policy: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_timeout_seconds: 10,
            body_timeout_seconds: 20,
            request_timeout_seconds: 30,
            max_connections: 512,
            shutdown_grace_seconds: 10,
            trusted_proxies: Vec::new(),
            content_security_policy: None,
        }
    }
}

/// Upper bound of every duration setting (a day): larger values are mistakes.
const MAX_SECONDS: u64 = 86_400;

impl ServerConfig {
    /// Checks ranges; the error names the key (`server.…`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let secs = [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
            ("request_timeout_seconds", self.request_timeout_seconds),
            ("shutdown_grace_seconds", self.shutdown_grace_seconds),
        ];
        for (key, v) in secs {
            if !(1..=MAX_SECONDS).contains(&v) {
                return Err((
                    format!("server.{key}"),
                    format!("{v} is out of range: use 1 to {MAX_SECONDS} seconds"),
                ));
            }
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err((
                "server.max_connections".into(),
                format!("{} is out of range: use 1 to 1000000", self.max_connections),
            ));
        }
        self.proxy_networks()
            .map(|_| ())
            .map_err(|m| ("server.trusted_proxies".into(), m))
    }

    /// `trusted_proxies` parsed (a single address is a /32 or /128), loopback when empty.
    pub fn proxy_networks(&self) -> Result<Vec<ipnet::IpNet>, String> {
        if self.trusted_proxies.is_empty() {
            return Ok(super::client::loopback());
        }
        self.trusted_proxies
            .iter()
            .map(|p| {
                let p = p.trim();
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("`{p}` is not an address or network such as 10.0.0.0/8"))
            })
            .collect()
    }

    /// Connections of the overflow lane (answering `/healthz` only).
    fn overflow(&self) -> usize {
        (self.max_connections / 8).clamp(4, 64)
    }
}

/// Header timeout of the overflow lane: short, so silent connections leave room quickly.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// Which lane a connection is served in.
#[derive(Clone, Copy)]
enum Lane {
    Full,
    HealthOnly,
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits at most the grace period.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let full = Arc::new(Semaphore::new(config.max_connections));
    let overflow = Arc::new(Semaphore::new(config.overflow()));
    let graceful = GracefulShutdown::new();
    let header_timeout = Duration::from_secs(config.header_timeout_seconds);
    let mut refused = Refused::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // little instead of spinning.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (lane, permit) = match full.clone().try_acquire_owned() {
            Ok(p) => (Lane::Full, p),
            Err(_) => match overflow.clone().try_acquire_owned() {
                Ok(p) => (Lane::HealthOnly, p),
                Err(_) => {
                    refused.note();
                    drop(stream);
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc = TowerToHyperService::new(tower::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                match lane {
                    Lane::HealthOnly if req.uri().path() != "/healthz" => Ok(busy()),
                    _ => app.oneshot(req.map(Body::new)).await,
                }
            }
        }));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new());
        match lane {
            Lane::Full => http.header_read_timeout(header_timeout),
            Lane::HealthOnly => http
                .header_read_timeout(OVERFLOW_HEADER_TIMEOUT.min(header_timeout))
                .keep_alive(false),
        };
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open after {}s; closing them",
            grace.as_secs()
        );
    }
}

/// Connections closed at once because both lanes were full, logged at most every 10 s.
#[derive(Default)]
struct Refused {
    since_log: u64,
    logged: Option<std::time::Instant>,
}

impl Refused {
    fn note(&mut self) {
        self.since_log += 1;
        if self
            .logged
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(10))
        {
            tracing::warn!(
                "{} connection(s) closed at once: too many open connections (server.max_connections)",
                self.since_log
            );
            self.since_log = 0;
            self.logged = Some(std::time::Instant::now());
        }
    }
}

/// The overflow lane's answer to anything but `/healthz`.
fn busy() -> Response<Body> {
    let mut res = Response::new(Body::from("busy: too many open connections\n"));
    *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    h.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    res
}
