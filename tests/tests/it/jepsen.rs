//! A Jepsen-style test of sync (issue 15): three tablets, each behind its own fault proxy, and
//! the office, all working at once against the real `hearth-server` while a nemesis breaks
//! the tablets' links at random — latency and jitter, a narrow link, resets in the middle of
//! a request or of an answer, answers lost after the server committed, black holes,
//! partitions — and the server is killed (SIGKILL) and restarted now and then. Then the links
//! heal and the checkers run:
//! - **exactly once**: every report a tablet holds as signed is on the server exactly once,
//!   and every report on the server came from a tablet;
//! - **convergence**: every tablet holds the server's state of every work order and household
//!   it may see (compared with a fresh download of the same user's feed);
//! - **liveness**: after the heal, every outbox drains and every tablet catches up within
//!   [`CATCH_UP`] (the best-known peer's public runs found queues that wedged and downloads
//!   stuck for good after partitions);
//! - **bounded calls**: no request ever ran longer than its timeout ([`TIMEOUTS`]).
//!
//! `HEARTH_JEPSEN_SECS` sets how long the faults last (default 15 s, for `make test`);
//! `make soak` runs it for ten minutes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth_core::demo;
use hearth_core::model::{ReportBody, User, WorkOrderStatus};
use hearth_core::store::{Store, households};
use hearth_core::sync::client::{Client, Exchange, Timeouts};
use hearth_core::sync::{self};
use hearth_tests::office::Office;
use hearth_tests::on_server::OnServer;
use hearth_tests::proxy::{FaultProxy, Faults};
use hearth_tests::server::{Server, add_user, cli};
use serde_json::json;

const PASSWORD: &str = "correct horse 电池 staple";
/// The tablets' timeouts: short, so a black hole costs seconds, not minutes.
const TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(2), request: Duration::from_secs(6) };
/// After the heal, the most a tablet may take to send everything and catch up.
const CATCH_UP: Duration = Duration::from_secs(60);

/// The tablets: two of 和平's crew, one of 河西's.
const CREW: [(&str, &str); 3] =
    [("tech-a", "和平供热站"), ("tech-b", "和平供热站"), ("tech-c", "河西供热站")];

/// A tablet in the test: its store, its link, and the longest request it has seen.
struct Tablet {
    name: &'static str,
    store: Store,
    client: Client,
    me: User,
    proxy: FaultProxy,
    longest: Arc<Mutex<Duration>>,
    _dir: tempfile::TempDir,
}

impl Tablet {
    fn new(server: &Server, name: &'static str) -> Tablet {
        let proxy = FaultProxy::start(server.addr());
        let longest = Arc::new(Mutex::new(Duration::ZERO));
        let seen = Arc::clone(&longest);
        let client = Client::with_timeouts(&proxy.url(), None, TIMEOUTS)
            .expect("client")
            .with_push_batch(8)
            .with_observer(Arc::new(move |exchange: &Exchange| {
                let mut longest = seen.lock().expect("lock");
                *longest = (*longest).max(exchange.elapsed);
            }));
        let dir = tempfile::tempdir().expect("device dir");
        let mut store = Store::open(dir.path().join("tablet.sqlite")).expect("store");
        let me = sync::login(&mut store, &client, name, PASSWORD, name).expect("login over a good link");
        sync::sync(&mut store, &client).expect("first download over a good link");
        Tablet { name, store, client, me, proxy, longest, _dir: dir }
    }

    /// One thing a technician does: sign a check (some with a photo), move an order of his,
    /// or sync. Errors of the link are expected; anything else fails the test.
    fn act(&mut self, rng: &mut fastrand::Rng) {
        match rng.u8(0..10) {
            0..=3 => self.sign_check(rng),
            4..=6 => self.move_an_order(rng),
            _ => {
                let _ = sync::sync(&mut self.store, &self.client);
            }
        }
    }

    fn sign_check(&mut self, rng: &mut fastrand::Rng) {
        let held: i64 =
            self.store.conn().query_row("SELECT count(*) FROM households", [], |r| r.get(0)).expect("count");
        let id: String = self
            .store
            .conn()
            .query_row("SELECT id FROM households LIMIT 1 OFFSET ?1", [rng.i64(0..held)], |r| r.get(0))
            .expect("a household");
        let household =
            households::get(self.store.conn(), id.parse().expect("uuid")).expect("read").expect("there");
        let now = chrono::Utc::now();
        let mut report = demo::report(
            ReportBody::TemperatureCheck(demo::temperature_check(now)),
            household.id,
            self.me.id,
            now,
        );
        if rng.u8(0..4) == 0 {
            let photo: Vec<u8> = (0..rng.usize(20_000..120_000)).map(|_| rng.u8(..)).collect();
            report.attachments.push(self.store.put_blob(&photo, "image/jpeg").expect("keep the photo"));
        }
        let signed = demo::sign(report, &household.owner_name, now).expect("sign");
        self.store.save_signed_report(&signed).expect("save");
    }

    fn move_an_order(&mut self, rng: &mut fastrand::Rng) {
        let mine: Vec<_> = self
            .store
            .open_work_orders()
            .expect("orders")
            .into_iter()
            .filter(|o| o.assignee_id == Some(self.me.id))
            .collect();
        let Some(order) = (!mine.is_empty()).then(|| &mine[rng.usize(..mine.len())]) else { return };
        let next = match order.status {
            WorkOrderStatus::New | WorkOrderStatus::Assigned => WorkOrderStatus::EnRoute,
            WorkOrderStatus::EnRoute => WorkOrderStatus::OnSite,
            _ => {
                // On site: the signed repair visit finishes the order.
                let now = chrono::Utc::now();
                let mut visit = demo::repair_visit(now);
                visit.arrived_at = now - chrono::Duration::minutes(30);
                visit.finished_at = now;
                let mut report =
                    demo::report(ReportBody::RepairVisit(visit), order.household_id, self.me.id, now);
                report.work_order_id = Some(order.id);
                let signed = demo::sign(report, "王先生", now).expect("sign");
                self.store.save_signed_report(&signed).expect("save the visit");
                return;
            }
        };
        self.store.advance_work_order(order.id, next, None).expect("a crew move the store accepts");
    }

    fn longest_request(&self) -> Duration {
        *self.longest.lock().expect("lock")
    }
}

/// A random fault, or a good link now and then.
fn random_faults(rng: &mut fastrand::Rng) -> Faults {
    fn ms(rng: &mut fastrand::Rng, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(rng.u64(lo..hi))
    }
    match rng.u8(0..9) {
        0 => Faults::default(),
        1 => Faults { latency: ms(rng, 100, 300), jitter: ms(rng, 0, 100), ..Faults::default() },
        2 => Faults::mobile(2000, 1000, 100),
        3 => Faults { reset_request_after: Some(rng.u64(200..40_000)), ..Faults::default() },
        4 => Faults { reset_answer_after: Some(rng.u64(100..40_000)), ..Faults::default() },
        5 => Faults { lose_answers: true, ..Faults::default() },
        6 => Faults { black_hole: true, ..Faults::default() },
        7 => Faults { partition: true, ..Faults::default() },
        _ => Faults {
            latency: ms(rng, 50, 150),
            reset_request_after: Some(rng.u64(1000..20_000)),
            ..Faults::default()
        },
    }
}

/// The office at work while the tablets are: new orders for the crew, now and then one
/// cancelled.
fn office_at_work(
    office: &Office,
    crew: &[(User, Vec<uuid::Uuid>)],
    rng: &mut fastrand::Rng,
    made: &mut Vec<uuid::Uuid>,
) {
    if rng.u8(0..4) == 0 && !made.is_empty() {
        let order = made[rng.usize(..made.len())];
        // A finished order cannot be cancelled (409): the office is told so in words.
        let _ = office.try_call(
            reqwest::Method::POST,
            &format!("work-orders/{order}/cancel"),
            Some(json!({"reason": "客户取消"})),
        );
        return;
    }
    let (user, homes) = &crew[rng.usize(..crew.len())];
    let home = homes[rng.usize(..homes.len())];
    let order = json!({"household_id": home, "kind": "repair", "priority": "normal",
                       "description": "暖气不热", "assignee_id": user.id});
    // Refused only while the server restarts: the dispatcher tries again with the next call.
    if let Ok(made_now) = office.try_call(reqwest::Method::POST, "work-orders", Some(order)) {
        made.push(made_now["id"].as_str().and_then(|id| id.parse().ok()).expect("the order's id"));
    }
}

#[test]
fn tablets_through_random_faults_deliver_everything_once_and_converge_after_the_heal() {
    let seconds: u64 = std::env::var("HEARTH_JEPSEN_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    let seed: u64 = std::env::var("HEARTH_JEPSEN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("jepsen: {seconds} s of faults, seed {seed} (HEARTH_JEPSEN_SEED={seed} repeats the schedule)");

    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", "200"], None);
    for (name, station) in CREW {
        add_user(dir.path(), name, "technician", Some(station), PASSWORD);
    }
    add_user(dir.path(), "disp", "dispatcher", None, PASSWORD);
    let mut server = Server::start(dir.path());
    let office = Office::login(&server.url(), "disp", PASSWORD);

    let tablets: Vec<Tablet> = CREW.iter().map(|(name, _)| Tablet::new(&server, name)).collect();
    let crew: Vec<(User, Vec<uuid::Uuid>)> = tablets
        .iter()
        .map(|t| {
            let mut stmt = t.store.conn().prepare("SELECT id FROM households LIMIT 30").expect("query");
            let homes = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .expect("rows")
                .map(|id| id.expect("id").parse().expect("uuid"));
            (t.me.clone(), homes.collect())
        })
        .collect();

    // The faults last `seconds`; everyone works meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tablets: Vec<Tablet> = std::thread::scope(|scope| {
        let workers: Vec<_> = tablets
            .into_iter()
            .enumerate()
            .map(|(i, mut tablet)| {
                let stop = Arc::clone(&stop);
                scope.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(seed ^ (i as u64 + 1));
                    let mut next_fault = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        if Instant::now() >= next_fault {
                            tablet.proxy.set(random_faults(&mut rng));
                            next_fault = Instant::now() + Duration::from_millis(rng.u64(300..2000));
                        }
                        tablet.act(&mut rng);
                        std::thread::sleep(Duration::from_millis(rng.u64(5..60)));
                    }
                    tablet.proxy.heal();
                    tablet
                })
            })
            .collect();
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut made = Vec::new();
        let mut kills = 0;
        while Instant::now() < deadline {
            office_at_work(&office, &crew, &mut rng, &mut made);
            if rng.u8(0..40) == 0 {
                // The server killed (SIGKILL) and started again, as a crash and a restart.
                server.restart();
                kills += 1;
            }
            std::thread::sleep(Duration::from_millis(rng.u64(100..400)));
        }
        stop.store(true, Ordering::Relaxed);
        eprintln!("jepsen: the office made {} orders; the server was killed {kills} times", made.len());
        workers.into_iter().map(|w| w.join().expect("a tablet's thread")).collect()
    });

    // Liveness: on healed links, the tablets send everything and catch up in bounded time.
    // Rounds over all of them, since one tablet's sending is news for the others: done when
    // a whole round sent and received nothing.
    let mut tablets = tablets;
    let healed = Instant::now();
    loop {
        let mut quiet = true;
        for tablet in &mut tablets {
            let synced = sync::sync(&mut tablet.store, &tablet.client);
            let drained = tablet.store.outbox_len().expect("outbox") == 0;
            quiet &= drained && matches!(&synced, Ok(r) if r.pulled == 0 && r.pushed == 0);
            assert!(
                healed.elapsed() < CATCH_UP,
                "{} did not catch up within {CATCH_UP:?} of the heal: {synced:?}, outbox {}, rejected {}",
                tablet.name,
                tablet.store.outbox_len().expect("outbox"),
                tablet.store.rejected_len().expect("rejected"),
            );
        }
        if quiet {
            break;
        }
    }
    eprintln!("jepsen: every tablet sent everything and caught up {:?} after the heal", healed.elapsed());
    for tablet in &tablets {
        assert_eq!(tablet.store.rejected_len().expect("rejected"), 0, "{}: nothing was refused", tablet.name);
    }

    // Exactly once, and nothing from nowhere.
    let on_server: BTreeMap<String, u64> = OnServer::demo_admin(&server.url())
        .report_listings()
        .into_iter()
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    let mut signed: BTreeSet<String> = BTreeSet::new();
    for tablet in &tablets {
        let mut stmt = tablet.store.conn().prepare("SELECT id FROM reports").expect("query");
        let ids = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        for id in ids {
            let id = id.expect("id");
            assert_eq!(
                on_server.get(&id),
                Some(&1),
                "{}'s report {id} is on the server exactly once",
                tablet.name
            );
            signed.insert(id);
        }
    }
    let from_nowhere: Vec<_> = on_server.keys().filter(|id| !signed.contains(*id)).collect();
    assert!(from_nowhere.is_empty(), "reports on the server no tablet signed: {from_nowhere:?}");
    assert!(signed.len() >= 3, "the tablets got some work done: {} reports", signed.len());
    eprintln!("jepsen: {} reports on the server, each once", signed.len());

    // Convergence: each tablet holds what a fresh download of the same user's feed holds.
    for tablet in &tablets {
        let fresh_dir = tempfile::tempdir().expect("dir");
        let mut fresh = Store::open(fresh_dir.path().join("fresh.sqlite")).expect("store");
        let direct = Client::new(&server.url()).expect("client");
        sync::login(&mut fresh, &direct, tablet.name, PASSWORD, "fresh").expect("login");
        sync::sync(&mut fresh, &direct).expect("a fresh download");
        let orders = |store: &Store| -> BTreeMap<String, (String, Option<String>)> {
            let mut stmt = store
                .conn()
                .prepare("SELECT id, status, json_extract(record, '$.assignee_id') FROM work_orders")
                .expect("query");
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))).expect("rows");
            rows.map(|r| r.expect("row")).collect()
        };
        let homes = |store: &Store| -> BTreeSet<String> {
            let mut stmt = store.conn().prepare("SELECT id FROM households").expect("query");
            let rows = stmt.query_map([], |r| r.get(0)).expect("rows");
            rows.map(|r| r.expect("row")).collect()
        };
        let (held, truth) = (orders(&tablet.store), orders(&fresh));
        let differ: Vec<_> = held
            .keys()
            .chain(truth.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|id| held.get(*id) != truth.get(*id))
            .map(|id| (id, held.get(id), truth.get(id)))
            .collect();
        if !differ.is_empty() {
            let cursor = tablet.store.setting("pull_cursor").expect("cursor");
            eprintln!("jepsen: {} pulled up to {cursor:?}", tablet.name);
        }
        assert!(
            differ.is_empty(),
            "{}'s work orders differ from the server's (id, tablet, server): {differ:?}",
            tablet.name
        );
        assert_eq!(
            homes(&tablet.store),
            homes(&fresh),
            "{}'s households converge with the server's",
            tablet.name
        );
        let longest = tablet.longest_request();
        assert!(
            longest <= TIMEOUTS.request + Duration::from_secs(2),
            "{}: a request ran {longest:?}, past its {:?} timeout",
            tablet.name,
            TIMEOUTS.request
        );
        let (connections, resets) = tablet.proxy.connections();
        eprintln!(
            "jepsen: {}: {connections} connections, {resets} cut, longest request {longest:?}",
            tablet.name
        );
    }
}
