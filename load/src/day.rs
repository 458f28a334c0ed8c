//! One simulated tablet: hearth-core's own device store (a SQLite file, as on a tablet) and
//! sync client, so every request is exactly what a tablet sends — the store is not the
//! bottleneck at these rates (a save is one small transaction), and using it means pushes carry
//! real outbox batches and pulls are applied as a tablet applies them.
//!
//! The tablet logs in, does its first pull, then works through its days: the office makes and
//! assigns a few orders (through the console, [`Office`]); the tablet pulls them, moves each to
//! en route (synced), on site, and signs its record (a repair record or a temperature check,
//! which finishes the order), syncing after each; between orders it makes standalone
//! temperature checks; some records carry a photo, uploaded by the sync before the push that
//! refers to it. An error is counted and the day goes on, as a technician's would.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use hearth_core::demo;
use hearth_core::model::{Household, HouseholdStatus, ReportBody, User, WorkOrderKind, WorkOrderStatus};
use hearth_core::store::{Store, households};
use hearth_core::sync::{self, client::Client};
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::office::Office;

/// The shape of every tablet's day.
#[derive(Debug, Clone)]
pub struct Plan {
    pub days: u32,
    pub orders_per_day: u32,
    pub checks_per_day: u32,
    /// Every how many records one carries a photo; 0: none.
    pub photo_every: u32,
    pub photo_bytes: usize,
    /// A technician's average pause between two actions.
    pub think: Duration,
}

/// What every tablet shares: the figures, the office, where the databases go.
pub struct Shared<'a> {
    pub metrics: Arc<Metrics>,
    pub plan: &'a Plan,
    pub company_ca: Option<&'a str>,
    pub dir: &'a Path,
    pub seed: u64,
}

/// One tablet's login, made for the run.
#[derive(Debug, Clone)]
pub struct Tablet {
    pub n: u32,
    pub username: String,
    pub password: String,
    pub server: String,
}

/// What a tablet did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// The logged-in technician; None if the login failed.
    pub user_id: Option<Uuid>,
    /// The reports the server told this tablet it accepted (they left its outbox).
    pub accepted: Vec<Uuid>,
    /// Reports signed and saved on the tablet.
    pub saved: u64,
    /// Outbox entries still waiting at the end (the server never answered them).
    pub pending: u64,
    /// Outbox entries the server refused for good.
    pub rejected: u64,
    pub status_moves: u64,
    pub photos: u64,
    /// Orders the office made and assigned to this tablet's technician.
    pub orders: u64,
    pub syncs: u64,
    /// Why the tablet could not work at all (its login failed).
    pub failed: Option<String>,
}

/// Where the tablets wait for each other between their first pull and their first day: a
/// barrier that a tablet that never started can be excused from.
#[derive(Debug)]
pub struct Morning {
    waiting_for: Mutex<usize>,
    all_here: Condvar,
    /// When the last tablet arrived (or was excused).
    came: Mutex<Option<std::time::Instant>>,
}

impl Morning {
    /// A morning for `tablets` tablets.
    pub fn new(tablets: usize) -> Morning {
        Morning { waiting_for: Mutex::new(tablets), all_here: Condvar::new(), came: Mutex::new(None) }
    }

    /// This tablet is ready: waits until every other one is (or was excused).
    pub fn arrive(&self) {
        let mut left = self.leave_one();
        while *left > 0 {
            left = self.all_here.wait(left).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// A tablet that will never arrive (its thread did not start).
    pub fn excuse(&self) {
        drop(self.leave_one());
    }

    /// One fewer to wait for; the last one notes the time.
    fn leave_one(&self) -> std::sync::MutexGuard<'_, usize> {
        let mut left = self.waiting_for.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *left = left.saturating_sub(1);
        if *left == 0 {
            *self.came.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some(std::time::Instant::now());
        }
        self.all_here.notify_all();
        left
    }

    /// When every tablet had arrived (or been excused), if they all have.
    pub fn came(&self) -> Option<std::time::Instant> {
        *self.came.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How many of the station's households a tablet picks its visits from.
const VISITED: usize = 64;
/// Syncs at the end to empty the outbox after a failed one.
const FINAL_TRIES: u32 = 3;

struct Device<'a> {
    shared: &'a Shared<'a>,
    office: Office,
    store: Store,
    client: Client,
    user: User,
    rng: fastrand::Rng,
    households: Vec<Household>,
    saved: Vec<Uuid>,
    /// Exchanges of this tablet's client that failed: a failed sync that added none failed on
    /// the device (its store), which the observer cannot see.
    http_errors: Arc<AtomicU64>,
    /// Set until the first sync is over: its pulls count as `first_pull`.
    first_pull: Arc<AtomicBool>,
    records: u32,
    outcome: Outcome,
}

/// Runs one tablet through its days; `office` is the office's login at the tablet's server.
/// Every tablet waits at `morning` (one wait each, whatever happens) once its first pull is
/// over.
pub fn work(tablet: &Tablet, office: Office, shared: &Shared<'_>, morning: &Morning) -> Outcome {
    let mut outcome = Outcome::default();
    let device = match Device::login(tablet, office, shared) {
        Ok(device) => device,
        Err(e) => {
            morning.arrive();
            outcome.failed = Some(format!("tablet {} ({}): {e}", tablet.n, tablet.username));
            return outcome;
        }
    };
    device.run(morning)
}

impl<'a> Device<'a> {
    fn login(tablet: &Tablet, office: Office, shared: &'a Shared<'a>) -> anyhow::Result<Device<'a>> {
        let mut store = Store::open(shared.dir.join(format!("tablet-{}.sqlite", tablet.n)))?;
        let http_errors = Arc::new(AtomicU64::new(0));
        let first_pull = Arc::new(AtomicBool::new(true));
        let observer = {
            let (metrics, errors, first) = (shared.metrics.clone(), http_errors.clone(), first_pull.clone());
            Arc::new(move |exchange: &sync::client::Exchange| {
                metrics.observe(exchange, first.load(Ordering::Relaxed));
                if exchange.error.is_some() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let client = Client::with_company_ca(&tablet.server, shared.company_ca)?.with_observer(observer);
        let name = format!("hearth-load tablet {}", tablet.n);
        let user = sync::login(&mut store, &client, &tablet.username, &tablet.password, &name)?;
        let rng =
            fastrand::Rng::with_seed(shared.seed.wrapping_mul(1_000_003).wrapping_add(u64::from(tablet.n)));
        let outcome = Outcome { user_id: Some(user.id), ..Outcome::default() };
        Ok(Device {
            shared,
            office,
            store,
            client,
            user,
            rng,
            households: Vec::new(),
            saved: Vec::new(),
            http_errors,
            first_pull,
            records: 0,
            outcome,
        })
    }

    fn run(mut self, morning: &Morning) -> Outcome {
        self.sync();
        self.first_pull.store(false, Ordering::Relaxed);
        // Every tablet has its first pull before the first day starts, as tablets are set up
        // before they go out: the days' figures are not those of first pulls.
        morning.arrive();
        // Technicians do not all start their day at the same second.
        self.think();
        if let Err(e) = self.pick_households() {
            self.outcome.failed = Some(format!("{}: {e}", self.user.username));
            return self.outcome;
        }
        for _ in 0..self.shared.plan.days {
            self.day();
        }
        for _ in 0..FINAL_TRIES {
            if self.store.outbox_len().unwrap_or(1) == 0 {
                break;
            }
            self.sync();
        }
        self.tally();
        self.outcome
    }

    /// The connected households of the station the tablet visits, from its first pull.
    fn pick_households(&mut self) -> anyhow::Result<()> {
        let ids: Vec<String> = {
            let mut stmt =
                self.store.conn().prepare("SELECT id FROM households WHERE status = 'connected'")?;
            stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        for _ in 0..VISITED.min(ids.len()) {
            let id: Uuid = ids[self.rng.usize(..ids.len())].parse()?;
            if let Some(h) = households::get(self.store.conn(), id)?
                && h.status == HouseholdStatus::Connected
            {
                self.households.push(h);
            }
        }
        if self.households.is_empty() {
            anyhow::bail!("the first pull brought no household of the station to visit");
        }
        Ok(())
    }

    fn household(&mut self) -> Household {
        self.households[self.rng.usize(..self.households.len())].clone()
    }

    /// A technician's pause: `--think-ms` on average, drawn from half to one and a half of
    /// it, so that tablets started together do not act in lockstep.
    fn think(&mut self) {
        if !self.shared.plan.think.is_zero() {
            std::thread::sleep(self.shared.plan.think.mul_f64(0.5 + self.rng.f64()));
        }
    }

    /// A sync as the app's worker runs it after an action; a failure is counted (the
    /// requests' by the observer, the device's own here) and the day goes on.
    fn sync(&mut self) {
        let before = self.http_errors.load(Ordering::Relaxed);
        self.outcome.syncs += 1;
        match sync::sync(&mut self.store, &self.client) {
            Ok(_) => {}
            Err(e) if self.http_errors.load(Ordering::Relaxed) == before => {
                self.shared.metrics.other_error(format!("device sync {}", e.code()));
            }
            Err(_) => {}
        }
    }

    /// Counts an error of the device's own (not an HTTP exchange's).
    fn failed(&self, what: &str, error: &hearth_core::Error) {
        self.shared.metrics.other_error(format!("device {what} {}", error.code()));
    }

    fn day(&mut self) {
        let orders = self.office_makes_orders();
        self.think();
        self.sync();
        for id in orders {
            self.work_order(id);
        }
        for i in 0..self.shared.plan.checks_per_day {
            let household = self.household();
            self.sign(&household, None, WorkOrderKind::TemperatureCheck);
            self.think();
            if i % 2 == 1 {
                self.sync();
            }
        }
        self.sync();
    }

    /// The office makes today's orders for households of the tablet's station and assigns
    /// them to its technician: repairs and temperature checks, alternately.
    fn office_makes_orders(&mut self) -> Vec<Uuid> {
        let mut made = Vec::new();
        for k in 0..self.shared.plan.orders_per_day {
            let household = self.household();
            let (kind, words) = if k % 2 == 0 {
                (WorkOrderKind::Repair, "卧室暖气不热，阀门处有异响")
            } else {
                (WorkOrderKind::TemperatureCheck, "用户反映室温偏低，请入户测温")
            };
            // The errors are counted by the office's calls; the day goes on without the order.
            let Ok(order) = self.office.create_order(household.id, kind, words) else { continue };
            if self.office.assign(order.id, &self.user).is_ok() {
                self.outcome.orders += 1;
                made.push(order.id);
            }
        }
        made
    }

    /// En route (synced), on site, the signed record that finishes it (synced).
    fn work_order(&mut self, id: Uuid) {
        let order = match self.store.work_order(id) {
            Ok(Some(state)) => state.order,
            Ok(None) => {
                self.shared.metrics.other_error("device order_not_pulled");
                return;
            }
            Err(e) => return self.failed("read_order", &e),
        };
        for to in [WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite] {
            match self.store.advance_work_order(id, to, None) {
                Ok(_) => self.outcome.status_moves += 1,
                Err(e) => self.failed("status_move", &e),
            }
            self.think();
            if to == WorkOrderStatus::EnRoute {
                self.sync();
            }
        }
        let household = match households::get(self.store.conn(), order.household_id) {
            Ok(Some(h)) => h,
            Ok(None) => return self.shared.metrics.other_error("device household_not_pulled"),
            Err(e) => return self.failed("read_household", &e),
        };
        self.sign(&household, Some(id), order.kind);
        self.think();
        self.sync();
    }

    /// Signs and saves a record for `household` — a repair record for a repair order, a
    /// temperature check otherwise — with a photo on every `photo_every`-th record.
    fn sign(&mut self, household: &Household, order: Option<Uuid>, kind: WorkOrderKind) {
        let at = chrono::Utc::now();
        let body = match kind {
            WorkOrderKind::Repair => ReportBody::RepairVisit(demo::repair_visit(at)),
            _ => ReportBody::TemperatureCheck(demo::temperature_check(at)),
        };
        let mut report = demo::report(body, household.id, self.user.id, at);
        report.work_order_id = order;
        self.records += 1;
        let every = self.shared.plan.photo_every;
        if every > 0 && self.records.is_multiple_of(every) {
            let bytes = self.photo(report.id);
            match self.store.put_blob(&bytes, "image/jpeg") {
                Ok(photo) => {
                    report.attachments.push(photo);
                    self.outcome.photos += 1;
                }
                Err(e) => self.failed("photo", &e),
            }
        }
        let id = report.id;
        let saved =
            demo::sign(report, &household.owner_name, at).and_then(|s| self.store.save_signed_report(&s));
        match saved {
            Ok(()) => {
                self.saved.push(id);
                self.outcome.saved += 1;
            }
            Err(e) => self.failed("save_report", &e),
        }
    }

    /// A photo's bytes: a JPEG's markers around random data that does not compress, with the
    /// report's id in it, so every photo is a new blob even in a run with the same seed.
    fn photo(&mut self, report: Uuid) -> Vec<u8> {
        let mut bytes = vec![0u8; self.shared.plan.photo_bytes.max(24)];
        self.rng.fill(&mut bytes);
        bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        bytes[4..20].copy_from_slice(report.as_bytes());
        let n = bytes.len();
        bytes[n - 2..].copy_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    /// What the tablet knows at the end: which of its reports left the outbox accepted, which
    /// were refused (by the server's code) and what still waits.
    fn tally(&mut self) {
        let conn = self.store.conn();
        let waiting: rusqlite::Result<Vec<(String, Option<String>)>> = (|| {
            let mut stmt =
                conn.prepare("SELECT entity_id, rejected_code FROM outbox WHERE entity = 'report'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })();
        let waiting = match waiting {
            Ok(rows) => rows,
            Err(e) => {
                self.shared.metrics.other_error(format!("device tally {e}"));
                return;
            }
        };
        let held: std::collections::HashSet<&str> = waiting.iter().map(|(id, _)| id.as_str()).collect();
        self.outcome.accepted =
            self.saved.iter().copied().filter(|id| !held.contains(id.to_string().as_str())).collect();
        for (_, code) in &waiting {
            if let Some(code) = code {
                self.shared.metrics.other_error(format!("rejected {code}"));
            }
        }
        self.outcome.rejected = hearth_core::store::outbox::rejected_len(conn).unwrap_or(0);
        self.outcome.pending = hearth_core::store::outbox::len(conn).unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_morning_waits_for_every_tablet_but_the_excused() {
        let morning = Morning::new(3);
        let arrived = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    morning.arrive();
                    arrived.fetch_add(1, Ordering::SeqCst);
                });
            }
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(arrived.load(Ordering::SeqCst), 0, "two of three are not all");
            morning.excuse();
        });
        assert_eq!(arrived.load(Ordering::SeqCst), 2);
        assert!(morning.came().is_some(), "the morning came when the last was excused");
    }
}
