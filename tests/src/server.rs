//! A real hearth-server for system tests and benchmarks: the built binary, on a free
//! loopback port, with its own data folder. Started and waited for by its readiness line
//! (`listening on ADDR`), never by sleeping; killed with SIGKILL when dropped.
//!
//! The data folder names the server's database: SQLite in that folder, or, when the tests run
//! with `HEARTH_TEST_BACKEND=postgres`, a PostgreSQL database of that folder's own on the
//! tests' PostgreSQL server ([`crate::postgres::shared`]). Every command and server of one
//! folder uses the same database, so a test runs unchanged on either backend.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};

/// Whether this test run puts the servers' data in PostgreSQL (`HEARTH_TEST_BACKEND=postgres`)
/// rather than in SQLite files (the default, or `sqlite`).
pub fn on_postgres() -> bool {
    match std::env::var("HEARTH_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("HEARTH_TEST_BACKEND={other} is not a backend: give sqlite or postgres"),
    }
}

/// The `--database` setting of the data folder `data`: `sqlite:DATA`, or its own PostgreSQL
/// database (created on first use) when the tests run on PostgreSQL.
pub fn database_url(data: &Path) -> String {
    if !on_postgres() {
        return format!("sqlite:{}", data.display());
    }
    static DATABASES: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    let mut databases = DATABASES.lock().unwrap_or_else(PoisonError::into_inner);
    databases
        .get_or_insert_with(HashMap::new)
        .entry(data.to_path_buf())
        .or_insert_with(crate::postgres::fresh_database)
        .clone()
}

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
    cli_on(&database_url(data), args, stdin)
}

/// Adds a user with a known password.
pub fn add_user(data: &Path, username: &str, role: &str, station: Option<&str>, password: &str) {
    add_user_on(&database_url(data), username, role, station, password);
}

/// A running server.
pub struct Server {
    child: Child,
    data: PathBuf,
    /// Its `--database` URL.
    database: String,
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
        *self = Server::launch(&self.database, &self.data, &self.addr, std::mem::take(&mut self.options));
    }

    fn start_at(data: &Path, listen: &str, options: Vec<String>) -> Server {
        Server::launch(&database_url(data), data, listen, options)
    }

    /// Starts `hearth-server serve OPTIONS…` on `database`, listening on `listen`.
    fn launch(database: &str, data: &Path, listen: &str, options: Vec<String>) -> Server {
        let mut child = Command::new(binary())
            .args(["serve", "--listen", listen])
            .args(&options)
            .args(["--database", database])
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
        Server { child, data: data.to_path_buf(), database: database.to_owned(), addr, options, https }
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

    /// The one value (as text; empty for NULL) the server's database gives for `sql`, on
    /// SQLite or PostgreSQL: for the few checks the console API cannot make (who delivered a
    /// report, an order's field clocks, the conflict log). `sql` must read alike on both.
    pub fn query_one(&self, sql: &str) -> String {
        if on_postgres() {
            let url = &self.database;
            let name = url.rsplit('/').next().expect("a database name");
            return crate::postgres::shared().psql(name, sql).trim_end_matches('\n').to_owned();
        }
        let db = rusqlite::Connection::open(self.data.join("hearth-server.sqlite"))
            .expect("the server's database");
        let value: rusqlite::types::Value =
            db.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"));
        match value {
            rusqlite::types::Value::Null => String::new(),
            rusqlite::types::Value::Integer(n) => n.to_string(),
            rusqlite::types::Value::Real(x) => x.to_string(),
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
        }
    }

    /// Every row `sql` selects, each value as text (empty for NULL), on either backend.
    pub fn query_rows(&self, sql: &str) -> Vec<Vec<String>> {
        if on_postgres() {
            let url = &self.database;
            let name = url.rsplit('/').next().expect("a database name");
            let out = crate::postgres::shared().psql(name, sql);
            return out.lines().map(|line| line.split('|').map(str::to_owned).collect()).collect();
        }
        let db = rusqlite::Connection::open(self.data.join("hearth-server.sqlite"))
            .expect("the server's database");
        let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let columns = stmt.column_count();
        stmt.query_map([], |r| {
            (0..columns).map(|i| r.get::<_, rusqlite::types::Value>(i).map(text)).collect()
        })
        .and_then(Iterator::collect)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Changes the server's records behind its back, for a test's setup the API cannot make
    /// (an order reported hours ago): `sqlite` or `postgres`, the same change in each
    /// dialect (`postgres` an `UPDATE` without `RETURNING`). Returns the rows changed.
    pub fn change(&self, sqlite: &str, postgres: &str) -> u64 {
        if on_postgres() {
            let count = self
                .query_one(&format!("WITH changed AS ({postgres} RETURNING 1) SELECT count(*) FROM changed"));
            return count.parse().unwrap_or_else(|e| panic!("{postgres}: {e}"));
        }
        let db = rusqlite::Connection::open(self.data.join("hearth-server.sqlite"))
            .expect("the server's database");
        db.execute(sqlite, []).unwrap_or_else(|e| panic!("{sqlite}: {e}")) as u64
    }

    /// A command line making the change of [`Server::change`], for another process to run at
    /// its moment (the console's browser script): `sqlite3 FILE SQL`, or `psql … -c SQL`.
    pub fn change_command(&self, sqlite: &str, postgres: &str) -> Vec<String> {
        if on_postgres() {
            let url = &self.database;
            let name = url.rsplit('/').next().expect("a database name");
            let psql = crate::postgres::bin_dir().expect("PostgreSQL's programs").join("psql");
            let port = crate::postgres::shared().port().to_string();
            return [
                psql.display().to_string(),
                "-X".into(),
                "-q".into(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
            ]
            .into_iter()
            .chain(
                ["-h", "127.0.0.1", "-p", &port, "-U", crate::postgres::USER, "-d", name, "-c", postgres]
                    .map(String::from),
            )
            .collect();
        }
        let file = self.data.join("hearth-server.sqlite");
        vec!["sqlite3".into(), file.display().to_string(), sqlite.into()]
    }

    /// The server's own SQLite file, for the tests that run on SQLite only.
    pub fn database(&self) -> rusqlite::Connection {
        assert!(!on_postgres(), "this test reads the server's SQLite file: it runs on SQLite only");
        rusqlite::Connection::open(self.data.join("hearth-server.sqlite"))
            .expect("open the server's database")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A SQLite value as text, as psql prints it (empty for NULL).
fn text(value: rusqlite::types::Value) -> String {
    match value {
        rusqlite::types::Value::Null => String::new(),
        rusqlite::types::Value::Integer(n) => n.to_string(),
        rusqlite::types::Value::Real(x) => x.to_string(),
        rusqlite::types::Value::Text(t) => t,
        rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
    }
}

/// Runs a `hearth-server` command on the database `database` (a `--database` URL such as
/// `sqlite:DIR` or `postgres://…`) rather than on a data folder's, feeding `stdin`; panics
/// with the command's own words if it fails. Returns its standard output. For benchmarks that
/// put the same workload on either backend in one process.
pub fn cli_on(database: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(binary())
        .args(args)
        .args(["--database", database])
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

/// Adds a user with a known password to the database `database` (see [`cli_on`]).
pub fn add_user_on(database: &str, username: &str, role: &str, station: Option<&str>, password: &str) {
    let mut args = vec!["user", "add", "--username", username, "--role", role, "--password", password];
    if let Some(station) = station {
        args.extend(["--station", station]);
    }
    cli_on(database, &args, None);
}

impl Server {
    /// Starts `hearth-server serve` on the database `database` (see [`cli_on`]) on a free
    /// loopback port and waits until it listens; `data` is only remembered as its folder.
    /// Several servers may share one PostgreSQL database, as instances of one installation.
    pub fn start_on_database(database: &str, data: &Path) -> Server {
        Server::launch(database, data, "127.0.0.1:0", Vec::new())
    }
}
