//! The ticket form's CC field: the addresses a partner copies on the mails about the ticket,
//! read from a form or JSON and checked with the other fields.

use super::validate::{FieldErrors, is_bidi_control, is_email};
use crate::tickets::messages::Msg;
use serde::Deserialize;

/// Most addresses the CC field copies on the partner's mails.
pub const MAX_CC: usize = 5;

/// The addresses of a CC string: separated by commas, semicolons or whitespace (line breaks
/// too, so none reaches a mail header).
pub(super) fn split_addresses(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The CC field of a JSON ticket: a string of addresses or a list of them.
pub(super) fn addresses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => split_addresses(&s).collect(),
        Some(OneOrMany::Many(list)) => list.iter().flat_map(|s| split_addresses(s)).collect(),
    })
}

/// The CC addresses of a ticket whose partner writes from `email`: each an address, at most
/// [`MAX_CC`] once repeats and the partner's own address are dropped.
pub(super) fn cc_list(errors: &mut FieldErrors, cc: &[String], email: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in cc.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if a.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            errors.insert("cc", Msg::Characters);
            return out;
        }
        if a.len() > 254 || !is_email(a) {
            errors.insert("cc", Msg::Email);
            return out;
        }
        if !a.eq_ignore_ascii_case(email) && !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_string());
        }
    }
    if out.len() > MAX_CC {
        errors.insert("cc", Msg::TooManyItems(MAX_CC));
    }
    out
}
