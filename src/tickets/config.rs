//! `support:` in ayuda.yaml: business calendar, request types with their SLA rules and contact
//! chains, contact roles, delivery targets, limits. Defaults reproduce the support procedure's
//! escalation matrix (PRODUCT.md) with example.org role addresses.

use crate::config::Localized;
use jiff::SignedDuration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

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
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
            Nothing(()),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::One(s) if s.trim().eq_ignore_ascii_case("closed") || s.trim().is_empty() => {
                DayHours(Vec::new())
            }
            Raw::One(s) => DayHours(s.split(',').map(|p| p.trim().to_string()).collect()),
            Raw::Many(v) => DayHours(v),
            Raw::Nothing(()) => DayHours(Vec::new()),
        })
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
}

impl TargetConfig {
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

/// A duration written as `2h`, `90m`, `1h 30m`, `30s` or ISO 8601 (`PT2H`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub SignedDuration);

impl Dur {
    fn hours(h: i64) -> Dur {
        Dur(SignedDuration::from_hours(h))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let parsed: SignedDuration = s.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "`{s}` is not a duration; write e.g. `2h`, `90m`, `1h 30m` or `24h`"
            ))
        })?;
        if parsed.is_negative() {
            return Err(serde::de::Error::custom(format!(
                "`{s}` is negative; durations count from reception"
            )));
        }
        Ok(Dur(parsed))
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#}", self.0))
    }
}

fn labels(es: &str, en: &str, pt: &str) -> Localized {
    Localized::PerLocale(BTreeMap::from([
        ("es".to_string(), es.to_string()),
        ("en".to_string(), en.to_string()),
        ("pt".to_string(), pt.to_string()),
    ]))
}

fn step(role: &str, due: Option<i64>) -> ChainStep {
    ChainStep {
        role: role.into(),
        due: due.map(Dur::hours),
    }
}

/// The procedure's escalation matrix: 2–3 business hours becomes target 2 h, breach 3 h.
fn default_types() -> Vec<RequestType> {
    let business_2_3 = |role: &str| SlaRule {
        target: Dur::hours(2),
        breach: Some(Dur::hours(3)),
        clock: Clock::Business,
        contacts: vec![step(role, None)],
    };
    vec![
        RequestType {
            id: "operations".into(),
            label: labels(
                "Dudas y operaciones del día a día",
                "Day-to-day operations questions",
                "Dúvidas e operações do dia a dia",
            ),
            sla: SlaRules {
                any: Some(business_2_3("operations-manager")),
                ..Default::default()
            },
        },
        RequestType {
            id: "technical".into(),
            label: labels(
                "Error o pregunta técnica",
                "Technical error or question",
                "Erro ou pergunta técnica",
            ),
            sla: SlaRules {
                business_hours: Some(business_2_3("operations-manager")),
                outside_business_hours: Some(SlaRule {
                    target: Dur::hours(24),
                    breach: None,
                    clock: Clock::Calendar,
                    contacts: vec![
                        step("operations-manager", None),
                        step("head-of-technology", Some(48)),
                    ],
                }),
                any: None,
            },
        },
        RequestType {
            id: "business".into(),
            label: labels(
                "Preguntas de marketing y negocio",
                "Marketing and business questions",
                "Perguntas de marketing e negócios",
            ),
            sla: SlaRules {
                any: Some(SlaRule {
                    target: Dur::hours(24),
                    breach: None,
                    clock: Clock::Calendar,
                    contacts: vec![step("vp-marketing-business", None)],
                }),
                ..Default::default()
            },
        },
    ]
}

fn role(es: &str, en: &str, pt: &str, email: &str) -> ContactRole {
    ContactRole {
        name: Some(labels(es, en, pt)),
        email: Some(email.into()),
        slack: None,
    }
}

fn default_contacts() -> BTreeMap<String, ContactRole> {
    BTreeMap::from([
        (
            "operations-manager".into(),
            role(
                "Gerente de operaciones",
                "Operations manager",
                "Gerente de operações",
                "operations-manager@example.org",
            ),
        ),
        (
            "head-of-technology".into(),
            role(
                "Jefe de tecnología",
                "Head of technology",
                "Chefe de tecnologia",
                "head-of-technology@example.org",
            ),
        ),
        (
            "vp-marketing-business".into(),
            role(
                "VP de marketing y negocio",
                "VP marketing and business",
                "VP de marketing e negócios",
                "vp-marketing-business@example.org",
            ),
        ),
    ])
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            enabled: true,
            time_zone: "UTC".into(),
            business_hours: WeekHours::default(),
            holidays: Vec::new(),
            partner_key_required: true,
            types: default_types(),
            contacts: default_contacts(),
            targets: vec![TargetConfig {
                id: None,
                kind: TargetKind::Jsonl,
                url_env: None,
                secret_env: None,
                signature_header: None,
                path: Some("deliveries.jsonl".into()),
                smtp_host: None,
                smtp_port: None,
                smtp_security: None,
                username_env: None,
                password_env: None,
                from: None,
                to: Vec::new(),
            }],
            limits: Limits::default(),
            form: FormGuard::default(),
            deliveries: DeliveryPolicy::default(),
            secret_env: "AYUDA_TICKETS_SECRET".into(),
        }
    }
}

type Invalid = (String, String);

impl SupportConfig {
    /// Checks values serde cannot; returns the offending key path (`support.types[1].sla`) and a message.
    pub fn validate(&self) -> Result<(), Invalid> {
        let bad = |key: String, msg: String| Err((key, msg));
        crate::tickets::calendar::Calendar::from_config(self)?;
        if self.types.is_empty() {
            return bad(
                "support.types".into(),
                "at least one request type is needed".into(),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, t) in self.types.iter().enumerate() {
            let key = format!("support.types[{i}]");
            if !is_id(&t.id) {
                return bad(
                    format!("{key}.id"),
                    format!(
                        "`{}` is not an id: use lowercase letters, digits and `-`",
                        t.id
                    ),
                );
            }
            if !seen.insert(t.id.clone()) {
                return bad(
                    format!("{key}.id"),
                    format!("type `{}` is defined twice", t.id),
                );
            }
            for inside in [true, false] {
                let Some(rule) = t.sla.rule(inside) else {
                    let which = if inside {
                        "business_hours"
                    } else {
                        "outside_business_hours"
                    };
                    return bad(
                        format!("{key}.sla"),
                        format!(
                            "type `{}` has no rule for tickets received {}; add `{which}:` or `any:`",
                            t.id,
                            which.replace('_', " ")
                        ),
                    );
                };
                let rule_key = format!(
                    "{key}.sla.{}",
                    if inside && t.sla.business_hours.is_some() {
                        "business_hours"
                    } else if !inside && t.sla.outside_business_hours.is_some() {
                        "outside_business_hours"
                    } else {
                        "any"
                    }
                );
                if rule.breach() < rule.target.0 {
                    return bad(
                        format!("{rule_key}.breach"),
                        "the breach comes before the target; it must be equal or later".into(),
                    );
                }
                if rule.contacts.is_empty() {
                    return bad(
                        format!("{rule_key}.contacts"),
                        "the contact chain is empty; name at least one role".into(),
                    );
                }
                let mut last = SignedDuration::ZERO;
                for (j, c) in rule.contacts.iter().enumerate() {
                    if !self.contacts.contains_key(&c.role) {
                        let known: Vec<&str> = self.contacts.keys().map(String::as_str).collect();
                        return bad(
                            format!("{rule_key}.contacts[{j}].role"),
                            format!(
                                "unknown role `{}`; known roles: {}",
                                c.role,
                                known.join(", ")
                            ),
                        );
                    }
                    let due = c.due.map_or(rule.breach(), |d| d.0);
                    if due < last {
                        return bad(
                            format!("{rule_key}.contacts[{j}].due"),
                            "each contact must be due no earlier than the previous one".into(),
                        );
                    }
                    last = due;
                }
            }
        }
        for (name, c) in &self.contacts {
            if let Some(email) = &c.email
                && !crate::tickets::validate::is_email(email)
            {
                return bad(
                    format!("support.contacts.{name}.email"),
                    format!("`{email}` is not an email address"),
                );
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            let key = format!("support.targets[{i}]");
            if !ids.insert(t.id()) {
                return bad(
                    format!("{key}.id"),
                    format!(
                        "target id `{}` is used twice; give each target an `id`",
                        t.id()
                    ),
                );
            }
            match t.kind {
                TargetKind::Webhook | TargetKind::Slack if t.url_env.is_none() => {
                    return bad(
                        format!("{key}.url_env"),
                        "name the environment variable that holds the URL (secrets stay out of ayuda.yaml)".into(),
                    );
                }
                TargetKind::Jsonl if t.path.as_deref().is_none_or(str::is_empty) => {
                    return bad(
                        format!("{key}.path"),
                        "a jsonl target needs `path` (relative to the data folder)".into(),
                    );
                }
                TargetKind::Email => {
                    if t.smtp_host.is_none() {
                        return bad(
                            format!("{key}.smtp_host"),
                            "an email target needs `smtp_host`".into(),
                        );
                    }
                    if !t
                        .from
                        .as_deref()
                        .is_some_and(crate::tickets::validate::is_email)
                    {
                        return bad(
                            format!("{key}.from"),
                            "an email target needs a sender address in `from`".into(),
                        );
                    }
                    if let Some(sec) = &t.smtp_security
                        && !["starttls", "tls", "none"].contains(&sec.as_str())
                    {
                        return bad(
                            format!("{key}.smtp_security"),
                            format!("`{sec}` is not one of starttls, tls, none"),
                        );
                    }
                }
                _ => {}
            }
        }
        if self.deliveries.max_attempts == 0 {
            return bad(
                "support.deliveries.max_attempts".into(),
                "must be at least 1".into(),
            );
        }
        if self.limits.max_body_bytes < 1024 {
            return bad(
                "support.limits.max_body_bytes".into(),
                "must be at least 1024".into(),
            );
        }
        Ok(())
    }

    /// True when the site offers the ticket form.
    pub fn tickets_enabled(&self) -> bool {
        self.enabled
    }

    /// The request type with that id.
    pub fn request_type(&self, id: &str) -> Option<&RequestType> {
        self.types.iter().find(|t| t.id == id)
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The 1-based line of a dotted key path such as `support.types[1].sla.any.target` in YAML
/// text, following indentation and list items; the deepest part found when the rest is absent.
pub fn key_path_line(text: &str, path: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0usize;
    let mut end = lines.len();
    let mut min_indent: Option<usize> = None;
    let mut found = None;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().take(end).skip(from) {
            let trimmed = line.trim_start_matches([' ', '-']);
            let indent = line.len() - line.trim_start().len();
            if min_indent.is_some_and(|m| indent < m) && !line.trim().is_empty() {
                break;
            }
            if trimmed
                .strip_prefix(name)
                .is_some_and(|r| r.trim_start().starts_with(':'))
            {
                hit = Some((i, indent));
                break;
            }
        }
        let Some((i, indent)) = hit else {
            return found;
        };
        found = Some(i + 1);
        let block_end = block_end(&lines, i, indent);
        from = i + 1;
        end = block_end;
        min_indent = Some(indent + 1);
        if let Some(n) = index {
            // The n-th `- ` item inside the block.
            let items: Vec<usize> = (from..end)
                .filter(|&k| lines[k].trim_start().starts_with('-'))
                .filter(|&k| {
                    let ind = lines[k].len() - lines[k].trim_start().len();
                    ind == (from..end)
                        .filter(|&j| lines[j].trim_start().starts_with('-'))
                        .map(|j| lines[j].len() - lines[j].trim_start().len())
                        .min()
                        .unwrap_or(ind)
                })
                .collect();
            let Some(&k) = items.get(n) else {
                return found;
            };
            found = Some(k + 1);
            let ind = lines[k].len() - lines[k].trim_start().len();
            from = k;
            end = items.get(n + 1).copied().unwrap_or(end);
            min_indent = Some(ind);
        }
    }
    found
}

fn block_end(lines: &[&str], start: usize, indent: usize) -> usize {
    for (k, line) in lines.iter().enumerate().skip(start + 1) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let ind = line.len() - line.trim_start().len();
        if ind < indent || (ind == indent && !line.trim_start().starts_with('-')) {
            return k;
        }
    }
    lines.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_matrix() {
        let c = SupportConfig::default();
        c.validate().unwrap();
        let tech = c.request_type("technical").unwrap();
        let inside = tech.sla.rule(true).unwrap();
        assert_eq!(inside.target.0, SignedDuration::from_hours(2));
        assert_eq!(inside.breach(), SignedDuration::from_hours(3));
        assert_eq!(inside.clock, Clock::Business);
        let outside = tech.sla.rule(false).unwrap();
        assert_eq!(outside.breach(), SignedDuration::from_hours(24));
        assert_eq!(outside.contacts[1].role, "head-of-technology");
        for r in c.contacts.values() {
            assert!(r.email.as_deref().unwrap().ends_with("@example.org"));
        }
    }

    #[test]
    fn key_path_line_follows_lists() {
        let text = "title: x\nsupport:\n  time_zone: UTC\n  types:\n    - id: a\n      label: A\n    - id: b\n      sla:\n        any:\n          target: 2x\n";
        assert_eq!(key_path_line(text, "support.time_zone"), Some(3));
        assert_eq!(key_path_line(text, "support.types[1].id"), Some(7));
        assert_eq!(
            key_path_line(text, "support.types[1].sla.any.target"),
            Some(10)
        );
        assert_eq!(key_path_line(text, "support.types[0].sla"), Some(5));
    }
}
