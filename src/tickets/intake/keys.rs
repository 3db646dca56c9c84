//! Partner keys: issued once by `ayuda partners add`, stored only as argon2 hashes in
//! `DATA/partners.json`, checked in constant time.
//!
//! A key reads `ayk_<id>_<secret>`: the id finds the record without trying every hash. After one
//! successful argon2 check the service remembers the SHA-256 of the whole key, so a busy partner
//! does not pay argon2 on every ticket. Only the exact key hits that memory: any other key (a
//! wrong secret for a known id, an unknown id, garbage) pays one argon2 verification, against a
//! dummy hash when the id is unknown, so answers do not tell which ids exist or were used.
//! Verifications run at most [`ARGON2_PARALLEL`] at a time (each takes argon2's memory, 19 MiB
//! by default); the others wait their turn. The file is re-read when it changes, so
//! `ayuda partners revoke` takes effect without a restart. When the data is on PostgreSQL the
//! records live in its `partner_keys` table instead ([`super::shared`]), polled as often.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// The file holding partner key hashes inside the data folder.
pub const KEYS_FILE: &str = "partners.json";

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// One issued key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerRecord {
    pub name: String,
    pub key_id: String,
    /// argon2id PHC string of the whole key.
    pub hash: String,
    pub created: Timestamp,
    #[serde(default)]
    pub revoked: Option<Timestamp>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeysFile {
    partners: Vec<PartnerRecord>,
}

/// Errors of the key store.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("a partner named `{0}` already has an active key; revoke it first")]
    Exists(String),
    #[error("no active key for partner `{0}`")]
    NotFound(String),
    #[error("partner names must be 1 to 100 characters without control characters")]
    BadName,
    #[error("cannot hash the key: {0}")]
    Hash(String),
    #[error("partner keys database: {0}")]
    Db(String),
}

fn random_code(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random_range(0..32u8)).collect();
    bytes
        .iter()
        .map(|&b| ALPHABET[b as usize] as char)
        .collect()
}

fn read_file(path: &Path) -> Result<KeysFile, KeyError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| KeyError::File {
            path: path.into(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeysFile::default()),
        Err(e) => Err(KeyError::File {
            path: path.into(),
            message: e.to_string(),
        }),
    }
}

fn write_file(path: &Path, file: &KeysFile) -> Result<(), KeyError> {
    let err = |e: std::io::Error| KeyError::File {
        path: path.into(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        crate::private::create_dir(dir).map_err(err)?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(file).map_err(|e| KeyError::File {
        path: path.into(),
        message: e.to_string(),
    })?;
    {
        use std::io::Write;
        let mut f = crate::private::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(err)?;
        f.write_all(&text).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    crate::private::restrict(&tmp).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Issues a key for `name` and stores its hash; returns the key (shown once).
pub fn add(data: &Path, name: &str) -> Result<String, KeyError> {
    add_with(data, name, Argon2::default())
}

/// Like [`add`] with explicit argon2 parameters (tests use cheap ones).
pub fn add_with(data: &Path, name: &str, argon: Argon2<'_>) -> Result<String, KeyError> {
    let name = checked_name(name)?;
    let path = data.join(KEYS_FILE);
    let mut file = read_file(&path)?;
    if file
        .partners
        .iter()
        .any(|p| p.name == name && p.revoked.is_none())
    {
        return Err(KeyError::Exists(name.into()));
    }
    let (key, record) = new_key(name, argon)?;
    file.partners.push(record);
    write_file(&path, &file)?;
    Ok(key)
}

/// The trimmed partner name, or [`KeyError::BadName`].
pub(super) fn checked_name(name: &str) -> Result<&str, KeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(KeyError::BadName);
    }
    Ok(name)
}

/// A new key for partner `name` and the record that stores its hash.
pub(super) fn new_key(name: &str, argon: Argon2<'_>) -> Result<(String, PartnerRecord), KeyError> {
    let key_id = random_code(8);
    let key = format!("ayk_{key_id}_{}", random_code(32));
    let hash = argon
        .hash_password(key.as_bytes())
        .map_err(|e| KeyError::Hash(e.to_string()))?
        .to_string();
    let record = PartnerRecord {
        name: name.into(),
        key_id,
        hash,
        created: Timestamp::now(),
        revoked: None,
    };
    Ok((key, record))
}

/// Every key record (hashes included; callers print names and dates only).
pub fn list(data: &Path) -> Result<Vec<PartnerRecord>, KeyError> {
    Ok(read_file(&data.join(KEYS_FILE))?.partners)
}

/// Revokes the active key of `name`.
pub fn revoke(data: &Path, name: &str) -> Result<(), KeyError> {
    let path = data.join(KEYS_FILE);
    let mut file = read_file(&path)?;
    let mut found = false;
    for p in file
        .partners
        .iter_mut()
        .filter(|p| p.name == name && p.revoked.is_none())
    {
        p.revoked = Some(Timestamp::now());
        found = true;
    }
    if !found {
        return Err(KeyError::NotFound(name.into()));
    }
    write_file(&path, &file)
}

/// Outcome of a key check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// Valid: the partner's name.
    Valid(String),
    /// Unknown, malformed or revoked.
    Invalid,
}

/// Argon2 verifications running at once; more wait. Two per core keeps the cores busy while
/// bounding memory to a few dozen MiB whatever the number of clients.
pub const ARGON2_PARALLEL: usize = 4;

struct Loaded {
    mtime: Option<SystemTime>,
    checked: Instant,
    records: Vec<PartnerRecord>,
    /// Key ids of keys that passed argon2, by SHA-256 of the whole key.
    verified: HashMap<[u8; 32], String>,
}

/// The records of a [`PartnerKeys`], as long as it lives.
pub(super) struct Records(std::sync::Weak<Mutex<Loaded>>);

impl Records {
    /// Replaces the records (a changed set forgets verified keys); false once the keys are
    /// dropped.
    pub(super) fn set(&self, records: Vec<PartnerRecord>) -> bool {
        let Some(inner) = self.0.upgrade() else {
            return false;
        };
        if let Ok(mut l) = inner.lock() {
            let same = l.records.len() == records.len()
                && l.records.iter().zip(&records).all(|(a, b)| {
                    (&a.key_id, &a.hash, a.revoked) == (&b.key_id, &b.hash, b.revoked)
                });
            if !same {
                l.records = records;
                l.verified.clear();
            }
        }
        true
    }
}

/// The service's view of the key records, reloaded when they change.
#[derive(Clone)]
pub struct PartnerKeys {
    /// The key file; `None` when the records come from the database (set by its poller).
    path: Option<PathBuf>,
    inner: Arc<Mutex<Loaded>>,
    /// A hash to check unknown ids against, so they cost as much as known ones.
    dummy: Arc<std::sync::OnceLock<String>>,
    /// Bounds concurrent argon2 verifications (and so their memory).
    argon2_slots: Arc<tokio::sync::Semaphore>,
    /// Argon2 verifications done (for tests and metrics).
    argon2_runs: Arc<AtomicU64>,
    /// Verifications running now, and the most seen at once.
    argon2_running: Arc<(AtomicUsize, AtomicUsize)>,
}

impl PartnerKeys {
    /// Opens the key file of a data folder (missing means no keys yet).
    pub fn open(data: &Path) -> Result<PartnerKeys, KeyError> {
        let path = data.join(KEYS_FILE);
        let records = read_file(&path)?.partners;
        Ok(PartnerKeys::new(Some(path), records))
    }

    /// Keys checked against `records`, which [`PartnerKeys::set_records`] replaces.
    pub(super) fn from_records(records: Vec<PartnerRecord>) -> PartnerKeys {
        PartnerKeys::new(None, records)
    }

    /// What the database poller replaces the records through; it lets the keys go.
    pub(super) fn records(&self) -> Records {
        Records(Arc::downgrade(&self.inner))
    }

    fn new(path: Option<PathBuf>, records: Vec<PartnerRecord>) -> PartnerKeys {
        PartnerKeys {
            inner: Arc::new(Mutex::new(Loaded {
                mtime: path.as_deref().and_then(mtime),
                checked: Instant::now(),
                records,
                verified: HashMap::new(),
            })),
            path,
            dummy: Arc::new(std::sync::OnceLock::new()),
            argon2_slots: Arc::new(tokio::sync::Semaphore::new(ARGON2_PARALLEL)),
            argon2_runs: Arc::new(AtomicU64::new(0)),
            argon2_running: Arc::new((AtomicUsize::new(0), AtomicUsize::new(0))),
        }
    }

    /// Checks a key off the async runtime, waiting for an argon2 slot first: at most
    /// [`ARGON2_PARALLEL`] verifications run at once, whatever the number of requests.
    pub async fn verify(&self, key: String) -> KeyCheck {
        let Ok(_slot) = self.argon2_slots.clone().acquire_owned().await else {
            return KeyCheck::Invalid;
        };
        let keys = self.clone();
        tokio::task::spawn_blocking(move || keys.check(&key))
            .await
            .unwrap_or(KeyCheck::Invalid)
    }

    /// How many argon2 verifications ran (a remembered valid key runs none).
    pub fn argon2_runs(&self) -> u64 {
        self.argon2_runs.load(Ordering::Relaxed)
    }

    /// The most argon2 verifications that ran at the same time.
    pub fn argon2_peak(&self) -> usize {
        self.argon2_running.1.load(Ordering::Relaxed)
    }

    fn refresh(&self, l: &mut Loaded) {
        let Some(path) = &self.path else {
            return;
        };
        if l.checked.elapsed() < Duration::from_millis(500) {
            return;
        }
        l.checked = Instant::now();
        let m = mtime(path);
        if m != l.mtime {
            match read_file(path) {
                Ok(f) => {
                    l.records = f.partners;
                    l.verified.clear();
                    l.mtime = m;
                }
                Err(e) => tracing::warn!("keeping previous partner keys: {e}"),
            }
        }
    }

    /// Checks a key (blocking: may run argon2; call from `spawn_blocking`).
    pub fn check(&self, key: &str) -> KeyCheck {
        let key = key.trim();
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let key_id = key
            .strip_prefix("ayk_")
            .and_then(|r| r.split_once('_'))
            .map(|(id, _)| id.to_string())
            .unwrap_or_default();
        let (record, cached) = {
            let Ok(mut l) = self.inner.lock() else {
                return KeyCheck::Invalid;
            };
            self.refresh(&mut l);
            let record = l
                .records
                .iter()
                .find(|r| r.key_id == key_id && r.revoked.is_none())
                .cloned();
            (record, l.verified.get(&digest).cloned())
        };
        // The exact key passed argon2 before (and its record is still active).
        if let (Some(r), Some(id)) = (&record, cached)
            && id == r.key_id
        {
            return KeyCheck::Valid(r.name.clone());
        }
        let dummy = || {
            self.dummy.get_or_init(|| {
                Argon2::default()
                    .hash_password(b"ayk_00000000_dummy")
                    .map(|h| h.to_string())
                    .unwrap_or_default()
            })
        };
        let hash: &str = match &record {
            Some(r) => &r.hash,
            None => dummy(),
        };
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
        let (running, peak) = &*self.argon2_running;
        peak.fetch_max(running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
        let ok = PasswordHash::new(hash).ok().is_some_and(|h| {
            Argon2::default()
                .verify_password(key.as_bytes(), &h)
                .is_ok()
        });
        running.fetch_sub(1, Ordering::SeqCst);
        match record {
            Some(r) if ok => {
                if let Ok(mut l) = self.inner.lock() {
                    l.verified.insert(digest, key_id);
                }
                KeyCheck::Valid(r.name)
            }
            _ => KeyCheck::Invalid,
        }
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Constant-time equality of two digests.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2<'static> {
        let params = argon2::Params::new(256, 1, 1, None).unwrap();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    }

    #[cfg(unix)]
    #[test]
    fn a_key_added_to_a_new_data_folder_makes_it_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        add_with(&data, "Partner TV", cheap()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "data folder");
        assert_eq!(mode(&data.join(KEYS_FILE)), 0o600, "key file");
    }

    #[test]
    fn add_check_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let key = add_with(dir.path(), "Partner TV", cheap()).unwrap();
        assert!(key.starts_with("ayk_"));
        let text = std::fs::read_to_string(dir.path().join(KEYS_FILE)).unwrap();
        assert!(!text.contains(&key), "the key itself is never stored");
        assert!(matches!(
            add_with(dir.path(), "Partner TV", cheap()),
            Err(KeyError::Exists(_))
        ));
        let keys = PartnerKeys::open(dir.path()).unwrap();
        assert_eq!(keys.check(&key), KeyCheck::Valid("Partner TV".into()));
        assert_eq!(
            keys.check(&key),
            KeyCheck::Valid("Partner TV".into()),
            "cached path"
        );
        assert_eq!(keys.check(&format!("{key}x")), KeyCheck::Invalid);
        assert_eq!(keys.check("ayk_NOPE_abc"), KeyCheck::Invalid);
        assert_eq!(keys.check(""), KeyCheck::Invalid);
        revoke(dir.path(), "Partner TV").unwrap();
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(
            keys.check(&key),
            KeyCheck::Invalid,
            "revocation is seen without restart"
        );
        assert!(matches!(
            revoke(dir.path(), "Partner TV"),
            Err(KeyError::NotFound(_))
        ));
    }

    #[test]
    fn only_the_exact_key_skips_argon2() {
        let dir = tempfile::tempdir().unwrap();
        let key = add_with(dir.path(), "Partner TV", cheap()).unwrap();
        let keys = PartnerKeys::open(dir.path()).unwrap();
        assert_eq!(keys.check(&key), KeyCheck::Valid("Partner TV".into()));
        assert_eq!(keys.argon2_runs(), 1);
        assert_eq!(keys.check(&key), KeyCheck::Valid("Partner TV".into()));
        assert_eq!(keys.argon2_runs(), 1, "a verified key is remembered");
        // A wrong secret for an id that was verified costs what an unknown id costs: one
        // argon2 run each, so the answer time does not tell which ids exist.
        let (prefix, _) = key.rsplit_once('_').unwrap();
        assert_eq!(keys.check(&format!("{prefix}_wrong")), KeyCheck::Invalid);
        assert_eq!(keys.argon2_runs(), 2, "known id, wrong secret");
        assert_eq!(keys.check("ayk_ZZZZZZZZ_wrong"), KeyCheck::Invalid);
        assert_eq!(keys.argon2_runs(), 3, "unknown id");
        assert_eq!(keys.check("not a key"), KeyCheck::Invalid);
        assert_eq!(keys.argon2_runs(), 4, "malformed key");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn argon2_runs_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let key = add_with(dir.path(), "Partner TV", cheap()).unwrap();
        let (prefix, _) = key.rsplit_once('_').unwrap();
        let keys = PartnerKeys::open(dir.path()).unwrap();
        let n = 16 * ARGON2_PARALLEL;
        let checks: Vec<_> = (0..n)
            .map(|i| {
                let k = keys.clone();
                let wrong = format!("{prefix}_wrong{i}");
                tokio::spawn(async move { k.verify(wrong).await })
            })
            .collect();
        for c in checks {
            assert_eq!(c.await.unwrap(), KeyCheck::Invalid);
        }
        assert_eq!(keys.argon2_runs(), n as u64);
        let peak = keys.argon2_peak();
        assert!(
            (1..=ARGON2_PARALLEL).contains(&peak),
            "{peak} verifications ran at once"
        );
    }
}
