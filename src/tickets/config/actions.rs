//! `support.links` and `support.events_api`: how long one-click action links stay valid, and
//! how tools sign their status reports to `POST /api/tickets/{id}/events`.

use super::Dur;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// `support.links`: the signed one-click links of notifications.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinksConfig {
    /// How long a link works after its notification was sent (default `168h`, a week; at most `2160h`, 90 days).
    pub valid_for: Dur,
}

impl Default for LinksConfig {
    fn default() -> Self {
        LinksConfig {
            valid_for: Dur(SignedDuration::from_hours(7 * 24)),
        }
    }
}

/// `support.events_api`: the HMAC mode of `POST /api/tickets/{id}/events` (agent keys need
/// no configuration).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsApiConfig {
    /// Environment variable holding the HMAC key tools sign with; unset: only agent keys.
    pub secret_env: Option<String>,
    /// How far the `X-Ayuda-Timestamp` of a signed request may be from the service's clock
    /// (default `5m`): older requests are refused as replays.
    pub max_skew: Dur,
}

impl Default for EventsApiConfig {
    fn default() -> Self {
        EventsApiConfig {
            secret_env: None,
            max_skew: Dur(SignedDuration::from_mins(5)),
        }
    }
}

/// The checks of both sections, with the key path of a problem.
pub(super) fn validate(links: &LinksConfig, api: &EventsApiConfig) -> Result<(), (String, String)> {
    let max = SignedDuration::from_hours(90 * 24);
    if links.valid_for.0.is_zero() || links.valid_for.0 > max {
        return Err((
            "support.links.valid_for".into(),
            "links must be valid for more than 0 and at most 90 days (`2160h`), e.g. `168h` for a week".into(),
        ));
    }
    if api.max_skew.0.is_zero() || api.max_skew.0 > SignedDuration::from_hours(1) {
        return Err((
            "support.events_api.max_skew".into(),
            "the accepted clock difference is more than 0 and at most 1h (e.g. `5m`)".into(),
        ));
    }
    if api
        .secret_env
        .as_deref()
        .is_some_and(|v| v.trim().is_empty())
    {
        return Err((
            "support.events_api.secret_env".into(),
            "name the environment variable holding the key, or remove the key".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse_support as parse;

    #[test]
    fn links_and_events_api_are_read_and_checked_with_their_key_and_line() {
        let c = parse("  links:\n    valid_for: 48h\n  events_api:\n    secret_env: TOOLS_KEY\n")
            .unwrap();
        assert_eq!(c.support.links.valid_for.0.as_hours(), 48);
        assert_eq!(
            c.support.events_api.secret_env.as_deref(),
            Some("TOOLS_KEY")
        );
        assert_eq!(c.support.events_api.max_skew.0.as_mins(), 5);
        let week = parse("  links: {valid_for: 168h}\n").map(|c| c.support.links.valid_for.0);
        assert_eq!(week.map(|d| d.as_hours()), Ok(168));
        let e = parse("  links:\n    valid_for: 0s\n").unwrap_err();
        assert!(
            e.contains("support.links.valid_for") && e.contains("ayuda.yaml:3"),
            "{e}"
        );
        let e = parse("  events_api:\n    max_skew: 2h\n").unwrap_err();
        assert!(e.contains("support.events_api.max_skew"), "{e}");
        let e = parse("  links:\n    valid_fr: 1h\n").unwrap_err();
        assert!(e.contains("valid_fr"), "{e}");
    }
}
