//! Which database holds the service's shared data, and opening it: the data folder's SQLite
//! file (the default, one machine) or a PostgreSQL server (several service instances).
//!
//! Both backends go through sqlx's `Any` driver so that the queue's SQL is written once; the
//! few statements that differ ask [`Backend`]. Migrations live in `migrations/sqlite` and
//! `migrations/postgres` with the same numbering, and [`connect`] runs the right folder.

use super::store::StoreError;
use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Connection, Executor};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The queue database file inside the data folder.
pub const DB_FILE: &str = "tickets.sqlite";

/// The environment variable that names the database when `--database` is not given.
pub const DATABASE_ENV: &str = "AYUDA_DATABASE_URL";

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The database engine behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives, as `--database` or `AYUDA_DATABASE_URL` names it.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `--database`'s value: `postgres://…` or `postgresql://…` selects PostgreSQL,
    /// `sqlite://PATH` or a plain path an SQLite file.
    pub fn parse(value: &str) -> Result<DatabaseUrl, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("the database URL is empty".into());
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            let url = url::Url::parse(value)
                .map_err(|e| format!("database URL {}: {e}", redact(value)))?;
            if url.host_str().is_none_or(str::is_empty)
                && !url.query().is_some_and(|q| q.contains("host="))
            {
                return Err(format!("database URL {}: no host", redact(value)));
            }
            return Ok(DatabaseUrl::Postgres(value.to_string()));
        }
        if let Some(path) = value.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("database URL sqlite://: no file".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = value.split_once("://") {
            return Err(format!(
                "database URL scheme `{scheme}://` is not supported: use postgres://, sqlite:// or a file path"
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(value)))
    }

    /// `--database` when given, else `AYUDA_DATABASE_URL` when set and not empty, else the data
    /// folder's SQLite file.
    pub fn resolve(flag: Option<&str>, data: &Path) -> Result<DatabaseUrl, String> {
        if let Some(v) = flag {
            return DatabaseUrl::parse(v).map_err(|e| format!("--database: {e}"));
        }
        match std::env::var(DATABASE_ENV) {
            Ok(v) if !v.trim().is_empty() => {
                DatabaseUrl::parse(&v).map_err(|e| format!("{DATABASE_ENV}: {e}"))
            }
            _ => Ok(DatabaseUrl::in_folder(data)),
        }
    }

    /// The default: `DATA/tickets.sqlite`.
    pub fn in_folder(data: &Path) -> DatabaseUrl {
        DatabaseUrl::Sqlite(data.join(DB_FILE))
    }

    /// The engine this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether the database exists already (a PostgreSQL server is assumed to).
    pub fn exists(&self) -> bool {
        match self {
            DatabaseUrl::Sqlite(path) => path.is_file(),
            DatabaseUrl::Postgres(_) => true,
        }
    }
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// An open, migrated database: a connection pool and the engine behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// The pool, for queries written for both engines.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// `BEGIN` that takes the write lock before the first read: SQLite's `BEGIN IMMEDIATE`;
    /// PostgreSQL transactions lock the rows they read with `FOR UPDATE` instead.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// Opens (creating and migrating) the database `url` names. An SQLite file and its folder are
/// created private (0600/0700) before SQLite opens them.
pub async fn connect(url: &DatabaseUrl) -> Result<Db, StoreError> {
    sqlx::any::install_default_drivers();
    let (pool, migrator) = match url {
        DatabaseUrl::Sqlite(path) => (open_sqlite(path).await?, &SQLITE),
        DatabaseUrl::Postgres(u) => {
            let options = AnyConnectOptions::from_str(u)
                .map_err(|e| StoreError::Data(format!("database {url}: {e}")))?;
            // One connection first: its error says why (refused, password, no database),
            // where the pool's would only say that it timed out.
            let probe = sqlx::AnyConnection::connect_with(&options)
                .await
                .map_err(|e| StoreError::Data(format!("database {url}: {e}")))?;
            let _ = probe.close().await;
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Data(format!("database {url}: {e}")))?;
            (pool, &POSTGRES)
        }
    };
    migrator.run(&pool).await?;
    Ok(Db {
        pool,
        backend: url.backend(),
    })
}

async fn open_sqlite(path: &Path) -> Result<AnyPool, StoreError> {
    let io = |p: &Path, e: std::io::Error| StoreError::Data(format!("{}: {e}", p.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::private::create_dir(dir).map_err(|e| io(dir, e))?;
    // Created empty and 0600 before SQLite opens it: its WAL and shared-memory files take
    // the database's mode. Files of earlier versions (0644) are restricted too.
    crate::private::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io(path, e))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = PathBuf::from(file);
        crate::private::restrict(&file).map_err(|e| io(&file, e))?;
    }
    let file = path
        .to_str()
        .ok_or_else(|| StoreError::Data(format!("{}: not UTF-8", path.display())))?;
    // sqlx reads the file name of an sqlite:// URL percent-decoded, up to `?` or `#`.
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');
    let encoded = percent_encoding::utf8_percent_encode(file, RESERVED);
    let options = AnyConnectOptions::from_str(&format!("sqlite://{encoded}"))?;
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL fsyncs every commit, so a
                // ticket is on disk before the partner sees "received".
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://ayuda:pw@db.example.org/ayuda").unwrap(),
            DatabaseUrl::Postgres("postgres://ayuda:pw@db.example.org/ayuda".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/ayuda/q.sqlite?mode=rwc").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/ayuda/q.sqlite".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/tickets.sqlite").unwrap(),
            DatabaseUrl::Sqlite("data/tickets.sqlite".into())
        );
        let err = DatabaseUrl::parse("mysql://db.example.org/ayuda").unwrap_err();
        assert!(err.contains("mysql://"), "{err}");
    }

    #[test]
    fn messages_never_show_the_password() {
        let url = DatabaseUrl::parse("postgres://ayuda:s3cret@db.example.org/ayuda").unwrap();
        assert!(!url.to_string().contains("s3cret"), "{url}");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
