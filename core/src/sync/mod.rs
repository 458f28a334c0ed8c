//! The device's side of sync: one [`sync`] call uploads the blobs the server lacks (resuming
//! a broken upload where the server has it), pushes the outbox in batches, then pulls until
//! caught up — applying each page with its cursor in one transaction, while the next pages
//! are fetched and read ahead (`ahead.rs`); a first pull is a bulk load
//! ([`crate::store::bulk`]). A blob that fails to go up holds back only the reports that need
//! it: the rest is pushed and pulled, and the sync then fails with the blob's error. It may be
//! interrupted anywhere and run again with nothing lost or doubled: an entry leaves the outbox
//! only when the server has answered it, and the server applies an entry id once.

#[cfg(feature = "client")]
mod ahead;
pub mod apply;
#[cfg(feature = "client")]
pub mod client;
pub mod news;
pub mod page;
pub mod plan;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;
use crate::store::{Store, settings};

/// What the status bar shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    /// Records waiting to reach the office.
    pub pending: u64,
    /// Records the office refused, with a reason the technician can read.
    pub rejected: u64,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last sync's error in words, if it failed.
    pub last_error: Option<String>,
}

/// The state of sync on this device.
pub fn status(store: &Store) -> Result<SyncStatus> {
    let last_success_at = store
        .setting(settings::LAST_SUCCESS_AT)?
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(SyncStatus {
        pending: store.outbox_len()?,
        rejected: store.rejected_len()?,
        last_success_at,
        last_error: store.setting(settings::LAST_ERROR)?.filter(|e| !e.is_empty()),
    })
}

/// Waits between attempts while the server is unreachable: doubling from `base` up to
/// `max`, each wait drawn at random from its upper half so that a crew's tablets coming back
/// into signal together do not all call at once.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff { base, max, attempt: 0, rng: fastrand::Rng::new() }
    }

    /// The wait before the next attempt, after a failure.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.base.saturating_mul(1 << self.attempt.min(16)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        ceiling.mul_f64(0.5 + self.rng.f64() / 2.0)
    }

    /// After a success: the next failure starts from `base` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// How far a sync's pull has come, told as it goes: once the first page is in (nothing
/// applied yet), then after each page is applied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PullProgress {
    /// Changes this sync has applied so far.
    pub applied: u64,
    /// All the changes this sync will apply, as the server counted them when the pull began
    /// (never less than `applied`); `None` from a server that does not count.
    pub total: Option<u64>,
}

#[cfg(feature = "client")]
pub use online::{SyncReport, login, sync, sync_shared, sync_shared_with, wait_for_news};

#[cfg(feature = "client")]
mod online {
    use serde::Serialize;

    use super::PullProgress;
    use super::apply::{apply_page_as, push_body, record_push};
    use super::client::Client;
    use super::news::NewOrder;
    use crate::model::User;
    use crate::protocol::{LoginRequest, MAX_PULL_LIMIT, PullQuery};
    use crate::store::{Durability, Store, StoreAccess, blobs, outbox, scope, settings};
    use crate::{Error, Result};

    /// Push batches sent before the first answer is awaited.
    const PUSHES_IN_FLIGHT: usize = 3;

    /// What one sync did.
    #[derive(Debug, Default, Clone, PartialEq, Serialize)]
    pub struct SyncReport {
        pub blobs_uploaded: usize,
        pub pushed: usize,
        pub rejected: usize,
        pub pulled: usize,
        /// This was the device's first pull: it had never finished a sync before.
        pub first_pull: bool,
        /// Open orders the pull brought that are news to the logged-in user, in feed order:
        /// newly assigned to them, or new in their station's pool ([`super::news`]).
        pub news: Vec<NewOrder>,
    }

    /// Logs in online and keeps the token and the user on the device, so the app opens
    /// offline afterwards.
    pub fn login(
        store: &mut Store,
        client: &Client,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<User> {
        let request = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
            device_id: store.device_id(),
        };
        let response = client.login(&request)?;
        // The scope the pulled data belongs to; a tablet from before scopes were kept says it
        // through its last user, if one is still saved.
        let held = match store.setting(scope::DATA_SCOPE)? {
            Some(held) => Some(held),
            None => store
                .setting(settings::USER)?
                .and_then(|u| serde_json::from_str::<User>(&u).ok())
                .map(|u| scope::of(&u)),
        };
        let now = scope::of(&response.user);
        let user = serde_json::to_string(&response.user)?;
        store.write(|tx| {
            if held.as_ref().is_some_and(|held| *held != now) {
                scope::forget_pulled(tx)?;
            }
            settings::set(tx, scope::DATA_SCOPE, &now)?;
            settings::set(tx, settings::TOKEN, &response.token)?;
            settings::set(tx, settings::USER, &user)
        })?;
        Ok(response.user)
    }

    /// Uploads missing blobs, pushes the outbox, pulls until caught up. Records the outcome
    /// (last success, or the error in words) for [`super::status`]. What it stored is durable
    /// when it returns; copying the WAL into the database file ([`Store::checkpoint`]) is left
    /// to the caller's idle moment, with the search index's catching up.
    pub fn sync(store: &mut Store, client: &Client) -> Result<SyncReport> {
        sync_shared(&std::cell::RefCell::new(store), client)
    }

    /// Waits up to `wait` for the server's feed to have changes for this device after its
    /// cursor (a long poll, `GET /v1/sync/events`); true when it has, and a sync should pull.
    /// The store is not held while waiting.
    pub fn wait_for_news(
        store: &impl StoreAccess,
        client: &Client,
        wait: std::time::Duration,
    ) -> Result<bool> {
        let (token, cursor) = store.with(|s| {
            let token = s.setting(settings::TOKEN)?.filter(|t| !t.is_empty()).ok_or(Error::NotLoggedIn)?;
            let cursor = s.setting(settings::PULL_CURSOR)?.and_then(|c| c.parse().ok()).unwrap_or(0u64);
            Ok::<_, Error>((token, cursor))
        })?;
        client.wait_for_news(&token, cursor, wait)
    }

    /// [`sync`] on a store the app's screens use too: the store is held only while the sync
    /// reads or writes it, not while it waits on the server — on a slow link that is minutes
    /// during which a technician still searches, opens orders and saves records.
    pub fn sync_shared(store: &impl StoreAccess, client: &Client) -> Result<SyncReport> {
        sync_shared_with(store, client, &mut |_, _| {})
    }

    /// [`sync_shared`], telling `progress` how far the pull has come as it goes, with the news
    /// among the page just applied (so news a sync applied is known even if a later page
    /// fails). It is called with the store released: it may read the store, and the screens
    /// may use it meanwhile.
    pub fn sync_shared_with(
        store: &impl StoreAccess,
        client: &Client,
        progress: &mut dyn FnMut(PullProgress, &[NewOrder]),
    ) -> Result<SyncReport> {
        let result = run(store, client, progress);
        store.with(|store| {
            let recorded = match &result {
                Ok(_) => store
                    .set_setting(settings::LAST_SUCCESS_AT, &chrono::Utc::now().to_rfc3339())
                    .and_then(|()| store.set_setting(settings::LAST_ERROR, "")),
                Err(e) => store.set_setting(settings::LAST_ERROR, &e.to_string()),
            };
            let report = result?;
            recorded?;
            Ok(report)
        })
    }

    fn run(
        store: &impl StoreAccess,
        client: &Client,
        progress: &mut dyn FnMut(PullProgress, &[NewOrder]),
    ) -> Result<SyncReport> {
        let (token, first_pull, me) = store.with(|s| {
            let token = s.setting(settings::TOKEN)?.ok_or(Error::NotLoggedIn)?;
            let first_pull = s.setting(settings::LAST_SUCCESS_AT)?.is_none_or(|t| t.is_empty());
            // No user that reads back (logging out empties it): no news, the sync goes on.
            let me = s.setting(settings::USER)?.and_then(|u| serde_json::from_str::<User>(&u).ok());
            Ok::<_, Error>((token, first_pull, me))
        })?;
        let mut report = SyncReport { first_pull, ..SyncReport::default() };
        let station = me.as_ref().and_then(|me| me.station_id);

        // A blob that fails to go up does not hold back what does not need it: the error is
        // kept for the end, the outbox is pushed (a report naming the blob gets `blob_missing`
        // and stays for the next sync, which resumes the upload where the server has it).
        let mut blob_error = None;
        for sha256 in store.with(|s| blobs::not_uploaded(s.conn()))? {
            let bytes = store.with(|s| blobs::data(s.conn(), &sha256))?.unwrap_or_default();
            match client.upload_blob(&token, &sha256, &bytes) {
                Ok(sent) => {
                    report.blobs_uploaded += usize::from(sent);
                    store.with(|s| s.write(|tx| blobs::mark_uploaded(tx, &sha256)))?;
                }
                Err(e) => {
                    blob_error.get_or_insert(e);
                }
            }
        }

        // Batches in flight: the server checks one while it stores another, and the next is
        // on its way. Their order does not matter (reports are independent, work-order fields
        // merge by stamp), and a batch whose answer is lost is sent again and answered as before.
        std::thread::scope(|scope| -> Result<()> {
            let mut after_seq = 0;
            let mut in_flight = std::collections::VecDeque::new();
            loop {
                let (entries, body) = store.with(|s| {
                    s.read(|conn| {
                        let entries = outbox::pending_after(conn, after_seq, client.push_batch(), station)?;
                        let body = if entries.is_empty() { None } else { Some(push_body(conn, &entries)?) };
                        Ok((entries, body))
                    })
                })?;
                if let (Some(last), Some(body)) = (entries.last(), body) {
                    after_seq = last.seq;
                    in_flight.push_back((entries, scope.spawn(|| client.push_raw(&token, body))));
                    if in_flight.len() < PUSHES_IN_FLIGHT {
                        continue;
                    }
                }
                let Some((sent, answer)) = in_flight.pop_front() else { return Ok(()) };
                let response = answer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                let outcome = store.with(|s| record_push(s, &sent, &response.results))?;
                report.pushed += outcome.accepted;
                report.rejected += outcome.rejected;
            }
        })?;

        // A first pull into an empty table is a bulk load: the households' lookup indexes are
        // built afterwards, with their search index.
        let (pulled, news) = crate::store::bulk::first_pull(store, |durability| {
            pull(store, client, &token, me.as_ref(), durability, progress)
        })?;
        report.pulled = pulled;
        report.news = news;
        match blob_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Pulls until caught up; returns how many changes were applied, and the news among them.
    /// Only the first page asks the server to count what is left (one indexed count a sync,
    /// and none when that page is the last): the progress of the later pages follows from it.
    fn pull(
        store: &impl StoreAccess,
        client: &Client,
        token: &str,
        me: Option<&User>,
        durability: Durability,
        progress: &mut dyn FnMut(PullProgress, &[NewOrder]),
    ) -> Result<(usize, Vec<NewOrder>)> {
        let mut pulled = 0;
        let mut news = Vec::new();
        let cursor: u64 =
            store.with(|s| s.setting(settings::PULL_CURSOR))?.and_then(|c| c.parse().ok()).unwrap_or(0);
        let first = PullQuery { after: cursor, limit: MAX_PULL_LIMIT, remaining: true };
        let (mut total, mut first_page) = (None, true);
        // The next pages download and are read while this one is applied: the server, the
        // reading and the device's disk work at the same time (`ahead.rs`).
        super::ahead::each_page(client, token, first, |page| {
            let told = |total: Option<u64>, applied: u64| PullProgress {
                applied,
                total: total.map(|t: u64| t.max(applied)),
            };
            if std::mem::take(&mut first_page) {
                total = page.remaining.map(|rest| rest + page.len() as u64);
                progress(told(total, 0), &[]);
            }
            let arrived = store.with(|s| apply_page_as(s, &page, me, durability))?;
            pulled += page.len();
            progress(told(total, pulled as u64), &arrived);
            news.extend(arrived);
            Ok(())
        })?;
        Ok((pulled, news))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that takes the connection and never answers, then drops it: a slow link.
    #[cfg(feature = "client")]
    #[test]
    fn the_screens_use_the_store_while_a_sync_waits_on_the_server() {
        use crate::store::StoreAccess;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (reached, server_reached) = std::sync::mpsc::channel();
        let server = std::thread::spawn(move || {
            let (connection, _) = listener.accept().unwrap();
            reached.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(2));
            drop(connection);
        });
        let mut store = Store::open_in_memory().unwrap();
        store.set_setting(settings::TOKEN, "a-device-token").unwrap();
        let homes: Vec<_> = crate::demo::households(3, 20).collect();
        store.put_households(&homes).unwrap();
        let shared = std::sync::Mutex::new(store);
        let client = client::Client::new(&url).unwrap();
        std::thread::scope(|scope| {
            let syncing = scope.spawn(|| sync_shared(&shared, &client));
            server_reached.recv().unwrap();
            // The sync waits on the server; a technician searches meanwhile.
            let found = shared.with(|s| s.search_households(&homes[4].account_no, 5)).unwrap();
            assert_eq!(found, vec![homes[4].clone()]);
            assert!(!syncing.is_finished(), "the search ran while the sync was still waiting");
            let outcome = syncing.join().unwrap();
            assert!(matches!(outcome, Err(crate::Error::Unreachable(_))), "{outcome:?}");
        });
        let store = shared.into_inner().unwrap();
        assert!(status(&store).unwrap().last_error.is_some(), "the status bar says why");
        server.join().unwrap();
    }

    /// A stand-in for the server's pull on loopback: answers `GET /v1/sync/pull?after=N…` with
    /// the page that starts after `N` (the real wire types, serialized), and records each
    /// request line. Serves `pages.len()` requests, then stops.
    #[cfg(feature = "client")]
    fn serve_pages(
        pages: Vec<crate::protocol::PullResponse>,
    ) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let mut asked = Vec::new();
            for _ in 0..pages.len() {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut header = String::new();
                while reader.read_line(&mut header).unwrap() > 2 {
                    header.clear();
                }
                let after: u64 = request_line
                    .split(['?', '&', ' '])
                    .find_map(|p| p.strip_prefix("after="))
                    .and_then(|a| a.parse().ok())
                    .unwrap();
                let page = pages.iter().find(|p| p.changes.first().is_some_and(|c| c.seq > after)).unwrap();
                let body = serde_json::to_string(page).unwrap();
                write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
                asked.push(request_line.trim().to_owned());
            }
            asked
        });
        (url, server)
    }

    /// A first pull of three pages: the progress is told once the first page is in, then after
    /// each page is applied, with the store released each time; the first page alone asks the
    /// server to count; an order assigned to the technician comes back as news.
    #[cfg(feature = "client")]
    #[test]
    fn a_first_pull_tells_its_progress_page_by_page_with_the_store_free() {
        use crate::protocol::{Incoming, PullResponse, PulledChange, WorkOrderState};
        let homes: Vec<_> = crate::demo::households(4, 10).collect();
        let mut order = crate::demo::work_order(crate::demo::now());
        let me = crate::model::User {
            id: uuid::Uuid::from_u128(77),
            username: "tech1".into(),
            display_name: "张师傅".into(),
            role: crate::model::Role::Technician,
            station_id: Some(order.station_id),
        };
        order.assignee_id = Some(me.id);
        let mut changes: Vec<Incoming> = homes.iter().cloned().map(Incoming::Household).collect();
        changes.insert(
            9,
            Incoming::WorkOrder(WorkOrderState { order: order.clone(), clocks: Default::default() }),
        );
        let changes: Vec<PulledChange> = changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| PulledChange { seq: i as u64 + 1, change })
            .collect();
        let page = |from: usize, to: usize, remaining| PullResponse {
            changes: changes[from..to].to_vec(),
            next_cursor: to as u64,
            more: to < changes.len(),
            remaining,
        };
        // 11 changes: 4 + 4 + 3; only the first page was asked to count.
        let (url, server) = serve_pages(vec![page(0, 4, Some(7)), page(4, 8, None), page(8, 11, None)]);

        let mut store = Store::open_in_memory().unwrap();
        store.set_setting(settings::TOKEN, "a-device-token").unwrap();
        store.set_setting(settings::USER, &serde_json::to_string(&me).unwrap()).unwrap();
        let shared = std::sync::Mutex::new(store);
        let client = client::Client::new(&url).unwrap();
        let mut told = Vec::new();
        let mut arrived = Vec::new();
        let report = sync_shared_with(&shared, &client, &mut |progress, news| {
            let store = shared.try_lock().expect("the store is free while the progress is told");
            let held = crate::store::households::count(store.conn()).unwrap();
            told.push((progress, held));
            arrived.extend(news.iter().map(|n| (progress.applied, n.order.id)));
        })
        .unwrap();

        let at = |applied, held| (PullProgress { applied, total: Some(11) }, held);
        assert_eq!(told, vec![at(0, 0), at(4, 4), at(8, 8), at(11, 10)]);
        let asked = server.join().unwrap();
        assert!(asked[0].contains("after=0&") && asked[0].contains("remaining=true"), "{asked:?}");
        assert!(asked[1..].iter().all(|a| !a.contains("remaining")), "later pages need no count: {asked:?}");
        assert_eq!((report.pulled, report.first_pull), (11, true));
        assert_eq!(arrived, vec![(11, order.id)], "told with the page that brought it");
        assert_eq!(report.news.len(), 1);
        assert_eq!((report.news[0].order.id, report.news[0].kind), (order.id, news::NewsKind::AssignedToMe));
        let store = shared.into_inner().unwrap();
        assert!(status(&store).unwrap().last_success_at.is_some(), "the first pull is done");
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let waits: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        for (i, w) in waits.iter().enumerate() {
            let ceiling = Duration::from_secs(1 << i.min(6)).min(Duration::from_secs(60));
            assert!(
                *w >= ceiling / 2 && *w <= ceiling,
                "attempt {i}: {w:?} outside {:?}..{ceiling:?}",
                ceiling / 2
            );
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }
}
