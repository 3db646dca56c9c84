//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, `postgres` on a
//! free loopback port with its socket in that folder, run as `nobody` when the tests run as
//! root (PostgreSQL refuses to run as root), stopped and removed when the guard drops, also when
//! the test panics. The library's unit tests include this file too (`#[path]`).
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster; dropping it stops the server and removes its files.
pub struct PgCluster {
    dir: Option<tempfile::TempDir>,
    server: Child,
    pub port: u16,
    bin: PathBuf,
    databases: std::sync::atomic::AtomicUsize,
}

/// The newest `/usr/lib/postgresql/*/bin` that holds `initdb` and `postgres`, or `PG_BIN`.
pub fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `program` run as `nobody` when this process is root, else as is.
fn command(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn give_to_nobody(path: &Path) {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(path, Some(65534), Some(65534)).expect("chown to nobody");
    }
}

/// Starts `postgres` on the cluster in `dir` on a free loopback port.
fn spawn(bin: &Path, dir: &Path, durable: bool) -> (Child, u16) {
    let port = free_port();
    let mut c = command(&bin.join("postgres"));
    c.arg("-D")
        .arg(dir.join("data"))
        .arg("-k")
        .arg(dir)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-c", "max_connections=200"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if !durable {
        c.arg("-F");
    }
    (c.spawn().expect("starting postgres"), port)
}

impl PgCluster {
    /// Starts a cluster, or prints why not and returns `None` when PostgreSQL is not installed.
    /// `durable`: fsync on (benchmarks); tests run with fsync off.
    pub fn start(durable: bool) -> Option<PgCluster> {
        let Some(bin) = binaries() else {
            eprintln!(
                "skipping: PostgreSQL binaries not found under /usr/lib/postgresql/*/bin \
                 (install Debian's postgresql, or set PG_BIN)"
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("ayuda-pg-")
            .tempdir()
            .expect("temporary folder");
        give_to_nobody(dir.path());
        let data = dir.path().join("data");
        let out = command(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "ayuda", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .output()
            .expect("running initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (server, port) = spawn(&bin, dir.path(), durable);
        let mut cluster = PgCluster {
            dir: Some(dir),
            server,
            port,
            bin,
            databases: Default::default(),
        };
        for _ in 0..4 {
            if cluster.wait_ready() {
                return Some(cluster);
            }
            // Another process took the port meanwhile: try another.
            cluster.stop();
            let dir = cluster.dir.as_ref().map(|d| d.path().to_path_buf());
            (cluster.server, cluster.port) = spawn(&cluster.bin, &dir.unwrap_or_default(), durable);
        }
        panic!("postgres did not start");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.server.try_wait() {
                return false;
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// The URL of the cluster's `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://ayuda@127.0.0.1:{}/postgres", self.port)
    }

    /// A new empty database of this cluster, for one test.
    pub fn database(&self) -> String {
        let n = self
            .databases
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("t{n}");
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "ayuda",
            ])
            .arg(&name)
            .output()
            .expect("running createdb");
        assert!(
            out.status.success(),
            "createdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://ayuda@127.0.0.1:{}/{name}", self.port)
    }

    fn stop(&mut self) {
        // SIGQUIT: immediate shutdown, the server's children exit with it.
        // SAFETY: kill on our own child's pid.
        unsafe {
            libc::kill(self.server.id() as libc::pid_t, libc::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.server.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }
}
