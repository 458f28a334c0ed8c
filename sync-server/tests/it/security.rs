//! The server's edge as a guesser or a flood would meet it: throttled logins, bounded
//! password hashing (against the real binary, its memory read from /proc), console sessions
//! that expire, and the console page's security headers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use crate::{Answer, Server, code, server};

/// A login attempt from `from` (the peer address the real server would see), with its
/// `Retry-After` header.
async fn try_login(s: &Server, username: &str, password: &str, from: Option<&str>) -> (Answer, Option<u64>) {
    login_as(s.app.clone(), username, password, from).await
}

async fn login_as(
    app: axum::Router,
    username: &str,
    password: &str,
    from: Option<&str>,
) -> (Answer, Option<u64>) {
    let body = json!({
        "username": username, "password": password,
        "device_name": "调度台", "device_id": Uuid::now_v7(),
    });
    let mut req = Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(from) = from {
        req.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    }
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (Answer { status, body }, retry)
}

#[tokio::test]
async fn forty_wrong_passwords_are_throttled_and_the_owner_gets_in_after_the_wait() {
    let s = server().await;
    let mut refused = 0;
    let mut last_wait = None;
    for n in 0..40 {
        let (answer, retry) = try_login(&s, "tech1", &format!("guess-{n}"), Some("203.0.113.9:5000")).await;
        match answer.status {
            StatusCode::UNAUTHORIZED => {
                assert_eq!(code(&answer), "unauthorized");
                assert!(retry.is_none());
                refused += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(code(&answer), "too_many_requests");
                let message = answer.body["error"]["message"].as_str().unwrap();
                assert!(message.contains("try again in"), "{message}");
                let wait = retry.expect("a 429 carries Retry-After");
                assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
                last_wait = Some(wait);
            }
            other => panic!("attempt {n}: {other} {}", answer.body),
        }
    }
    // The first three are plain refusals; the back-off starts at one second and doubles, so
    // a loop of forty gets only a handful more in while a wait passes.
    assert!((3..=6).contains(&refused), "{refused} of 40 wrong passwords were checked");
    let wait = last_wait.expect("some attempts were throttled");

    // The owner, even on another network, waits like the guesser does…
    let (early, _) = try_login(&s, "tech1", "demo-tech1", Some("198.51.100.4:6000")).await;
    assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS, "{}", early.body);
    // …and gets in once the wait is over.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (owner, _) = try_login(&s, "tech1", "demo-tech1", Some("198.51.100.4:6000")).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);

    // The success cleared the account's count: the free tries are back.
    for n in 0..3 {
        let (answer, _) = try_login(&s, "tech1", &format!("typo-{n}"), Some("198.51.100.4:6000")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "try {n} after a success: {}", answer.body);
    }
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_throttled_and_other_addresses_are_not() {
    let s = server().await;
    let mut statuses = Vec::new();
    for n in 0..40 {
        let (answer, _) = try_login(&s, &format!("user{n}"), "123456", Some("203.0.113.9:5000")).await;
        statuses.push(answer.status);
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!((10..=14).contains(&checked), "{checked} of 40 guesses from one address were checked");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    // Unknown usernames are throttled like known ones: the answer does not tell which exist.
    let (other, _) = try_login(&s, "tech2", "demo-tech2", Some("198.51.100.4:6000")).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
}

// ---- The real binary under a flood of logins ----

/// `hearth-server serve` on a demo city (real argon2id cost), stopped when dropped.
struct Running {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Running {
    fn start() -> Running {
        let dir = tempfile::tempdir().unwrap();
        let bin = env!("CARGO_BIN_EXE_hearth-server");
        let demo =
            Command::new(bin).arg("--data").arg(dir.path()).args(["demo", "--households", "8"]).output();
        assert!(demo.unwrap().status.success());
        // The flood comes from one address: above the server's bound on its connections, if it has one.
        let help = Command::new(bin).args(["serve", "--help"]).output().unwrap();
        let bounded = String::from_utf8_lossy(&help.stdout).contains("--max-connections-per-address");
        let raise: &[&str] = if bounded { &["--max-connections-per-address", "256"] } else { &[] };
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(raise)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on ").unwrap().to_owned();
        Running { child, addr, _dir: dir }
    }

    /// The process's peak resident memory so far, in MiB.
    fn peak_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }

    /// One HTTP/1.1 request on its own connection: the status and the body.
    fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        let mut conn = TcpStream::connect(&self.addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        write!(
            conn,
            "{method} {path} HTTP/1.1\r\nHost: hearth\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let json = answer.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok());
        (status, json.unwrap_or(Value::Null))
    }

    fn login(&self, username: &str) -> (u16, Value) {
        let body = json!({
            "username": username, "password": format!("demo-{username}"),
            "device_name": "平板", "device_id": Uuid::now_v7(),
        });
        self.request("POST", "/v1/auth/login", None, Some(&body))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The most the server's resident memory may reach in a 64-login flood: unbounded, each
/// argon2id hash takes ~19 MiB at once (~1.2 GB); bounded to one per core it stays near
/// the idle figure.
const FLOOD_PEAK_MIB: u64 = 300;
/// How long a logged-in device's pull may take during the flood (a shared 2-core machine
/// running other builds: generous).
const PULL_DURING_FLOOD: Duration = Duration::from_secs(3);

#[test]
fn a_flood_of_64_logins_queues_within_bounded_memory_while_a_device_still_pulls() {
    let server = Running::start();
    let (status, body) = server.login("tech1");
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let idle = server.peak_mib();

    let started = Instant::now();
    let (pull_took, answers) = std::thread::scope(|scope| {
        let flood: Vec<_> = (0..64)
            .map(|n| {
                let server = &server;
                scope.spawn(move || server.login(["tech1", "tech2", "insp1", "dispatcher"][n % 4]).0)
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let pull = Instant::now();
        let (status, body) = server.request("GET", "/v1/sync/pull?after=0&limit=100", Some(&token), None);
        assert_eq!(status, 200, "the device's pull during the flood: {body}");
        let pull_took = pull.elapsed();
        (pull_took, flood.into_iter().map(|t| t.join().unwrap()).collect::<Vec<_>>())
    });
    let flood_took = started.elapsed();
    let peak = server.peak_mib();
    println!(
        "login flood: 64 logins in {:.1} s; peak resident memory {idle} MiB idle, {peak} MiB after the flood; \
         a device's pull during it took {} ms",
        flood_took.as_secs_f64(),
        pull_took.as_millis()
    );
    assert!(answers.iter().all(|s| *s == 200), "every login answered: {answers:?}");
    assert!(peak < FLOOD_PEAK_MIB, "the flood raised resident memory to {peak} MiB (idle {idle} MiB)");
    assert!(pull_took < PULL_DURING_FLOOD, "a pull during the flood took {pull_took:?}");
}

// ---- Sessions ----

/// A login as a browser would make it (the console says so); its token.
async fn console_login(s: &Server, username: &str, device_id: Uuid) -> String {
    let body = json!({
        "username": username, "password": format!("demo-{username}"),
        "device_name": "调度台", "device_id": device_id,
    });
    let req = Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .header("x-hearth-client", "console")
        .body(Body::from(body.to_string()))
        .unwrap();
    let answer = s.send(req).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["token"].as_str().unwrap().to_owned()
}

/// Sets a device's last use `hours` ago, as if it had not been used since.
async fn idle_for(s: &Server, device_id: Uuid, hours: i64) {
    let then = (chrono::Utc::now() - chrono::TimeDelta::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let sql = format!("UPDATE devices SET last_used_at = '{then}' WHERE id = '{device_id}'");
    assert_eq!(s.database.execute(&sql).await, Ok(1));
}

/// A device's last use, as the admin's device list shows it.
async fn last_used(s: &Server, device_id: Uuid) -> chrono::DateTime<chrono::Utc> {
    let devices = s.storage.devices().await.unwrap();
    devices.into_iter().find(|d| d.id == device_id).unwrap().last_used_at.unwrap()
}

#[tokio::test]
async fn a_console_session_idle_past_the_limit_expires_and_a_tablet_token_does_not() {
    let s = server().await;
    let (browser, tablet) = (Uuid::now_v7(), Uuid::now_v7());
    let console = console_login(&s, "dispatcher", browser).await;
    let crew = s.login_on("tech1", tablet).await;
    assert_eq!(s.call("GET", "/v1/console/dispatch-log", Some(&console), None).await.status, StatusCode::OK);

    // Used eleven hours ago: still valid, and using it records the use.
    idle_for(&s, browser, 11).await;
    assert_eq!(s.call("GET", "/v1/console/dispatch-log", Some(&console), None).await.status, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while chrono::Utc::now() - last_used(&s, browser).await > chrono::TimeDelta::minutes(1) {
        assert!(Instant::now() < deadline, "the session's use was not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Unused for thirteen hours: expired, in words, with its own code.
    idle_for(&s, browser, 13).await;
    let expired = s.call("GET", "/v1/console/dispatch-log", Some(&console), None).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&expired), "session_expired");
    assert!(expired.body["error"]["message"].as_str().unwrap().contains("12 hours"), "{}", expired.body);
    // Logging in again gives a working session.
    let again = console_login(&s, "dispatcher", Uuid::now_v7()).await;
    assert_eq!(s.call("GET", "/v1/console/dispatch-log", Some(&again), None).await.status, StatusCode::OK);

    // A tablet back after thirty days offline still syncs.
    idle_for(&s, tablet, 30 * 24).await;
    let pull = s.call("GET", "/v1/sync/pull?after=0&limit=10", Some(&crew), None).await;
    assert_eq!(pull.status, StatusCode::OK, "{}", pull.body);
}

#[tokio::test]
async fn a_login_from_a_browser_is_a_console_session_even_without_saying_so() {
    let s = server().await;
    let browser = Uuid::now_v7();
    let body = json!({
        "username": "dispatcher", "password": "demo-dispatcher",
        "device_name": "调度台", "device_id": browser,
    });
    let req = Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .header("origin", "http://127.0.0.1:8080")
        .body(Body::from(body.to_string()))
        .unwrap();
    let answer = s.send(req).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let token = answer.body["token"].as_str().unwrap();
    idle_for(&s, browser, 13).await;
    let expired = s.call("GET", "/v1/console/dispatch-log", Some(token), None).await;
    assert_eq!(code(&expired), "session_expired");
}

// ---- The console page's headers ----

#[tokio::test]
async fn the_console_page_and_its_assets_carry_a_strict_policy_and_the_api_nosniff() {
    let s = server().await;
    let get = |path: &'static str| {
        let app = s.app.clone();
        async move { app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap() }
    };
    let page = get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let html = String::from_utf8(axum::body::to_bytes(page.into_body(), usize::MAX).await.unwrap().to_vec())
        .unwrap();
    let policy = headers["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(part), "{part} missing from {policy}");
    }
    let script = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
    assert!(!script.contains("unsafe"), "inline or eval'd script allowed: {script}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-frame-options"], "DENY");
    // The page itself has no inline script for the policy to block.
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<script") {
        let tag = &rest[at..at + rest[at..].find('>').unwrap()];
        assert!(tag.contains(" src="), "an inline script in the page: {tag}");
        rest = &rest[at + tag.len()..];
    }

    // An asset the page names (or, in a build without the page, the placeholder) too.
    let asset = html.split('"').find(|p| p.starts_with("/assets/")).unwrap_or("/some/page").to_owned();
    let asset = Box::leak(asset.into_boxed_str());
    let answer = get(asset).await;
    assert_eq!(answer.status(), StatusCode::OK, "{asset}");
    assert!(answer.headers().contains_key("content-security-policy"), "{asset}");
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff", "{asset}");

    // The API's answers, found or not.
    for path in ["/v1/openapi.json", "/v1/nowhere", "/v1/sync/pull"] {
        assert_eq!(get(path).await.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_guesses_get_no_more_tries_than_forty_in_a_row() {
    let s = server().await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..40 {
        let app = s.app.clone();
        guesses.spawn(async move {
            login_as(app, "tech1", &format!("guess-{n}"), Some("203.0.113.9:5000")).await.0.status
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + throttled, 40, "{statuses:?}");
    // The free tries, plus at most the guesses hashing at the same moment.
    let cores = hearth_server::auth::throttle::hashes_at_once();
    assert!(checked <= 3 + cores, "{checked} of 40 parallel guesses were checked ({cores} cores)");
}

/// SQLite only: an upgrade of an SQLite file made before sessions (PostgreSQL's schema starts
/// after them). It builds its own file, so it runs the same whatever `HEARTH_TEST_BACKEND` says.
#[tokio::test]
async fn a_console_token_from_before_sessions_expires_on_upgrade_and_a_tablets_does_not() {
    use hearth_server::storage::sqlite::{DB_FILE, migrations};
    let dir = tempfile::tempdir().unwrap();
    let (console, tablet) = ("console-token", "tablet-token");
    {
        let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        migrations().to_version(&mut conn, 6).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO users (id, username, display_name, role, password_hash, created_at)
               VALUES ('{u}', 'dispatcher', '调度员', 'dispatcher', 'x', '2026-11-01T08:00:00.000Z');
             INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES
               ('{b}', '{u}', '调度台浏览器 (Win32)', '{ch}', '2026-11-01T08:00:00.000Z'),
               ('{t}', '{u}', '3号车平板', '{th}', '2026-11-01T08:00:00.000Z');",
            u = Uuid::now_v7(),
            b = Uuid::now_v7(),
            t = Uuid::now_v7(),
            ch = hearth_server::auth::token_hash(console),
            th = hearth_server::auth::token_hash(tablet),
        ))
        .unwrap();
    }
    let storage = hearth_server::storage::SqliteStorage::open(dir.path()).unwrap();
    let app = hearth_server::app(hearth_server::AppState::new(std::sync::Arc::new(storage)));
    let call = |token: &'static str| {
        let req = Request::get("/v1/sync/pull?after=0&limit=1")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(req)
    };
    let old_console = call(console).await.unwrap();
    assert_eq!(old_console.status(), StatusCode::UNAUTHORIZED);
    let body = axum::body::to_bytes(old_console.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("session_expired"));
    assert_eq!(call(tablet).await.unwrap().status(), StatusCode::OK);
}
