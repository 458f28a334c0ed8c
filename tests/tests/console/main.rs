//! The dispatchers' console end to end: the real `hearth-server` binary with the demo city,
//! the console page it serves, headless Chromium driven by playwright-core (`browser.mjs`),
//! and a technician's device store that syncs signed reports between the browser's phases.
//!
//! Phase `intake`: a dispatcher logs in, records a call with a work order and a call that
//! needs no visit, and assigns the order on the board. The device then pulls the order,
//! signs a compliant check for it (with a photo) and a non-compliant one next door, finishes
//! the order offline; phase `cancel`: the office cancels it meanwhile; the tablet syncs, and
//! its "done" wins over the cancel, which lands in the conflict log. Phase `records`: the same browser profile (so still logged in) finds
//! the report, checks its hashes, prints it, exports the CSV, reads the KPIs this test
//! expects from what it signed, orders the follow-up, writes the dispatch log; an admin
//! checks the admin screens; logging out revokes the token. Screenshots (zh-CN) go into
//! `target/console-screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use hearth_core::model::{ReportBody, Station, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use hearth_core::rules::compliance::{Compliance, assess};
use hearth_core::store::{Store, households};
use hearth_core::sync::{self, client::Client};
use hearth_core::{demo, new_id};
use hearth_tests::e2e::driver::workspace;
use hearth_tests::server::{self, Server};
use serde_json::{Value, json};
use uuid::Uuid;

/// The demo technician of the first station, who takes the order.
const TECH: &str = "tech1";

#[test]
fn a_dispatcher_runs_a_call_to_a_checked_printed_exported_record() {
    preflight();
    let dir = tempfile::tempdir().expect("server dir");
    let profile = tempfile::tempdir().expect("browser profile");
    server::cli(dir.path(), &["demo", "--households", "400"], None);
    let server = Server::start(dir.path());
    assert_console_is_embedded(&server);

    let station = demo::stations().into_iter().next().expect("a demo station");
    let [(first, first_account), (second, second_account)] = households_of(&server, &station);
    let tech_id: Uuid = one::<String>(&server, &format!("SELECT id FROM users WHERE username = '{TECH}'"))
        .parse()
        .expect("a user id");
    let description = format!("卧室暖气片不热，室温偏低（{}）", &new_id().to_string()[28..]);
    let shots = workspace().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let base = json!({
        "url": server.url(),
        "profile": profile.path(),
        "shots": shots,
    });

    let intake = browser(
        "intake",
        &with(
            &base,
            json!({
                "account_no": first_account,
                "description": description,
                "tech_id": tech_id,
                "station_id": station.id,
            }),
        ),
    );
    let order_id: Uuid = intake["order_id"].as_str().and_then(|s| s.parse().ok()).expect("the order's id");
    let assignee: String =
        one(&server, &format!("SELECT assignee_id FROM work_orders WHERE id = '{order_id}'"));
    assert_eq!(assignee, tech_id.to_string(), "the board's assignment reached the server");

    // The technician's tablet: pull the order, sign two checks, finish the order, sync.
    let device_dir = tempfile::tempdir().expect("device dir");
    let mut store = Store::open(device_dir.path().join("tablet.sqlite")).expect("device store");
    let client = Client::new(&server.url()).expect("client");
    sync::login(&mut store, &client, TECH, &format!("demo-{TECH}"), "1号车平板").expect("device login");
    sync::sync(&mut store, &client).expect("first sync");
    assert!(
        store.work_order(order_id).expect("read order").is_some(),
        "the assigned order reached the tablet"
    );
    let now = Utc::now();
    let home = households::get(store.conn(), first).expect("read").expect("the household is on the tablet");
    let neighbour =
        households::get(store.conn(), second).expect("read").expect("the neighbour is on the tablet");

    let mut report =
        demo::report(ReportBody::TemperatureCheck(demo::temperature_check(now)), home.id, tech_id, now);
    report.work_order_id = Some(order_id);
    let photo = std::fs::read(workspace().join("tests/fixtures/radiator.png")).expect("fixture photo");
    report.attachments.push(store.put_blob(&photo, "image/png").expect("keep the photo"));
    let mut cold = demo::temperature_check(now);
    for r in &mut cold.readings {
        r.celsius = 15.2;
    }
    let cold_report = demo::report(ReportBody::TemperatureCheck(cold), neighbour.id, tech_id, now);
    let checks: Vec<Compliance> = [&report, &cold_report]
        .iter()
        .map(|r| match &r.body {
            ReportBody::TemperatureCheck(c) => assess(c, &CityProfile::default()),
            _ => unreachable!("both are temperature checks"),
        })
        .collect();
    let signed = demo::sign(report, &home.owner_name, now).expect("sign");
    let cold_signed = demo::sign(cold_report, &neighbour.owner_name, now).expect("sign");
    for status in [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite] {
        store.advance_work_order(order_id, status, None).expect("advance the order");
    }
    store.save_signed_report(&signed).expect("save");
    store.save_signed_report(&cold_signed).expect("save");
    let finished = store.work_order(order_id).expect("read order").expect("the order").order.status;
    assert_eq!(finished, WorkOrderStatus::Done, "signing the order's record finished it");
    // Meanwhile, before the tablet syncs, the office cancels the order it finished.
    browser("cancel", &with(&base, json!({ "description": description, "station_id": station.id })));
    let synced = sync::sync(&mut store, &client).expect("sync the reports");
    let status: String = one(&server, &format!("SELECT status FROM work_orders WHERE id = '{order_id}'"));
    assert_eq!(status, "done", "finished work is never erased by a cancel");
    assert_eq!((synced.rejected, synced.blobs_uploaded), (0, 1), "{synced:?}");

    // What the KPI page must show for the station: both checks, judged by the same rules.
    let non_compliant = checks.iter().filter(|c| c.needs_follow_up()).count();
    let passed = checks
        .iter()
        .filter(|c| matches!(c, Compliance::Compliant { .. } | Compliance::Excused { .. }))
        .count();
    let compliance = format!("{:.1}%", 100.0 * passed as f64 / (passed + non_compliant) as f64);
    assert_eq!(non_compliant, 1, "the cold flat is the one non-compliant check");

    browser(
        "records",
        &with(
            &base,
            json!({
                "report_id": signed.report().id,
                "cold_report_id": cold_signed.report().id,
                "record_hash": signed.record_hash().to_string(),
                "account_no": first_account,
                "cold_account_no": second_account,
                "tech_id": tech_id,
                "station_id": station.id,
                "other_station_id": demo::stations()[1].id,
                "expected": {
                    "checks": checks.len(),
                    "checks_non_compliant": non_compliant,
                    "compliance": compliance,
                },
            }),
        ),
    );
    let follow_ups: i64 = one(
        &server,
        &format!(
            "SELECT count(*) FROM work_orders WHERE kind = 'follow_up' AND household_id = '{}'",
            neighbour.id
        ),
    );
    assert_eq!(follow_ups, 1, "the KPI page's one-click follow-up made the order");
    let logged: i64 = one(&server, "SELECT count(*) FROM dispatch_log");
    assert_eq!(logged, 1, "the dispatch log entry is kept");
}

/// Chromium and playwright-core are there (scripts/setup.sh installs them).
fn preflight() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run `make setup` (Debian's chromium package)"
    );
    assert!(
        workspace().join("node_modules/playwright-core").exists(),
        "node_modules/playwright-core is missing: run `make setup` (npm ci)"
    );
}

/// The server serves the built console, not the placeholder a build without it embeds.
fn assert_console_is_embedded(server: &Server) {
    let page = reqwest::blocking::get(server.url()).expect("GET /").text().expect("page text");
    assert!(
        page.contains("/assets/"),
        "hearth-server was built without the console page: run `make ui` (npm run build:console), \
         then build hearth-server again. It served:\n{page}"
    );
}

/// Two households of `station` (id and account number), not among the demo's ordered ones.
fn households_of(server: &Server, station: &Station) -> [(Uuid, String); 2] {
    let db = server.database();
    let mut stmt = db
        .prepare(
            "SELECT id, account_no FROM households WHERE station_id = ?1
             AND id NOT IN (SELECT household_id FROM work_orders) ORDER BY account_no LIMIT 2",
        )
        .expect("query");
    let rows: Vec<(Uuid, String)> = stmt
        .query_map([station.id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("households")
        .map(|r| {
            let (id, account) = r.expect("row");
            (id.parse().expect("uuid"), account)
        })
        .collect();
    rows.try_into().expect("two households")
}

/// The one value `sql` selects from the server's database.
fn one<T: rusqlite::types::FromSql>(server: &Server, sql: &str) -> T {
    server.database().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn with(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    if let (Some(o), Some(e)) = (out.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    out
}

/// Runs one phase of `browser.mjs` and returns the JSON it prints after `RESULT `.
fn browser(phase: &str, input: &Value) -> Value {
    let script: PathBuf = workspace().join("tests/tests/console/browser.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(phase)
        .arg(input.to_string())
        .current_dir(workspace())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run node (install Node.js 20 or newer)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the browser's {phase} phase failed ({}):\n{stdout}", out.status);
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or("{}");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{phase}: unreadable result {line:?}: {e}"))
}
