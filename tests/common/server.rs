//! The real `ayuda serve` binary on a free port, serving a temporary copy of tests/fixtures/serve.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to start a [`Server`].
#[derive(Default)]
pub struct Start<'a> {
    /// Lines appended to the copy's ayuda.yaml.
    pub config: &'a str,
    /// More command-line arguments.
    pub args: &'a [&'a str],
    /// The child's limit of open files (RLIMIT_NOFILE), when set.
    pub max_open_files: Option<u64>,
    /// Environment variables of the child.
    pub env: &'a [(&'a str, &'a str)],
    /// Where the child's stderr goes (inherited when absent).
    pub stderr: Option<&'a Path>,
}

/// A running `ayuda serve --root COPY` on a free port.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub dir: tempfile::TempDir,
}

impl Server {
    /// Serves the fixture with extra command-line arguments.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_with(&Start {
            args: extra,
            ..Start::default()
        })
    }

    /// Serves the fixture as `how` says.
    // The child is killed and waited for by `Drop` once it is inside a `Server`.
    #[allow(clippy::zombie_processes)]
    pub fn start_with(how: &Start) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&super::fixture("serve"), dir.path());
        if !how.config.is_empty() {
            let path = dir.path().join("ayuda.yaml");
            let text = std::fs::read_to_string(&path).expect("read config");
            std::fs::write(&path, format!("{text}{}\n", how.config)).expect("write config");
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ayuda"));
        cmd.arg("serve")
            .arg("--root")
            .arg(dir.path())
            .args(["--bind", "127.0.0.1:0"])
            .args(how.args)
            .envs(how.env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(match how.stderr {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
                None => Stdio::inherit(),
            });
        #[cfg(unix)]
        if let Some(n) = how.max_open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches only the child.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: n,
                        rlim_max: n,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().expect("spawn ayuda serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        loop {
            line.clear();
            let n = reader.read_line(&mut line).unwrap_or(0);
            if n == 0 {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ayuda serve exited before listening");
            }
            if let Some(addr) = line.trim().strip_prefix("ayuda: serving ") {
                let base = addr.to_string();
                // Keep draining stdout so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in reader.lines() {});
                return Server { child, base, dir };
            }
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn get(&self, url: &str) -> (u16, String) {
        self.send(|c| c.get(format!("{}{url}", self.base)))
    }

    /// Sends the request `build` makes with a client that does not follow redirects.
    pub fn send(
        &self,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> (u16, String) {
        self.send_from(None, build)
    }

    /// Like [`Server::send`], from the local address `from` (any of 127.0.0.0/8) when given.
    pub fn send_from(
        &self,
        from: Option<std::net::IpAddr>,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> (u16, String) {
        let (status, _, body) = self.send_full(from, build);
        (status, body)
    }

    /// Like [`Server::send_from`], with the answer's headers.
    pub fn send_full(
        &self,
        from: Option<std::net::IpAddr>,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(from)
                .build()
                .expect("client");
            let res = build(&client).send().await.expect("request");
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            (status, headers, res.text().await.unwrap_or_default())
        })
    }

    /// Polls `url` until `ok(status, body)` holds; panics with the last answer after 10 s.
    pub fn wait_for(&self, url: &str, ok: impl Fn(u16, &str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let (status, body) = self.get(url);
            if ok(status, &body) {
                return body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{url} never matched; last answer {status}: {}",
                &body[..body.len().min(600)]
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/_ayuda/status").1).expect("status is JSON")
    }

    /// Sends SIGTERM and waits up to `within` for the exit; panics with `what` when it does not
    /// stop.
    #[cfg(unix)]
    pub fn terminate(&mut self, within: Duration, what: &str) -> std::process::ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for ayuda serve") {
                return status;
            }
            assert!(start.elapsed() < within, "ayuda serve did not stop: {what}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("inside fixture");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
