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
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .local_address(from.parse::<std::net::IpAddr>().ok())
            .build()
            .expect("client");
        client
            .post(format!("{}/api/tickets", s.base))
            .header("content-type", "application/json")
            .header("authorization", "Bearer ayk_AAAAAAAA_wrong")
            .body(r#"{"name": "Ana"}"#)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    })
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
    let mut conn = TcpStream::connect(s.addr()).expect("connect");
    write!(
        conn,
        "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\": "
    )
    .expect("send");
    let (answer, closed) = read_until_closed(&mut conn, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(closed, "and the connection is closed");
}
