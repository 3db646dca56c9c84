//! The files of the ticket form: checked against `support.attachments` (how many, how large,
//! the type by extension and by content), then stored under `DATA/attachments/<REF>/` with
//! generated names. The partner's file name is only ever shown (cleaned); no part of it
//! reaches a path.
//!
//! A ticket's reference is given when the queue stores it, so the files are first written to
//! a staging folder of random name ([`stage`]) and moved under the reference after the ticket
//! is stored ([`commit`]); a refused or failed ticket removes its staging folder ([`discard`]).

use crate::tickets::config::AttachmentsConfig;
use crate::tickets::messages::Msg;
use crate::tickets::store::Attachment;
use axum::body::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of attachments inside the data folder.
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";

/// Where files wait for their ticket's reference, inside [`ATTACHMENTS_DIR`].
const STAGING_DIR: &str = ".incoming";

/// A file as posted: the partner's file name, its size and its bytes (empty when the file was
/// over the per-file limit: it was read, not kept).
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub size: usize,
    pub bytes: Bytes,
}

/// A file that passed the checks.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The cleaned display name.
    pub name: String,
    /// The allowed extension it was accepted as (lowercase).
    pub ext: String,
    pub content_type: &'static str,
    pub bytes: Bytes,
}

/// Checks `uploads` against `cfg`: the first refusal is the message of the `attachments` field.
/// Files posted without a name and without bytes (an empty file input) are left out.
pub fn check(uploads: &[Upload], cfg: &AttachmentsConfig) -> Result<Vec<Checked>, Msg> {
    let uploads: Vec<&Upload> = uploads
        .iter()
        .filter(|u| !(u.name.trim().is_empty() && u.size == 0))
        .collect();
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    if !cfg.enabled {
        return Err(Msg::FileType);
    }
    if uploads.len() > cfg.max_files {
        return Err(Msg::TooManyFiles(cfg.max_files));
    }
    if uploads
        .iter()
        .any(|u| u.size > cfg.max_file_bytes || u.size != u.bytes.len())
    {
        return Err(Msg::FileTooLarge(cfg.max_file_bytes));
    }
    let total: usize = uploads.iter().map(|u| u.size).sum();
    if total > cfg.max_total_bytes {
        return Err(Msg::FilesTooLarge(cfg.max_total_bytes));
    }
    uploads
        .into_iter()
        .map(|u| {
            let ext = cfg.allowed_ext(&u.name).ok_or(Msg::FileType)?;
            let content_type = sniff(ext, &u.bytes).ok_or(Msg::FileType)?;
            Ok(Checked {
                name: display_name(&u.name, ext),
                ext: ext.to_string(),
                content_type,
                bytes: u.bytes.clone(),
            })
        })
        .collect()
}

/// The content type a file of extension `ext` is served with, when its bytes are what the
/// extension says: the magic numbers of images, PDF and ZIP (the `infer` crate), UTF-8 text
/// without NUL for the text types. Never `text/html` or SVG, which a browser could run.
pub fn sniff(ext: &str, bytes: &[u8]) -> Option<&'static str> {
    let binary = |mime: &'static str| {
        infer::get(bytes)
            .filter(|k| k.mime_type() == mime)
            .map(|_| mime)
    };
    match ext {
        "png" => binary("image/png"),
        "jpg" | "jpeg" => binary("image/jpeg"),
        "gif" => binary("image/gif"),
        "webp" => binary("image/webp"),
        "pdf" => binary("application/pdf"),
        "zip" => binary("application/zip"),
        "txt" | "log" | "csv" | "json" => {
            let text = std::str::from_utf8(bytes).ok()?;
            if text.contains('\0') || infer::get(bytes).is_some() {
                return None;
            }
            Some(match ext {
                "csv" => "text/csv; charset=utf-8",
                "json" => "application/json",
                _ => "text/plain; charset=utf-8",
            })
        }
        _ => None,
    }
}

/// The partner's file name for display: its last path part, without control or
/// text-direction characters, at most 100 characters; `archivo.EXT` when nothing is left.
pub fn display_name(name: &str, ext: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi(*c))
        .take(100)
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() {
        format!("archivo.{ext}")
    } else {
        clean.to_string()
    }
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// True for a name ayuda generated (a reference `T-7K3M-Q9` or a stored file `1-9f3a….png`):
/// letters, digits, `-` and `.`, not starting with `.`, at most 64 characters.
pub fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('.')
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The path of `file` of ticket `reference` in `data`, when both are names ayuda generates.
pub fn path_of(data: &Path, reference: &str, file: &str) -> Option<PathBuf> {
    (is_safe_segment(reference) && is_safe_segment(file))
        .then(|| data.join(ATTACHMENTS_DIR).join(reference).join(file))
}

/// Writes `files` (owner-only) to a new staging folder of `data`: the folder and the
/// attachments the ticket records.
pub fn stage(data: &Path, files: &[Checked]) -> std::io::Result<(PathBuf, Vec<Attachment>)> {
    let dir = data
        .join(ATTACHMENTS_DIR)
        .join(STAGING_DIR)
        .join(hex::encode(rand::random::<[u8; 16]>()));
    create_private_dir(&dir)?;
    let mut out = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let file = format!(
            "{}-{}.{}",
            i + 1,
            hex::encode(rand::random::<[u8; 8]>()),
            f.ext
        );
        let written = write_new(&dir.join(&file), &f.bytes);
        if let Err(e) = written {
            discard(&dir);
            return Err(e);
        }
        out.push(Attachment {
            file,
            name: f.name.clone(),
            size: f.bytes.len() as u64,
            content_type: f.content_type.to_string(),
        });
    }
    Ok((dir, out))
}

/// Moves a staging folder under the stored ticket's reference.
pub fn commit(data: &Path, staged: &Path, reference: &str) -> std::io::Result<()> {
    if !is_safe_segment(reference) {
        return Err(std::io::Error::other(format!(
            "reference {reference:?} is not a folder name"
        )));
    }
    std::fs::rename(staged, data.join(ATTACHMENTS_DIR).join(reference))
}

/// Removes a staging folder (its ticket was refused or not stored); failures are logged.
pub fn discard(staged: &Path) {
    if let Err(e) = std::fs::remove_dir_all(staged) {
        tracing::warn!("removing {}: {e}", staged.display());
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    fn up(name: &str, bytes: &[u8]) -> Upload {
        Upload {
            name: name.into(),
            size: bytes.len(),
            bytes: Bytes::copy_from_slice(bytes),
        }
    }

    #[test]
    fn files_are_checked_by_count_size_extension_and_content() {
        let cfg = AttachmentsConfig {
            max_files: 2,
            max_file_bytes: 2048,
            max_total_bytes: 3000,
            ..Default::default()
        };
        let ok = check(
            &[up("Captura.PNG", PNG), up("log.txt", b"error 500\n")],
            &cfg,
        )
        .unwrap();
        assert_eq!(ok[0].content_type, "image/png");
        assert_eq!(
            (ok[0].ext.as_str(), ok[0].name.as_str()),
            ("png", "Captura.PNG")
        );
        assert_eq!(ok[1].content_type, "text/plain; charset=utf-8");
        let three = [up("a.txt", b"a"), up("b.txt", b"b"), up("c.txt", b"c")];
        assert_eq!(check(&three, &cfg).unwrap_err(), Msg::TooManyFiles(2));
        let big = vec![b'a'; 2049];
        assert_eq!(
            check(&[up("a.txt", &big)], &cfg).unwrap_err(),
            Msg::FileTooLarge(2048)
        );
        let two = [up("a.txt", &big[..2000]), up("b.txt", &big[..1001])];
        assert_eq!(check(&two, &cfg).unwrap_err(), Msg::FilesTooLarge(3000));
        for bad in [
            up("script.exe", b"MZ"),
            up("page.html", b"<script>"),
            up("image.svg", b"<svg onload=alert(1)>"),
            up("fake.png", b"<html>not a png</html>"),
            up("bin.txt", b"a\0b"),
            up("png.txt", PNG),
            up("no-extension", b"hola"),
        ] {
            assert_eq!(
                check(std::slice::from_ref(&bad), &cfg).unwrap_err(),
                Msg::FileType,
                "{}",
                bad.name
            );
        }
        // An empty file input posts a nameless empty part: not a file.
        assert!(check(&[up("", b"")], &cfg).unwrap().is_empty());
        let off = AttachmentsConfig {
            enabled: false,
            ..Default::default()
        };
        assert_eq!(
            check(&[up("a.txt", b"a")], &off).unwrap_err(),
            Msg::FileType
        );
    }

    #[test]
    fn file_names_are_for_display_only() {
        assert_eq!(display_name("../../etc/passwd.txt", "txt"), "passwd.txt");
        assert_eq!(
            display_name("C:\\Users\\ana\\informe.pdf", "pdf"),
            "informe.pdf"
        );
        assert_eq!(
            display_name("\u{202e}fdp.exe\u{0}.txt", "txt"),
            "fdp.exe.txt"
        );
        assert_eq!(display_name("../..", "txt"), "archivo.txt");
        assert_eq!(display_name(".htaccess", "txt"), "htaccess");
        for bad in [
            "../T-1",
            "T-1/../x",
            ".incoming",
            "a/b",
            "",
            "a\\b",
            "..",
            "x..y",
        ] {
            assert!(!is_safe_segment(bad), "{bad}");
            assert!(path_of(Path::new("/data"), bad, "1-ab.png").is_none());
        }
        assert!(is_safe_segment("T-7K3M-Q9") && is_safe_segment("1-9f3a.png"));
    }

    #[test]
    fn staged_files_move_under_the_reference() {
        let dir = tempfile::tempdir().unwrap();
        let files = check(
            &[up("../../evil.png", PNG), up("notas.txt", b"hola")],
            &AttachmentsConfig::default(),
        )
        .unwrap();
        let (staged, stored) = stage(dir.path(), &files).unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored[0].file.starts_with("1-") && stored[0].file.ends_with(".png"));
        assert_eq!(stored[0].name, "evil.png");
        commit(dir.path(), &staged, "T-7K3M-Q9").unwrap();
        let path = path_of(dir.path(), "T-7K3M-Q9", &stored[1].file).unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"hola");
        assert!(!staged.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path().join(ATTACHMENTS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.contains(&"T-7K3M-Q9".to_string()), "{names:?}");
        assert!(!dir.path().join("evil.png").exists());
    }
}
