//! A small in-process SMTP server for the tests: it accepts every mail, keeps it, and can be
//! turned "down" (it then answers each connection `421` and hangs up, as a relay out of
//! service does). Mails are read back with their headers unfolded and decoded (RFC 2047) and
//! their parts decoded (base64, quoted-printable).

use base64::Engine;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One mail as received: envelope and raw message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub rcpt: Vec<String>,
    pub raw: String,
}

/// The running sink.
#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    down: Arc<AtomicBool>,
}

impl Sink {
    /// Listens on a free loopback port.
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Sink {
            port: listener.local_addr().unwrap().port(),
            mails: Arc::default(),
            down: Arc::default(),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(s.clone().session(conn));
            }
        });
        sink
    }

    /// Out of service (`true`) or back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The mails received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `n` mails arrived, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..400 {
            if self.mails().len() >= n {
                return self.mails();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} mails, got {:#?}", self.mails());
    }

    async fn session(self, conn: tokio::net::TcpStream) {
        let (r, mut w) = conn.into_split();
        let mut lines = BufReader::new(r).lines();
        if self.down.load(Ordering::SeqCst) {
            let _ = w.write_all(b"421 sink out of service\r\n").await;
            return;
        }
        let _ = w.write_all(b"220 sink ESMTP\r\n").await;
        let (mut from, mut rcpt) = (String::new(), Vec::new());
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = line[10..].trim().trim_matches(['<', '>']).to_string();
                rcpt.clear();
                b"250 ok\r\n"
            } else if upper.starts_with("RCPT TO:") {
                rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                b"250 ok\r\n"
            } else if upper == "DATA" {
                let _ = w.write_all(b"354 go on\r\n").await;
                let mut raw = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    raw.push_str(
                        l.strip_prefix('.')
                            .filter(|_| l.starts_with(".."))
                            .unwrap_or(&l),
                    );
                    raw.push_str("\r\n");
                }
                self.mails.lock().unwrap().push(Mail {
                    from: from.clone(),
                    rcpt: rcpt.clone(),
                    raw,
                });
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                let _ = w.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 ok\r\n"
            };
            if w.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}

impl Mail {
    /// The value of header `name` of the message (unfolded, RFC 2047 words decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        header_of(self.raw.split("\r\n\r\n").next().unwrap_or_default(), name)
    }

    /// The decoded body of the part whose content type starts with `mime` (`text/plain`).
    pub fn part(&self, mime: &str) -> String {
        let boundary = self
            .header("content-type")
            .and_then(|ct| {
                ct.split("boundary=")
                    .nth(1)
                    .map(|b| b.trim_matches('"').to_string())
            })
            .unwrap_or_else(|| panic!("not multipart: {}", self.raw));
        for part in self.raw.split(&format!("--{boundary}")) {
            let (head, body) = part.split_once("\r\n\r\n").unwrap_or(("", ""));
            let ct = header_of(head, "content-type").unwrap_or_default();
            if !ct.starts_with(mime) {
                continue;
            }
            let decoded = match header_of(head, "content-transfer-encoding").as_deref() {
                Some("base64") => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(body.split_whitespace().collect::<String>())
                        .unwrap(),
                )
                .unwrap(),
                Some("quoted-printable") => quoted_printable(body),
                _ => body.trim_end().to_string(),
            };
            return decoded.replace("\r\n", "\n");
        }
        panic!("no {mime} part in {}", self.raw)
    }
}

fn header_of(head: &str, name: &str) -> Option<String> {
    let mut unfolded: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = unfolded.last_mut() {
                last.push_str(line);
            }
        } else {
            unfolded.push(line.to_string());
        }
    }
    let prefix = format!("{}:", name.to_ascii_lowercase());
    unfolded
        .iter()
        .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| decode_words(l[prefix.len()..].trim()))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between two
/// encoded words goes.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut last_encoded = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(last_encoded && before.trim().is_empty()) {
            out.push_str(before);
        }
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|p| p.find("?=")) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text = &parts[2][..end];
        let bytes = match parts[1] {
            "b" | "B" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default(),
            _ => quoted_printable(&text.replace('_', " ")).into_bytes(),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &parts[2][end + 2..];
        last_encoded = true;
    }
    out.push_str(rest);
    out
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).trim_end().to_string()
}
