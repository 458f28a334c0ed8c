//! What a workload's figure is limited by, measured: the CPU seconds the servers, the
//! PostgreSQL processes and the client (this process and its children) spend during the
//! workload, read from `/proc/<pid>/stat`, and the machine's busy and disk-waiting (iowait)
//! seconds from `/proc/stat`. On two shared cores, a process near one core's worth of CPU per
//! second of wall time, or the machine near two, is the limit; neither with much iowait is the
//! disk; neither without is waiting (round trips, locks). On PostgreSQL, what its busy
//! connections wait on is sampled too (`pg_stat_activity` every 50 ms through one `psql`
//! `\watch`): a lock most of them wait on names the wait.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::{Value, json};

use super::backend::Backend;

/// Linux counts CPU time in USER_HZ = 100 ticks a second.
const TICKS: f64 = 100.0;

/// The fields after a process's name in `/proc/<pid>/stat` (the name is in parentheses and
/// may hold spaces): `ppid` is field 1, `minflt` 7, `utime`, `stime`, `cutime`, `cstime` 11–14.
fn stat_fields(pid: &str) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().map(|t| t.parse().unwrap_or(0)).collect())
        .unwrap_or_default()
}

fn field(fields: &[u64], i: usize) -> f64 {
    fields.get(i).copied().unwrap_or(0) as f64
}

/// CPU seconds a process used itself (`utime + stime`) and its waited-for children used.
fn cpu(pid: &str) -> (f64, f64) {
    let f = stat_fields(pid);
    ((field(&f, 11) + field(&f, 12)) / TICKS, (field(&f, 13) + field(&f, 14)) / TICKS)
}

/// The postmaster of the PostgreSQL listening on `port`: the `postgres` process started with
/// `-p PORT`.
fn postmaster(port: u16) -> Option<String> {
    let port = port.to_string();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid = entry.file_name().to_str()?.to_owned();
        pid.parse::<u32>().ok()?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_postgres = args.first().is_some_and(|a| a.ends_with(b"/postgres") || *a == b"postgres");
        let on_port = args.windows(2).any(|w| w[0] == b"-p" && w[1] == port.as_bytes());
        (is_postgres && on_port).then_some(pid)
    })
}

/// CPU seconds of a PostgreSQL cluster: its postmaster, the children it has waited for (ended
/// connections) and its running children (connections, checkpointer, WAL writer…).
fn postgres_cpu(postmaster: &str) -> f64 {
    let (own, ended) = cpu(postmaster);
    let parent: u64 = postmaster.parse().unwrap_or(0);
    let children: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().filter(|p| p.parse::<u32>().is_ok()).map(str::to_owned))
        .map(|pid| stat_fields(&pid))
        .filter(|f| f.get(1) == Some(&parent))
        .map(|f| (field(&f, 11) + field(&f, 12)) / TICKS)
        .sum();
    own + ended + children
}

/// The machine's busy CPU seconds (all but idle and iowait) and iowait seconds, over all cores.
fn machine() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().unwrap_or(0.0))
        .collect();
    let at = |i: usize| ticks.get(i).copied().unwrap_or(0.0);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
    (busy / TICKS, at(4) / TICKS)
}

/// One reading of every counter.
struct Reading {
    servers: f64,
    postgres: f64,
    client: f64,
    busy: f64,
    iowait: f64,
    at: Instant,
}

/// Samples what PostgreSQL's busy connections wait on: one `psql` repeating a query on
/// `pg_stat_activity` every 50 ms, each busy connection a line (`CPU`, or the wait event and,
/// for a lock, the statement waiting).
struct WaitSampler {
    psql: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl WaitSampler {
    fn start(port: u16) -> Option<WaitSampler> {
        let psql = crate::postgres::bin_dir()?.join("psql");
        let port = port.to_string();
        let mut child = Command::new(psql)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                crate::postgres::USER,
                "-d",
                "postgres",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let query = "SELECT CASE WHEN wait_event IS NULL THEN 'CPU' \
                     WHEN wait_event_type = 'Lock' THEN wait_event_type || ':' || wait_event || ' on ' || left(query, 50) \
                     ELSE wait_event_type || ':' || wait_event END \
                     FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' \
                     AND pid <> pg_backend_pid()";
        child.stdin.as_mut()?.write_all(format!("{query}\n\\watch 0.05\n").as_bytes()).ok()?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take()?;
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if !line.trim().is_empty() {
                    sink.lock().unwrap_or_else(PoisonError::into_inner).push(line);
                }
            }
        });
        Some(WaitSampler { psql: child, lines })
    }

    /// The three most sampled states, each with its share of the samples, most first.
    fn finish(mut self) -> (Vec<(String, f64)>, usize) {
        let _ = self.psql.kill();
        let _ = self.psql.wait();
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mut counts = std::collections::HashMap::<String, usize>::new();
        for line in &lines {
            *counts.entry(line.clone()).or_default() += 1;
        }
        let mut top: Vec<(String, usize)> = counts.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let total = lines.len().max(1) as f64;
        (top.into_iter().take(3).map(|(k, n)| (k, super::round3(n as f64 / total))).collect(), lines.len())
    }
}

/// Measures the CPU of servers, PostgreSQL and client over a workload.
pub struct Meter {
    servers: Vec<String>,
    postmaster: Option<String>,
    waits: Mutex<Option<WaitSampler>>,
    start: Reading,
}

impl Meter {
    /// Starts measuring the servers `server_pids` on `backend`.
    pub fn start(server_pids: &[u32], backend: &Backend) -> Meter {
        let postmaster = backend.postgres_server().and_then(|pg| postmaster(pg.port()));
        let waits = Mutex::new(backend.postgres_server().and_then(|pg| WaitSampler::start(pg.port())));
        let servers = server_pids.iter().map(u32::to_string).collect();
        let mut meter = Meter { servers, postmaster, waits, start: Reading::zero() };
        meter.start = meter.read();
        meter
    }

    fn read(&self) -> Reading {
        let (own, children) = cpu("self");
        let (busy, iowait) = machine();
        Reading {
            servers: self.servers.iter().map(|pid| cpu(pid).0).sum(),
            postgres: self.postmaster.as_deref().map(postgres_cpu).unwrap_or(0.0),
            client: own + children,
            busy,
            iowait,
            at: Instant::now(),
        }
    }

    /// The CPU seconds spent since the start, and what limited the workload, as JSON fields.
    pub fn finish(&self) -> Value {
        let end = self.read();
        let s = &self.start;
        let wall = end.at.duration_since(s.at).as_secs_f64().max(1e-9);
        let (server, postgres, client) =
            (end.servers - s.servers, end.postgres - s.postgres, end.client - s.client);
        let (busy, iowait) = (end.busy - s.busy, end.iowait - s.iowait);
        let cores = std::thread::available_parallelism().map(|n| n.get() as f64).unwrap_or(2.0);
        let mut parts = vec![("server", server), ("client", client)];
        if self.postmaster.is_some() {
            parts.push(("postgres", postgres));
        }
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (top, top_cpu) = parts[0];
        let sampler = self.waits.lock().unwrap_or_else(PoisonError::into_inner).take();
        let (waits, samples) = sampler.map(WaitSampler::finish).unwrap_or_default();
        let lock_wait = waits.first().filter(|(what, share)| what.starts_with("Lock:") && *share >= 0.3);
        let limited_by = if let Some((what, share)) = lock_wait {
            format!(
                "PostgreSQL's locks: {:.0}% of its busy connections' samples wait for {what}",
                100.0 * share
            )
        } else if busy / wall >= 0.85 * cores {
            format!("the CPU: both cores busy ({top} the most, {:.0}% of a core)", 100.0 * top_cpu / wall)
        } else if top_cpu / wall >= 0.8 {
            format!("{top} CPU ({:.0}% of a core)", 100.0 * top_cpu / wall)
        } else if iowait / wall >= 0.25 {
            format!("the disk (iowait {:.0}% of a core)", 100.0 * iowait / wall)
        } else {
            format!("waiting: no process near a core ({top} {:.0}%), little iowait", 100.0 * top_cpu / wall)
        };
        let mut fields = json!({
            "server_cpu_s": super::round3(server),
            "client_cpu_s": super::round3(client),
            "machine_busy_cpu_s": super::round3(busy),
            "iowait_s": super::round3(iowait),
            "measured_seconds": super::round3(wall),
            "limited_by": limited_by,
        });
        if self.postmaster.is_some() {
            fields["postgres_cpu_s"] = json!(super::round3(postgres));
            fields["postgres_busy_samples"] = json!(samples);
            fields["postgres_waits"] =
                waits.into_iter().map(|(what, share)| json!({ what: share })).collect();
        }
        fields
    }
}

impl Reading {
    fn zero() -> Reading {
        Reading { servers: 0.0, postgres: 0.0, client: 0.0, busy: 0.0, iowait: 0.0, at: Instant::now() }
    }
}
