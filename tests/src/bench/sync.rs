//! Benchmarks of sync against the real `hearth-server` on loopback (issue 3's W1–W4):
//! - `W1_push_10k`: one device pushes 10,000 signed reports to a server that has none;
//! - `W2_pull_100k`: a new device's first pull of 100,000 households (run in a child process,
//!   which also reports its peak RSS);
//! - `W3_push_1k_edits`: 1,000 work-order edits pushed after W1;
//! - `W4_20_devices`: 20 devices push 1,000 reports each at the same time.
//!
//! - `W2_pull_1m`: the same first pull of a city of 1,000,000 households (the dispatcher's
//!   scope: every station), in a child process too.
//!
//! Each runs on SQLite or PostgreSQL ([`Backend`]); each line gives the wall time in seconds
//! of the timed sync calls, `errors`, the backend, and what limited it ([`Meter`]).

use std::path::Path;
use std::time::Instant;

use hearth_core::model::{Household, Priority};
use hearth_core::protocol::WorkOrderFields;
use hearth_core::store::Store;
use hearth_core::sync::{self, client::Client};
use serde_json::json;

use super::backend::{Backend, Installation};
use super::meter::Meter;
use crate::server::Server;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const PASSWORD: &str = "bench-password";
const STATION: &str = "和平供热站";

fn line(workload: &str, backend: &Backend, seconds: f64, extra: serde_json::Value) -> String {
    let mut fields = vec![("workload".to_owned(), json!(workload))];
    for more in [backend.fields(), json!({ "seconds": super::round3(seconds) }), extra] {
        if let serde_json::Value::Object(more) = more {
            fields.extend(more);
        }
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{v}", json!(k))).collect();
    format!("{{{}}}", body.join(","))
}

/// A device logged in to `server` as `username`, its store in `dir`.
fn device(server: &Server, dir: &Path, username: &str) -> BenchResult<(Store, Client)> {
    let mut store = Store::open(dir.join(format!("{username}.sqlite")))?;
    let client = Client::new(&server.url())?;
    sync::login(&mut store, &client, username, PASSWORD, "bench tablet")?;
    Ok((store, client))
}

fn households_of(store: &Store) -> BenchResult<Vec<Household>> {
    let mut stmt = store.conn().prepare("SELECT id FROM households ORDER BY seq")?;
    let ids: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| {
            Ok(hearth_core::store::households::get(store.conn(), id.parse()?)?.ok_or("household vanished")?)
        })
        .collect()
}

/// Signs and saves `n` temperature checks, round the device's households (not timed).
pub(crate) fn sign_reports(store: &mut Store, n: usize) -> BenchResult<()> {
    let households = households_of(store)?;
    let now = chrono::Utc::now();
    // The logged-in user is the author: the server refuses reports by someone else (issue 13).
    let user = store.setting(hearth_core::store::settings::USER)?.ok_or("not logged in")?;
    let author = serde_json::from_str::<hearth_core::model::User>(&user)?.id;
    for i in 0..n {
        let signed =
            hearth_core::demo::signed_temperature_check(&households[i % households.len()], author, now)?;
        store.save_signed_report(&signed)?;
    }
    Ok(())
}

/// W1 and W3 on one server.
pub fn push_reports_then_edits(dir: &Path, backend: &Backend) -> BenchResult<Vec<String>> {
    let dir = &dir.join(format!("w1-{}", backend.name()));
    let db = Installation::new(backend, &dir.join("w1-server"));
    db.cli(&["demo", "--households", "2000"]);
    db.add_user("w1-tech", "technician", Some(STATION), PASSWORD);
    db.add_user("w3-office", "dispatcher", None, PASSWORD);
    let server = db.serve();

    let (mut store, client) = device(&server, dir, "w1-tech")?;
    sync::sync(&mut store, &client)?;
    sign_reports(&mut store, 10_000)?;
    let started = Instant::now();
    let (report, w1_cpu) = cpu_of(&server, backend, || sync::sync(&mut store, &client));
    let w1 = started.elapsed().as_secs_f64();
    let report = report?;
    let errors = 10_000 - report.pushed + sync::status(&store)?.pending as usize;

    let (mut office, office_client) = device(&server, dir, "w3-office")?;
    sync::sync(&mut office, &office_client)?;
    let orders = office.open_work_orders()?;
    for i in 0..1000 {
        let priority = [Priority::Urgent, Priority::Normal][i % 2];
        office.edit_work_order(
            orders[i % orders.len()].id,
            &WorkOrderFields { priority: Some(priority), ..Default::default() },
        )?;
    }
    let started = Instant::now();
    let (edits, w3_cpu) = cpu_of(&server, backend, || sync::sync(&mut office, &office_client));
    let w3 = started.elapsed().as_secs_f64();
    let edits = edits?;
    Ok(vec![
        line(
            "W1_push_10k",
            backend,
            w1,
            merged(json!({ "reports": report.pushed, "errors": errors, "target_seconds": 0.35 }), w1_cpu),
        ),
        line(
            "W3_push_1k_edits",
            backend,
            w3,
            merged(json!({ "edits": edits.pushed, "orders": orders.len(), "target_seconds": 0.05 }), w3_cpu),
        ),
    ])
}

/// W2 on a city of `households` households (`W2_pull_100k`, `W2_pull_1m`), meant to run in a
/// process of its own so its peak RSS is the pull's. The line also gives how long making the
/// city took (`city_seconds`, the demo command's bulk import).
pub fn first_pull(dir: &Path, backend: &Backend, workload: &str, households: usize) -> BenchResult<String> {
    let db = Installation::new(backend, &dir.join("w2-server"));
    let started = Instant::now();
    db.cli(&["demo", "--households", &households.to_string()]);
    let city_seconds = started.elapsed().as_secs_f64();
    db.add_user("w2-office", "dispatcher", None, PASSWORD);
    let server = db.serve();
    let (mut store, client) = device(&server, dir, "w2-office")?;
    let started = Instant::now();
    let (report, cpu) = cpu_of(&server, backend, || sync::sync(&mut store, &client));
    let seconds = started.elapsed().as_secs_f64();
    let report = report?;
    // What the app does next, when idle (not timed as the pull), as its sync worker does:
    // copy the WAL into the database file (a first pull's whole WAL: no checkpoint ran during
    // it)...
    let started = Instant::now();
    store.checkpoint()?;
    let checkpoint_seconds = started.elapsed().as_secs_f64();
    // ...then index the pulled households for search, the first chunk building their lookup
    // indexes (a first pull is a bulk load without them: hearth_core::store::bulk).
    let started = Instant::now();
    while store.index_household_backlog(10_000)? > 0 {}
    let index_seconds = started.elapsed().as_secs_f64();
    let (target_seconds, target_rss_mb) = if households >= 1_000_000 { (3.0, 200) } else { (1.0, 150) };
    Ok(line(
        workload,
        backend,
        seconds,
        merged(
            json!({
                "households": households,
                "changes": report.pulled,
                "client_peak_rss_mb": peak_rss_mb(),
                "then_search_index_seconds": super::round3(index_seconds),
                "then_checkpoint_seconds": super::round3(checkpoint_seconds),
                "city_seconds": super::round3(city_seconds),
                "target_seconds": target_seconds,
                "target_rss_mb": target_rss_mb
            }),
            cpu,
        ),
    ))
}

/// W4: 20 devices, 1,000 reports each, pushed at the same time.
pub fn twenty_devices(dir: &Path, backend: &Backend) -> BenchResult<String> {
    let dir = &dir.join(format!("w4-{}", backend.name()));
    let db = Installation::new(backend, &dir.join("w4-server"));
    db.cli(&["demo", "--households", "2000"]);
    let names: Vec<String> = (0..20).map(|i| format!("w4-tech-{i:02}")).collect();
    for name in &names {
        db.add_user(name, "technician", Some(STATION), PASSWORD);
    }
    let server = db.serve();
    let mut devices = Vec::new();
    for name in &names {
        let (mut store, client) = device(&server, dir, name)?;
        sync::sync(&mut store, &client)?;
        sign_reports(&mut store, 1000)?;
        devices.push((store, client));
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(devices.len() + 1));
    let workers: Vec<_> = devices
        .into_iter()
        .map(|(mut store, client)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let result = sync::sync(&mut store, &client);
                let pending = sync::status(&store).map(|s| s.pending).unwrap_or(1000);
                // The store goes back to be closed after the clock stops, as in W1: closing
                // checkpoints the device's WAL, which is the app's exit, not its sync.
                (result.map(|r| r.pushed).unwrap_or(0), pending, store)
            })
        })
        .collect();
    let ((results, seconds), cpu) = cpu_of(&server, backend, || {
        barrier.wait();
        let started = Instant::now();
        let results: Vec<_> = workers.into_iter().map(|w| w.join().ok()).collect();
        (results, started.elapsed().as_secs_f64())
    });
    let pushed: usize = results.iter().flatten().map(|r| r.0).sum();
    let errors: u64 = results.iter().map(|r| r.as_ref().map_or(1000, |r| r.1)).sum();
    drop(results);
    Ok(line(
        "W4_20_devices",
        backend,
        seconds,
        merged(json!({ "reports": pushed, "errors": errors, "target_seconds": 0.6 }), cpu),
    ))
}

/// `fields` with `more`'s fields added.
fn merged(mut fields: serde_json::Value, more: serde_json::Value) -> serde_json::Value {
    if let (Some(fields), serde_json::Value::Object(more)) = (fields.as_object_mut(), more) {
        fields.extend(more);
    }
    fields
}

/// `work`'s result, with the CPU the server, PostgreSQL and this process spent on it and what
/// limited it ([`Meter`]).
fn cpu_of<T>(server: &Server, backend: &Backend, work: impl FnOnce() -> T) -> (T, serde_json::Value) {
    let meter = Meter::start(&[server.pid()], backend);
    let out = work();
    (out, meter.finish())
}

/// This process's peak resident set, in MB (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:").and_then(|kb| kb.trim().trim_end_matches(" kB").parse::<f64>().ok())
        })
        .map(|kb| super::round3(kb / 1024.0))
        .unwrap_or(0.0)
}
