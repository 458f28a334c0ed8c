//! W5 (issue 14): tablets working through a day against one hearth-server on SQLite, through
//! the release `hearth-load` binary — 200 tablets (`W5_200_devices`) and 50 (`W5_50_devices`)
//! pausing half a second between actions, how the cost grows from 50 to 200
//! (`W5_growth_50_to_200`), and 200 tablets back to back (`W5_200_devices_back_to_back`: no
//! pause, so the push latency is the queue of 200 tablets always waiting on one server). Each
//! run gets a fresh server on a demo city of 20,000 households (5,000 per station, each
//! tablet's first pull). hearth-load runs on the same two cores as the server.
//!
//! Each line gives hearth-load's own figures (push latency percentiles, errors, requests per
//! second, lost and doubled) with the CPU seconds the server and hearth-load spent.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::server::{Server, cli};

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

/// CPU seconds (user + system) of process `pid`, and of this process's waited-for children.
fn cpu_seconds(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let field = |i: usize| fields.get(i).and_then(|t| t.parse::<f64>().ok()).unwrap_or(0.0);
    // utime, stime, cutime, cstime are fields 14–17, 11–14 after the name; USER_HZ = 100.
    ((field(11) + field(12)) / 100.0, (field(13) + field(14)) / 100.0)
}

/// One W5 run: `devices` tablets × one day, each pausing `think_ms` between two actions;
/// hearth-load's endpoint lines and summary.
fn run(dir: &Path, devices: u32, think_ms: u32) -> BenchResult<(Vec<Value>, Value)> {
    let data = dir.join(format!("w5-{devices}-{think_ms}-server"));
    cli(&data, &["demo", "--households", HOUSEHOLDS], None);
    let server = Server::start(&data);
    let server_pid = server.pid().to_string();
    let (server_before, children_before) = (cpu_seconds(&server_pid).0, cpu_seconds("self").1);
    let out = Command::new(hearth_load()?)
        .args(["--server", &server.url(), "--devices", &devices.to_string(), "--days", "1"])
        .args(["--admin", "admin:demo-admin", "--run", &format!("w5-{devices}"), "--max-errors", "1000000"])
        .args(["--think-ms", &think_ms.to_string()])
        .arg("--work-dir")
        .arg(dir)
        .output()?;
    let (server_after, children_after) = (cpu_seconds(&server_pid).0, cpu_seconds("self").1);
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
    summary["server_cpu_s"] = json!(super::round3(server_after - server_before));
    summary["load_cpu_s"] = json!(super::round3(children_after - children_before));
    Ok((lines, summary))
}

fn endpoint<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines.iter().find(|l| l["endpoint"] == name).unwrap_or(&Value::Null)
}

/// The W5 line of one run.
fn line(workload: &str, think_ms: u32, lines: &[Value], summary: &Value) -> Value {
    let push = endpoint(lines, "push");
    json!({
        "workload": workload,
        "backend": "sqlite",
        "instances": 1,
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
        "p99_blob_put_ms": endpoint(lines, "blob_put")["p99_ms"],
        "p99_console_create_order_ms": endpoint(lines, "console_create_order")["p99_ms"],
        "p99_console_assign_ms": endpoint(lines, "console_assign")["p99_ms"],
        "reports": summary["reports_accepted"],
        "photos": summary["photos"],
        "lost": summary["lost"],
        "doubled": summary["doubled"],
        "setup_seconds": summary["setup_seconds"],
        "server_cpu_s": summary["server_cpu_s"],
        "load_cpu_s": summary["load_cpu_s"],
        "target_p99_push_ms": 500,
        "target_errors": 0,
    })
}

/// A technician's pause between two actions in the paced runs: each tablet acts every half
/// second, a working day in about ten seconds — still hundreds of times a real day's pace.
const THINK_MS: u32 = 500;

/// W5 at 50 and 200 tablets paced ([`THINK_MS`]), the growth between them, and 200 tablets
/// back to back (no pause: every tablet always waiting on the server, its throughput
/// ceiling), as JSON lines.
pub fn devices(dir: &Path) -> BenchResult<Vec<String>> {
    let (lines_50, summary_50) = run(dir, 50, THINK_MS)?;
    let (lines_200, summary_200) = run(dir, 200, THINK_MS)?;
    let (lines_flat, summary_flat) = run(dir, 200, 0)?;
    let w50 = line("W5_50_devices", THINK_MS, &lines_50, &summary_50);
    let w200 = line("W5_200_devices", THINK_MS, &lines_200, &summary_200);
    let flat = line("W5_200_devices_back_to_back", 0, &lines_flat, &summary_flat);
    let ratio = |field: &str| {
        let (a, b) = (w50[field].as_f64().unwrap_or(0.0), w200[field].as_f64().unwrap_or(0.0));
        if a > 0.0 { json!(super::round3(b / a)) } else { Value::Null }
    };
    let growth = json!({
        "workload": "W5_growth_50_to_200",
        "backend": "sqlite",
        "instances": 1,
        "devices_ratio": 4.0,
        "requests_ratio": ratio("requests"),
        "server_cpu_ratio": ratio("server_cpu_s"),
        "days_seconds_ratio": ratio("days_seconds"),
        "p99_push_ratio": ratio("p99_push_ms"),
        "linear_or_better": ratio("server_cpu_s").as_f64().is_some_and(|r| r <= 4.0 * 1.1),
    });
    Ok(vec![w50.to_string(), w200.to_string(), growth.to_string(), flat.to_string()])
}
