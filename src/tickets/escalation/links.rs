//! Signed links: capabilities carried in a URL, valid until an expiry instant.
//!
//! A link signs a purpose (`act`), a list of named fields (ticket, action, actor) and its expiry
//! with HMAC-SHA256 under a key derived from the service secret, so one secret serves every
//! kind of link and a signature of one purpose never verifies for another. The one-click
//! action links of notifications ([`ActionLink`]) are the first user; the partner's status
//! links can be the next (same [`LinkSigner`], another purpose).

use crate::tickets::escalation::lifecycle::Action;
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The signature does not match the fields (changed, truncated or forged).
    #[error("the link is not valid (its signature does not match)")]
    Tampered,
    /// Signed, but past its expiry.
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks links with a key derived from the service secret.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    /// A signer for `secret` (the service secret: `AYUDA_TICKETS_SECRET` or `DATA/secret.key`).
    pub fn new(secret: &[u8]) -> LinkSigner {
        // A derived key: the time-trap tokens and thank-you links use the secret itself.
        LinkSigner {
            key: mac(secret, &[b"ayuda signed links v1"]),
        }
    }

    /// The hex HMAC-SHA256 of `purpose`, `fields` and `exp` (Unix seconds).
    pub fn sign(&self, purpose: &str, fields: &[(&str, &str)], exp: i64) -> String {
        hex::encode(self.raw(purpose, fields, exp))
    }

    /// Checks `sig` against the fields in constant time, then the expiry against `now`.
    pub fn verify(
        &self,
        purpose: &str,
        fields: &[(&str, &str)],
        exp: i64,
        sig: &str,
        now: Timestamp,
    ) -> Result<(), LinkError> {
        let given = hex::decode(sig.trim()).map_err(|_| LinkError::Tampered)?;
        if !crate::tickets::keys::ct_eq(&given, &self.raw(purpose, fields, exp)) {
            return Err(LinkError::Tampered);
        }
        if now.as_second() > exp {
            return Err(LinkError::Expired);
        }
        Ok(())
    }

    /// Canonical form: every part length-prefixed, so no two field lists encode alike.
    fn raw(&self, purpose: &str, fields: &[(&str, &str)], exp: i64) -> Vec<u8> {
        let exp = exp.to_string();
        let mut parts: Vec<&[u8]> = vec![purpose.as_bytes()];
        for (k, v) in fields {
            parts.push(k.as_bytes());
            parts.push(v.as_bytes());
        }
        parts.push(exp.as_bytes());
        mac(&self.key, &parts)
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let Ok(mut m) = HmacSha256::new_from_slice(key) else {
        return Vec::new();
    };
    for p in parts {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The purpose of one-click action links.
const ACT: &str = "act";

/// The path of the confirmation page the action links open.
pub const ACT_PATH: &str = "/tickets/act";

/// The actions a notification offers as one-click links.
pub const LINK_ACTIONS: [Action; 3] = [Action::Ack, Action::Escalate, Action::Resolve];

/// A one-click action: who (`actor`, a contact role or agent) does what to which ticket, until
/// `exp` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ActionLink {
    pub ticket: String,
    pub action: String,
    #[serde(rename = "as")]
    pub actor: String,
    pub exp: i64,
    #[serde(default)]
    pub sig: String,
}

impl ActionLink {
    /// A signed link for `action` on `ticket` by `actor`, valid for `valid_for` from `now`.
    pub fn new(
        signer: &LinkSigner,
        ticket: &str,
        action: Action,
        actor: &str,
        now: Timestamp,
        valid_for: SignedDuration,
    ) -> ActionLink {
        let exp = now.as_second().saturating_add(valid_for.as_secs());
        let mut link = ActionLink {
            ticket: ticket.to_string(),
            action: action.as_str().to_string(),
            actor: actor.to_string(),
            exp,
            sig: String::new(),
        };
        link.sig = signer.sign(ACT, &link.fields(), exp);
        link
    }

    fn fields(&self) -> [(&str, &str); 3] {
        [
            ("ticket", &self.ticket),
            ("action", &self.action),
            ("as", &self.actor),
        ]
    }

    /// The action, when the signature and expiry hold and it is one links may carry.
    pub fn verify(&self, signer: &LinkSigner, now: Timestamp) -> Result<Action, LinkError> {
        signer.verify(ACT, &self.fields(), self.exp, &self.sig, now)?;
        LINK_ACTIONS
            .into_iter()
            .find(|a| a.as_str() == self.action)
            .ok_or(LinkError::Tampered)
    }

    /// The query string (`ticket=…&action=…&as=…&exp=…&sig=…`).
    pub fn query(&self) -> String {
        let exp = self.exp.to_string();
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields())
            .append_pair("exp", &exp)
            .append_pair("sig", &self.sig)
            .finish()
    }

    /// The absolute URL of the confirmation page under `base_url`.
    pub fn url(&self, base_url: &str) -> String {
        format!(
            "{}{ACT_PATH}?{}",
            base_url.trim_end_matches('/'),
            self.query()
        )
    }
}

/// The purpose of the partner's status links: an action link's signature never opens a status
/// page, and a status link's never acts.
const STATUS: &str = "status";

/// The path of the partner's status page.
pub const STATUS_PATH: &str = "/tickets/status";

/// Status links do not expire: the partner keeps the link of the reception for the life of the
/// ticket, and it only shows the ticket's public side (and the confirmation while resolved).
const STATUS_EXP: i64 = i64::MAX;

/// The signature of the status link of `ticket`.
pub fn status_sig(signer: &LinkSigner, ticket: &str) -> String {
    signer.sign(STATUS, &[("ticket", ticket)], STATUS_EXP)
}

/// Checks the signature of a status link of `ticket`.
pub fn verify_status(signer: &LinkSigner, ticket: &str, sig: &str) -> Result<(), LinkError> {
    signer.verify(
        STATUS,
        &[("ticket", ticket)],
        STATUS_EXP,
        sig,
        Timestamp::UNIX_EPOCH,
    )
}

/// The path and query of the status page of `ticket` (`/tickets/status?id=…&sig=…`).
pub fn status_path(signer: &LinkSigner, ticket: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("id", ticket)
        .append_pair("sig", &status_sig(signer, ticket))
        .finish();
    format!("{STATUS_PATH}?{query}")
}

/// The purpose of the satisfaction survey's links.
const SURVEY: &str = "survey";

/// The path of the satisfaction survey.
pub const SURVEY_PATH: &str = "/tickets/survey";

/// How long a survey link opens the survey: the closing email's link is for a month; the
/// status page of a closed ticket signs a fresh one each time it is shown.
pub const SURVEY_VALID_FOR: SignedDuration = SignedDuration::from_hours(30 * 24);

/// The query of a survey link: the ticket, the expiry (Unix seconds) and the signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct SurveyLink {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub exp: i64,
    #[serde(default)]
    pub sig: String,
}

impl SurveyLink {
    /// A survey link of `ticket`, valid for [`SURVEY_VALID_FOR`] from `now`.
    pub fn new(signer: &LinkSigner, ticket: &str, now: Timestamp) -> SurveyLink {
        let exp = now.as_second().saturating_add(SURVEY_VALID_FOR.as_secs());
        SurveyLink {
            id: ticket.to_string(),
            exp,
            sig: signer.sign(SURVEY, &[("ticket", ticket)], exp),
        }
    }

    /// Checks the signature, then the expiry against `now`.
    pub fn verify(&self, signer: &LinkSigner, now: Timestamp) -> Result<(), LinkError> {
        signer.verify(SURVEY, &[("ticket", &self.id)], self.exp, &self.sig, now)
    }

    /// The path and query (`/tickets/survey?id=…&exp=…&sig=…`).
    pub fn path(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("id", &self.id)
            .append_pair("exp", &self.exp.to_string())
            .append_pair("sig", &self.sig)
            .finish();
        format!("{SURVEY_PATH}?{query}")
    }
}

/// The absolute URL of the satisfaction survey of `ticket` under `base_url`, signed at `now`
/// and valid for [`SURVEY_VALID_FOR`]: the link of the partner's closing email.
pub fn survey_url(signer: &LinkSigner, base_url: &str, ticket: &str, now: Timestamp) -> String {
    format!(
        "{}{}",
        base_url.trim_end_matches('/'),
        SurveyLink::new(signer, ticket, now).path()
    )
}

/// The purpose of the attachments' download links.
const ATTACHMENT: &str = "attachment";

/// The path of an attachment's download.
pub const ATTACHMENT_PATH: &str = "/tickets/attachment";

/// The query of an attachment's download link: the ticket, the stored file, the expiry and the
/// signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AttachmentLink {
    #[serde(default)]
    pub ticket: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub exp: i64,
    #[serde(default)]
    pub sig: String,
}

impl AttachmentLink {
    /// A download link of `file` of `ticket`, valid for `valid_for` from `now`.
    pub fn new(
        signer: &LinkSigner,
        ticket: &str,
        file: &str,
        now: Timestamp,
        valid_for: SignedDuration,
    ) -> AttachmentLink {
        let exp = now.as_second().saturating_add(valid_for.as_secs());
        let fields = [("ticket", ticket), ("file", file)];
        AttachmentLink {
            ticket: ticket.to_string(),
            file: file.to_string(),
            exp,
            sig: signer.sign(ATTACHMENT, &fields, exp),
        }
    }

    /// Checks the signature, then the expiry against `now`.
    pub fn verify(&self, signer: &LinkSigner, now: Timestamp) -> Result<(), LinkError> {
        let fields = [
            ("ticket", self.ticket.as_str()),
            ("file", self.file.as_str()),
        ];
        signer.verify(ATTACHMENT, &fields, self.exp, &self.sig, now)
    }

    /// The absolute URL under `base_url`.
    pub fn url(&self, base_url: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("ticket", &self.ticket)
            .append_pair("file", &self.file)
            .append_pair("exp", &self.exp.to_string())
            .append_pair("sig", &self.sig)
            .finish();
        format!(
            "{}{ATTACHMENT_PATH}?{query}",
            base_url.trim_end_matches('/')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(now: Timestamp) -> (LinkSigner, ActionLink) {
        let s = LinkSigner::new(b"0123456789abcdef0123456789abcdef");
        let l = ActionLink::new(
            &s,
            "T-7K3M-Q9",
            Action::Ack,
            "operations-manager",
            now,
            SignedDuration::from_hours(24),
        );
        (s, l)
    }

    /// Reads a link's query string back.
    fn parse(query: &str) -> ActionLink {
        let pairs: std::collections::BTreeMap<String, String> =
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        ActionLink {
            ticket: pairs["ticket"].clone(),
            action: pairs["action"].clone(),
            actor: pairs["as"].clone(),
            exp: pairs["exp"].parse().unwrap(),
            sig: pairs["sig"].clone(),
        }
    }

    #[test]
    fn a_fresh_link_verifies_and_round_trips_through_its_url() {
        let now = Timestamp::now();
        let (s, l) = link(now);
        let url = l.url("https://help.example.org/");
        let query = url
            .strip_prefix("https://help.example.org/tickets/act?")
            .unwrap();
        let back = parse(query);
        assert_eq!(back, l);
        assert_eq!(back.verify(&s, now), Ok(Action::Ack));
    }

    #[test]
    fn every_changed_field_is_refused() {
        let now = Timestamp::now();
        let (s, l) = link(now);
        let tampered = [
            ActionLink {
                ticket: "T-0000-00".into(),
                ..l.clone()
            },
            ActionLink {
                action: "resolve".into(),
                ..l.clone()
            },
            ActionLink {
                actor: "head-of-technology".into(),
                ..l.clone()
            },
            ActionLink {
                exp: l.exp + 3600,
                ..l.clone()
            },
            ActionLink {
                sig: l.sig[..l.sig.len() - 2].to_string(),
                ..l.clone()
            },
            ActionLink {
                sig: "not hex".into(),
                ..l.clone()
            },
        ];
        for t in tampered {
            assert_eq!(t.verify(&s, now), Err(LinkError::Tampered), "{t:?}");
        }
        let other = LinkSigner::new(b"another secret of thirty-two b..");
        assert_eq!(l.verify(&other, now), Err(LinkError::Tampered));
    }

    #[test]
    fn a_link_expires() {
        let now = Timestamp::now();
        let (s, l) = link(now);
        let later = now + SignedDuration::from_hours(24);
        assert_eq!(
            l.verify(&s, later),
            Ok(Action::Ack),
            "valid to its last second"
        );
        let after = later + SignedDuration::from_secs(1);
        assert_eq!(l.verify(&s, after), Err(LinkError::Expired));
    }

    #[test]
    fn only_link_actions_are_accepted_and_purposes_do_not_mix() {
        let now = Timestamp::now();
        let s = LinkSigner::new(b"0123456789abcdef0123456789abcdef");
        let close = ActionLink::new(
            &s,
            "T-7K3M-Q9",
            Action::Close,
            "ops",
            now,
            SignedDuration::from_hours(1),
        );
        assert_eq!(
            close.verify(&s, now),
            Err(LinkError::Tampered),
            "close is not a one-click action"
        );
        // A signature for another purpose over the same fields does not verify as an action.
        let (_, l) = link(now);
        let forged = ActionLink {
            sig: s.sign("status", &l.fields(), l.exp),
            ..l.clone()
        };
        assert_eq!(forged.verify(&s, now), Err(LinkError::Tampered));
    }

    #[test]
    fn status_links_verify_for_their_ticket_only_and_never_act() {
        let now = Timestamp::now();
        let (s, l) = link(now);
        let sig = status_sig(&s, "T-7K3M-Q9");
        assert_eq!(verify_status(&s, "T-7K3M-Q9", &sig), Ok(()));
        assert_eq!(
            verify_status(&s, "T-0000-00", &sig),
            Err(LinkError::Tampered)
        );
        assert_eq!(
            verify_status(&s, "T-7K3M-Q9", &l.sig),
            Err(LinkError::Tampered)
        );
        let as_action = ActionLink { sig, ..l };
        assert_eq!(as_action.verify(&s, now), Err(LinkError::Tampered));
        assert_eq!(
            status_path(&s, "T-7K3M-Q9"),
            format!(
                "/tickets/status?id=T-7K3M-Q9&sig={}",
                status_sig(&s, "T-7K3M-Q9")
            )
        );
    }

    #[test]
    fn survey_links_verify_until_they_expire_and_open_nothing_else() {
        let now = Timestamp::now();
        let (s, l) = link(now);
        let survey = SurveyLink::new(&s, "T-7K3M-Q9", now);
        let last = now + SURVEY_VALID_FOR;
        assert_eq!(survey.verify(&s, last), Ok(()), "valid to its last second");
        let after = last + SignedDuration::from_secs(1);
        assert_eq!(survey.verify(&s, after), Err(LinkError::Expired));
        let tampered = [
            SurveyLink {
                id: "T-0000-00".into(),
                ..survey.clone()
            },
            SurveyLink {
                exp: survey.exp + 1,
                ..survey.clone()
            },
            SurveyLink {
                sig: status_sig(&s, "T-7K3M-Q9"),
                ..survey.clone()
            },
        ];
        for t in tampered {
            assert_eq!(t.verify(&s, now), Err(LinkError::Tampered), "{t:?}");
        }
        // A survey signature neither opens the status page nor acts.
        assert_eq!(
            verify_status(&s, "T-7K3M-Q9", &survey.sig),
            Err(LinkError::Tampered)
        );
        let as_action = ActionLink {
            sig: survey.sig.clone(),
            exp: survey.exp,
            ..l
        };
        assert_eq!(as_action.verify(&s, now), Err(LinkError::Tampered));
        let url = survey_url(&s, "https://help.example.org/", "T-7K3M-Q9", now);
        let query = url
            .strip_prefix("https://help.example.org/tickets/survey?")
            .unwrap();
        let back: SurveyLink = parse_survey(query);
        assert_eq!(back, survey);
    }

    fn parse_survey(query: &str) -> SurveyLink {
        let pairs: std::collections::BTreeMap<String, String> =
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        SurveyLink {
            id: pairs["id"].clone(),
            exp: pairs["exp"].parse().unwrap(),
            sig: pairs["sig"].clone(),
        }
    }

    #[test]
    fn attachment_links_are_signed_for_their_ticket_and_file() {
        let now = Timestamp::now();
        let s = LinkSigner::new(b"0123456789abcdef0123456789abcdef");
        let week = SignedDuration::from_hours(7 * 24);
        let l = AttachmentLink::new(&s, "T-7K3M-Q9", "1-ab.png", now, week);
        assert_eq!(l.verify(&s, now + week), Ok(()));
        let after = now + week + SignedDuration::from_secs(1);
        assert_eq!(l.verify(&s, after), Err(LinkError::Expired));
        for t in [
            AttachmentLink {
                file: "2-ab.png".into(),
                ..l.clone()
            },
            AttachmentLink {
                ticket: "T-0000-00".into(),
                ..l.clone()
            },
            AttachmentLink {
                sig: SurveyLink::new(&s, "T-7K3M-Q9", now).sig,
                ..l.clone()
            },
        ] {
            assert_eq!(t.verify(&s, now), Err(LinkError::Tampered), "{t:?}");
        }
        assert!(l.url("https://help.example.org/").starts_with(
            "https://help.example.org/tickets/attachment?ticket=T-7K3M-Q9&file=1-ab.png&exp="
        ));
    }
}
