//! System tests of sync: the real `hearth-server` binary on a loopback port with its own
//! data folder, and several device stores driven through hearth-core's sync client.

use hearth_core::model::{Priority, ReportBody, SignedReport, WorkOrderStatus};
use hearth_core::protocol::{
    Outcome, Outgoing, PushEntry, PushRequest, RejectCode, WorkOrderFields, WorkOrderState,
};
use hearth_core::store::{households, reports};
use hearth_core::sync::{self, apply};
use hearth_core::{Error, demo};
use hearth_tests::on_server::OnServer;
use hearth_tests::server::{Server, add_user, cli};
use hearth_tests::tablet::Tablet as Device;
use tempfile::TempDir;

const PASSWORD: &str = "correct horse 电池 staple";
const HEPING: &str = "和平供热站";
const HEXI: &str = "河西供热站";

/// A tablet of the demo city's `username`, logged in at `server`.
fn login_at(server: &Server, username: &str) -> Device {
    Device::login(&server.url(), username, PASSWORD)
}

/// A demo city with known logins: two technicians of 和平, one of 河西, a dispatcher.
fn city(households: usize) -> (TempDir, Server) {
    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", &households.to_string()], None);
    add_user(dir.path(), "tech-a", "technician", Some(HEPING), PASSWORD);
    add_user(dir.path(), "tech-b", "technician", Some(HEPING), PASSWORD);
    add_user(dir.path(), "tech-c", "technician", Some(HEXI), PASSWORD);
    add_user(dir.path(), "disp", "dispatcher", None, PASSWORD);
    let server = Server::start(dir.path());
    (dir, server)
}

/// How many reports the server holds, as the office's console lists them.
fn stored_reports(server: &Server) -> i64 {
    OnServer::demo_admin(&server.url()).report_count() as i64
}

fn count(server: &Server, sql: &str) -> i64 {
    server.query_one(sql).parse().unwrap_or_else(|e| panic!("{sql}: not a count ({e})"))
}

fn station_id(name: &str) -> uuid::Uuid {
    demo::stations().into_iter().find(|s| s.name == name).expect("station").id
}

#[test]
fn two_technicians_and_a_dispatcher_converge() {
    let (_dir, server) = city(300);
    let (mut a, mut b, mut d) =
        (login_at(&server, "tech-a"), login_at(&server, "tech-b"), login_at(&server, "disp"));
    for dev in [&mut a, &mut b, &mut d] {
        assert!(dev.sync().pulled > 0);
    }
    let order = a
        .store
        .open_work_orders()
        .expect("orders")
        .into_iter()
        .find(|o| {
            matches!(o.status, WorkOrderStatus::New | WorkOrderStatus::Assigned)
                && o.station_id == station_id(HEPING)
        })
        .expect("an open order of 和平 that both technicians see");
    assert!(
        b.store.work_order(order.id).expect("read").is_some(),
        "the other technician of the station sees it"
    );

    // Offline, each makes an edit: A goes on site, B (stale) only en route, the office
    // raises the priority. A also signs a temperature check.
    a.store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).expect("en route");
    a.store.advance_work_order(order.id, WorkOrderStatus::OnSite, None).expect("on site");
    b.store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).expect("b en route");
    d.store
        .edit_work_order(
            order.id,
            &WorkOrderFields { priority: Some(Priority::Urgent), ..WorkOrderFields::default() },
        )
        .expect("priority");
    let household = a.any_household();
    let report = a.sign_check(&household);

    for _ in 0..2 {
        for dev in [&mut a, &mut b, &mut d] {
            dev.sync();
        }
    }
    let states: Vec<_> = [&a, &b, &d]
        .iter()
        .map(|dev| dev.store.work_order(order.id).expect("read").expect("order"))
        .collect();
    assert_eq!(states[0].order.status, WorkOrderStatus::OnSite, "the stale 'en route' does not move it back");
    assert_eq!(states[0].order.priority, Priority::Urgent);
    assert_eq!(states[0], states[1]);
    assert_eq!(states[0], states[2]);
    for dev in [&a, &b, &d] {
        assert_eq!(sync::status(&dev.store).expect("status").pending, 0);
    }
    assert_eq!(stored_reports(&server), 1);
    let stored = OnServer::demo_admin(&server.url())
        .report_hash(report.report().id)
        .expect("the report is on the server");
    assert_eq!(stored, report.record_hash().as_str());
    assert!(
        count(&server, "SELECT count(*) FROM conflicts") >= 1,
        "B's overruled status is in the conflict log"
    );
}

#[test]
fn a_batch_sent_twice_is_applied_once() {
    let (_dir, server) = city(50);
    let mut a = login_at(&server, "tech-a");
    a.sync();
    let household = a.any_household();
    for _ in 0..3 {
        a.sign_check(&household);
    }
    let entries = a.store.outbox(10).expect("outbox");
    let request = PushRequest {
        entries: entries.iter().map(|e| apply::push_entry(&a.store, e).expect("entry")).collect(),
    };
    let first = a.client.push(&a.token(), &request).expect("push");
    let again = a.client.push(&a.token(), &request).expect("push again");
    assert_eq!(first, again, "a retried batch gets the same answers");
    assert!(first.results.iter().all(|r| matches!(r.outcome, Outcome::Accepted { .. })), "{first:?}");
    // The device never heard the answers (say the connection dropped): it pushes again.
    assert_eq!(a.sync().pushed, 3);
    assert_eq!(stored_reports(&server), 3);
    assert_eq!(sync::status(&a.store).expect("status").pending, 0);
}

#[test]
fn a_technician_sees_only_their_station_and_cannot_change_a_signed_report() {
    let (dir, server) = city(400);
    let mut a = login_at(&server, "tech-a");
    let mut c = login_at(&server, "tech-c");
    a.sync();
    c.sync();
    let hexi = station_id(HEXI);
    let seen: Vec<String> = {
        let mut stmt = c.store.conn().prepare("SELECT DISTINCT station_id FROM households").expect("query");
        stmt.query_map([], |r| r.get(0)).expect("rows").map(|r| r.expect("row")).collect()
    };
    assert_eq!(seen, vec![hexi.to_string()], "河西's technician holds only 河西's households");
    assert!(households::count(c.store.conn()).expect("count") > 0);

    // A signs a report; a changed copy under the same id is refused.
    let household = a.any_household();
    let original = a.sign_check(&household);
    assert_eq!(a.sync().pushed, 1);
    let mut changed = original.report().clone();
    if let ReportBody::TemperatureCheck(check) = &mut changed.body {
        check.readings[0].celsius = 25.0;
    }
    let forged =
        demo::sign(changed, &household.owner_name, chrono::Utc::now()).expect("sign the changed copy");
    let entry = |report: SignedReport| PushEntry {
        id: hearth_core::new_id(),
        hlc: a.store.last_stamp(),
        change: Outgoing::Report(Box::new(report)),
    };
    let answer = a.client.push(&a.token(), &PushRequest { entries: vec![entry(forged)] }).expect("push");
    assert!(
        matches!(answer.results[0].outcome, Outcome::Rejected { code: RejectCode::Conflict, .. }),
        "{answer:?}"
    );

    // 河西's technician cannot file a report on a 和平 household.
    let foreign = demo::signed_temperature_check(&household, c.me(), chrono::Utc::now()).expect("sign");
    let answer = c.client.push(&c.token(), &PushRequest { entries: vec![entry(foreign)] }).expect("push");
    assert!(
        matches!(answer.results[0].outcome, Outcome::Rejected { code: RejectCode::Forbidden, .. }),
        "{answer:?}"
    );
    assert_eq!(stored_reports(&server), 1);

    // A revoked tablet is refused, and says so.
    cli(dir.path(), &["device", "revoke", &a.store.device_id().to_string()], None);
    match sync::sync(&mut a.store, &a.client) {
        Err(Error::Server { status: 401, code, .. }) => assert_eq!(code, "device_revoked"),
        other => panic!("a revoked device synced: {other:?}"),
    }
    let status = sync::status(&a.store).expect("status");
    assert!(status.last_error.is_some_and(|e| e.contains("device_revoked")));
}

/// The server's copy of order `id`'s status.
fn server_status(server: &Server, id: uuid::Uuid) -> String {
    server.query_one(&format!("SELECT status FROM work_orders WHERE id = '{id}'"))
}

#[test]
fn a_shared_tablet_delivers_a_crew_mates_report_but_no_crew_member_cancels_an_order() {
    let (_dir, server) = city(40);
    // 和平's tablet: tech-a signs a check, then hands the tablet to tech-b before it syncs.
    let mut tablet = login_at(&server, "tech-a");
    tablet.sync();
    let tech_a = tablet.me();
    let household = tablet.any_household();
    let check = tablet.sign_check(&household);
    sync::login(&mut tablet.store, &tablet.client, "tech-b", PASSWORD, "和平 shared tablet").expect("login");
    let tech_b = tablet.me();
    assert_eq!(tablet.sync().pushed, 1, "tech-b's sync delivers tech-a's check");
    let id = check.report().id;
    let delivered_by = server.query_one(&format!("SELECT delivered_by FROM reports WHERE id = '{id}'"));
    let author = server.query_one(&format!("SELECT author_id FROM report_facts WHERE report_id = '{id}'"));
    assert_eq!((delivered_by, author), (tech_b.to_string(), tech_a.to_string()), "the KPIs credit tech-a");

    // 河西's technician cannot deliver a report naming tech-a, on his own tablet.
    let mut c = login_at(&server, "tech-c");
    c.sync();
    let home = c.any_household();
    let posing = demo::signed_temperature_check(&home, tech_a, chrono::Utc::now()).expect("sign");
    let stamp = c.store.last_stamp();
    let entry = |change| PushEntry { id: hearth_core::new_id(), hlc: stamp, change };
    let answer =
        c.client.push(&c.token(), &PushRequest { entries: vec![entry(Outgoing::Report(Box::new(posing)))] });
    let answer = answer.expect("push");
    assert!(
        matches!(&answer.results[0].outcome, Outcome::Rejected { code: RejectCode::Forbidden, message } if message.contains("not a crew member of your station")),
        "{answer:?}"
    );

    // The tablet refuses tech-b's cancel before saving anything; sent anyway, the server refuses it.
    let order = tablet.store.open_work_orders().expect("orders").into_iter().next().expect("an open order");
    let before = server_status(&server, order.id);
    let err = tablet.store.advance_work_order(order.id, WorkOrderStatus::Cancelled, None).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert_eq!(tablet.store.outbox_len().expect("outbox"), 0);
    let cancel = hearth_core::protocol::WorkOrderEdit {
        work_order_id: order.id,
        fields: WorkOrderFields { status: Some(WorkOrderStatus::Cancelled), ..WorkOrderFields::default() },
    };
    let answer = tablet
        .client
        .push(&tablet.token(), &PushRequest { entries: vec![entry(Outgoing::WorkOrderEdit(cancel))] })
        .expect("push");
    assert!(
        matches!(&answer.results[0].outcome, Outcome::Rejected { code: RejectCode::Forbidden, message } if message.contains("office")),
        "{answer:?}"
    );
    assert_eq!(server_status(&server, order.id), before, "the order is unchanged on the server");
}

#[test]
fn an_edit_the_server_refuses_for_good_leaves_the_device_with_the_servers_order() {
    let (_dir, server) = city(100);
    let mut a = login_at(&server, "tech-a");
    a.sync();
    let order = a.store.open_work_orders().expect("orders").into_iter().next().expect("an order of 和平");
    // Priority is the office's: the server refuses it from a technician.
    let wanted = if order.priority == Priority::Emergency { Priority::Low } else { Priority::Emergency };
    let fields = WorkOrderFields { priority: Some(wanted), ..WorkOrderFields::default() };
    a.store.edit_work_order(order.id, &fields).expect("a local edit");
    let after_edit = a.store.work_order(order.id).expect("read").expect("order");
    assert_eq!(after_edit.order.priority, wanted, "the device shows its edit until the server answers");

    let report = a.sync();
    assert_eq!((report.pushed, report.rejected), (0, 1));
    let status = sync::status(&a.store).expect("status");
    assert_eq!((status.pending, status.rejected), (0, 1), "parked with the server's reason");
    let on_server = server.query_one(&format!("SELECT record FROM work_orders WHERE id = '{}'", order.id));
    let on_server: hearth_core::model::WorkOrder = serde_json::from_str(&on_server).expect("order json");
    let on_device = a.store.work_order(order.id).expect("read").expect("pulled back");
    assert_eq!(on_device.order, on_server, "the refused change is gone from the device");
    assert_eq!(on_device.order.priority, order.priority);
}

#[test]
fn a_device_whose_clock_is_a_day_ahead_does_not_win_later_edits() {
    let (_dir, server) = city(100);
    let mut a = login_at(&server, "tech-a");
    let mut d = login_at(&server, "disp");
    a.sync();
    d.sync();
    let order = a.store.open_work_orders().expect("orders").into_iter().next().expect("an order");
    a.store.skew_wall_clock(24 * 3600 * 1000);
    let note =
        |text: &str| WorkOrderFields { status_note: Some(text.to_owned()), ..WorkOrderFields::default() };
    a.store.edit_work_order(order.id, &note("a: 用户约明天上午")).expect("edit");
    a.sync();
    // The office sees A's note, then writes its own: it comes after, whatever A's clock said.
    d.sync();
    d.store.edit_work_order(order.id, &note("office: 已改约下午")).expect("edit");
    d.sync();
    a.sync();
    for dev in [&a, &d] {
        let state = dev.store.work_order(order.id).expect("read").expect("order");
        assert_eq!(state.order.status_note.as_deref(), Some("office: 已改约下午"));
    }
}

#[test]
fn killing_the_server_mid_push_fifty_times_loses_and_doubles_nothing() {
    let (_dir, mut server) = city(50);
    let mut device = Some(login_at(&server, "tech-a"));
    device.as_mut().expect("device").sync();
    let household = device.as_ref().expect("device").any_household();
    // How long an uninterrupted sync of a cycle's reports takes here: kills land anywhere
    // in twice that, so some hit the push and some come after it.
    let clean = {
        let dev = device.as_mut().expect("device");
        for _ in 0..10 {
            dev.sign_check(&household);
        }
        let started = std::time::Instant::now();
        dev.sync();
        started.elapsed()
    };
    let mut rng = fastrand::Rng::with_seed(7);
    let mut interrupted = 0;
    for cycle in 0..50 {
        let mut dev = device.take().expect("device");
        for _ in 0..10 {
            dev.sign_check(&household);
        }
        let worker = std::thread::spawn(move || {
            let result = sync::sync(&mut dev.store, &dev.client);
            (dev, result)
        });
        std::thread::sleep(clean.mul_f64(2.0 * rng.f64()));
        server.kill();
        let (mut dev, result) = worker.join().expect("sync thread");
        if result.is_err() {
            interrupted += 1;
        }
        server.restart();
        // Now and then the connection holds long enough for a whole sync: by then the server
        // has each report the device made, once.
        if cycle % 5 == 4 {
            dev.sync();
            let made = reports::ids(dev.store.conn()).expect("ids").len() as i64;
            assert_eq!(stored_reports(&server), made, "cycle {cycle}");
        }
        device = Some(dev);
    }
    let mut dev = device.take().expect("device");
    dev.sync();
    assert_eq!(sync::status(&dev.store).expect("status").pending, 0);
    let ids = reports::ids(dev.store.conn()).expect("ids");
    assert_eq!(ids.len(), 510);
    assert_eq!(stored_reports(&server), 510, "nothing lost, nothing doubled");
    let office = OnServer::demo_admin(&server.url());
    for id in ids {
        let local = dev.store.report(id).expect("read").expect("local");
        let remote = office.report_hash(id).expect("on the server");
        assert_eq!(remote, local.record_hash().as_str());
    }
    eprintln!("server kills: {interrupted} of 50 interrupted a sync");
    assert!(interrupted >= 10, "only {interrupted} of 50 kills interrupted a sync");
}

/// One random step of the interleaving test.
fn random_edit(rng: &mut fastrand::Rng, dev: &mut Device, device_index: usize, order: uuid::Uuid) {
    let current = dev.store.work_order(order).expect("read").expect("order").order.status;
    let fields = match (device_index, rng.u8(0..3)) {
        // Technicians move the status on (possibly skipping a step) or write a note.
        (0 | 1, 0) => {
            let next =
                [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite, WorkOrderStatus::Done][rng.usize(0..3)];
            if !hearth_core::rules::status::can_move(current, next) {
                return;
            }
            // Done without a signed record carries what was done (rules::status::needs_note).
            let status_note = (next == WorkOrderStatus::Done).then(|| format!("done {}", rng.u32(..)));
            WorkOrderFields { status: Some(next), status_note, ..WorkOrderFields::default() }
        }
        (0 | 1, _) => WorkOrderFields {
            status_note: Some(format!("note {}", rng.u32(..))),
            ..WorkOrderFields::default()
        },
        // The office reprioritises, or cancels work that is not done.
        (_, 0)
            if hearth_core::rules::status::can_move(current, WorkOrderStatus::Cancelled)
                && rng.u8(0..4) == 0 =>
        {
            WorkOrderFields { status: Some(WorkOrderStatus::Cancelled), ..WorkOrderFields::default() }
        }
        _ => WorkOrderFields {
            priority: Some(
                [Priority::Emergency, Priority::Urgent, Priority::Normal, Priority::Low][rng.usize(0..4)],
            ),
            ..WorkOrderFields::default()
        },
    };
    dev.store.edit_work_order(order, &fields).expect("edit");
}

#[test]
fn a_thousand_random_interleavings_of_three_devices_converge() {
    let seed: u64 = std::env::var("HEARTH_SYNC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261127);
    eprintln!("interleavings: HEARTH_SYNC_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let (_dir, server) = city(300);
    let mut devices = [login_at(&server, "tech-a"), login_at(&server, "tech-b"), login_at(&server, "disp")];
    for dev in devices.iter_mut() {
        dev.sync();
    }
    let pool: Vec<uuid::Uuid> = devices[0]
        .store
        .open_work_orders()
        .expect("orders")
        .into_iter()
        .filter(|o| o.station_id == station_id(HEPING))
        .map(|o| o.id)
        .collect();
    assert!(pool.len() >= 4, "the demo city has open orders for 和平");

    for round in 0..1000 {
        let orders = [pool[rng.usize(..pool.len())], pool[rng.usize(..pool.len())]];
        for _ in 0..rng.usize(2..8) {
            let i = rng.usize(..3);
            if rng.u8(0..3) == 0 {
                devices[i].sync();
            } else {
                let order = orders[rng.usize(..2)];
                random_edit(&mut rng, &mut devices[i], i, order);
            }
        }
        // Everyone pushes, then everyone pulls what the others pushed.
        for i in [0, 1, 2, 0, 1] {
            devices[i].sync();
        }
        for order in orders {
            let states: Vec<_> =
                devices.iter().map(|d| d.store.work_order(order).expect("read").expect("order")).collect();
            assert_eq!(states[0], states[1], "round {round}: technicians differ on {order}");
            assert_eq!(states[0], states[2], "round {round}: the office differs on {order}");
            let record = server.query_one(&format!("SELECT record FROM work_orders WHERE id = '{order}'"));
            let clocks = server.query_one(&format!("SELECT clocks FROM work_orders WHERE id = '{order}'"));
            let on_server = WorkOrderState {
                order: serde_json::from_str(&record).expect("server record"),
                clocks: serde_json::from_str(&clocks).expect("server clocks"),
            };
            assert_eq!(states[0], on_server, "round {round}: the devices differ from the server on {order}");
        }
    }
}

/// More tablets than the server takes batches at once (`PUSHES_AT_ONCE`), all pushing
/// together in small batches: every batch waits for its turn and is answered, and every
/// report is stored once.
#[test]
fn many_tablets_pushing_at_once_are_all_answered_and_stored_once() {
    let (_dir, server) = city(50);
    let mut devices: Vec<Device> = (0..12).map(|i| login_at(&server, ["tech-a", "tech-b"][i % 2])).collect();
    let mut signed = Vec::new();
    for dev in &mut devices {
        dev.sync();
        let household = dev.any_household();
        signed.extend((0..20).map(|_| dev.sign_check(&household)));
    }
    let start = std::sync::Barrier::new(devices.len());
    std::thread::scope(|scope| {
        for dev in &mut devices {
            let start = &start;
            scope.spawn(move || {
                start.wait();
                assert_eq!(dev.sync().pushed, 20);
            });
        }
    });
    for dev in &devices {
        assert_eq!(sync::status(&dev.store).expect("status").pending, 0);
    }
    assert_eq!(stored_reports(&server), 240);
    let office = OnServer::demo_admin(&server.url());
    for report in &signed {
        let hash = office.report_hash(report.report().id).expect("the report is stored");
        assert_eq!(hash, report.record_hash().as_str());
    }
}

/// Tablets on a weak link, their uploads stalled half way, hold none of the server's turns
/// for pushes: another tablet's push is answered meanwhile.
#[test]
fn stalled_uploads_do_not_hold_up_other_tablets() {
    use std::io::Write as _;
    let (_dir, server) = city(50);
    let token = login_at(&server, "tech-b").token();
    let address = server.url().trim_start_matches("http://").to_owned();
    // More stalled pushes than the server takes at once: a megabyte announced, a few bytes sent.
    let stalled: Vec<std::net::TcpStream> = (0..8)
        .map(|_| {
            let mut connection = std::net::TcpStream::connect(&address).expect("connect");
            write!(
                connection,
                "POST /v1/sync/push HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{\"entries\":["
            )
            .expect("send the start of a push");
            connection
        })
        .collect();
    let mut a = login_at(&server, "tech-a");
    a.sync();
    let household = a.any_household();
    a.sign_check(&household);
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(a.sync().pushed));
    assert_eq!(
        finished.recv_timeout(std::time::Duration::from_secs(30)),
        Ok(1),
        "the push was answered while the stalled uploads waited"
    );
    drop(stalled);
}

/// The stations whose households `tablet` holds, with how many of each.
fn stations_held(tablet: &Device) -> std::collections::BTreeMap<String, i64> {
    let conn = tablet.store.conn();
    let mut stmt =
        conn.prepare("SELECT station_id, count(*) FROM households GROUP BY station_id").expect("query");
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn a_tablet_handed_to_another_station_starts_its_feed_again_and_holds_back_the_former_crews_work() {
    let (_dir, server) = city(60);
    let (heping, hexi) = (station_id(HEPING).to_string(), station_id(HEXI).to_string());
    let on_server = |station: &str| {
        count(&server, &format!("SELECT count(*) FROM households WHERE station_id = '{station}'"))
    };
    let mut tablet = login_at(&server, "tech-a");
    tablet.sync();
    assert_eq!(stations_held(&tablet), [(heping.clone(), on_server(&heping))].into());

    // tech-a signs a check; before it syncs, the tablet goes to 河西's crew.
    let household = tablet.any_household();
    let check = tablet.sign_check(&household);
    sync::login(&mut tablet.store, &tablet.client, "tech-c", PASSWORD, "tablet").expect("login");
    let report = tablet.sync();
    assert!(report.first_pull, "the feed starts again from the beginning");
    assert_eq!((report.pushed, report.rejected), (0, 0), "tech-a's check is neither sent nor refused");
    assert_eq!(
        stations_held(&tablet),
        [(heping.clone(), 1), (hexi.clone(), on_server(&hexi))].into(),
        "every 河西 household, and of 和平 only the one tech-a's own check is about"
    );
    let theirs = tablet.any_household_of(&hexi);
    let found = tablet.store.search_households(&theirs.account_no, 5).expect("search");
    assert!(found.iter().any(|h| h.id == theirs.id), "河西's households are found by their account number");
    assert_eq!(tablet.store.outbox_len().expect("outbox"), 1, "the check still waits on the tablet");

    // Back with 和平's crew: the check goes out, once, and the tablet holds 和平 again.
    sync::login(&mut tablet.store, &tablet.client, "tech-a", PASSWORD, "tablet").expect("login");
    assert_eq!(tablet.sync().pushed, 1);
    assert_eq!(tablet.store.outbox_len().expect("outbox"), 0);
    let id = check.report().id;
    assert_eq!(OnServer::demo_admin(&server.url()).report_counts(&[id]), vec![1]);
    assert_eq!(stations_held(&tablet), [(heping.clone(), on_server(&heping))].into());
}
