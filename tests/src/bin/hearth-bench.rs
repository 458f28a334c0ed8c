//! `make bench`: runs Hearth's benchmarks and prints one JSON line per workload.
//!
//! Usage: `hearth-bench [WORKLOAD...]` — no argument runs them all. Files go to a fresh
//! folder under `HEARTH_BENCH_DIR` (default `target/bench`), on the project's own disk.
//! The sync workloads (W1–W5) run on each backend of `HEARTH_BENCH_BACKENDS` (default
//! `sqlite,postgres`; PostgreSQL is the benchmark's own cluster, with the tests' `fsync=off`,
//! and is left out in words when it is not installed); `W1_push_10k_fsync` runs W1 and W3 on
//! a PostgreSQL with `fsync=on`. `W2_pull_100k` and `W2_pull_1m` run in a child process of
//! their own, so that its peak RSS is the pull's.

use std::process::Command;

use hearth_tests::bench::{self, backend::Backend};
use serde_json::{Value, json};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = std::env::var("HEARTH_BENCH_DIR").unwrap_or_else(|_| "target/bench".to_owned());
    std::fs::create_dir_all(&root)?;
    let dir = tempfile::tempdir_in(&root)?;

    if let Some(child) = args.strip_prefix(&["--child".to_owned()]) {
        return run_child(dir.path(), child);
    }
    let runs = |name: &str| args.is_empty() || args.iter().any(|w| w == name);

    println!("{}", bench::machine());
    let wanted = std::env::var("HEARTH_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let wants = |name: &str| wanted.split(',').any(|b| b.trim() == name);
    let sqlite = Backend::Sqlite;
    let sync_workloads = [
        "W1_push_10k",
        "W3_push_1k_edits",
        "W2_pull_100k",
        "W2_pull_1m",
        "W4_20_devices",
        "W5_200_devices",
        "W5_50_devices",
    ];
    let postgres = if wants("postgres") && sync_workloads.iter().any(|w| runs(w)) {
        if hearth_tests::postgres::bin_dir().is_some() {
            Some(Backend::postgres())
        } else {
            println!(
                "{}",
                json!({"skipped": "postgres", "why": "PostgreSQL is not installed: run `make setup`"})
            );
            None
        }
    } else {
        None
    };
    let backends: Vec<&Backend> =
        [wants("sqlite").then_some(&sqlite), postgres.as_ref()].into_iter().flatten().collect();

    if runs("save_signed_report") || runs("baseline_sqlite_insert") {
        print(bench::store::save_signed_report(dir.path(), 10_000)?);
    }
    if runs("verify_signed_report") {
        print(bench::store::verify_signed_report(10_000)?);
    }
    if runs("search_households") {
        print(bench::store::search_households(dir.path(), 100_000, 1_000)?);
    }
    let mut printed = Vec::new();
    if runs("W1_push_10k") || runs("W3_push_1k_edits") {
        for backend in &backends {
            printed.extend(print(bench::sync::push_reports_then_edits(dir.path(), backend)?));
        }
    }
    if runs("W1_push_10k_fsync") {
        printed.extend(child(&["W1_push_10k_fsync"])?);
    }
    for (workload, households) in [("W2_pull_100k", "100000"), ("W2_pull_1m", "1000000")] {
        if runs(workload) {
            for backend in &backends {
                printed.extend(child(&["W2", workload, households, backend.name()])?);
            }
        }
    }
    if runs("W2_pull_station_3g") || runs("W1_push_1k_3g") {
        print(bench::network::station_over_3g(dir.path())?);
    }
    if runs("assign_to_tablet_ms") {
        println!("{}", bench::network::assign_to_tablet(dir.path())?);
    }
    if runs("idle_tablets_500") {
        println!("{}", bench::network::idle_tablets(dir.path(), 500)?);
    }
    if runs("photo_upload_flaky") {
        println!("{}", bench::network::photo_upload_flaky(dir.path())?);
    }
    if runs("photo_resize_12mp") {
        println!("{}", bench::photo::resize_12mp(5)?);
    }
    if runs("app_cold_start") || runs("app_search_keystroke") {
        print(bench::app::app(dir.path(), 100_000, 5, 200)?);
    }
    if runs("W4_20_devices") {
        for backend in &backends {
            printed.extend(print(vec![bench::sync::twenty_devices(dir.path(), backend)?]));
        }
    }
    if runs("W5_200_devices") || runs("W5_50_devices") {
        if wants("sqlite") {
            print(bench::load::paced(dir.path(), &sqlite, 1)?);
            println!("{}", bench::load::back_to_back(dir.path(), &sqlite, 1)?);
        }
        if let Some(postgres) = &postgres {
            print(bench::load::paced(dir.path(), postgres, 1)?);
            println!("{}", bench::load::two_hundred(dir.path(), postgres, 2)?);
        }
    }
    if runs("kpi_1m") {
        println!("{}", bench::console::kpi_1m(dir.path(), 1_000_000)?);
    }
    if runs("board_10k") {
        println!("{}", bench::console::board_10k(dir.path(), 10_000)?);
    }
    for comparison in comparisons(&printed) {
        println!("{comparison}");
    }
    Ok(())
}

/// The workloads that run in a child process of their own: `W2 WORKLOAD HOUSEHOLDS BACKEND`,
/// and `W1_push_10k_fsync` (whose PostgreSQL's programs come from `HEARTH_PG_BIN`).
fn run_child(dir: &std::path::Path, child: &[String]) -> BenchResult<()> {
    match child {
        [w2, workload, households, backend] if w2 == "W2" => {
            let backend = match backend.as_str() {
                "sqlite" => Backend::Sqlite,
                "postgres" => Backend::postgres(),
                other => return Err(format!("{other} is not a backend: give sqlite or postgres").into()),
            };
            println!("{}", bench::sync::first_pull(dir, &backend, workload, households.parse()?)?);
        }
        [fsync] if fsync == "W1_push_10k_fsync" => {
            print(bench::sync::push_reports_then_edits(dir, &Backend::postgres_fsync())?);
        }
        other => return Err(format!("no child workload {other:?}").into()),
    }
    Ok(())
}

/// Runs this benchmark again as a child with `--child ARGS`; prints and returns its lines.
fn child(args: &[&str]) -> BenchResult<Vec<String>> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("--child").args(args);
    let fsync_bin = if args == ["W1_push_10k_fsync"] { Some(bench::backend::fsync_pg_bin()?) } else { None };
    if let Some(bin) = &fsync_bin {
        command.env("HEARTH_PG_BIN", bin);
    }
    let out = command.output()?;
    if let Some(bin) = &fsync_bin {
        let _ = std::fs::remove_dir_all(bin);
    }
    if !out.status.success() {
        return Err(format!("{args:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(print(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()))
}

fn print(lines: Vec<String>) -> Vec<String> {
    for line in &lines {
        println!("{line}");
    }
    lines
}

/// The comparisons between the lines printed: PostgreSQL's W1 and W4 over SQLite's (target
/// within 2×), and W2's growth from 100,000 to 1,000,000 households per backend.
fn comparisons(printed: &[String]) -> Vec<Value> {
    let lines: Vec<Value> = printed.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let find = |workload: &str, backend: &str, fsync: bool| {
        lines.iter().find(|l| {
            l["workload"] == workload
                && l["backend"] == backend
                && l["pg_fsync"].as_bool().unwrap_or(false) == fsync
        })
    };
    let ratio = |a: Option<&Value>, b: Option<&Value>, field: &str| {
        let (a, b) = (a?[field].as_f64()?, b?[field].as_f64()?);
        (a > 0.0).then(|| bench::round3(b / a))
    };
    let mut out = Vec::new();
    for workload in ["W1_push_10k", "W4_20_devices"] {
        let sqlite = find(workload, "sqlite", false);
        for fsync in [false, true] {
            let postgres = find(workload, "postgres", fsync);
            if let Some(r) = ratio(sqlite, postgres, "seconds") {
                out.push(json!({
                    "workload": format!("{workload}_postgres_vs_sqlite"),
                    "pg_fsync": fsync,
                    "seconds_ratio": r,
                    "server_and_postgres_cpu_ratio": cpu_ratio(sqlite, postgres),
                    "within_2x": r <= 2.0,
                }));
            }
        }
    }
    for backend in ["sqlite", "postgres"] {
        let (small, large) = (find("W2_pull_100k", backend, false), find("W2_pull_1m", backend, false));
        if let Some(seconds) = ratio(small, large, "seconds") {
            out.push(json!({
                "workload": "W2_growth_100k_to_1m",
                "backend": backend,
                "households_ratio": 10.0,
                "seconds_ratio": seconds,
                "server_cpu_ratio": ratio(small, large, "server_cpu_s"),
                "client_cpu_ratio": ratio(small, large, "client_cpu_s"),
                "client_peak_rss_ratio": ratio(small, large, "client_peak_rss_mb"),
                "linear_or_better": seconds <= 10.0 * 1.1,
            }));
        }
    }
    out
}

/// PostgreSQL's server and database CPU over SQLite's server CPU.
fn cpu_ratio(sqlite: Option<&Value>, postgres: Option<&Value>) -> Option<f64> {
    let sqlite = sqlite?["server_cpu_s"].as_f64()?;
    let postgres = postgres?["server_cpu_s"].as_f64()? + postgres?["postgres_cpu_s"].as_f64().unwrap_or(0.0);
    (sqlite > 0.0).then(|| bench::round3(postgres / sqlite))
}
