//! Benchmark plumbing: timing samples and the JSON lines `make bench` prints, one per
//! workload, e.g. `{"workload":"save_signed_report","n":10000,"p50_ms":0.4,"p99_ms":1.9}`.
//! Benchmarks print figures; they never pass or fail on them.

pub mod app;
pub mod backend;
pub mod console;
pub mod load;
pub mod meter;
pub mod network;
pub mod photo;
pub mod store;
pub mod sync;

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// Durations of one workload's operations.
#[derive(Debug, Default)]
pub struct Samples(pub(crate) Vec<Duration>);

impl Samples {
    /// Times `op` and records how long it took.
    pub fn time<T>(&mut self, op: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = op();
        self.0.push(start.elapsed());
        out
    }

    /// The `q`-quantile (0.0–1.0) in milliseconds, nearest rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        ms(sorted[rank - 1])
    }

    /// The workload's JSON line — `workload` and `n` first, then p50, p99, mean and max in
    /// milliseconds, then `extra`'s fields.
    pub fn line(&self, workload: &str, extra: Value) -> String {
        let total: Duration = self.0.iter().sum();
        let mut fields = vec![
            ("workload", json!(workload)),
            ("n", json!(self.0.len())),
            ("p50_ms", json!(round3(self.quantile_ms(0.50)))),
            ("p99_ms", json!(round3(self.quantile_ms(0.99)))),
            ("mean_ms", json!(round3(ms(total) / self.0.len().max(1) as f64))),
            ("max_ms", json!(round3(self.quantile_ms(1.0)))),
        ];
        if let Value::Object(extra) = &extra {
            fields.extend(extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
        }
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{v}", json!(k))).collect();
        format!("{{{}}}", body.join(","))
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Rounds to three decimals, for readable figures.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The machine the figures were measured on, as a JSON line.
pub fn machine() -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
        .unwrap_or_default();
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:").and_then(|kb| kb.trim().trim_end_matches(" kB").parse::<f64>().ok())
        })
        .map(|kb| round3(kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert(
        "machine".into(),
        json!({
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "cpu": cpu,
            "mem_gib": mem_gib,
            "kernel": read("/proc/sys/kernel/osrelease").trim(),
        }),
    );
    Value::Object(m)
}
