//! A real PostgreSQL server for the tests, started by the tests themselves: `initdb` into a
//! temporary directory and `pg_ctl start` on a free loopback port (and a unix socket in the
//! same directory), stopped and deleted when dropped, which also happens when a test panics.
//!
//! The server's programs are found through `HEARTH_PG_BIN`, then `pg_config --bindir`, then
//! Debian's `/usr/lib/postgresql/<newest>/bin`; `scripts/setup.sh` installs Debian's
//! PostgreSQL when none is there. PostgreSQL refuses to run as root, so under root (a CI
//! machine) its programs run as the `postgres` user the Debian package creates.
//!
//! Settings are a test server's: `fsync=off` (a killed server loses nothing the operating
//! system holds, which is what the tests kill; only a power cut would), small shared memory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A running PostgreSQL server of the tests' own.
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    running: bool,
}

/// The superuser the tests connect as (trust authentication on loopback and the socket).
pub const USER: &str = "hearth";

impl Postgres {
    /// Creates a cluster in a new temporary directory and starts it; panics with what to do
    /// when PostgreSQL is not installed.
    pub fn start() -> Postgres {
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL's server programs (initdb, pg_ctl) were not found: run `make setup` \
                 (it installs Debian's postgresql), or set HEARTH_PG_BIN to their directory"
            )
        });
        let dir =
            tempfile::Builder::new().prefix("hearth-pg-").tempdir().expect("a directory for PostgreSQL");
        if as_postgres_user() {
            give_to_postgres(dir.path());
        }
        let data = dir.path().join("data");
        let initdb = run(
            &bin,
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        assert!(initdb.status.success(), "initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
        let mut pg = Postgres { bin, dir, port: 0, running: false };
        pg.start_server();
        pg
    }

    /// A URL for the database `name`, created if it does not exist yet.
    pub fn database(&self, name: &str) -> String {
        let exists = self.psql("postgres", &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"));
        if exists.trim() != "1" {
            self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        }
        self.url(name)
    }

    /// `postgres://hearth@127.0.0.1:PORT/NAME`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `sql` with psql in database `db`; returns what it printed (unaligned, tuples
    /// only). Panics with psql's words if the statement fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let out = run(
            &self.bin,
            "psql",
            &[
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                USER,
                "-d",
                db,
                "-c",
                sql,
            ],
        );
        assert!(out.status.success(), "psql {sql:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`: no checkpoint,
    /// the next start replays the WAL).
    pub fn stop_immediate(&mut self) {
        if self.running {
            let out = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
            assert!(out.status.success(), "pg_ctl stop failed: {}", String::from_utf8_lossy(&out.stderr));
            self.running = false;
        }
    }

    /// Starts the server again on the same port after [`Postgres::stop_immediate`].
    pub fn restart(&mut self) {
        self.stop_immediate();
        self.start_server();
    }

    fn start_server(&mut self) {
        let socket_dir = self.dir.path().to_path_buf();
        let log = self.dir.path().join("postgres.log");
        // The port is chosen once; on a restart the same one is taken again. A port another
        // process takes between the check and the start fails the start: try a few.
        for attempt in 0.. {
            if self.port == 0 || attempt > 0 {
                self.port = free_port();
            }
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=32MB \
                 -c max_connections=200 -c max_prepared_transactions=0",
                self.port,
                path_str(&socket_dir)
            );
            let out = self.pg_ctl(&["start", "-w", "-t", "60", "-l", path_str(&log), "-o", &options]);
            if out.status.success() {
                self.running = true;
                return;
            }
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(
                attempt < 3 && logged.contains("could not bind"),
                "PostgreSQL did not start: {}\n{logged}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.dir.path().join("data");
        let mut all = vec!["-D", path_str(&data)];
        all.extend_from_slice(args);
        run(&self.bin, "pg_ctl", &all)
    }

    /// Waits until the server accepts connections (after a restart).
    pub fn wait_ready(&self, limit: Duration) {
        let started = Instant::now();
        let port = self.port.to_string();
        while started.elapsed() < limit {
            let out = run(&self.bin, "pg_isready", &["-h", "127.0.0.1", "-p", &port, "-U", USER]);
            if out.status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("PostgreSQL was not ready within {limit:?}");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        }
    }
}

/// The one PostgreSQL server of this test process, started on first use, for tests that
/// each want a database of their own rather than a cluster (`CREATE DATABASE` is ~0.1 s, a
/// cluster ~2 s). A static is never dropped, so a watchdog shell waits for this process to end
/// (passed, failed or killed) and then stops the server at once and deletes its directory.
pub fn shared() -> &'static Postgres {
    static SERVER: std::sync::OnceLock<Postgres> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let server = Postgres::start();
        stop_when_this_process_ends(&server);
        server
    })
}

/// A fresh database on the [`shared`] server, with a name no other caller of this process
/// gets; its URL.
pub fn fresh_database() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DATABASES: AtomicUsize = AtomicUsize::new(0);
    shared().database(&format!("t_{}", DATABASES.fetch_add(1, Ordering::Relaxed)))
}

#[allow(clippy::zombie_processes)] // the watchdog outlives this process on purpose
fn stop_when_this_process_ends(server: &Postgres) {
    let data = server.dir.path().join("data");
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill -QUIT \"$(head -n 1 '{data}/postmaster.pid')\" 2>/dev/null; sleep 2; rm -rf '{cluster}'",
        pid = std::process::id(),
        data = data.display(),
        cluster = server.dir.path().display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("a watchdog for the tests' PostgreSQL");
}

/// The directory of PostgreSQL's server programs, if they are installed.
pub fn bin_dir() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("HEARTH_PG_BIN").map(PathBuf::from) {
        return has_initdb(&dir).then_some(dir);
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_initdb(d)) {
        return Some(dir);
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, dir)| has_initdb(dir))
        .collect();
    debian.sort();
    debian.pop().map(|(_, dir)| dir)
}

/// Whether PostgreSQL's programs must run as the `postgres` user: the tests run as root.
fn as_postgres_user() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Hands `dir` to the `postgres` user, so the server (run as that user) may write in it.
fn give_to_postgres(dir: &Path) {
    let out = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir).output().expect("chown");
    assert!(
        out.status.success(),
        "cannot hand {} to the postgres user (is Debian's postgresql installed? run `make setup`): {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs PostgreSQL's program `name` from `bin` with `args`, as the `postgres` user under root.
fn run(bin: &Path, name: &str, args: &[&str]) -> Output {
    let program = bin.join(name);
    let mut command = if as_postgres_user() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&program);
        c
    } else {
        Command::new(&program)
    };
    command.args(args).env("LC_ALL", "C.UTF-8").current_dir("/");
    command.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_of_its_own_starts_answers_survives_an_immediate_restart_and_is_gone_when_dropped() {
        let mut pg = Postgres::start();
        let url = pg.database("hearth_test");
        assert!(url.ends_with("/hearth_test"), "{url}");
        pg.psql("hearth_test", "CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)");
        pg.restart();
        pg.wait_ready(Duration::from_secs(30));
        assert_eq!(pg.psql("hearth_test", "SELECT sum(n) FROM t").trim(), "3", "a committed row survives");
        let dir = pg.dir.path().to_path_buf();
        let port = pg.port();
        drop(pg);
        assert!(!dir.exists(), "the cluster's directory is deleted");
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
    }
}
