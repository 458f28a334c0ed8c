//! W5 (issue 14): tablets working through a day, through the release `hearth-load` binary,
//! against one hearth-server on SQLite, one on PostgreSQL and two instances on one PostgreSQL
//! database — 200 tablets (`W5_200_devices`) and 50 (`W5_50_devices`) pausing half a second
//! between actions, how the cost grows from 50 to 200 (`W5_growth_50_to_200`), and on SQLite
//! 200 tablets back to back (`W5_200_devices_back_to_back`: no pause, so the push latency is
//! the queue of 200 tablets always waiting on one server). Each run gets a fresh database
//! with a demo city of 20,000 households (5,000 per station, each tablet's first pull).
//! hearth-load runs on the same two cores as the servers and PostgreSQL, at the lowest CPU
//! priority (`nice -n 19`): in the field each tablet's work (signing, its own SQLite store,
//! applying pages) runs on the tablet, so here it takes only the CPU the servers leave, instead
//! of 200 tablet threads outnumbering the server's few for the cores. Its latencies still count
//! its own reading of each answer.
//!
//! Each line gives hearth-load's own figures (push latency percentiles, errors, requests per
//! second, lost and doubled) with the CPU seconds the servers, PostgreSQL and hearth-load
//! spent and what limited the run ([`Meter`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::backend::{Backend, Installation};
use super::meter::Meter;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The demo city's size: each of its four stations' tablets pulls a quarter of it first.
const HOUSEHOLDS: &str = "20000";

/// The `hearth-load` binary next to the running benchmark.
fn hearth_load() -> BenchResult<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.parent().ok_or("no folder")?.join("hearth-load");
    if !bin.exists() {
        return Err(format!("{} is missing: build it first (`make bench` does)", bin.display()).into());
    }
    Ok(bin)
}

/// One W5 run: `devices` tablets × one day, each pausing `think_ms` between two actions,
/// spread over `instances` servers on one database of `backend`; hearth-load's endpoint lines
/// and summary, the summary with the measured CPU.
fn run(
    dir: &Path,
    backend: &Backend,
    instances: usize,
    devices: u32,
    think_ms: u32,
) -> BenchResult<(Vec<Value>, Value)> {
    let db = Installation::new(
        backend,
        &dir.join(format!("w5-{}-{instances}-{devices}-{think_ms}", backend.name())),
    );
    db.cli(&["demo", "--households", HOUSEHOLDS]);
    let servers: Vec<_> = (0..instances).map(|_| db.serve()).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url()).collect();
    let pids: Vec<u32> = servers.iter().map(|s| s.pid()).collect();
    let meter = Meter::start(&pids, backend);
    // The tablets' own work (signing, their stores, applying pages) runs on 200 tablets in the
    // field; here it shares the server's two cores, so it yields them to the server first.
    let out = Command::new("nice")
        .args(["-n", "19"])
        .arg(hearth_load()?)
        .args(["--server", &urls.join(","), "--devices", &devices.to_string(), "--days", "1"])
        .args(["--admin", "admin:demo-admin", "--run", &format!("w5-{devices}"), "--max-errors", "1000000"])
        .args(["--think-ms", &think_ms.to_string()])
        .arg("--work-dir")
        .arg(dir)
        .output()?;
    let measured = meter.finish();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let Some(summary) = lines.iter().find(|l| l["summary"] == true).cloned() else {
        return Err(format!(
            "hearth-load printed no summary ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    };
    let mut summary = summary;
    summary["measured"] = measured;
    Ok((lines, summary))
}

fn endpoint<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines.iter().find(|l| l["endpoint"] == name).unwrap_or(&Value::Null)
}

/// The W5 line of one run.
fn line(
    workload: &str,
    backend: &Backend,
    instances: usize,
    think_ms: u32,
    lines: &[Value],
    summary: &Value,
) -> Value {
    let push = endpoint(lines, "push");
    let measured = &summary["measured"];
    let mut line = json!({
        "workload": workload,
        "backend": backend.name(),
        "instances": instances,
        "devices": summary["devices"],
        "days": summary["days"],
        "think_ms": think_ms,
        "seconds": summary["wall_seconds"],
        "first_pull_seconds": summary["first_pull_seconds"],
        "days_seconds": summary["days_seconds"],
        "requests": summary["requests"],
        "rps": summary["rps"],
        "errors": summary["errors"],
        "errors_by_code": summary["errors_by_code"],
        "pushes": push["requests"],
        "p50_push_ms": push["p50_ms"],
        "p95_push_ms": push["p95_ms"],
        "p99_push_ms": push["p99_ms"],
        "p99_pull_ms": endpoint(lines, "pull")["p99_ms"],
        "p99_first_pull_ms": endpoint(lines, "first_pull")["p99_ms"],
        "p99_login_ms": endpoint(lines, "login")["p99_ms"],
        "p99_blob_patch_ms": endpoint(lines, "blob_patch")["p99_ms"],
        "p99_console_create_order_ms": endpoint(lines, "console_create_order")["p99_ms"],
        "p99_console_assign_ms": endpoint(lines, "console_assign")["p99_ms"],
        "reports": summary["reports_accepted"],
        "photos": summary["photos"],
        "lost": summary["lost"],
        "doubled": summary["doubled"],
        "setup_seconds": summary["setup_seconds"],
        "server_cpu_s": measured["server_cpu_s"],
        "postgres_cpu_s": measured["postgres_cpu_s"],
        "load_cpu_s": measured["client_cpu_s"],
        "machine_busy_cpu_s": measured["machine_busy_cpu_s"],
        "iowait_s": measured["iowait_s"],
        "measured_seconds": measured["measured_seconds"],
        "limited_by": measured["limited_by"],
        "target_p99_push_ms": 500,
        "target_errors": 0,
    });
    if let (Some(line), Value::Object(named)) = (line.as_object_mut(), backend.fields()) {
        line.extend(named);
    }
    line
}

/// A technician's pause between two actions in the paced runs: each tablet acts every half
/// second, a working day in about ten seconds — still hundreds of times a real day's pace.
const THINK_MS: u32 = 500;

/// W5 at 50 and 200 tablets paced ([`THINK_MS`]) on `backend` with `instances` servers, and
/// the growth between them, as JSON lines.
pub fn paced(dir: &Path, backend: &Backend, instances: usize) -> BenchResult<Vec<String>> {
    let (lines_50, summary_50) = run(dir, backend, instances, 50, THINK_MS)?;
    let (lines_200, summary_200) = run(dir, backend, instances, 200, THINK_MS)?;
    let w50 = line("W5_50_devices", backend, instances, THINK_MS, &lines_50, &summary_50);
    let w200 = line("W5_200_devices", backend, instances, THINK_MS, &lines_200, &summary_200);
    let ratio = |field: &str| {
        let (a, b) = (w50[field].as_f64().unwrap_or(0.0), w200[field].as_f64().unwrap_or(0.0));
        if a > 0.0 { json!(super::round3(b / a)) } else { Value::Null }
    };
    let cpu = |w: &Value| {
        ["server_cpu_s", "postgres_cpu_s"].iter().map(|f| w[*f].as_f64().unwrap_or(0.0)).sum::<f64>()
    };
    let cpu_ratio = if cpu(&w50) > 0.0 { Some(super::round3(cpu(&w200) / cpu(&w50))) } else { None };
    let growth = json!({
        "workload": "W5_growth_50_to_200",
        "backend": backend.name(),
        "instances": instances,
        "devices_ratio": 4.0,
        "requests_ratio": ratio("requests"),
        "server_cpu_ratio": ratio("server_cpu_s"),
        "server_and_postgres_cpu_ratio": cpu_ratio,
        "days_seconds_ratio": ratio("days_seconds"),
        "p99_push_ratio": ratio("p99_push_ms"),
        "linear_or_better": cpu_ratio.is_some_and(|r| r <= 4.0 * 1.1),
    });
    Ok(vec![w50.to_string(), w200.to_string(), growth.to_string()])
}

/// W5 at 200 tablets paced on `backend` with `instances` servers, as a JSON line.
pub fn two_hundred(dir: &Path, backend: &Backend, instances: usize) -> BenchResult<String> {
    let (lines, summary) = run(dir, backend, instances, 200, THINK_MS)?;
    Ok(line("W5_200_devices", backend, instances, THINK_MS, &lines, &summary).to_string())
}

/// 200 tablets back to back on `backend` with `instances` servers (no pause: every tablet
/// always waiting on the server, its throughput ceiling), as a JSON line.
pub fn back_to_back(dir: &Path, backend: &Backend, instances: usize) -> BenchResult<String> {
    let (lines, summary) = run(dir, backend, instances, 200, 0)?;
    Ok(line("W5_200_devices_back_to_back", backend, instances, 0, &lines, &summary).to_string())
}
