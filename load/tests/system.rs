//! hearth-load against a real `hearth-server serve` on a demo city: the real binary, its JSON
//! lines read back, and the reports it says were accepted counted on the server through the
//! console API (as the office would, not from the database file). Needs hearth-server built
//! (`cargo build -p hearth-server`, done by `make test`).

use std::process::{Command, Output};

#[path = "../../tests/tests/it/certs.rs"]
mod certs;

use hearth_tests::server::{Server, cli};
use serde_json::Value;

const ADMIN: &str = "admin:demo-admin";

fn hearth_load(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth-load"))
        .args(args)
        .env_remove("HEARTH_LOAD_ADMIN")
        .output()
        .expect("run hearth-load")
}

/// The admin's token, logged in as the console does.
fn admin_token(http: &reqwest::blocking::Client, url: &str) -> String {
    let login: Value = http
        .post(format!("{url}/v1/auth/login"))
        .json(&serde_json::json!({
            "username": "admin", "password": "demo-admin", "device_name": "system test",
            "device_id": uuid::Uuid::now_v7(),
        }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("the admin logs in");
    login["token"].as_str().expect("a token").to_owned()
}

/// How many reports the console lists, all authors together.
fn reports_on_server(http: &reqwest::blocking::Client, url: &str, token: &str) -> u64 {
    let page: Value = http
        .get(format!("{url}/v1/console/reports?limit=1"))
        .bearer_auth(token)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("the report list");
    page["total"].as_u64().expect("a total")
}

#[test]
fn five_tablets_two_days_lose_and_double_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    cli(&data, &["demo", "--households", "500"], None);
    let server = Server::start(&data);
    let url = server.url();
    let http = reqwest::blocking::Client::new();
    let token = admin_token(&http, &url);
    let before = reports_on_server(&http, &url, &token);

    let out = hearth_load(&[
        "--server",
        &url,
        "--devices",
        "5",
        "--days",
        "2",
        "--admin",
        ADMIN,
        "--run",
        "it",
        "--photo-kb",
        "64",
        "--work-dir",
        dir.path().to_str().unwrap(),
    ]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "hearth-load failed ({}):\n{stdout}\n{stderr}", out.status);
    let lines: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();

    for endpoint in [
        "login",
        "push",
        "pull",
        "blob_head",
        "blob_patch",
        "console_login",
        "console_stations",
        "console_users",
        "console_add_user",
        "console_create_order",
        "console_assign",
        "console_reports",
    ] {
        let line =
            lines.iter().find(|l| l["endpoint"] == endpoint).unwrap_or_else(|| panic!("no {endpoint} line"));
        assert!(line["requests"].as_u64().unwrap() > 0, "{endpoint} was called: {line}");
        assert_eq!(line["errors"], 0, "{line}");
        let (p50, p99) = (line["p50_ms"].as_f64().unwrap(), line["p99_ms"].as_f64().unwrap());
        assert!(p50 > 0.0 && p50 <= p99, "{line}");
    }
    let push = lines.iter().find(|l| l["endpoint"] == "push").unwrap();
    assert!(push["bytes_sent"].as_u64().unwrap() > 5 * 2 * 2000, "signed records went up: {push}");
    // Photos go up in resumable parts (PATCH); the whole-blob PUT is for older servers only.
    let blob_patch = lines.iter().find(|l| l["endpoint"] == "blob_patch").unwrap();
    assert!(blob_patch["bytes_sent"].as_u64().unwrap() >= 64 * 1024 * 5, "photos went up: {blob_patch}");

    let summary = lines.iter().find(|l| l["summary"] == true).expect("a summary line");
    assert_eq!((summary["devices"].as_u64(), summary["days"].as_u64()), (Some(5), Some(2)), "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
    assert_eq!((summary["lost"].as_u64(), summary["doubled"].as_u64()), (Some(0), Some(0)), "{summary}");
    assert_eq!(summary["ok"], true);
    // 5 tablets × 2 days × (3 orders + 4 checks), every one accepted.
    let accepted = summary["reports_accepted"].as_u64().unwrap();
    assert_eq!(accepted, 70, "{summary}");
    assert_eq!(summary["reports_signed"].as_u64(), Some(accepted));
    assert_eq!(summary["status_moves"].as_u64(), Some(5 * 2 * 3 * 2), "en route and on site per order");
    // What the server holds, counted apart from hearth-load's own check.
    assert_eq!(reports_on_server(&http, &url, &token) - before, accepted, "{summary}");
    assert!(summary["rps"].as_f64().unwrap() > 0.0 && summary["wall_seconds"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_server_that_refuses_the_admin_ends_the_run_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    cli(&data, &["demo", "--households", "500"], None);
    let server = Server::start(&data);
    let out =
        hearth_load(&["--server", &server.url(), "--devices", "2", "--admin", "admin:not-the-password"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not log in") && stderr.contains("wrong username or password"), "{stderr}");
    assert!(out.stdout.is_empty(), "no figures from a run that never started");

    let out = hearth_load(&["--server", &server.url(), "--devices", "2", "--admin", "admin"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("USER:PASSWORD"), "{stderr}");
}

#[test]
fn over_https_it_trusts_the_company_ca_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    cli(&data, &["demo", "--households", "500"], None);
    let ca = certs::company_ca_and_server_certificate(dir.path(), false);
    let ca_file = dir.path().join("company-ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let server = Server::start_with(
        &data,
        &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
    );
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");

    let out = hearth_load(&[
        "--server",
        &url,
        "--devices",
        "2",
        "--admin",
        ADMIN,
        "--ca",
        ca_file.to_str().unwrap(),
        "--photo-kb",
        "16",
        "--work-dir",
        dir.path().to_str().unwrap(),
    ]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((summary["errors"].as_u64(), summary["lost"].as_u64()), (Some(0), Some(0)), "{summary}");
    assert_eq!(summary["reports_accepted"].as_u64(), Some(2 * 7), "{summary}");

    // Without the company CA the server's certificate is not trusted, and it says so.
    let out = hearth_load(&["--server", &url, "--devices", "1", "--admin", ADMIN]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not log in") && stderr.contains("certificate"), "{stderr}");
}
