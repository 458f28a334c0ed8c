//! Several `hearth-server serve` processes on one PostgreSQL database (issue 14 point 6,
//! issue 15 point 7), always on PostgreSQL whatever `HEARTH_TEST_BACKEND` says: tablets
//! (real `hearth_core` stores and sync) spread over the instances converge; an instance
//! killed in the middle of pushes, or PostgreSQL itself stopped in immediate mode, loses and
//! doubles nothing; a change made through one instance is what every other one applies; new
//! work made through one instance wakes a tablet waiting on another.

use std::time::{Duration, Instant};

use hearth_core::model::{Priority, WorkOrderStatus};
use hearth_core::protocol::{WorkOrderFields, WorkOrderState};
use hearth_core::store::reports;
use hearth_core::sync::{self, client::Client};
use hearth_core::{demo, rules};
use hearth_tests::office::Office;
use hearth_tests::on_server::OnServer;
use hearth_tests::online::OnlineTablet;
use hearth_tests::postgres::{self, Postgres};
use hearth_tests::server::{Server, cli_on};
use hearth_tests::tablet::Tablet as Device;
use serde_json::Value;
use uuid::Uuid;

const PASSWORD: &str = "correct horse 电池 staple";
const HEPING: &str = "和平供热站";
const HEXI: &str = "河西供热站";

/// The demo city on the database `url`, with known logins: two technicians of 和平, one of
/// 河西, a dispatcher (the demo's admin is `admin` / `demo-admin`).
fn city(url: &str) {
    cli_on(url, &["demo", "--households", "60"], None);
    for (username, role, station) in [
        ("tech-a", "technician", Some(HEPING)),
        ("tech-b", "technician", Some(HEPING)),
        ("tech-c", "technician", Some(HEXI)),
        ("disp", "dispatcher", None),
    ] {
        let mut args = vec!["user", "add", "--username", username, "--role", role, "--password", PASSWORD];
        if let Some(station) = station {
            args.extend(["--station", station]);
        }
        cli_on(url, &args, None);
    }
}

/// `n` instances serving the database `url`.
fn instances(url: &str, n: usize) -> Vec<Server> {
    (0..n).map(|_| instance(url)).collect()
}

/// One instance serving the database `url`, on a new port.
fn instance(url: &str) -> Server {
    Server::start_on_database(url, std::path::Path::new(""))
}

/// A tablet of the demo city's `username`, logged in at `server`.
fn login_at(server: &Server, username: &str) -> Device {
    Device::login(&server.url(), username, PASSWORD)
}

/// Syncs through each of `servers` in turn until one sync goes through whole (the
/// database may still be coming back); panics after `limit`.
fn sync_until_done(dev: &mut Device, servers: &[Server], limit: Duration) {
    let started = Instant::now();
    for i in 0.. {
        dev.switch_to(&servers[i % servers.len()].url());
        match sync::sync(&mut dev.store, &dev.client) {
            Ok(_) if sync::status(&dev.store).expect("status").pending == 0 => return,
            Ok(_) | Err(_) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("no sync went through within {limit:?}: {other:?}"),
        }
    }
}

/// Every report the devices made is on the server exactly once, with the record they signed.
fn every_report_once(server: &Server, devices: &[&Device]) {
    let office = OnServer::demo_admin(&server.url());
    let listed = office.report_listings();
    let mut made = 0;
    for dev in devices {
        for id in reports::ids(dev.store.conn()).expect("ids") {
            made += 1;
            assert_eq!(listed.get(&id).copied(), Some(1), "report {id} is on the server once");
            let local = dev.store.report(id).expect("read").expect("local");
            assert_eq!(office.report_hash(id).as_deref(), Some(local.record_hash().as_str()));
        }
    }
    assert_eq!(listed.values().sum::<u64>(), made, "the server has no report the devices did not make");
}

/// The server's own copy of order `id` (record and field clocks).
fn order_on_server(pg: &Postgres, database: &str, id: Uuid) -> WorkOrderState {
    let row =
        pg.psql(database, &format!("SELECT record || E'\\x1f' || clocks FROM work_orders WHERE id = '{id}'"));
    let (record, clocks) = row.trim_end_matches('\n').split_once('\u{1f}').expect("record and clocks");
    WorkOrderState {
        order: serde_json::from_str(record).expect("server record"),
        clocks: serde_json::from_str(clocks).expect("server clocks"),
    }
}

/// The database name at the end of a PostgreSQL URL.
fn database_name(url: &str) -> &str {
    url.rsplit('/').next().expect("a database name")
}

/// One random edit of `order` on `dev` (technicians move it on or write a note, the office
/// reprioritises).
fn random_edit(rng: &mut fastrand::Rng, dev: &mut Device, office: bool, order: Uuid) {
    let current = dev.store.work_order(order).expect("read").expect("order").order.status;
    let fields = if office {
        WorkOrderFields {
            priority: Some(
                [Priority::Emergency, Priority::Urgent, Priority::Normal, Priority::Low][rng.usize(..4)],
            ),
            ..WorkOrderFields::default()
        }
    } else if rng.bool() {
        let next = [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite][rng.usize(..2)];
        if !rules::status::can_move(current, next) {
            return;
        }
        WorkOrderFields { status: Some(next), ..WorkOrderFields::default() }
    } else {
        WorkOrderFields { status_note: Some(format!("note {}", rng.u32(..))), ..WorkOrderFields::default() }
    };
    dev.store.edit_work_order(order, &fields).expect("edit");
}

#[test]
fn tablets_spread_over_three_instances_converge_with_every_report_once() {
    let url = postgres::fresh_database();
    let migrated = cli_on(&url, &["migrate"], None);
    assert!(migrated.contains("from version 0 to"), "{migrated}");
    let again = cli_on(&url, &["migrate"], None);
    assert!(again.contains("already up to date"), "{again}");
    city(&url);
    let servers = instances(&url, 3);
    let mut devices: Vec<Device> = ["tech-a", "tech-b", "disp", "tech-c"]
        .iter()
        .enumerate()
        .map(|(i, name)| login_at(&servers[i % 3], name))
        .collect();
    for dev in &mut devices {
        dev.sync();
    }
    let heping = demo::stations().into_iter().find(|s| s.name == HEPING).expect("station").id;
    let pool: Vec<Uuid> = devices[0]
        .store
        .open_work_orders()
        .expect("orders")
        .into_iter()
        .filter(|o| {
            o.station_id == heping && matches!(o.status, WorkOrderStatus::New | WorkOrderStatus::Assigned)
        })
        .map(|o| o.id)
        .take(4)
        .collect();
    assert!(pool.len() >= 2, "the demo city has open orders for 和平");

    let mut rng = fastrand::Rng::with_seed(14);
    for round in 0..12 {
        for (i, dev) in devices.iter_mut().enumerate() {
            // Each round a tablet may land on any instance.
            dev.switch_to(&servers[rng.usize(..servers.len())].url());
            let household = dev.any_household();
            if i != 2 {
                for _ in 0..rng.usize(1..4) {
                    dev.sign_check(&household);
                }
            }
            if i < 3 {
                let order = pool[rng.usize(..pool.len())];
                random_edit(&mut rng, dev, i == 2, order);
            }
        }
        // Everyone pushes, then everyone pulls what the others pushed.
        for i in [0, 1, 2, 3, 0, 1, 2] {
            devices[i].sync();
        }
        for &order in &pool {
            let states: Vec<_> = devices[..3]
                .iter()
                .map(|d| d.store.work_order(order).expect("read").expect("order"))
                .collect();
            assert_eq!(states[0], states[1], "round {round}: the technicians differ on {order}");
            assert_eq!(states[0], states[2], "round {round}: the office differs on {order}");
            let on_server = order_on_server(postgres::shared(), database_name(&url), order);
            assert_eq!(states[0], on_server, "round {round}: the tablets differ from the server on {order}");
        }
    }
    let all: Vec<&Device> = devices.iter().collect();
    for server in &servers {
        every_report_once(server, &all);
    }
}

#[test]
fn an_instance_killed_mid_push_twenty_times_loses_and_doubles_nothing() {
    let url = postgres::fresh_database();
    city(&url);
    let mut servers = instances(&url, 2);
    let mut devices: Vec<Option<Device>> =
        vec![Some(login_at(&servers[0], "tech-a")), Some(login_at(&servers[1], "tech-b"))];
    let household = {
        let dev = devices[0].as_mut().expect("device");
        dev.sync();
        dev.any_household()
    };
    devices[1].as_mut().expect("device").sync();
    // How long an uninterrupted sync of a cycle's reports takes: kills land anywhere in twice
    // that, so some hit a push and some come after it.
    let clean = {
        let dev = devices[0].as_mut().expect("device");
        for _ in 0..8 {
            dev.sign_check(&household);
        }
        let started = Instant::now();
        dev.sync();
        started.elapsed()
    };
    let mut rng = fastrand::Rng::with_seed(6);
    let mut interrupted = 0;
    for cycle in 0..20 {
        let victim = cycle % 2;
        // Both tablets push at once, each through its own instance; the victim's is killed.
        let ready: Vec<Device> = (0..2)
            .map(|i| {
                let mut dev = devices[i].take().expect("device");
                dev.switch_to(&servers[(victim + i) % 2].url());
                for _ in 0..8 {
                    dev.sign_check(&household);
                }
                dev
            })
            .collect();
        let workers: Vec<_> = ready
            .into_iter()
            .map(|mut dev| {
                std::thread::spawn(move || {
                    let result = sync::sync(&mut dev.store, &dev.client);
                    (dev, result.is_err())
                })
            })
            .collect();
        std::thread::sleep(clean.mul_f64(1.5 * rng.f64()));
        servers[victim].kill();
        for (i, worker) in workers.into_iter().enumerate() {
            let (mut dev, failed) = worker.join().expect("sync thread");
            if failed {
                assert_eq!(i, 0, "cycle {cycle}: only the killed instance's tablet fails");
                interrupted += 1;
                // It carries on through the instance that is up.
                dev.switch_to(&servers[1 - victim].url());
                dev.sync();
            }
            devices[i] = Some(dev);
        }
        // Started again (on a new port): its tablet is sent back to it next cycle.
        servers[victim] = instance(&url);
    }
    let mut done: Vec<Device> = devices.into_iter().map(|d| d.expect("device")).collect();
    for (dev, server) in done.iter_mut().zip(&servers) {
        dev.switch_to(&server.url());
        dev.sync();
        assert_eq!(sync::status(&dev.store).expect("status").pending, 0);
    }
    assert_eq!(
        reports::ids(done[0].store.conn()).expect("ids").len()
            + reports::ids(done[1].store.conn()).expect("ids").len(),
        8 + 20 * 16
    );
    every_report_once(&servers[0], &[&done[0], &done[1]]);
    eprintln!("instance kills: {interrupted} of 20 interrupted a sync");
    assert!(interrupted >= 4, "only {interrupted} of 20 kills interrupted a sync");
}

/// `GET /v1/sync/pull` through `server` with `token`: its status and body.
fn pull_answer(server: &Server, token: &str) -> (u16, String) {
    let answer = reqwest::blocking::Client::new()
        .get(format!("{}/v1/sync/pull?after=0&limit=1", server.url()))
        .bearer_auth(token)
        .timeout(Duration::from_secs(20))
        .send()
        .expect("an answer");
    (answer.status().as_u16(), answer.text().expect("a body"))
}

#[test]
fn postgres_stopped_mid_push_every_instance_answers_503_in_words_reconnects_and_loses_nothing() {
    let mut pg = Postgres::start();
    let url = pg.database("hearth");
    city(&url);
    let servers = instances(&url, 2);
    let mut devices = vec![login_at(&servers[0], "tech-a"), login_at(&servers[1], "tech-b")];
    for dev in &mut devices {
        dev.sync();
    }
    let household = devices[0].any_household();
    let token = devices[0].token();
    for outage in 0..2 {
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            for (i, dev) in devices.iter_mut().enumerate() {
                let (stop, household, servers) = (&stop, &household, &servers);
                scope.spawn(move || {
                    let mut turn = i;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        dev.switch_to(&servers[turn % 2].url());
                        turn += 1;
                        for _ in 0..4 {
                            dev.sign_check(household);
                        }
                        if sync::sync(&mut dev.store, &dev.client).is_err() {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                });
            }
            std::thread::sleep(Duration::from_millis(700));
            pg.stop_immediate();
            for server in &servers {
                let (status, body) = pull_answer(server, &token);
                assert_eq!(status, 503, "outage {outage}: {body}");
                assert!(
                    body.contains(r#""code":"unavailable""#) && body.contains("cannot reach its database"),
                    "outage {outage}: {body}"
                );
            }
            std::thread::sleep(Duration::from_millis(500));
            pg.restart();
            pg.wait_ready(Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(700));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    // Every instance serves again by itself.
    for server in &servers {
        let started = Instant::now();
        loop {
            let (status, body) = pull_answer(server, &token);
            if status == 200 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "still {status} after the restart: {body}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    for dev in &mut devices {
        sync_until_done(dev, &servers, Duration::from_secs(20));
    }
    every_report_once(&servers[1], &[&devices[0], &devices[1]]);

    // The listeners for new work reconnected too: an order made through one instance reaches
    // a tablet waiting on the other.
    let office = Office::login(&servers[0].url(), "disp", PASSWORD);
    let me = devices[0].me();
    let dev = devices.remove(0);
    let tablet = OnlineTablet::start(dev.store, Client::new(&servers[1].url()).expect("client"));
    std::thread::sleep(Duration::from_millis(300));
    let order = office.order(household.id, "暖气不热 after the restart", Some(me));
    let started = Instant::now();
    while !tablet.has_order(order) {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the order did not reach the tablet within a second"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_order_made_through_one_instance_reaches_a_tablet_waiting_on_another_within_a_second() {
    let url = postgres::fresh_database();
    city(&url);
    let servers = instances(&url, 2);
    let mut dev = login_at(&servers[1], "tech-a");
    dev.sync();
    let (me, household) = (dev.me(), dev.any_household());
    let office = Office::login(&servers[0].url(), "disp", PASSWORD);
    let tablet = OnlineTablet::start(dev.store, Client::new(&servers[1].url()).expect("client"));
    let mut took = Vec::new();
    for i in 0..4 {
        // The tablet is waiting on instance 1 by now (its wait is 2 s: without the notice
        // between instances, most orders would take longer than a second).
        std::thread::sleep(Duration::from_millis(300 + 200 * i));
        let order = office.order(household.id, &format!("暖气不热 {i}"), Some(me));
        let started = Instant::now();
        while !tablet.has_order(order) {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "order {i} made through instance 0 did not reach the tablet waiting on instance 1 within a second"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        took.push(started.elapsed());
    }
    eprintln!("order to a tablet on another instance: {took:?}");
}

#[test]
fn thresholds_changed_through_one_instance_are_what_the_other_applies() {
    let url = postgres::fresh_database();
    city(&url);
    let servers = instances(&url, 2);
    let mut dev = login_at(&servers[1], "tech-a");
    dev.sync();
    let household = dev.any_household();
    let report = dev.sign_check(&household);
    dev.sync();
    let (a, b) = (
        Office::login(&servers[0].url(), "admin", "demo-admin"),
        Office::login(&servers[1].url(), "admin", "demo-admin"),
    );
    let verdict_on = |office: &Office| -> Value {
        let list = office.get("reports?limit=10");
        let line = list["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .find(|r| r["id"].as_str() == Some(report.report().id.to_string().as_str()))
            .cloned()
            .expect("the report is listed");
        line["verdict"].clone()
    };
    let before = verdict_on(&b);
    assert!(!before.is_null(), "a temperature check has a verdict");

    // The admin raises the standard through instance 0 (the demo check's bedroom read 18.6 °C).
    let mut profile = a.get("admin/thresholds");
    profile["indoor_standard_c"] = serde_json::json!(19.0);
    profile["company_name"] = serde_json::json!("滨海热力");
    a.call(reqwest::Method::PUT, "admin/thresholds", Some(profile.clone()));

    // Instance 1 shows and applies them at once: no instance keeps the profile in memory.
    let on_b = b.get("admin/thresholds");
    assert_eq!(on_b["indoor_standard_c"], profile["indoor_standard_c"]);
    assert_eq!(on_b["company_name"], profile["company_name"]);
    let after = verdict_on(&b);
    assert_ne!(before, after, "instance 1 judges the report by the thresholds set through instance 0");
    assert_eq!(verdict_on(&a), after, "both instances judge alike");
}
