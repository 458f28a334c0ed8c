//! The figures of a run: per endpoint, a latency histogram (hdrhistogram, in microseconds),
//! the errors by HTTP status and error code, and the body bytes each way; errors that are not
//! an HTTP exchange (a device's store, a refused push entry) are kept apart. Printed at the
//! end as one JSON line per endpoint.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use hearth_core::sync::client::{Endpoint, Exchange};
use serde_json::{Value, json};

/// Every endpoint a run calls, in the order their lines are printed: the tablet's (as
/// hearth-core's client names them, with the pages of a tablet's first pull apart from the
/// day's pulls as `first_pull`), then the office's console calls.
pub const ENDPOINTS: [&str; 14] = [
    "login",
    "first_pull",
    "push",
    "pull",
    "blob_head",
    "blob_put",
    "blob_patch",
    "console_login",
    "console_stations",
    "console_users",
    "console_add_user",
    "console_create_order",
    "console_assign",
    "console_reports",
];

/// The longest latency a histogram holds: an hour, in microseconds (longer ones count as it).
const MAX_MICROS: u64 = 3_600_000_000;

/// One endpoint's figures.
#[derive(Debug)]
struct Stats {
    latency: Histogram<u64>,
    errors: BTreeMap<String, u64>,
    sent: u64,
    received: u64,
}

impl Stats {
    fn new() -> Stats {
        // Three significant digits from 1 µs to an hour: a few tens of KB per endpoint.
        let latency = Histogram::new_with_bounds(1, MAX_MICROS, 3).unwrap_or_else(|_| {
            Histogram::new(3).unwrap_or_else(|e| unreachable!("3 significant digits are valid: {e}"))
        });
        Stats { latency, errors: BTreeMap::new(), sent: 0, received: 0 }
    }
}

/// The figures of the whole run, shared by every simulated device.
#[derive(Debug, Default)]
pub struct Metrics {
    endpoints: Mutex<BTreeMap<&'static str, Stats>>,
    /// Errors outside an HTTP exchange, by what failed.
    other: Mutex<BTreeMap<String, u64>>,
}

/// The totals over every endpoint and the other errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub requests: u64,
    pub errors: u64,
    pub errors_by_code: BTreeMap<String, u64>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// How an error is counted: `409 conflict`, or the code alone when no answer came
/// (`unreachable`).
pub fn error_key(status: Option<u16>, code: &str) -> String {
    match status {
        Some(status) => format!("{status} {code}"),
        None => code.to_owned(),
    }
}

fn ms(micros: u64) -> f64 {
    (micros as f64 / 10.0).round() / 100.0
}

impl Metrics {
    /// Counts one request to `endpoint` (one of [`ENDPOINTS`]): its answer's status (`None`
    /// when none came), its error code if it failed, the body bytes and how long it took.
    pub fn record(
        &self,
        endpoint: &'static str,
        status: Option<u16>,
        error: Option<&str>,
        (sent, received): (u64, u64),
        elapsed: Duration,
    ) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX).clamp(1, MAX_MICROS);
        let mut endpoints = self.endpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = endpoints.entry(endpoint).or_insert_with(Stats::new);
        stats.latency.saturating_record(micros);
        stats.sent += sent;
        stats.received += received;
        if let Some(code) = error {
            *stats.errors.entry(error_key(status, code)).or_default() += 1;
        }
    }

    /// Counts an exchange of a device's sync client; a pull during the device's first pull
    /// as `first_pull`.
    pub fn observe(&self, exchange: &Exchange, first_pull: bool) {
        let endpoint = match exchange.endpoint {
            Endpoint::Pull if first_pull => "first_pull",
            other => other.as_str(),
        };
        self.record(
            endpoint,
            exchange.status,
            exchange.error.as_deref(),
            (exchange.sent_bytes, exchange.received_bytes),
            exchange.elapsed,
        );
    }

    /// Counts an error that is no HTTP exchange's: `what` says what failed, e.g.
    /// `device save_report storage` or `rejected unknown_household`.
    pub fn other_error(&self, what: impl Into<String>) {
        let mut other = self.other.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *other.entry(what.into()).or_default() += 1;
    }

    /// One JSON line per endpoint of [`ENDPOINTS`], those never called included (with
    /// `requests: 0`), over `wall` seconds of run.
    pub fn endpoint_lines(&self, wall: Duration) -> Vec<Value> {
        let endpoints = self.endpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let empty = Stats::new();
        ENDPOINTS
            .iter()
            .map(|name| {
                let stats = endpoints.get(name).unwrap_or(&empty);
                let h = &stats.latency;
                let requests = h.len();
                let errors: u64 = stats.errors.values().sum();
                json!({
                    "endpoint": name,
                    "requests": requests,
                    "rps": rate(requests, wall),
                    "p50_ms": ms(h.value_at_quantile(0.50)),
                    "p95_ms": ms(h.value_at_quantile(0.95)),
                    "p99_ms": ms(h.value_at_quantile(0.99)),
                    "max_ms": ms(h.max()),
                    "mean_ms": (h.mean() / 10.0).round() / 100.0,
                    "errors": errors,
                    "errors_by_code": stats.errors,
                    "bytes_sent": stats.sent,
                    "bytes_received": stats.received,
                })
            })
            .collect()
    }

    /// The totals of the run.
    pub fn totals(&self) -> Totals {
        let endpoints = self.endpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut totals = Totals {
            requests: 0,
            errors: 0,
            errors_by_code: BTreeMap::new(),
            bytes_sent: 0,
            bytes_received: 0,
        };
        for (name, stats) in endpoints.iter() {
            totals.requests += stats.latency.len();
            totals.bytes_sent += stats.sent;
            totals.bytes_received += stats.received;
            for (code, n) in &stats.errors {
                totals.errors += n;
                *totals.errors_by_code.entry(format!("{name} {code}")).or_default() += n;
            }
        }
        for (what, n) in self.other.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            totals.errors += n;
            *totals.errors_by_code.entry(what.clone()).or_default() += n;
        }
        totals
    }
}

/// Events per second over `wall`, two decimals.
pub fn rate(events: u64, wall: Duration) -> f64 {
    let secs = wall.as_secs_f64();
    if secs <= 0.0 { 0.0 } else { (events as f64 / secs * 100.0).round() / 100.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_errors_and_bytes_per_endpoint() {
        let metrics = Metrics::default();
        for i in 1..=100u64 {
            metrics.record("push", Some(200), None, (1000, 50), Duration::from_millis(i));
        }
        metrics.record("push", Some(409), Some("conflict"), (10, 20), Duration::from_millis(5));
        metrics.record("pull", None, Some("unreachable"), (0, 0), Duration::from_secs(10));
        metrics.other_error("rejected unknown_household");

        let lines = metrics.endpoint_lines(Duration::from_secs(10));
        assert_eq!(lines.len(), ENDPOINTS.len(), "every endpoint has its line");
        let push = lines.iter().find(|l| l["endpoint"] == "push").unwrap();
        assert_eq!(push["requests"], 101);
        assert_eq!(push["rps"], 10.1);
        // Three significant digits: 50 ms reads as 50.0 ms give or take 0.1 %.
        let p50 = push["p50_ms"].as_f64().unwrap();
        assert!((49.0..=51.0).contains(&p50), "{p50}");
        let p99 = push["p99_ms"].as_f64().unwrap();
        assert!((98.0..=100.1).contains(&p99), "{p99}");
        assert_eq!(push["errors"], 1);
        assert_eq!(push["errors_by_code"]["409 conflict"], 1);
        assert_eq!(
            (push["bytes_sent"].as_u64(), push["bytes_received"].as_u64()),
            (Some(100_010), Some(5020))
        );
        let blob = lines.iter().find(|l| l["endpoint"] == "blob_put").unwrap();
        assert_eq!((blob["requests"].as_u64(), blob["errors"].as_u64()), (Some(0), Some(0)));

        let totals = metrics.totals();
        assert_eq!((totals.requests, totals.errors), (102, 3));
        assert_eq!(totals.errors_by_code["push 409 conflict"], 1);
        assert_eq!(totals.errors_by_code["pull unreachable"], 1);
        assert_eq!(totals.errors_by_code["rejected unknown_household"], 1);
    }
}
