//! `hearth-load`: N simulated tablets work through their days against one or more Hearth
//! servers, then every accepted report is looked up through the console. Prints one JSON
//! line per endpoint and a summary (see `hearth-load --help`).

mod check;
mod cli;
mod day;
mod metrics;
mod office;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use serde_json::json;

use crate::day::{Plan, Shared, Tablet};
use crate::metrics::Metrics;
use crate::office::Office;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("hearth-load: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn say(words: &str) {
    eprintln!("hearth-load: {words}");
}

/// The run; `Ok(false)` when something was lost or doubled or errors passed `--max-errors`,
/// `Err` when the run could not start.
fn run(args: &cli::Args) -> Result<bool> {
    let servers = args.servers().map_err(|e| anyhow!(e))?;
    let admin = args.admin_login().map_err(|e| anyhow!(e))?;
    let company_ca = match &args.ca {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("cannot read --ca {}", path.display()))?,
        ),
        None => None,
    };
    let metrics = Arc::new(Metrics::default());
    let started = Instant::now();

    let office = Office::login(
        office::http(company_ca.as_deref())?,
        &servers[0],
        &admin.username,
        &admin.password,
        metrics.clone(),
    )?;
    let stations = office.stations().context("cannot list the stations")?;
    let crewed = office.crewed_stations().context("cannot list the users")?;
    // The stations with crews (a station without is one an admin added but nobody serves, and
    // may have no households to visit), or every station if no crew exists yet.
    let stations: Vec<_> =
        match stations.iter().filter(|s| crewed.contains(&s.id)).cloned().collect::<Vec<_>>() {
            with_crews if !with_crews.is_empty() => with_crews,
            _ => stations,
        };
    if stations.is_empty() {
        return Err(anyhow!("the server has no stations to spread the technicians over; add one first"));
    }
    let run_name = args.run_name();
    let password = format!("load-{:016x}", fastrand::Rng::new().u64(..));
    let mut tablets = Vec::new();
    for n in 0..args.devices {
        let username = format!("load-{run_name}-{n}");
        let station = &stations[n as usize % stations.len()];
        office.add_technician(&username, &format!("负载测试{n}"), &password, station.id).with_context(
            || format!("cannot add the technician {username} (another run named {run_name}? give --run)"),
        )?;
        let server = servers[n as usize % servers.len()].clone();
        tablets.push(Tablet { n, username, password: password.clone(), server });
    }
    let setup = started.elapsed();
    say(&format!(
        "{} technicians load-{run_name}-0… added over {} stations in {:.1} s; {} tablets × {} days on {}",
        args.devices,
        stations.len(),
        setup.as_secs_f64(),
        args.devices,
        args.days,
        servers.join(", ")
    ));

    let dir = tempfile::Builder::new()
        .prefix("hearth-load-")
        .tempdir_in(&args.work_dir)
        .with_context(|| format!("cannot make a folder for the tablets in {}", args.work_dir.display()))?;
    let plan = Plan {
        days: args.days,
        orders_per_day: args.orders_per_day,
        checks_per_day: args.checks_per_day,
        photo_every: args.photo_every,
        photo_bytes: args.photo_kb as usize * 1024,
        think: Duration::from_millis(args.think_ms),
    };
    let shared = Shared {
        metrics: metrics.clone(),
        plan: &plan,
        company_ca: company_ca.as_deref(),
        dir: dir.path(),
        seed: args.seed,
    };
    let working = Instant::now();
    let morning = day::Morning::new(tablets.len());
    let outcomes: Vec<day::Outcome> = std::thread::scope(|scope| {
        let workers: Vec<_> = tablets
            .iter()
            .map(|tablet| {
                let (office, shared, morning) = (office.at(&tablet.server), &shared, &morning);
                std::thread::Builder::new()
                    .name(format!("tablet-{}", tablet.n))
                    .spawn_scoped(scope, move || day::work(tablet, office, shared, morning))
            })
            .collect();
        // A tablet whose thread did not start is excused from the morning before any is
        // waited for, so the others do not wait for it.
        for _ in workers.iter().filter(|w| w.is_err()) {
            morning.excuse();
        }
        workers
            .into_iter()
            .map(|w| match w.map(|w| w.join()) {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(e) => day::Outcome {
                    failed: Some(format!("cannot start a tablet's thread: {e}")),
                    ..Default::default()
                },
            })
            .collect()
    });
    let wall = working.elapsed();
    let morning_came = morning.came().map_or(wall, |at| at.duration_since(working));
    for failed in outcomes.iter().filter_map(|o| o.failed.as_deref()) {
        say(failed);
        metrics.other_error("tablet could_not_work");
    }
    let pending: u64 = outcomes.iter().map(|o| o.pending).sum();
    for _ in 0..pending {
        metrics.other_error("device unsent");
    }
    say(&format!(
        "the tablets worked {:.1} s; checking every accepted report through the console",
        wall.as_secs_f64()
    ));

    let verdict = check::check(&office, &outcomes);
    let lines = metrics.endpoint_lines(wall);
    let totals = metrics.totals();
    for line in &lines {
        println!("{line}");
    }
    let (verdict, check_error) = match verdict {
        Ok(v) => (v, None),
        Err(e) => (check::Verdict::default(), Some(format!("{e:#}"))),
    };
    let sum = |f: fn(&day::Outcome) -> u64| outcomes.iter().map(f).sum::<u64>();
    let ok = check_error.is_none()
        && verdict.lost == 0
        && verdict.doubled == 0
        && totals.errors <= args.max_errors;
    let summary = json!({
        "summary": true,
        "run": run_name,
        "servers": servers,
        "devices": args.devices,
        "days": args.days,
        "wall_seconds": (wall.as_secs_f64() * 1000.0).round() / 1000.0,
        "setup_seconds": (setup.as_secs_f64() * 1000.0).round() / 1000.0,
        "first_pull_seconds": (morning_came.as_secs_f64() * 1000.0).round() / 1000.0,
        "days_seconds": ((wall - morning_came).as_secs_f64() * 1000.0).round() / 1000.0,
        "requests": totals.requests,
        "rps": metrics::rate(totals.requests, wall),
        "errors": totals.errors,
        "errors_by_code": totals.errors_by_code,
        "max_errors": args.max_errors,
        "bytes_sent": totals.bytes_sent,
        "bytes_received": totals.bytes_received,
        "orders_assigned": sum(|o| o.orders),
        "status_moves": sum(|o| o.status_moves),
        "reports_signed": sum(|o| o.saved),
        "photos": sum(|o| o.photos),
        "syncs": sum(|o| o.syncs),
        "reports_accepted": verdict.accepted,
        "reports_on_server": verdict.on_server,
        "rejected": sum(|o| o.rejected),
        "unsent": pending,
        "lost": verdict.lost,
        "doubled": verdict.doubled,
        "lost_examples": verdict.lost_examples,
        "check_error": check_error,
        "ok": ok,
    });
    println!("{summary}");
    if !ok {
        say(&format!(
            "FAILED: {} lost, {} doubled, {} errors (at most {} allowed){}",
            verdict.lost,
            verdict.doubled,
            totals.errors,
            args.max_errors,
            check_error.map(|e| format!("; the check could not be made: {e}")).unwrap_or_default()
        ));
    }
    Ok(ok)
}
