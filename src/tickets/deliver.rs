//! The delivery worker: takes due jobs from the queue and hands each ticket to its target
//! (signed webhook, Slack, email, JSONL file), with exponential backoff and jitter, Retry-After
//! honoured, and a dead state after `support.deliveries.max_attempts`.
//!
//! Delivery is at least once: a job leased by a process that dies is retried when the lease
//! ends, so webhooks carry `Idempotency-Key: <ticket id>` for receivers to drop repeats.

use crate::tickets::config::{SupportConfig, TargetConfig, TargetKind};
use crate::tickets::store::{Job, Outcome, Ticket, TicketStore};
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The header carrying the webhook signature unless the target names another.
pub const SIGNATURE_HEADER: &str = "X-Ayuda-Signature-256";

/// A failed attempt.
#[derive(Debug)]
pub struct Failure {
    pub error: String,
    /// What the target asked for (Retry-After).
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(error: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            retry_after: None,
        }
    }
}

/// Everything needed to deliver a ticket to the configured targets.
pub struct Deliverer {
    config: SupportConfig,
    targets: BTreeMap<String, TargetConfig>,
    data: PathBuf,
    base_url: String,
    client: reqwest::Client,
    file_lock: tokio::sync::Mutex<()>,
}

impl Deliverer {
    /// Prepares the targets of `config`; `data` anchors JSONL paths, `base_url` makes links absolute.
    pub fn new(config: &SupportConfig, data: PathBuf, base_url: &str) -> Result<Deliverer, String> {
        let client = reqwest::Client::builder()
            .timeout(config.deliveries.timeout.0.unsigned_abs())
            .user_agent(concat!("ayuda/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Deliverer {
            targets: config.targets.iter().map(|t| (t.id(), t.clone())).collect(),
            config: config.clone(),
            data,
            base_url: base_url.trim_end_matches('/').to_string(),
            client,
            file_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Ids of the targets a new ticket gets a job for.
    pub fn target_ids(&self) -> Vec<String> {
        self.targets.keys().cloned().collect()
    }

    /// One delivery attempt of `ticket` to `target`.
    pub async fn deliver(&self, target: &str, ticket: &Ticket) -> Result<(), Failure> {
        let Some(t) = self.targets.get(target) else {
            return Err(Failure::new(format!(
                "target `{target}` is no longer configured"
            )));
        };
        match t.kind {
            TargetKind::Webhook => self.webhook(t, ticket).await,
            TargetKind::Slack => self.slack(t, ticket).await,
            TargetKind::Email => self.email(t, ticket).await,
            TargetKind::Jsonl => self.jsonl(t, ticket).await,
        }
    }

    /// The JSON body of webhook and JSONL deliveries.
    pub fn event(&self, ticket: &Ticket) -> serde_json::Value {
        serde_json::json!({"event": "ticket.created", "ticket": ticket})
    }

    async fn webhook(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        let url = env_var(t.url_env.as_deref())?;
        let body =
            serde_json::to_vec(&self.event(ticket)).map_err(|e| Failure::new(e.to_string()))?;
        let mut req = self
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &ticket.id)
            .header("X-Ayuda-Event", "ticket.created");
        if t.secret_env.is_some() {
            let secret = env_var(t.secret_env.as_deref())?;
            let header = t.signature_header.as_deref().unwrap_or(SIGNATURE_HEADER);
            req = req.header(header, sign(secret.as_bytes(), &body));
        }
        send(req.body(body)).await
    }

    async fn slack(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        let url = env_var(t.url_env.as_deref())?;
        let body = slack_blocks(&self.config, ticket, &self.base_url);
        send(self.client.post(&url).json(&body)).await
    }

    async fn jsonl(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        let path = self
            .data
            .join(t.path.as_deref().unwrap_or("deliveries.jsonl"));
        let mut line =
            serde_json::to_vec(&self.event(ticket)).map_err(|e| Failure::new(e.to_string()))?;
        line.push(b'\n');
        let _guard = self.file_lock.lock().await;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            f.write_all(&line)?;
            f.sync_data()
        })
        .await
        .map_err(|e| Failure::new(e.to_string()))?
        .map_err(|e| Failure::new(format!("jsonl: {e}")))
    }

    async fn email(&self, t: &TargetConfig, ticket: &Ticket) -> Result<(), Failure> {
        use lettre::message::header::ContentType;
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let host = t.smtp_host.clone().unwrap_or_default();
        let mut builder = match t.smtp_security.as_deref().unwrap_or("starttls") {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host),
            "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &host,
            )),
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host),
        }
        .map_err(|e| Failure::new(format!("smtp: {e}")))?;
        if let Some(port) = t.smtp_port {
            builder = builder.port(port);
        }
        if t.username_env.is_some() {
            let user = env_var(t.username_env.as_deref())?;
            let pass = env_var(t.password_env.as_deref())?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        let transport = builder.build();
        let mut to: Vec<String> = t.to.clone();
        if to.is_empty() {
            to = ticket
                .deadlines
                .contacts
                .iter()
                .filter_map(|c| self.config.contacts.get(&c.role)?.email.clone())
                .collect();
            to.dedup();
        }
        if to.is_empty() {
            return Err(Failure::new(
                "email: no recipients (set `to` or role emails)",
            ));
        }
        let from = t.from.clone().unwrap_or_default();
        let mut msg = Message::builder()
            .from(
                from.parse()
                    .map_err(|e| Failure::new(format!("from: {e}")))?,
            )
            .subject(format!(
                "[{}] {}: {}",
                ticket.id, ticket.kind, ticket.subject
            ))
            .message_id(Some(format!("<{}@ayuda.tickets>", ticket.id)))
            .header(ContentType::TEXT_PLAIN);
        if let Ok(reply) = ticket.email.parse() {
            msg = msg.reply_to(reply);
        }
        for addr in &to {
            msg = msg.to(addr
                .parse()
                .map_err(|e| Failure::new(format!("to {addr}: {e}")))?);
        }
        let msg = msg
            .body(email_text(&self.config, ticket))
            .map_err(|e| Failure::new(format!("email: {e}")))?;
        transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| Failure::new(format!("smtp: {e}")))
    }
}

fn env_var(name: Option<&str>) -> Result<String, Failure> {
    let name = name.unwrap_or_default();
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::new(format!("environment variable {name} is not set")))
}

/// `sha256=<hex HMAC-SHA256 of the body>`, the webhook signature header's value.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn send(req: reqwest::RequestBuilder) -> Result<(), Failure> {
    let resp = req
        .send()
        .await
        .map_err(|e| Failure::new(format!("request failed: {e}")))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    Err(Failure {
        error: format!("HTTP {status}"),
        retry_after,
    })
}

/// Retry-After as seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()?;
    Some(at.duration_since(Timestamp::now()).unsigned_abs())
        .filter(|_| at > Timestamp::now())
        .or(Some(Duration::ZERO))
}

fn type_label(config: &SupportConfig, ticket: &Ticket, locale: &str) -> String {
    config
        .request_type(&ticket.kind)
        .map(|t| t.label.get(locale, "en").to_string())
        .unwrap_or_else(|| ticket.kind.clone())
}

fn when(ticket: &Ticket, t: Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get(&ticket.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    crate::tickets::calendar::rfc3339(t, &tz)
}

/// The Slack incoming-webhook message (Block Kit): type, deadline, partner, link.
pub fn slack_blocks(config: &SupportConfig, ticket: &Ticket, base_url: &str) -> serde_json::Value {
    let d = &ticket.deadlines;
    let link = if ticket.page.starts_with('/') {
        format!("{base_url}{}", ticket.page)
    } else {
        ticket.page.clone()
    };
    let breach_unix = d.first_response_breach.as_second();
    let mut fields = vec![
        serde_json::json!({"type": "mrkdwn", "text": format!("*Type*\n{}", type_label(config, ticket, "en"))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*Partner*\n{} <mailto:{}|{}>", esc(&ticket.partner), ticket.email, esc(&ticket.name))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*First response due*\n<!date^{}^{{date_short_pretty}} {{time}}|{}>", d.first_response_target.as_second(), when(ticket, d.first_response_target))}),
        serde_json::json!({"type": "mrkdwn", "text": format!("*Breach*\n<!date^{breach_unix}^{{date_short_pretty}} {{time}}|{}>", when(ticket, d.first_response_breach))}),
    ];
    if let Some(c) = d.contacts.first() {
        let who = config
            .contacts
            .get(&c.role)
            .and_then(|r| r.slack.clone())
            .unwrap_or_else(|| c.role.clone());
        fields.push(serde_json::json!({"type": "mrkdwn", "text": format!("*Contact*\n{who}")}));
    }
    let mut blocks = vec![
        serde_json::json!({"type": "header", "text": {"type": "plain_text", "text": format!("{} · {}", ticket.id, truncate(&ticket.subject, 120))}}),
        serde_json::json!({"type": "section", "fields": fields}),
        serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": esc(&truncate(&ticket.description, 2500))}}),
    ];
    if !link.is_empty() {
        blocks.push(serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("From <{link}|the help center page>")}]}));
    }
    serde_json::json!({
        "text": format!("New ticket {}: {}", ticket.id, ticket.subject),
        "blocks": blocks,
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn email_text(config: &SupportConfig, ticket: &Ticket) -> String {
    let d = &ticket.deadlines;
    let mut out = format!(
        "Ticket {}\nType: {}\nPartner: {}\nFrom: {} <{}>\nLocale: {}\nPage: {}\n\nFirst response due: {}\nBreach: {}\n",
        ticket.id,
        type_label(config, ticket, "en"),
        ticket.partner,
        ticket.name,
        ticket.email,
        ticket.locale,
        ticket.page,
        when(ticket, d.first_response_target),
        when(ticket, d.first_response_breach),
    );
    for c in &d.contacts {
        out.push_str(&format!(
            "Contact {}: due {}\n",
            c.role,
            when(ticket, c.due)
        ));
    }
    out.push_str(&format!(
        "\nSubject: {}\n\n{}\n",
        ticket.subject, ticket.description
    ));
    if !ticket.opened.is_empty() {
        out.push_str(&format!(
            "\nArticles opened before writing: {}\n",
            ticket.opened.join(", ")
        ));
    }
    out
}

/// The next attempt time after a failure: Retry-After when given (capped), else exponential
/// backoff from `initial` doubling per attempt up to `max`, with ±50 % jitter.
pub fn next_attempt(
    config: &SupportConfig,
    attempts: i64,
    failure: &Failure,
    now: Timestamp,
) -> Timestamp {
    let p = &config.deliveries;
    let max = p.backoff_max.0.unsigned_abs();
    let delay = match failure.retry_after {
        Some(d) => d.min(max),
        None => {
            let exp = attempts.clamp(1, 30) as u32 - 1;
            let base = p
                .backoff_initial
                .0
                .unsigned_abs()
                .saturating_mul(2u32.saturating_pow(exp))
                .min(max);
            base.mul_f64(rand::random_range(0.5..1.5)).min(max)
        }
    };
    now.checked_add(SignedDuration::try_from(delay).unwrap_or(SignedDuration::MAX))
        .unwrap_or(now)
}

/// Runs the worker until the task is dropped: claims due jobs, delivers them concurrently, and
/// records each outcome; sleeps until the next due job or a new ticket.
pub async fn run_worker(store: Arc<dyn TicketStore>, deliverer: Arc<Deliverer>) {
    let notify = store.notifier();
    let p = deliverer.config.deliveries.clone();
    let lease = p.timeout.0 + SignedDuration::from_secs(30);
    let concurrency = p.concurrency.max(1);
    loop {
        let jobs = match store
            .claim(Timestamp::now(), lease, concurrency as u32 * 4)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!("delivery worker: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if jobs.is_empty() {
            let wait = match store.next_due().await {
                Ok(Some(t)) => t
                    .duration_since(Timestamp::now())
                    .unsigned_abs()
                    .min(Duration::from_secs(5))
                    .max(Duration::from_millis(10)),
                _ => Duration::from_secs(5),
            };
            tokio::select! {
                _ = notify.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let Ok(permit) = sem.clone().acquire_owned().await else {
                break;
            };
            let d = deliverer.clone();
            set.spawn(async move {
                let _permit = permit;
                attempt(&d, job).await
            });
        }
        let mut outcomes = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Ok(o) = r {
                outcomes.push(o);
            }
        }
        // One transaction records the whole batch; a failure leaves the leases to expire.
        if let Err(e) = store.finish(outcomes).await {
            tracing::error!("recording delivery outcomes: {e}");
        }
    }
}

async fn attempt(d: &Deliverer, job: Job) -> (i64, Outcome) {
    let outcome = match d.deliver(&job.target, &job.ticket).await {
        Ok(()) => {
            tracing::info!(ticket = %job.ticket.id, target = %job.target, "delivered");
            Outcome::Done
        }
        Err(f) if job.attempts >= i64::from(d.config.deliveries.max_attempts) => {
            tracing::error!(ticket = %job.ticket.id, target = %job.target, attempts = job.attempts, "delivery dead: {}", f.error);
            Outcome::Dead { error: f.error }
        }
        Err(f) => {
            let at = next_attempt(&d.config, job.attempts, &f, Timestamp::now());
            tracing::warn!(ticket = %job.ticket.id, target = %job.target, attempts = job.attempts, "delivery failed, retry at {at}: {}", f.error);
            Outcome::Retry { at, error: f.error }
        }
    };
    (job.id, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = SupportConfig::default();
        let now = Timestamp::UNIX_EPOCH;
        let f = Failure::new("x");
        let d1 = next_attempt(&c, 1, &f, now).duration_since(now);
        let d5 = next_attempt(&c, 5, &f, now).duration_since(now);
        let d30 = next_attempt(&c, 30, &f, now).duration_since(now);
        assert!(
            d1 >= SignedDuration::from_millis(2500) && d1 <= SignedDuration::from_millis(7500),
            "{d1:?}"
        );
        assert!(d5 >= SignedDuration::from_secs(40), "{d5:?}");
        assert!(d30 <= SignedDuration::from_hours(1), "{d30:?}");
        let ra = Failure {
            error: "429".into(),
            retry_after: Some(Duration::from_secs(20)),
        };
        assert_eq!(
            next_attempt(&c, 1, &ra, now).duration_since(now),
            SignedDuration::from_secs(20)
        );
    }
}
