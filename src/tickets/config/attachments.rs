//! `support.attachments`: the files a partner may attach to the ticket form (how many, how
//! large, which types) and how long the signed download links of deliveries work.

use super::Dur;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// The file types ayuda can check by content, by extension: what `types` may list.
pub const KNOWN_TYPES: [&str; 11] = [
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json", "zip",
];

/// `support.attachments`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentsConfig {
    /// Whether the form offers files (default true).
    pub enabled: bool,
    /// Files per ticket (default 5, at most 20).
    pub max_files: usize,
    /// Bytes per file (default 10 MiB, at most 50 MiB).
    pub max_file_bytes: usize,
    /// Bytes of all files of a ticket (default 20 MiB, at most 100 MiB).
    pub max_total_bytes: usize,
    /// Allowed types by extension, each also checked by content (default: images, PDF, text
    /// logs, CSV and JSON; `zip` may be added).
    pub types: Vec<String>,
    /// How long the signed download links of deliveries work (default `2160h`, 90 days).
    pub link_valid_for: Dur,
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        AttachmentsConfig {
            enabled: true,
            max_files: 5,
            max_file_bytes: 10 * 1024 * 1024,
            max_total_bytes: 20 * 1024 * 1024,
            types: [
                "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json",
            ]
            .map(String::from)
            .to_vec(),
            link_valid_for: Dur(SignedDuration::from_hours(90 * 24)),
        }
    }
}

impl AttachmentsConfig {
    /// The allowed extension of a file name (lowercase), when it has one of `types`.
    pub fn allowed_ext(&self, file_name: &str) -> Option<&str> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        self.types.iter().find(|t| **t == ext).map(String::as_str)
    }
}

/// The checks of the section, with the key path of a problem.
pub(super) fn validate(a: &AttachmentsConfig) -> Result<(), (String, String)> {
    let key = |k: &str| format!("support.attachments.{k}");
    const MIB: usize = 1024 * 1024;
    if a.max_files == 0 || a.max_files > 20 {
        return Err((
            key("max_files"),
            format!("{} is out of range; use 1 to 20", a.max_files),
        ));
    }
    if a.max_file_bytes < 1024 || a.max_file_bytes > 50 * MIB {
        let msg = format!(
            "{} is out of range; use 1024 to 52428800 bytes (50 MiB)",
            a.max_file_bytes
        );
        return Err((key("max_file_bytes"), msg));
    }
    if a.max_total_bytes < a.max_file_bytes || a.max_total_bytes > 100 * MIB {
        let msg = format!(
            "{} is out of range; use max_file_bytes to 104857600 bytes (100 MiB)",
            a.max_total_bytes
        );
        return Err((key("max_total_bytes"), msg));
    }
    if a.enabled && a.types.is_empty() {
        return Err((
            key("types"),
            "list at least one type, or set `enabled: false`".into(),
        ));
    }
    for (i, t) in a.types.iter().enumerate() {
        if !KNOWN_TYPES.contains(&t.as_str()) {
            let msg = format!(
                "`{t}` is not a type ayuda checks; use {}",
                KNOWN_TYPES.join(", ")
            );
            return Err((format!("support.attachments.types[{i}]"), msg));
        }
    }
    if a.link_valid_for.0.is_zero() || a.link_valid_for.0 > SignedDuration::from_hours(366 * 24) {
        return Err((
            key("link_valid_for"),
            "download links must work for more than 0 and at most a year (`8784h`)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse_support as parse;

    #[test]
    fn attachments_are_read_and_checked_with_their_key_and_line() {
        let c = parse("  attachments:\n    max_files: 2\n    types: [png, pdf]\n").unwrap();
        let a = &c.support.attachments;
        assert_eq!((a.max_files, a.max_file_bytes), (2, 10 * 1024 * 1024));
        assert_eq!(a.allowed_ext("Captura.PNG"), Some("png"));
        assert_eq!(a.allowed_ext("informe.pdf.exe"), None);
        assert_eq!(a.allowed_ext("sin-extension"), None);
        let e = parse("  attachments:\n    max_files: 0\n").unwrap_err();
        assert!(
            e.contains("support.attachments.max_files") && e.contains("ayuda.yaml:3"),
            "{e}"
        );
        let e = parse("  attachments:\n    types: [png, exe]\n").unwrap_err();
        assert!(
            e.contains("support.attachments.types[1]") && e.contains("`exe`"),
            "{e}"
        );
        let e = parse("  attachments:\n    max_file_bytes: 1000000\n    max_total_bytes: 1000\n")
            .unwrap_err();
        assert!(e.contains("support.attachments.max_total_bytes"), "{e}");
        let e = parse("  attachments:\n    max_fles: 1\n").unwrap_err();
        assert!(e.contains("max_fles"), "{e}");
    }
}
