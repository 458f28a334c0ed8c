//! The dispatchers' console end to end: the real `hearth-server` binary with the demo city,
//! the console page it serves, headless Chromium driven by playwright-core (`browser.mjs`),
//! and a technician's device store that syncs signed reports between the browser's phases.
//!
//! Phase `intake`: a dispatcher logs in, records a call with a work order and a call that
//! needs no visit; the household calls again about the same fault, and picking it shows its
//! open order and calls and offers to attach the call to that order (done), then once more
//! for a different fault (a new order); the board shows the order's number and the repeated
//! call, finds the order by its number, and assigns it, both its deadlines in words.
//! The test then makes an order whose deadlines have passed and one the technician cannot
//! complete. The device pulls the orders, signs a compliant six-room check (with a photo), a
//! non-compliant one next door and a repair visit, finishes the first order offline and
//! gives up on the other with a reason; phase `cancel`: the overdue order heads the board,
//! flagged, and the office cancels the finished one meanwhile, through a confirmation in
//! words; the tablet syncs, and its "done" wins over the cancel, which lands in the conflict
//! log. Phase `records`: the same browser profile (so still logged in) sees why the other
//! order could not be completed, finds the reports, reads every field of the check and the
//! repair in words, checks the hashes, prints both to PDF (one A4 page each, the fields and
//! the company's name in them, no hashes), exports the CSV, reads the KPIs this test expects
//! from what it signed, orders the follow-up, writes the dispatch log; an admin checks the
//! admin screens and renames the company; logging out revokes the token. Screenshots
//! (zh-CN) go into `target/console-screenshots/`, and no zh-CN screen may show Latin words
//! outside a short allow-list. The board puts the overdue order first, then the urgent call,
//! then an ordinary order due sooner; the records list and its CSV carry each check's
//! verdict; the KPI page prices the refund in 元.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use hearth_core::model::{PartUsed, ReportBody, RoomReading, RoomType, Station, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use hearth_core::rules::compliance::{self, Compliance, assess};
use hearth_core::store::{Store, households};
use hearth_core::sync::{self, client::Client};
use hearth_core::{demo, new_id};
use hearth_tests::e2e::driver::workspace;
use hearth_tests::office::Office;
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
    let [(first, first_account), (second, second_account), (third, third_account), (fourth, _), (fifth, _)] =
        households_of(&server, &station);
    // The demo's own orders are closed, so the board's order is this test's orders' alone.
    let closed = server.change(
        "UPDATE work_orders SET record = json_set(record, '$.status', 'closed')",
        "UPDATE work_orders SET record = jsonb_set(record::jsonb, '{status}', '\"closed\"')::text",
    );
    assert!(closed > 0, "the demo city has orders");
    let tech_id: Uuid = one::<String>(&server, &format!("SELECT id FROM users WHERE username = '{TECH}'"))
        .parse()
        .expect("a user id");
    let description = format!("卧室暖气片不热，室温偏低（{}）", tag());
    let shots = workspace().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let base = json!({
        "url": server.url(),
        "profile": profile.path(),
        "shots": shots,
        "usernames": ["dispatcher", "admin"],
        // Left unused for 13 hours: the console sessions' last use moved back.
        "age_sessions": server.change_command(
            "UPDATE devices SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-13 hours') WHERE console = 1",
            "UPDATE devices SET last_used_at = now() - interval '13 hours' WHERE console",
        ),
    });

    let intake = browser(
        "intake",
        &with(
            &base,
            json!({
                "account_no": first_account,
                "description": description,
                "repeat_description": format!("又打电话催：暖气还是不热（{}）", tag()),
                "other_description": format!("厨房暖气片漏水，另一处故障（{}）", tag()),
                "tech_id": tech_id,
                "station_id": station.id,
            }),
        ),
    );
    let order_id: Uuid = intake["order_id"].as_str().and_then(|s| s.parse().ok()).expect("the order's id");
    let number = intake["number"].as_str().expect("the order's number").to_owned();
    let attached: i64 = one(
        &server,
        &format!("SELECT count(*) FROM calls WHERE outcome = 'duplicate' AND work_order_id = '{order_id}'"),
    );
    assert_eq!(attached, 1, "the repeated call is attached to the order it repeats");
    let orders_of_first: i64 =
        one(&server, &format!("SELECT count(*) FROM work_orders WHERE household_id = '{first}'"));
    assert_eq!(orders_of_first, 2, "the repeat made no order; the different fault made one");
    let assignee: String =
        one(&server, &format!("SELECT assignee_id FROM work_orders WHERE id = '{order_id}'"));
    assert_eq!(assignee, tech_id.to_string(), "the board's assignment reached the server");

    // An order nobody reached in time: reported 14 hours ago, so both its deadlines have
    // passed (the console makes orders "now"; the test moves this one back in the database).
    let office = Office::login(&server.url(), "dispatcher", "demo-dispatcher");
    let late_description = format!("楼道暖气漏水，无人到场（{}）", tag());
    let late = office.order(third, &late_description, None);
    backdate(&server, late, Duration::hours(14));
    // An order the technician cannot complete, and says why.
    let stuck_reason = "用户不在家，已约明日上门";
    let stuck = office.order(fourth, &format!("散热器不热（{}）", tag()), Some(tech_id));
    // An ordinary order reported an hour ago: its arrival deadline comes before the urgent
    // call's, yet the urgent call is to be reached first.
    let ordinary = office.order(fifth, &format!("阳台暖气不热（{}）", tag()), None);
    backdate(&server, ordinary, Duration::hours(1));

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

    // Six rooms: the most a printed report must fit on one page.
    let mut six_rooms = demo::temperature_check(now);
    for (room_name, room_type, celsius) in
        [("书房", RoomType::Bedroom, 18.9), ("卫生间", RoomType::Other, 17.4)]
    {
        six_rooms.readings.push(RoomReading {
            room_name: room_name.to_owned(),
            room_type,
            celsius,
            measured_at: now,
        });
    }
    let mut report = demo::report(ReportBody::TemperatureCheck(six_rooms), home.id, tech_id, now);
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
    let mut visit = demo::repair_visit(now);
    visit.parts.push(PartUsed { name: "密封圈".to_owned(), quantity: 2.0, unit: "个".to_owned() });
    let repair = demo::report(ReportBody::RepairVisit(visit.clone()), home.id, tech_id, now);
    let signed = demo::sign(report, &home.owner_name, now).expect("sign");
    let cold_signed = demo::sign(cold_report, &neighbour.owner_name, now).expect("sign");
    let repair_signed = demo::sign(repair, &home.owner_name, now).expect("sign");
    for status in [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite] {
        store.advance_work_order(order_id, status, None).expect("advance the order");
    }
    store.save_signed_report(&signed).expect("save");
    store.save_signed_report(&cold_signed).expect("save");
    store.save_signed_report(&repair_signed).expect("save");
    let finished = store.work_order(order_id).expect("read order").expect("the order").order.status;
    assert_eq!(finished, WorkOrderStatus::Done, "signing the order's record finished it");
    assert!(store.work_order(stuck).expect("read order").is_some(), "the second order reached the tablet");
    for status in [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite] {
        store.advance_work_order(stuck, status, None).expect("advance the order");
    }
    store
        .advance_work_order(stuck, WorkOrderStatus::CouldNotComplete, Some(stuck_reason.to_owned()))
        .expect("give up on the order");
    // Meanwhile, before the tablet syncs, the office cancels the order it finished.
    browser(
        "cancel",
        &with(
            &base,
            json!({
                "description": description,
                "station_id": station.id,
                "late_order_id": late,
                "late_account_no": third_account,
                "order_id": order_id,
                "ordinary_order_id": ordinary,
            }),
        ),
    );
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
    // Its refund: 15.2 ℃ is 2.8 short, the 50 % tier; one failing day of Tianjin's 121-day
    // season at 25 元/m² of its billed area.
    let profile = CityProfile::default();
    let share = compliance::refund_pct(profile.indoor_standard_c - 15.2, &profile) / 100.0;
    let refund_yuan =
        money(neighbour.billed_area_m2 * share * profile.price_yuan_per_m2 / f64::from(profile.season_days));

    browser(
        "records",
        &with(
            &base,
            json!({
                "report_id": signed.report().id,
                "cold_report_id": cold_signed.report().id,
                "repair_report_id": repair_signed.report().id,
                "record_hash": signed.record_hash().to_string(),
                "hashes": [
                    signed.record_hash().to_string(),
                    signed.content_hash().to_string(),
                    repair_signed.record_hash().to_string(),
                    repair_signed.content_hash().to_string(),
                ],
                "order_id": order_id,
                "number": number,
                "stuck_order_id": stuck,
                "stuck_reason": stuck_reason,
                "repair": {
                    "arrived": beijing_words(visit.arrived_at),
                    "finished": beijing_words(visit.finished_at),
                },
                "account_no": first_account,
                "cold_account_no": second_account,
                "tech_id": tech_id,
                "station_id": station.id,
                "other_station_id": demo::stations()[1].id,
                "expected": {
                    "checks": checks.len(),
                    "checks_non_compliant": non_compliant,
                    "compliance": compliance,
                    "refund_yuan": refund_yuan,
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

/// Five households of `station` (id and account number), not among the demo's ordered ones.
fn households_of(server: &Server, station: &Station) -> [(Uuid, String); 5] {
    let rows: Vec<(Uuid, String)> = server
        .query_rows(&format!(
            "SELECT id, account_no FROM households WHERE station_id = '{}'
             AND id NOT IN (SELECT household_id FROM work_orders) ORDER BY account_no LIMIT 5",
            station.id
        ))
        .into_iter()
        .map(|row| (row[0].parse().expect("uuid"), row[1].clone()))
        .collect();
    rows.try_into().expect("five households")
}

/// An amount as the console writes it in zh-CN: `1,234.50 元`.
fn money(yuan: f64) -> String {
    let fixed = format!("{:.2}", (yuan * 100.0).round() / 100.0);
    let (whole, cents) = fixed.split_once('.').expect("two decimals");
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{cents} 元")
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A time as the console writes it in a record, in Beijing time: `2026年12月2日 19:51`.
fn beijing_words(at: DateTime<Utc>) -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    at.with_timezone(&beijing).format("%Y年%-m月%-d日 %H:%M").to_string()
}

/// The one value `sql` selects from the server's database.
fn one<T: std::str::FromStr<Err: std::fmt::Debug>>(server: &Server, sql: &str) -> T {
    server.query_one(sql).parse().unwrap_or_else(|e| panic!("{sql}: {e:?}"))
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

/// A tag that makes a description unique, in digits: letters in it would read as English on
/// a zh-CN screen.
fn tag() -> String {
    format!("{:08}", new_id().as_u128() % 100_000_000)
}

/// Moves an order's report time `ago` into the past, with the 2-hour arrival and 8-hour
/// completion deadlines it would have had (the console makes orders "now").
fn backdate(server: &Server, order: Uuid, ago: Duration) {
    let reported = Utc::now() - ago;
    let (reported, arrive_by, due_by) =
        (rfc3339(reported), rfc3339(reported + Duration::hours(2)), rfc3339(reported + Duration::hours(8)));
    let changed = server.change(
        &format!(
            "UPDATE work_orders SET record = json_set(record, '$.reported_at', '{reported}', \
             '$.arrive_by', '{arrive_by}', '$.due_by', '{due_by}') WHERE id = '{order}'"
        ),
        &format!(
            "UPDATE work_orders SET record = (record::jsonb || jsonb_build_object('reported_at', '{reported}', \
             'arrive_by', '{arrive_by}', 'due_by', '{due_by}'))::text WHERE id = '{order}'"
        ),
    );
    assert_eq!(changed, 1, "order {order} backdated");
}
