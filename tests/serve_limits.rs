//! The service under hostile clients, with the real binary: per-client rate limits from real
//! peer addresses, header timeouts, a connection limit that keeps `/healthz` answering, and a
//! shutdown that a partial request cannot hold.

mod common;

use common::server::{Server, Start};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Posts a ticket with a wrong partner key from the local address `from` (any of 127.0.0.0/8).
fn post_bad_key(s: &Server, from: &str) -> u16 {
    s.send_from(from.parse().ok(), |c| {
        c.post(format!("{}/api/tickets", s.base))
            .header("content-type", "application/json")
            .header("authorization", "Bearer ayk_AAAAAAAA_wrong")
            .body(r#"{"name": "Ana"}"#)
    })
    .0
}

#[test]
fn ticket_posts_are_logged_and_counted_without_personal_data_or_colours() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("stderr.log");
    let s = Server::start_with(&Start {
        env: &[("RUST_LOG", "ayuda=info")],
        stderr: Some(&log),
        ..Start::default()
    });
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(["partners", "add", "Partner TV", "--root"])
        .arg(s.dir.path())
        .output()
        .expect("partners add");
    let out = String::from_utf8_lossy(&added.stdout);
    let key = out
        .split_whitespace()
        .find(|w| w.starts_with("ayk_"))
        .expect("a key")
        .to_string();
    let ticket = serde_json::json!({
        "name": "Ana Pérez", "email": "ana@partner.example.org", "type": "technical",
        "subject": "El video no carga", "description": "Desde ayer el reproductor falla con error 500.",
        "locale": "es"
    });
    // The service re-reads the key file within a second.
    let mut created = (0, String::new());
    let start = Instant::now();
    while created.0 != 201 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(300));
        created = s.send(|c| {
            c.post(format!("{}/api/tickets", s.base))
                .header("authorization", format!("Bearer {key}"))
                .json(&ticket)
        });
    }
    assert_eq!(created.0, 201, "{}", created.1);
    let reference = serde_json::from_str::<serde_json::Value>(&created.1).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (_, metrics) = s.get("/metrics");
    assert!(
        metrics.contains(
            r#"ayuda_http_requests_total{method="POST",route="/api/tickets",status="201"} 1"#
        ),
        "{metrics}"
    );
    let text = std::fs::read_to_string(&log).expect("log");
    let line = text
        .lines()
        .find(|l| l.contains("/api/tickets") && l.contains("status=201"))
        .unwrap_or_else(|| panic!("no access line for the ticket post:\n{text}"));
    assert!(line.contains(&reference), "the reference is logged: {line}");
    for personal in ["Ana", "ana@partner", "El video", &key] {
        assert!(
            !text.contains(personal),
            "{personal} is not logged:\n{text}"
        );
    }
    assert!(!text.contains('\x1b'), "no colours in a log file:\n{text}");
    let ms = regex::Regex::new(r"ms=([0-9.]+)").expect("regex");
    for m in ms.captures_iter(&text) {
        let decimals = m[1].split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 3, "rounded durations: {}", &m[0]);
    }
}

#[test]
fn bad_keys_from_one_address_do_not_block_another() {
    let s = Server::start(&[]);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(post_bad_key(&s, "127.0.0.2"));
    }
    assert!(statuses.contains(&401), "{statuses:?}");
    assert_eq!(
        statuses.last(),
        Some(&429),
        "ten bad keys use up the client's budget: {statuses:?}"
    );
    assert_eq!(
        post_bad_key(&s, "127.0.0.3"),
        401,
        "another client is not limited by the first one's failures"
    );
}

/// Reads until the server closes the connection or `within` passes; the bytes read and whether
/// it closed.
fn read_until_closed(conn: &mut TcpStream, within: Duration) -> (String, bool) {
    conn.set_read_timeout(Some(within)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[test]
fn silent_and_partial_connections_are_closed_after_the_header_timeout() {
    let s = Server::start_with(&Start {
        config: "server: {header_timeout_seconds: 1}",
        ..Start::default()
    });
    let mut silent = TcpStream::connect(s.addr()).expect("connect");
    let mut partial = TcpStream::connect(s.addr()).expect("connect");
    write!(partial, "GET /healthz HTTP/1.1\r\nHost: x\r\n").expect("send");
    let start = Instant::now();
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(8));
    assert!(closed, "a silent connection is closed");
    let (_, closed) = read_until_closed(&mut partial, Duration::from_secs(8));
    assert!(
        closed,
        "a connection that never ends its request head is closed"
    );
    assert!(start.elapsed() < Duration::from_secs(8));
    // A kept-alive connection waiting for its next request is closed the same way.
    let mut idle = TcpStream::connect(s.addr()).expect("connect");
    write!(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle kept-alive connection is closed");
}

/// Answers `GET /healthz` on a fresh connection within `within`, retrying.
fn healthz_answers(s: &Server, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(mut c) = TcpStream::connect(s.addr()) {
            let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
            if write!(
                c,
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .is_ok()
            {
                let mut answer = String::new();
                let _ = c.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[cfg(unix)]
#[test]
fn silent_connections_beyond_the_limit_leave_healthz_answering() {
    // 300 silent clients against a process that may open 200 files: without a limit, accepting
    // them takes every descriptor and nothing else is ever accepted.
    let s = Server::start_with(&Start {
        config: "server: {max_connections: 64, header_timeout_seconds: 60}",
        max_open_files: Some(200),
        ..Start::default()
    });
    assert!(healthz_answers(&s, Duration::from_secs(5)));
    let silent: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(s.addr()).ok())
        .collect();
    assert_eq!(silent.len(), 300, "the kernel queues every connection");
    assert!(
        healthz_answers(&s, Duration::from_secs(10)),
        "/healthz answers while 300 silent connections are open"
    );
    // The served lane is full: other requests are told to come back, not left hanging.
    let mut c = TcpStream::connect(s.addr()).expect("connect");
    write!(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let (answer, _) = read_until_closed(&mut c, Duration::from_secs(5));
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
        "{answer}"
    );
    drop(silent);
}

#[cfg(unix)]
#[test]
fn sigterm_with_a_partial_request_in_flight_exits_within_the_grace_period() {
    let mut s = Server::start_with(&Start {
        config: "server: {shutdown_grace_seconds: 1, body_timeout_seconds: 120, request_timeout_seconds: 120}",
        ..Start::default()
    });
    assert!(healthz_answers(&s, Duration::from_secs(5)));
    let mut conn = TcpStream::connect(s.addr()).expect("connect");
    write!(
        conn,
        "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\": "
    )
    .expect("send");
    // Let the request reach its handler, which now waits for the rest of the body.
    std::thread::sleep(Duration::from_millis(300));
    let status = s.terminate(
        Duration::from_secs(6),
        "SIGTERM with a partial request open (grace period 1 s)",
    );
    assert!(status.success(), "ayuda serve exited with {status}");
}

#[test]
fn a_body_that_stops_arriving_gets_408() {
    let s = Server::start_with(&Start {
        config: "server: {body_timeout_seconds: 1}",
        ..Start::default()
    });
    // JSON, and the form with files (whose body may be larger than max_body_bytes).
    for start in [
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\": ",
        "Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\n\r\nabc",
    ] {
        let mut conn = TcpStream::connect(s.addr()).expect("connect");
        write!(conn, "POST /api/tickets HTTP/1.1\r\nHost: x\r\n{start}").expect("send");
        let (answer, closed) = read_until_closed(&mut conn, Duration::from_secs(8));
        assert!(answer.starts_with("HTTP/1.1 408"), "{start}: {answer}");
        assert!(closed, "and the connection is closed");
    }
}
