//! The real `hearth-server` binary, as an administrator and the system tests use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn hearth_server(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth-server"));
    cmd.arg("--data").arg(data).env("RUST_LOG", "warn").env_remove("HEARTH_DATABASE_URL");
    cmd
}

/// The binary on the database `url` (`sqlite:DIR`, `postgres://…`).
fn hearth_server_on(url: &str) -> Command {
    let mut cmd = bare();
    cmd.args(["--database", url]);
    cmd
}

/// A fresh database on each backend, as `--database` URLs: SQLite in `dir`, and PostgreSQL on
/// the tests' own server.
fn each_backend(dir: &std::path::Path) -> [String; 2] {
    [format!("sqlite:{}", dir.display()), crate::storage::postgres_url()]
}

/// The binary with no database setting of its own.
fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth-server"));
    cmd.env("RUST_LOG", "warn").env_remove("HEARTH_DATABASE_URL");
    cmd
}

#[test]
fn the_database_is_one_setting_that_data_spells_for_sqlite_and_other_backends_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().display());
    let add = |cmd: &mut Command| {
        cmd.args(["user", "add", "--username", "zhao", "--role", "dispatcher", "--password", "pw"])
            .output()
            .unwrap()
    };
    let first = add(bare().env("HEARTH_DATABASE_URL", &url));
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // The same database through --data and through --database: the username is taken there.
    for again in [add(&mut hearth_server(dir.path())), add(bare().args(["--database", &url]))] {
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("is taken"),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );
    }

    let refused = |args: &[&str]| {
        let out = bare().args(args).args(["device", "list"]).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Nothing listens on port 1: PostgreSQL is chosen, and its absence told in words.
    let unreachable = refused(&["--database", "postgres://hearth@127.0.0.1:1/hearth"]);
    assert!(unreachable.contains("cannot be reached"), "{unreachable}");
    assert!(refused(&["--database", "mysql://x"]).contains("sqlite:DIR"));
    let both = refused(&["--database", &url, "--data", "elsewhere"]);
    assert!(both.contains("not both"), "{both}");
}

#[test]
fn serve_prints_its_real_address_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = hearth_server(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("readiness line: {line:?}"));
    assert!(!addr.ends_with(":0"), "the bound port, not the asked one: {addr}");

    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.write_all(b"GET /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains(r#""code":"not_found""#), "{answer}");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success(), "a SIGTERM is a clean shutdown");
}

#[test]
fn a_csv_with_a_bad_row_is_refused_by_line_and_a_good_one_imports() {
    let dir = tempfile::tempdir().unwrap();
    for url in each_backend(&dir.path().join("data")) {
        let demo = hearth_server_on(&url).args(["demo", "--households", "4"]).output().unwrap();
        assert!(demo.status.success(), "{url}: {}", String::from_utf8_lossy(&demo.stderr));
        assert!(String::from_utf8_lossy(&demo.stdout).contains("demo-dispatcher"));

        let file = dir.path().join("export.csv");
        let rows = "户号,地址,户主,电话,收费面积,供热站\n\
                    3000001,和平区友谊路1号,王伟,13800000000,88.5,和平供热站\n\
                    3000002,和平区友谊路2号,李四,13800000001,70,没有的站\n";
        std::fs::write(&file, format!("\u{feff}{rows}")).unwrap();
        let bad = hearth_server_on(&url).args(["households", "import"]).arg(&file).output().unwrap();
        assert!(!bad.status.success());
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(err.contains("nothing was imported") && err.contains("line 3"), "{url}: {err}");

        std::fs::write(&file, format!("\u{feff}{}", rows.replace("没有的站", "河西供热站"))).unwrap();
        let good = hearth_server_on(&url).args(["households", "import"]).arg(&file).output().unwrap();
        assert!(good.status.success(), "{url}: {}", String::from_utf8_lossy(&good.stderr));
        assert!(String::from_utf8_lossy(&good.stdout).contains("2 household(s) added"), "{url}");
    }
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_a_crew_member_without_a_station() {
    let dir = tempfile::tempdir().unwrap();
    for url in each_backend(dir.path()) {
        hearth_server_on(&url).args(["demo", "--households", "0"]).output().unwrap();
        let mut add = hearth_server_on(&url)
            .args(["user", "add", "--username", "zhang", "--role", "technician", "--station", "南开供热站"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        add.stdin.take().unwrap().write_all(b"secret\n").unwrap();
        assert!(add.wait_with_output().unwrap().status.success(), "{url}");

        let no_station = hearth_server_on(&url)
            .args(["user", "add", "--username", "li", "--role", "inspector", "--password", "x"])
            .output()
            .unwrap();
        assert!(!no_station.status.success());
        assert!(String::from_utf8_lossy(&no_station.stderr).contains("--station"), "{url}");

        // The user is there: the same username again is refused, and the device list works.
        let again = hearth_server_on(&url)
            .args(["user", "add", "--username", "zhang", "--role", "technician", "--station", "南开供热站"])
            .args(["--password", "other"])
            .output()
            .unwrap();
        assert!(!again.status.success(), "{url}: a taken username");
        let devices = hearth_server_on(&url).args(["device", "list"]).output().unwrap();
        assert!(devices.status.success(), "{url}: {}", String::from_utf8_lossy(&devices.stderr));
    }
}

#[test]
fn plain_http_is_refused_on_a_public_address_and_bad_tls_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let public = hearth_server(dir.path()).args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!public.status.success(), "plain HTTP on every interface must be refused");
    let err = String::from_utf8_lossy(&public.stderr);
    assert!(err.contains("--tls-cert") && err.contains("TLS proxy"), "{err}");

    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let bad = hearth_server(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(dir.path().join("missing-key.pem"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("cert.pem") && err.contains("no certificate"), "{err}");

    let no_key = hearth_server(dir.path()).args(["serve", "--tls-cert"]).arg(&cert).output().unwrap();
    assert!(!no_key.status.success(), "a certificate without its key is refused");
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("--tls-key"));
}

#[test]
fn plain_http_on_loopback_says_at_start_up_that_remote_devices_need_tls() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = hearth_server(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("plain HTTP") && line.contains("Remote devices need HTTPS"), "{line}");
}

#[test]
fn a_console_idle_time_under_an_hour_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let zero = hearth_server(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--console-idle-hours", "0"])
        .output()
        .unwrap();
    assert!(!zero.status.success());
    let said = String::from_utf8_lossy(&zero.stderr);
    assert!(said.contains("idle time must be at least 1 hour"), "{said}");
}

#[test]
fn migrate_brings_the_schema_up_to_date_and_says_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = || {
        let out = hearth_server(dir.path()).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = migrate();
    assert!(first.contains("brought from version 0 to"), "{first}");
    let again = migrate();
    assert!(again.contains("already up to date"), "{again}");

    // A database another application wrote is refused untouched, in words.
    let foreign = tempfile::tempdir().unwrap();
    let file = foreign.path().join("hearth-server.sqlite");
    rusqlite::Connection::open(&file).unwrap().execute_batch("CREATE TABLE theirs (x)").unwrap();
    let out = hearth_server(foreign.path()).arg("migrate").output().unwrap();
    assert!(!out.status.success());
    let words = String::from_utf8_lossy(&out.stderr);
    assert!(words.contains("not hearth-server's"), "{words}");
}
