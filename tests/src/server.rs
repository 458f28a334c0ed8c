//! A real hearth-server for system tests and benchmarks: the built binary, on a free
//! loopback port, with its own data folder. Started and waited for by its readiness line
//! (`listening on ADDR`), never by sleeping; killed with SIGKILL when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The `hearth-server` binary next to the running test or benchmark executable.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe folder").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("hearth-server");
    assert!(
        bin.exists(),
        "{} is missing: build it first (`cargo build -p hearth-server`, done by `make test`)",
        bin.display()
    );
    bin
}

/// Runs a `hearth-server` command on the data folder `data`, feeding `stdin`; panics with
/// the command's own words if it fails. Returns its standard output.
pub fn cli(data: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(binary())
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hearth-server");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("hearth-server output");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "hearth-server {args:?} failed ({}):\n{stdout}\n{stderr}", out.status);
    stdout.into_owned()
}

/// Adds a user with a known password.
pub fn add_user(data: &Path, username: &str, role: &str, station: Option<&str>, password: &str) {
    let mut args = vec!["user", "add", "--username", username, "--role", role, "--password", password];
    if let Some(station) = station {
        args.extend(["--station", station]);
    }
    cli(data, &args, None);
}

/// A running server.
pub struct Server {
    child: Child,
    data: PathBuf,
    addr: String,
    /// The `serve` options it was started with (TLS files, limits), kept for a restart.
    options: Vec<String>,
    https: bool,
}

impl Server {
    /// Starts `hearth-server serve` on a free loopback port and waits until it listens.
    pub fn start(data: &Path) -> Server {
        Server::start_at(data, "127.0.0.1:0", Vec::new())
    }

    /// Starts `hearth-server serve OPTIONS…` (`--tls-cert`, `--header-timeout`…) on a free
    /// loopback port and waits until it listens.
    pub fn start_with(data: &Path, options: &[&str]) -> Server {
        Server::start_at(data, "127.0.0.1:0", options.iter().map(|o| (*o).to_owned()).collect())
    }

    /// Starts the server again on the address it had, as after a crash.
    pub fn restart(&mut self) {
        self.kill();
        *self = Server::start_at(&self.data, &self.addr, std::mem::take(&mut self.options));
    }

    fn start_at(data: &Path, listen: &str, options: Vec<String>) -> Server {
        let mut child = Command::new(binary())
            .args(["serve", "--listen", listen])
            .args(&options)
            .arg("--data")
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start hearth-server serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (addr, https) = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("listening on ") {
                        let addr = addr.trim();
                        match addr.strip_prefix("https://") {
                            Some(addr) => break (addr.to_owned(), true),
                            None => break (addr.trim_start_matches("http://").to_owned(), false),
                        }
                    }
                }
                _ => {
                    let status = child.wait().expect("server status");
                    panic!("hearth-server stopped before listening ({status})");
                }
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, data: data.to_path_buf(), addr, options, https }
    }

    /// `http://ADDR`, or `https://localhost:PORT` when serving HTTPS (the name its test
    /// certificates are made for).
    pub fn url(&self) -> String {
        if self.https {
            let port = self.addr.rsplit(':').next().unwrap_or_default();
            format!("https://localhost:{port}")
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// The `IP:PORT` it listens on.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's data folder.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// Kills the server with SIGKILL, as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's own database file, for checking what it stored.
    pub fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.data.join("hearth-server.sqlite"))
            .expect("open the server's database")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
