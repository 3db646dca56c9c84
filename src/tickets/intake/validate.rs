//! Ticket input: the raw fields as posted (JSON or form) and their validation into field-level
//! errors. Pure: no IO, so the tables of cases in the tests cover every rule.

pub use super::cc::MAX_CC;
use super::cc::{addresses, cc_list, split_addresses};
use crate::tickets::config::{Limits, SupportConfig};
use crate::tickets::messages::Msg;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most suggested or opened articles a ticket carries.
pub const MAX_ARTICLES: usize = 20;

/// A ticket as posted, before validation. Unknown JSON fields are ignored so the theme's JS can
/// evolve; form posts are read into the same shape.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct TicketInput {
    pub name: String,
    pub email: String,
    pub partner: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subject: String,
    pub description: String,
    pub locale: String,
    pub page: String,
    /// Articles the form suggested while the partner typed.
    pub suggested: Vec<String>,
    /// Articles the partner opened from the suggestions.
    pub opened: Vec<String>,
    /// Addresses to copy on the partner's mails: a list, or one string of addresses separated
    /// by commas, semicolons or spaces.
    #[serde(deserialize_with = "addresses")]
    pub cc: Vec<String>,
    /// The partner's IANA time zone (set by the form's JS) for the thank-you page.
    pub tz: String,
    /// Partner key sent as a form field (the API uses `Authorization: Bearer`).
    pub partner_key: String,
    /// Honeypot: hidden from people, filled by bots.
    pub website: String,
    /// Time-trap token.
    pub form_ts: String,
    /// The draft a form was sent again from (forgotten once the ticket is stored).
    pub draft: String,
}

impl TicketInput {
    /// Reads form-urlencoded pairs; `suggested`/`opened` may repeat or be comma-separated.
    pub fn from_form(body: &[u8]) -> TicketInput {
        let mut t = TicketInput::default();
        for (k, v) in form_urlencoded::parse(body) {
            t.set(&k, v.into_owned());
        }
        t
    }

    /// Sets the form field `k` (unknown fields are ignored); `suggested`/`opened` add to the list.
    pub fn set(&mut self, k: &str, v: String) {
        let t = self;
        match k {
            "name" => t.name = v,
            "email" => t.email = v,
            "partner" => t.partner = v,
            "type" => t.kind = v,
            "subject" => t.subject = v,
            "description" => t.description = v,
            "locale" => t.locale = v,
            "page" => t.page = v,
            "tz" => t.tz = v,
            "partner_key" => t.partner_key = v,
            "website" => t.website = v,
            "form_ts" => t.form_ts = v,
            "draft" => t.draft = v,
            "suggested" | "suggested[]" => t.suggested.extend(split_list(&v)),
            "opened" | "opened[]" => t.opened.extend(split_list(&v)),
            "cc" | "cc[]" => t.cc.extend(split_addresses(&v)),
            _ => {}
        }
    }

    /// The values to show again in the form after an error: never the honeypot or token, and
    /// never the partner key, a secret the page would otherwise carry (and the server keep).
    pub fn form_values(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name, "email": self.email, "partner": self.partner, "type": self.kind,
            "subject": self.subject, "description": self.description, "locale": self.locale,
            "page": self.page, "tz": self.tz, "cc": self.cc.join(", "),
            "suggested": self.suggested.join(","), "opened": self.opened.join(","),
        })
    }
}

fn split_list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A ticket whose fields passed validation (trimmed).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTicket {
    pub name: String,
    pub email: String,
    pub partner: String,
    pub kind: String,
    pub subject: String,
    pub description: String,
    pub locale: String,
    pub page: String,
    pub suggested: Vec<String>,
    pub opened: Vec<String>,
    /// Addresses copied on the partner's mails.
    pub cc: Vec<String>,
}

/// Field errors by field name.
pub type FieldErrors = BTreeMap<&'static str, Msg>;

/// Validates `input`; `locales` are the site's locales. `partner_from_key`, the partner named
/// by the key the request carried, replaces whatever `partner` the body says.
pub fn validate(
    input: &TicketInput,
    config: &SupportConfig,
    locales: &[String],
    default_locale: &str,
    partner_from_key: Option<&str>,
) -> Result<ValidTicket, FieldErrors> {
    let l: &Limits = &config.limits;
    let mut errors = FieldErrors::new();
    let name = line(&mut errors, "name", &input.name, 1, l.name_max);
    let email = line(&mut errors, "email", &input.email, 1, 254);
    if !errors.contains_key("email") && !is_email(&email) {
        errors.insert("email", Msg::Email);
    }
    let cc = cc_list(&mut errors, &input.cc, &email);
    // The partner a key was issued to is the ticket's partner: a key cannot file for another.
    let partner_raw = partner_from_key.unwrap_or(&input.partner);
    let partner = line(&mut errors, "partner", partner_raw, 1, l.partner_max);
    let kind = input.kind.trim().to_string();
    if kind.is_empty() {
        errors.insert("type", Msg::Required);
    } else if config.request_type(&kind).is_none() {
        errors.insert("type", Msg::UnknownType);
    }
    let subject = line(
        &mut errors,
        "subject",
        &input.subject,
        l.subject_min,
        l.subject_max,
    );
    let description = text(
        &mut errors,
        "description",
        &input.description,
        l.description_min,
        l.description_max,
    );
    let locale = match input.locale.trim() {
        "" => default_locale.to_string(),
        loc if locales.iter().any(|x| x == loc) => loc.to_string(),
        _ => {
            errors.insert("locale", Msg::UnknownLocale);
            String::new()
        }
    };
    let page = input.page.trim().to_string();
    if !page.is_empty() && !is_page(&page) {
        errors.insert("page", Msg::BadPage);
    }
    for (field, list) in [("suggested", &input.suggested), ("opened", &input.opened)] {
        if list.len() > MAX_ARTICLES {
            errors.insert(field, Msg::TooManyItems(MAX_ARTICLES));
        } else if list
            .iter()
            .any(|a| a.chars().count() > 300 || a.trim().is_empty())
        {
            errors.insert(field, Msg::TooLong(300));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidTicket {
        name,
        email,
        partner,
        kind,
        subject,
        description,
        locale,
        page,
        suggested: input.suggested.clone(),
        opened: input.opened.clone(),
        cc,
    })
}

/// A multi-line text field (the description): line breaks and tabs allowed.
fn text(errors: &mut FieldErrors, field: &'static str, v: &str, min: usize, max: usize) -> String {
    checked(errors, field, v, min, max, true)
}

/// A single-line field (name, email, partner, subject): it ends up in Slack fields, email
/// headers and logs, so line breaks are refused.
fn line(errors: &mut FieldErrors, field: &'static str, v: &str, min: usize, max: usize) -> String {
    checked(errors, field, v, min, max, false)
}

fn checked(
    errors: &mut FieldErrors,
    field: &'static str,
    v: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> String {
    let v = v.trim();
    let n = v.chars().count();
    let breaks = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    if n == 0 {
        errors.insert(field, Msg::Required);
    } else if n < min {
        errors.insert(field, Msg::TooShort(min));
    } else if n > max {
        errors.insert(field, Msg::TooLong(max));
    } else if !multiline && v.chars().any(breaks) {
        errors.insert(field, Msg::OneLine);
    } else if v.chars().any(|c| {
        is_bidi_control(c) || (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    }) {
        errors.insert(field, Msg::Characters);
    }
    v.to_string()
}

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
/// reorder what the support team reads ("Trojan Source"), so text fields refuse them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A pragmatic email syntax check: one `@`, a local part without spaces, a dotted domain of
/// letters, digits and hyphens (internationalized domains accepted as Unicode letters).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
        });
    local_ok && domain_ok
}

/// The page a partner came from: a site path (`/es/articles/x/`) or an http(s) URL.
fn is_page(s: &str) -> bool {
    s.len() <= 2000
        && !s.chars().any(char::is_whitespace)
        && ((s.starts_with('/') && !s.starts_with("//"))
            || s.starts_with("https://")
            || s.starts_with("http://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> TicketInput {
        TicketInput {
            name: "Ana Operaciones".into(),
            email: "ana@partner.example.org".into(),
            partner: "Partner TV".into(),
            kind: "technical".into(),
            subject: "El video no carga".into(),
            description: "Desde ayer el reproductor muestra un error 500.".into(),
            locale: "es".into(),
            page: "/es/articles/reproductor/".into(),
            ..Default::default()
        }
    }

    fn check(input: &TicketInput) -> Result<ValidTicket, FieldErrors> {
        let locales = vec!["es".to_string(), "en".to_string(), "pt".to_string()];
        validate(input, &SupportConfig::default(), &locales, "es", None)
    }

    /// Validation of a post that carried a key issued to `key_partner`, on a site in Spanish.
    fn check_with_key(input: &TicketInput, key_partner: &str) -> Result<ValidTicket, FieldErrors> {
        let locales = vec!["es".to_string()];
        validate(
            input,
            &SupportConfig::default(),
            &locales,
            "es",
            Some(key_partner),
        )
    }

    #[test]
    fn a_good_ticket_passes() {
        let v = check(&good()).unwrap();
        assert_eq!(v.kind, "technical");
    }

    #[test]
    fn field_rules_table() {
        type Edit = fn(&mut TicketInput);
        let cases: Vec<(&str, Edit, &str, Msg)> = vec![
            (
                "empty name",
                |t| t.name = "  ".into(),
                "name",
                Msg::Required,
            ),
            (
                "long name",
                |t| t.name = "x".repeat(101),
                "name",
                Msg::TooLong(100),
            ),
            ("no email", |t| t.email.clear(), "email", Msg::Required),
            (
                "email without at",
                |t| t.email = "ana.example.org".into(),
                "email",
                Msg::Email,
            ),
            (
                "email with space",
                |t| t.email = "ana maria@example.org".into(),
                "email",
                Msg::Email,
            ),
            (
                "email without tld",
                |t| t.email = "ana@localhost".into(),
                "email",
                Msg::Email,
            ),
            (
                "email double dot",
                |t| t.email = "ana..b@example.org".into(),
                "email",
                Msg::Email,
            ),
            (
                "no partner",
                |t| t.partner.clear(),
                "partner",
                Msg::Required,
            ),
            ("no type", |t| t.kind.clear(), "type", Msg::Required),
            (
                "unknown type",
                |t| t.kind = "billing".into(),
                "type",
                Msg::UnknownType,
            ),
            (
                "short subject",
                |t| t.subject = "ay".into(),
                "subject",
                Msg::TooShort(3),
            ),
            (
                "long subject",
                |t| t.subject = "s".repeat(151),
                "subject",
                Msg::TooLong(150),
            ),
            (
                "short description",
                |t| t.description = "help".into(),
                "description",
                Msg::TooShort(10),
            ),
            (
                "long description",
                |t| t.description = "d".repeat(5001),
                "description",
                Msg::TooLong(5000),
            ),
            (
                "unknown locale",
                |t| t.locale = "fr".into(),
                "locale",
                Msg::UnknownLocale,
            ),
            (
                "javascript page",
                |t| t.page = "javascript:alert(1)".into(),
                "page",
                Msg::BadPage,
            ),
            (
                "protocol-relative page",
                |t| t.page = "//evil.example".into(),
                "page",
                Msg::BadPage,
            ),
            (
                "too many suggested",
                |t| t.suggested = vec!["a".into(); 21],
                "suggested",
                Msg::TooManyItems(20),
            ),
            (
                "control characters",
                |t| t.subject = "hola\u{7}mundo".into(),
                "subject",
                Msg::Characters,
            ),
            (
                "line break in the subject",
                |t| t.subject = "hola\r\n<!channel> mundo".into(),
                "subject",
                Msg::OneLine,
            ),
            (
                "line break in the name",
                |t| t.name = "Ana\nBcc: x@example.org".into(),
                "name",
                Msg::OneLine,
            ),
            (
                "tab in the partner",
                |t| t.partner = "Partner\tTV".into(),
                "partner",
                Msg::Characters,
            ),
            (
                "bidi override in the subject",
                |t| t.subject = "factura \u{202E}fdp.exe".into(),
                "subject",
                Msg::Characters,
            ),
            (
                "bidi isolate in the description",
                |t| t.description = "Desde ayer \u{2066}el reproductor\u{2069} falla.".into(),
                "description",
                Msg::Characters,
            ),
        ];
        for (name, edit, field, msg) in cases {
            let mut t = good();
            edit(&mut t);
            let errors = check(&t).expect_err(name);
            assert_eq!(errors.get(field), Some(&msg), "{name}: {errors:?}");
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        }
    }

    #[test]
    fn accepted_variants() {
        let mut t = good();
        t.email = "o'brien+tickets@sub.example.co".into();
        t.locale.clear();
        t.page = "https://help.example.org/es/articles/x/?q=1".into();
        t.partner.clear();
        let v = check_with_key(&t, "Partner TV").unwrap();
        assert_eq!(v.locale, "es");
        assert_eq!(v.partner, "Partner TV");
    }

    #[test]
    fn the_key_partner_wins_over_the_posted_partner() {
        let mut t = good();
        t.partner = "Partner B".into();
        let v = check_with_key(&t, "Partner A").unwrap();
        assert_eq!(v.partner, "Partner A");
    }

    #[test]
    fn descriptions_keep_line_breaks_and_tabs() {
        let mut t = good();
        t.description = "Pasos:\r\n1.\tabrir\n2.\tfallar".into();
        assert!(check(&t).is_ok());
    }

    #[test]
    fn form_bodies_parse_lists() {
        let t = TicketInput::from_form(
            b"name=Ana&type=technical&suggested=a1,a2&suggested=a3&opened=a2&website=",
        );
        assert_eq!(t.suggested, vec!["a1", "a2", "a3"]);
        assert_eq!(t.opened, vec!["a2"]);
        assert_eq!(t.kind, "technical");
    }

    #[test]
    fn messages_follow_the_partner_language() {
        let mut t = good();
        t.email = "nope".into();
        let e = check(&t).unwrap_err();
        assert!(e["email"].text("pt").contains("e-mail"));
        assert!(e["email"].text("es").contains("correo"));
    }

    /// The CC field: up to MAX_CC addresses, from a form (commas, semicolons or spaces) or JSON
    /// (a string or a list); each one an address, repeats and the partner's own address dropped.
    #[test]
    fn cc_takes_a_few_valid_addresses() {
        let form = TicketInput::from_form(
            b"cc=lead%40partner.example.org%3B+Ops%40Partner.example.org,ana%40partner.example.org&cc=ops%40partner.example.org",
        );
        let mut t = good();
        t.cc = form.cc;
        let v = check(&t).unwrap();
        assert_eq!(
            v.cc,
            ["lead@partner.example.org", "Ops@Partner.example.org"]
        );
        let json: TicketInput =
            serde_json::from_str(r#"{"cc": "a@partner.example.org, b@partner.example.org"}"#)
                .unwrap();
        assert_eq!(json.cc, ["a@partner.example.org", "b@partner.example.org"]);
        let json: TicketInput =
            serde_json::from_str(r#"{"cc": ["a@partner.example.org"]}"#).unwrap();
        assert_eq!(json.cc, ["a@partner.example.org"]);
        assert_eq!(check(&good()).unwrap().cc, Vec::<String>::new());

        let with = |cc: &[&str]| {
            let mut t = good();
            t.cc = cc.iter().map(|c| c.to_string()).collect();
            t.subject = "ab".into();
            check(&t).unwrap_err()
        };
        // Every error in the same round: the subject's too.
        let e = with(&["lead@partner.example.org", "not an address"]);
        assert_eq!(e.get("cc"), Some(&Msg::Email));
        assert!(e.contains_key("subject"), "{e:?}");
        let six: Vec<String> = (0..=MAX_CC)
            .map(|i| format!("p{i}@partner.example.org"))
            .collect();
        let six: Vec<&str> = six.iter().map(String::as_str).collect();
        assert_eq!(with(&six).get("cc"), Some(&Msg::TooManyItems(MAX_CC)));
        assert_eq!(
            with(&["a@partner.example.org\u{202E}"]).get("cc"),
            Some(&Msg::Characters)
        );
        let form =
            TicketInput::from_form(b"cc=a%40partner.example.org%0D%0ABcc%3A+x%40evil.example.org");
        assert_eq!(form.cc.len(), 3, "{:?}", form.cc);
        let mut t = good();
        t.cc = form.cc;
        assert_eq!(check(&t).unwrap_err().get("cc"), Some(&Msg::Email));
        assert_eq!(
            TicketInput {
                cc: vec!["a@partner.example.org".into()],
                ..good()
            }
            .form_values()["cc"],
            "a@partner.example.org"
        );
    }
}
