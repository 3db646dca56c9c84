//! `support:` in ayuda.yaml: business calendar, request types with their SLA rules and contact
//! chains, contact roles, delivery targets, limits. Defaults reproduce the support procedure's
//! escalation matrix (PRODUCT.md) with example.org role addresses.

use crate::config::Localized;
use jiff::SignedDuration;
use serde::de::{self, SeqAccess, Visitor, value::SeqAccessDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

mod actions;
mod attachments;
mod check;
mod defaults;
mod keypath;
mod levels;
mod partner_email;
mod vendors;

pub use actions::{EventsApiConfig, LinksConfig};
pub use attachments::{AttachmentsConfig, KNOWN_TYPES};

/// `support:` with `body` under it, parsed as a whole ayuda.yaml (errors as text): for the
/// sections' tests.
#[cfg(test)]
fn parse_support(body: &str) -> Result<crate::Config, String> {
    crate::Config::parse(&format!("support:\n{body}")).map_err(|e| e.to_string())
}
pub use keypath::key_path_line;
pub use levels::{LEVELS, Level, WatcherConfig};
pub(crate) use partner_email::PARTNER_EMAIL_TARGET;
pub use partner_email::PartnerEmailConfig;

/// `support:` in ayuda.yaml.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {
    /// Whether the site offers the ticket form at all.
    pub enabled: bool,
    /// IANA time zone of the business calendar (`America/Bogota`).
    pub time_zone: String,
    /// Weekly business hours per weekday: `"09:00-18:00"`, a list of ranges, or `closed`.
    pub business_hours: WeekHours,
    /// Holidays: `YYYY-MM-DD` for one date, `MM-DD` for every year.
    pub holidays: Vec<String>,
    /// Whether the form and the API need a partner key issued with `ayuda partners add`.
    pub partner_key_required: bool,
    /// Request types offered to partners, in form order.
    pub types: Vec<RequestType>,
    /// Contact roles by id, referenced from the types' contact chains.
    pub contacts: BTreeMap<String, ContactRole>,
    /// Support levels 1 to 3: name per locale and the roles each one notifies.
    pub levels: BTreeMap<u8, Level>,
    /// The SLA watcher: interval, warning ahead of the target, on or off.
    pub watcher: WatcherConfig,
    /// How long a resolved ticket waits for the partner's answer before the SLA watcher closes
    /// it as confirmed (actor `auto-close`).
    pub auto_close_after: Dur,
    /// Where each accepted ticket is delivered (one job per target).
    pub targets: Vec<TargetConfig>,
    /// Input and abuse limits.
    pub limits: Limits,
    /// Guards of HTML form posts (time trap, origin check).
    pub form: FormGuard,
    /// Retry policy of deliveries.
    pub deliveries: DeliveryPolicy,
    /// Environment variable holding the service secret (time-trap tokens, thank-you links);
    /// when unset the service keeps a generated one in the data folder.
    pub secret_env: String,
    /// Signed one-click action links in notifications.
    pub links: LinksConfig,
    /// `POST /api/tickets/{id}/events` for the team's tools.
    pub events_api: EventsApiConfig,
    /// Mails to the partner who opened a ticket.
    pub partner_email: PartnerEmailConfig,
    /// Files partners may attach to the ticket form.
    pub attachments: AttachmentsConfig,
}

/// Business hours per weekday.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeekHours {
    pub monday: DayHours,
    pub tuesday: DayHours,
    pub wednesday: DayHours,
    pub thursday: DayHours,
    pub friday: DayHours,
    pub saturday: DayHours,
    pub sunday: DayHours,
}

/// Opening ranges of one weekday, as written (`"09:00-13:00"`); empty when closed.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DayHours(pub Vec<String>);

impl<'de> Deserialize<'de> for DayHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DayHours;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("opening hours such as \"09:00-18:00\", a list of ranges, or `closed`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DayHours, E> {
                if s.trim().eq_ignore_ascii_case("closed") || s.trim().is_empty() {
                    return Ok(DayHours(Vec::new()));
                }
                Ok(DayHours(
                    s.split(',').map(|p| p.trim().to_string()).collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<DayHours, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(DayHours)
            }
            fn visit_unit<E: de::Error>(self) -> Result<DayHours, E> {
                Ok(DayHours(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<DayHours, E> {
                Ok(DayHours(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl WeekHours {
    /// The days Monday first, with their config key.
    pub fn days(&self) -> [(&'static str, &DayHours); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

impl Default for WeekHours {
    fn default() -> Self {
        let open = || DayHours(vec!["09:00-18:00".into()]);
        WeekHours {
            monday: open(),
            tuesday: open(),
            wednesday: open(),
            thursday: open(),
            friday: open(),
            saturday: DayHours::default(),
            sunday: DayHours::default(),
        }
    }
}

/// A request type partners choose on the form.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestType {
    /// Stable id (`technical`), used in the API and in deliveries.
    pub id: String,
    /// Label per locale.
    pub label: Localized,
    /// First-response rules by reception time.
    pub sla: SlaRules,
    /// Levels that differ for this type (overrides `support.levels` level by level).
    #[serde(default)]
    pub levels: BTreeMap<u8, Level>,
    /// Overrides `support.watcher.warn_before` for this type.
    #[serde(default)]
    pub warn_before: Option<Dur>,
}

/// SLA rules of a type: one for tickets received in business hours, one for the rest, or `any`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaRules {
    pub business_hours: Option<SlaRule>,
    pub outside_business_hours: Option<SlaRule>,
    pub any: Option<SlaRule>,
}

impl SlaRules {
    /// The rule for a ticket received inside (`true`) or outside business hours.
    pub fn rule(&self, inside: bool) -> Option<&SlaRule> {
        let specific = if inside {
            self.business_hours.as_ref()
        } else {
            self.outside_business_hours.as_ref()
        };
        specific.or(self.any.as_ref())
    }
}

/// Which clock an SLA runs on.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Only business hours count (the clock stops at night, weekends and holidays).
    Business,
    /// Elapsed time.
    #[default]
    Calendar,
}

/// First-response target and breach, and who is contacted when.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlaRule {
    /// Time to the first-response target (`2h`).
    pub target: Dur,
    /// Time to the breach (default: the target).
    #[serde(default)]
    pub breach: Option<Dur>,
    /// Business or calendar clock.
    #[serde(default)]
    pub clock: Clock,
    /// Contact chain: the first is notified at reception, each next one when the previous is due.
    pub contacts: Vec<ChainStep>,
}

impl SlaRule {
    /// The breach duration (the target when not given).
    pub fn breach(&self) -> SignedDuration {
        self.breach.map_or(self.target.0, |b| b.0)
    }
}

/// One contact of a chain.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChainStep {
    /// A key of `contacts`.
    pub role: String,
    /// When this contact must have answered, from reception (default: the rule's breach).
    #[serde(default)]
    pub due: Option<Dur>,
}

/// A contact role (never a person's name): how to reach it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactRole {
    /// Display name of the role per locale.
    pub name: Option<Localized>,
    /// Role mailbox (`operations@example.org`).
    pub email: Option<String>,
    /// Slack handle or channel to mention.
    pub slack: Option<String>,
}

/// Kinds of delivery target.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Generic signed JSON webhook.
    Webhook,
    /// Slack incoming webhook (Block Kit).
    Slack,
    /// Email over SMTP.
    Email,
    /// One JSON line per ticket appended to a file.
    Jsonl,
    /// A monday.com board: one item per ticket (GraphQL API v2).
    Monday,
    /// A Zendesk Support account: one Zendesk ticket per ticket (REST API v2).
    Zendesk,
}

/// A delivery target. Secrets are never written here: only names of environment variables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Unique id of the target (default: the kind).
    #[serde(default)]
    pub id: Option<String>,
    pub kind: TargetKind,
    /// Environment variable holding the URL (webhook, slack).
    #[serde(default)]
    pub url_env: Option<String>,
    /// Environment variable holding the HMAC key of the webhook signature.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// Signature header name of the webhook.
    #[serde(default)]
    pub signature_header: Option<String>,
    /// JSONL file path, relative to the data folder.
    #[serde(default)]
    pub path: Option<String>,
    /// SMTP relay host.
    #[serde(default)]
    pub smtp_host: Option<String>,
    /// SMTP port (default 587).
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` or `none` (local relays and tests only).
    #[serde(default)]
    pub smtp_security: Option<String>,
    /// Environment variables with the SMTP user name and password.
    #[serde(default)]
    pub username_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// Recipients; empty means the email of each role in the ticket's contact chain.
    #[serde(default)]
    pub to: Vec<String>,
    /// Monday: the GraphQL endpoint (default `https://api.monday.com/v2`).
    #[serde(default)]
    pub api_url: Option<String>,
    /// Monday: the `API-Version` header (default: the version ayuda was tested against).
    #[serde(default)]
    pub api_version: Option<String>,
    /// Monday and Zendesk: environment variable holding the API token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Monday: the board that gets one item per ticket (a number, written bare or quoted).
    #[serde(default, deserialize_with = "vendors::id_or_number")]
    pub board_id: Option<String>,
    /// Monday: the group new items go to (default: the board's top group).
    #[serde(default)]
    pub group_id: Option<String>,
    /// Monday: column id per ticket field (`status`, `level`, `type`, `reference`, …).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Zendesk: the account's base URL (`https://example.zendesk.com`).
    #[serde(default)]
    pub url: Option<String>,
    /// Zendesk: the agent address the API token belongs to.
    #[serde(default)]
    pub email: Option<String>,
}

impl TargetConfig {
    /// A target of `kind` with no other key set.
    pub fn of(kind: TargetKind) -> TargetConfig {
        TargetConfig {
            id: None,
            kind,
            url_env: None,
            secret_env: None,
            signature_header: None,
            path: None,
            smtp_host: None,
            smtp_port: None,
            smtp_security: None,
            username_env: None,
            password_env: None,
            from: None,
            to: Vec::new(),
            api_url: None,
            api_version: None,
            token_env: None,
            board_id: None,
            group_id: None,
            columns: BTreeMap::new(),
            url: None,
            email: None,
        }
    }

    /// The target's id.
    pub fn id(&self) -> String {
        self.id.clone().unwrap_or_else(|| {
            serde_json::to_value(self.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
    }
}

/// Input and abuse limits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Requests per minute per client on `POST /api/tickets` (0 = off); `AYUDA_TICKETS_RATE_LIMIT` overrides.
    pub rate_limit_per_minute: u32,
    /// Largest accepted request body in bytes (413 above).
    pub max_body_bytes: usize,
    pub name_max: usize,
    pub partner_max: usize,
    pub subject_min: usize,
    pub subject_max: usize,
    pub description_min: usize,
    pub description_max: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate_limit_per_minute: 10,
            max_body_bytes: 64 * 1024,
            name_max: 100,
            partner_max: 100,
            subject_min: 3,
            subject_max: 150,
            description_min: 10,
            description_max: 5000,
            trust_forwarded_for: false,
        }
    }
}

/// Guards of browser form posts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormGuard {
    /// A form sent sooner than this after its token was issued is refused (time trap).
    pub min_fill_seconds: u64,
    /// Tokens older than this are refused (the form is shown again with a fresh one).
    pub max_age_hours: u64,
    /// Origins allowed to post the form besides the site's `base_url` and the request's host.
    pub allowed_origins: Vec<String>,
}

impl Default for FormGuard {
    fn default() -> Self {
        FormGuard {
            min_fill_seconds: 3,
            max_age_hours: 24,
            allowed_origins: Vec::new(),
        }
    }
}

/// Delivery retry policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryPolicy {
    /// Attempts before a job is dead.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt, with jitter.
    pub backoff_initial: Dur,
    /// Longest retry delay (also caps Retry-After).
    pub backoff_max: Dur,
    /// Timeout of one attempt.
    pub timeout: Dur,
    /// Deliveries in flight at once.
    pub concurrency: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 12,
            backoff_initial: Dur(SignedDuration::from_secs(5)),
            backoff_max: Dur(SignedDuration::from_hours(1)),
            timeout: Dur(SignedDuration::from_secs(15)),
            concurrency: 8,
        }
    }
}

/// A duration written as `2h`, `90m`, `1h 30m`, `30s`, `5d` (days of 24 hours) or ISO 8601
/// (`PT2H`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub SignedDuration);

impl Dur {
    fn hours(h: i64) -> Dur {
        Dur(SignedDuration::from_hours(h))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so the error is raised on the value itself and names its key (an error
        // after `String::deserialize` named the parent mapping).
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as `2h`, `90m`, `1h 30m`, `24h` or `5d`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                // Days (`5d`) are 24 hours: jiff's spans read them, its durations do not.
                let parsed = s.trim().parse::<SignedDuration>().ok().or_else(|| {
                    let span: jiff::Span = s.trim().parse().ok()?;
                    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                        .ok()
                });
                let parsed = parsed.ok_or_else(|| {
                    E::custom(format!(
                        "`{s}` is not a duration; write e.g. `2h`, `90m`, `1h 30m`, `24h` or `5d`"
                    ))
                })?;
                if parsed.is_negative() {
                    return Err(E::custom(format!(
                        "`{s}` is negative; durations count from reception"
                    )));
                }
                Ok(Dur(parsed))
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#}", self.0))
    }
}
