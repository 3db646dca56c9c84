//! Checks of the ticketing-tool targets (`kind: monday`, `kind: zendesk`): what each needs, with
//! the key path of each problem.

use super::{TargetConfig, TargetKind};
use serde::Deserializer;
use serde::de::{self, Visitor};
use std::fmt;

type Invalid = (String, String);

/// Ticket fields a Monday board can show, as keys of `columns`.
pub const MONDAY_FIELDS: [&str; 8] = [
    "reference",
    "status",
    "level",
    "type",
    "assignee",
    "partner",
    "deadline",
    "breach",
];

/// Checks a `monday` or `zendesk` target at `key` (`support.targets[2]`).
pub(super) fn check(t: &TargetConfig, key: &str) -> Result<(), Invalid> {
    let bad = |field: &str, msg: String| Err((format!("{key}.{field}"), msg));
    if !t.token_env.as_deref().is_some_and(is_env_name) {
        return bad(
            "token_env",
            "name the environment variable that holds the API token, such as `MONDAY_TOKEN` (secrets stay out of ayuda.yaml)".into(),
        );
    }
    match t.kind {
        TargetKind::Monday => {
            if !t
                .board_id
                .as_deref()
                .is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()))
            {
                return bad(
                    "board_id",
                    format!(
                        "a monday target needs the board's number in `board_id`{}",
                        t.board_id
                            .as_deref()
                            .map(|b| format!(" (`{b}` is not one)"))
                            .unwrap_or_default()
                    ),
                );
            }
            if let Some(url) = &t.api_url {
                api_url(url).map_err(|m| (format!("{key}.api_url"), m))?;
            }
            if t.group_id.as_deref().is_some_and(|g| g.trim().is_empty()) {
                return bad("group_id", "is empty; remove it or name a group".into());
            }
            for (field, column) in &t.columns {
                if !MONDAY_FIELDS.contains(&field.as_str()) {
                    return bad(
                        &format!("columns.{field}"),
                        format!(
                            "`{field}` is not a ticket field; map one of: {}",
                            MONDAY_FIELDS.join(", ")
                        ),
                    );
                }
                if column.trim().is_empty() {
                    return bad(
                        &format!("columns.{field}"),
                        "name the board's column id".into(),
                    );
                }
            }
        }
        TargetKind::Zendesk => {
            let Some(url) = &t.url else {
                return bad(
                    "url",
                    "a zendesk target needs the account's base URL, such as `https://example.zendesk.com`".into(),
                );
            };
            api_url(url).map_err(|m| (format!("{key}.url"), m))?;
            if !t
                .email
                .as_deref()
                .is_some_and(crate::tickets::validate::is_email)
            {
                return bad(
                    "email",
                    "a zendesk target needs the address of the agent the token belongs to".into(),
                );
            }
        }
        _ => {}
    }
    Ok(())
}

/// An API address: `https://`, or `http://` on a loopback address (local fakes and tests);
/// without credentials, query or fragment.
pub fn api_url(s: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(format!(
            "`{s}` must use https (plain http only on a loopback address)"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{s}` carries credentials; put the token in the variable named by `token_env`"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{s}` must not have a query or a fragment"));
    }
    Ok(url)
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// An id written as a YAML number or string (`board_id: 1234567890` or `"1234567890"`).
pub(super) fn id_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an id such as 1234567890")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.trim().to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    fn error(targets: &str) -> String {
        let text = format!("title: Help\nsupport:\n  targets:\n{targets}");
        match crate::Config::parse(&text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn vendor_targets_are_checked_with_key_and_line() {
        let cases = [
            (
                "    - kind: monday\n      board_id: 123\n",
                "support.targets[0].token_env",
                "ayuda.yaml:4:",
            ),
            (
                "    - kind: monday\n      token_env: MONDAY_TOKEN\n",
                "support.targets[0].board_id",
                "ayuda.yaml:4:",
            ),
            (
                "    - kind: monday\n      token_env: MONDAY_TOKEN\n      board_id: abc\n",
                "support.targets[0].board_id",
                "ayuda.yaml:6:",
            ),
            (
                "    - kind: monday\n      token_env: T\n      board_id: 1\n      columns:\n        owner: person\n",
                "support.targets[0].columns.owner",
                "ayuda.yaml:8:",
            ),
            (
                "    - kind: monday\n      token_env: T\n      board_id: 1\n      api_url: http://api.example.org/v2\n",
                "support.targets[0].api_url",
                "ayuda.yaml:7:",
            ),
            (
                "    - kind: zendesk\n      token_env: ZENDESK_TOKEN\n      email: agent@example.org\n      url: http://example.zendesk.com\n",
                "support.targets[0].url",
                "ayuda.yaml:7:",
            ),
            (
                "    - kind: zendesk\n      token_env: ZENDESK_TOKEN\n      url: https://example.zendesk.com\n",
                "support.targets[0].email",
                "ayuda.yaml:4:",
            ),
            (
                "    - kind: zendesk\n      email: agent@example.org\n      url: https://example.zendesk.com\n      token_env: \"\"\n",
                "support.targets[0].token_env",
                "ayuda.yaml:7:",
            ),
        ];
        for (yaml, key, line) in cases {
            let e = error(yaml);
            assert!(e.contains(key) && e.contains(line), "{key} {line}: {e}");
        }
    }

    #[test]
    fn vendor_targets_accept_the_documented_forms() {
        let c = crate::Config::parse(
            "support:\n  targets:\n    - kind: monday\n      token_env: MONDAY_TOKEN\n      board_id: 1234567890\n      group_id: topics\n      columns: {reference: text_ref, status: status}\n    - kind: zendesk\n      url: https://example.zendesk.com\n      email: support-bot@example.org\n      token_env: ZENDESK_TOKEN\n    - kind: zendesk\n      id: zendesk-local\n      url: http://127.0.0.1:8080\n      email: support-bot@example.org\n      token_env: ZENDESK_TOKEN\n",
        )
        .unwrap();
        let t = &c.support.targets;
        assert_eq!(t[0].board_id.as_deref(), Some("1234567890"));
        assert_eq!(t[0].columns["reference"], "text_ref");
        assert_eq!(
            (t[1].id(), t[2].id()),
            ("zendesk".into(), "zendesk-local".into())
        );
    }
}
