//! Sync over a link that breaks (issue 15): the real `hearth-server` behind the fault proxy
//! (`hearth_tests::proxy`), a real device store. Whatever byte the link breaks at, the next
//! sync after it heals delivers everything exactly once.

use hearth_core::demo;
use hearth_core::model::ReportBody;
use hearth_core::store::{Store, households};
use hearth_core::sync::{self, client::Client};
use hearth_tests::office::Office;
use hearth_tests::on_server::OnServer;
use hearth_tests::online::OnlineTablet;
use hearth_tests::proxy::{FaultProxy, Faults};
use hearth_tests::server::{Server, cli};

/// A demo city's server, a proxy in front of it, and tech1's tablet logged in through it.
fn tablet_behind_a_proxy() -> (tempfile::TempDir, Server, FaultProxy, Store, Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", "300"], None);
    let server = Server::start(dir.path());
    let proxy = FaultProxy::start(server.addr());
    let device_dir = tempfile::tempdir().expect("device dir");
    let mut store = Store::open(device_dir.path().join("tablet.sqlite")).expect("device store");
    let client = Client::new(&proxy.url()).expect("client").with_push_batch(5);
    sync::login(&mut store, &client, "tech1", "demo-tech1", "flaky tablet").expect("login");
    sync::sync(&mut store, &client).expect("first sync over a good link");
    (dir, server, proxy, store, client, device_dir)
}

/// Signs temperature checks of `n` households, from the `skip`-th on; returns their ids.
fn sign_checks(store: &mut Store, skip: usize, n: usize) -> Vec<uuid::Uuid> {
    let me: hearth_core::model::User =
        serde_json::from_str(&store.setting("user").expect("user").expect("logged in")).expect("user");
    let ids: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM households ORDER BY seq LIMIT ?1 OFFSET ?2")
        .expect("query")
        .query_map([n as i64, skip as i64], |r| r.get(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    ids.iter()
        .map(|id| {
            let household =
                households::get(store.conn(), id.parse().expect("uuid")).expect("read").expect("there");
            let signed = demo::signed_temperature_check(&household, me.id, chrono::Utc::now()).expect("sign");
            store.save_signed_report(&signed).expect("save");
            signed.report().id
        })
        .collect()
}

/// How many times each report is on the server, as the office's console lists them.
fn on_server(office: &OnServer, ids: &[uuid::Uuid]) -> Vec<u64> {
    office.report_counts(ids)
}

#[test]
fn answers_lost_after_the_server_stored_the_push_are_retried_and_stored_once() {
    let (_dir, server, proxy, mut store, client, _device) = tablet_behind_a_proxy();
    let office = OnServer::demo_admin(&server.url());
    let ids = sign_checks(&mut store, 0, 12);

    proxy.set(Faults { lose_answers: true, ..Faults::default() });
    let err = sync::sync(&mut store, &client).expect_err("no answer reaches the tablet");
    assert!(!err.to_string().is_empty());
    assert_eq!(store.outbox_len().expect("outbox"), 12, "nothing is taken as sent without an answer");
    assert!(on_server(&office, &ids).contains(&1), "the server did store what reached it");

    proxy.heal();
    let report = sync::sync(&mut store, &client).expect("sync after the link heals");
    assert_eq!(report.rejected, 0);
    assert_eq!(store.outbox_len().expect("outbox"), 0, "the outbox drains");
    assert_eq!(on_server(&office, &ids), vec![1; 12], "every check is on the server exactly once");
}

#[test]
fn a_link_cut_in_the_middle_of_a_push_or_a_pull_loses_and_doubles_nothing() {
    let (_dir, server, proxy, mut store, client, _device) = tablet_behind_a_proxy();
    let office = OnServer::demo_admin(&server.url());
    let mut ids = Vec::new();
    // Cut at many points of the request and of the answer; each time the next sync heals it.
    for (round, (request_after, answer_after)) in [
        (700, None),
        (2500, None),
        (9000, None),
        (60_000, None),
        (1_000_000, Some(300)),
        (1_000_000, Some(5000)),
    ]
    .into_iter()
    .enumerate()
    {
        ids.extend(sign_checks(&mut store, ids.len(), 6));
        proxy.set(Faults {
            reset_request_after: Some(request_after),
            reset_answer_after: answer_after,
            ..Faults::default()
        });
        let _ = sync::sync(&mut store, &client); // it may fail at any point, or get through
        proxy.heal();
        sync::sync(&mut store, &client).unwrap_or_else(|e| panic!("round {round}: sync after healing: {e}"));
        assert_eq!(store.outbox_len().expect("outbox"), 0, "round {round}: the outbox drains");
    }
    assert_eq!(on_server(&office, &ids), vec![1; ids.len()], "every check exactly once");
    assert!(proxy.connections().1 >= 4, "the link was really cut: {:?}", proxy.connections());
}

#[test]
fn an_order_the_office_assigns_is_on_an_online_tablet_within_a_second() {
    let (_dir, server, proxy, store, client, _device) = tablet_behind_a_proxy();
    let me: hearth_core::model::User =
        serde_json::from_str(&store.setting("user").expect("user").expect("logged in")).expect("user");
    let home: String =
        store.conn().query_row("SELECT id FROM households LIMIT 1", [], |r| r.get(0)).expect("home");
    let tablet = OnlineTablet::start(store, client);
    // A 4G link: 100 ms round trip.
    proxy.set(Faults::mobile(2000, 1000, 100));
    let office = Office::login(&server.url(), "dispatcher", "demo-dispatcher");
    for n in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let order = office.order(home.parse().expect("uuid"), &format!("暖气不热 {n}"), Some(me.id));
        let assigned = std::time::Instant::now();
        while !tablet.has_order(order) {
            assert!(
                assigned.elapsed() < std::time::Duration::from_secs(3),
                "order {n} was not on the online tablet 3 s after the office made it (the 30 s poll is not what brings it)"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        eprintln!("network: order {n} on the tablet {:?} after the office assigned it", assigned.elapsed());
    }
}

/// A 3 MB photo on a report, over a link cut after every megabyte a connection sends: each
/// sync sends what it can of the photo (resuming where the server has it) and pushes the
/// reports that do not need it; after a few syncs the photo is on the server whole, and the
/// server never had it before it was complete.
#[test]
fn a_large_photo_resumes_across_cuts_and_holds_back_only_its_own_report() {
    let (_dir, server, proxy, mut store, client, _device) = tablet_behind_a_proxy();
    let me: hearth_core::model::User =
        serde_json::from_str(&store.setting("user").expect("user").expect("logged in")).expect("user");
    let homes: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM households ORDER BY seq LIMIT 2")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    let mut rng = fastrand::Rng::with_seed(15);
    let photo: Vec<u8> = (0..3_000_000).map(|_| rng.u8(..)).collect();
    let sha = hearth_core::model::Sha256::of(&photo).to_string();
    let now = chrono::Utc::now();
    let with_photo = {
        let home =
            households::get(store.conn(), homes[0].parse().expect("uuid")).expect("read").expect("there");
        let mut report =
            demo::report(ReportBody::TemperatureCheck(demo::temperature_check(now)), home.id, me.id, now);
        report.attachments.push(store.put_blob(&photo, "image/jpeg").expect("keep the photo"));
        let signed = demo::sign(report, &home.owner_name, now).expect("sign");
        store.save_signed_report(&signed).expect("save");
        signed.report().id
    };
    let without_photo = sign_checks(&mut store, 1, 1);

    let cut = Faults { reset_request_after: Some(1_000_000), ..Faults::default() };
    // What the server holds of the photo, asked as a tablet and as the office ask it, past
    // the proxy: the bytes of a partial upload, or the photo once it is whole.
    let direct = Client::new(&server.url()).expect("client");
    let token = direct
        .login(&hearth_core::protocol::LoginRequest {
            username: "tech1".into(),
            password: "demo-tech1".into(),
            device_name: "checker".into(),
            device_id: hearth_core::new_id(),
        })
        .expect("login")
        .token;
    let office = OnServer::demo_admin(&server.url());
    let sha256 = hearth_core::model::Sha256::of(&photo);
    let held = |_: &Server| -> (u64, Option<Vec<u8>>) {
        let held = direct.blob_offset(&token, &sha256).expect("HEAD the blob").unwrap_or(0);
        (held, office.blob(&sha))
    };

    proxy.set(cut.clone());
    let first = sync::sync(&mut store, &client);
    assert!(first.is_err(), "the photo did not get through a link cut at 1 MB: {first:?}");
    assert_eq!(
        on_server(&office, &without_photo),
        vec![1],
        "the report without a photo went in the first sync"
    );
    assert_eq!(on_server(&office, &[with_photo]), vec![0], "the photo's report waits for it");
    let (mut last_held, stored) = held(&server);
    assert!(stored.is_none(), "no blob before the photo is complete");
    assert!(last_held > 0, "the first sync left part of the photo on the server");

    let mut syncs = 1;
    loop {
        proxy.set(cut.clone()); // the proxy counts each connection's bytes from here
        // The sync may fail after the photo went up (a push cut on the same connection).
        let _ = sync::sync(&mut store, &client);
        syncs += 1;
        let (now_held, stored) = held(&server);
        if let Some(stored) = stored {
            assert!(stored == photo, "the stored photo is the tablet's, byte for byte");
            break;
        }
        assert!(now_held > last_held, "sync {syncs} resumed and got further: {last_held} → {now_held}");
        last_held = now_held;
        assert!(syncs < 10, "the photo never arrived");
    }
    eprintln!("network: the 3 MB photo arrived whole after {syncs} syncs; cuts {:?}", proxy.connections());
    proxy.heal();
    sync::sync(&mut store, &client).expect("a sync on a good link");
    assert_eq!(store.outbox_len().expect("outbox"), 0, "the photo's report went too");
    assert_eq!(on_server(&office, &[with_photo]), vec![1]);
    assert_eq!(on_server(&office, &without_photo), vec![1], "and the other one is there once");
}
