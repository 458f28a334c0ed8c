//! Benchmarks of the dispatchers' console API against the real `hearth-server` on loopback:
//! - `kpi_1m`: the KPIs of a 31-day range over 1,000,000 reports (target ≤ 1 s). The reports
//!   are sample records written straight into the server's database through its storage layer
//!   (`hearth-server sample`), not pushed over HTTP: pushing a million signed reports would
//!   measure the push, not the KPIs;
//! - `board_10k`: a page of the work-order board with 10,000 open orders (target p99 ≤ 50 ms).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Instant;

use hearth_core::protocol::LoginRequest;
use hearth_core::sync::client::Client;
use serde_json::json;

use super::Samples;
use crate::server::{Server, cli};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A GET on `server` with `token`; the status line and the body.
fn get(server: &Server, path: &str, token: &str) -> BenchResult<(String, String)> {
    let addr = server.url().trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr)?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or("no HTTP header")?;
    Ok((head.lines().next().unwrap_or_default().to_owned(), body.to_owned()))
}

fn dispatcher_token(server: &Server) -> BenchResult<String> {
    let client = Client::new(&server.url())?;
    let login = client.login(&LoginRequest {
        username: "dispatcher".into(),
        password: "demo-dispatcher".into(),
        device_name: "bench console".into(),
        device_id: hearth_core::new_id(),
    })?;
    Ok(login.token)
}

fn checked(server: &Server, path: &str, token: &str) -> BenchResult<String> {
    let (status, body) = get(server, path, token)?;
    if !status.contains(" 200 ") {
        return Err(format!("GET {path}: {status}: {body}").into());
    }
    Ok(body)
}

/// `kpi_1m`: KPIs of the last 31 days over `reports` sample reports received in the last 30.
pub fn kpi_1m(dir: &Path, reports: usize) -> BenchResult<String> {
    let data = dir.join("kpi-server");
    cli(&data, &["demo", "--households", "2000"], None);
    let started = Instant::now();
    cli(&data, &["sample", "--reports", &reports.to_string(), "--days", "30"], None);
    let seeded_s = started.elapsed().as_secs_f64();
    let server = Server::start(&data);
    let token = dispatcher_token(&server)?;
    let now = chrono::Utc::now();
    let range = format!(
        "/v1/console/kpis?from={}&to={}",
        (now - chrono::Duration::days(31)).format("%Y-%m-%dT%H:%M:%SZ"),
        (now + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    let first = checked(&server, &range, &token)?;
    let counted: serde_json::Value = serde_json::from_str(&first)?;
    let c = &counted["overall"]["counts"];
    let seen = ["checks_compliant", "checks_non_compliant", "checks_excused", "checks_undecided"]
        .iter()
        .chain(["repairs_with_deadline", "area_remeasurements"].iter())
        .map(|k| c[k].as_u64().unwrap_or(0))
        .sum::<u64>();
    let mut samples = Samples::default();
    for _ in 0..5 {
        samples.time(|| checked(&server, &range, &token))?;
    }
    Ok(samples.line(
        "kpi_1m",
        json!({
            "reports": reports,
            "reports_counted_excluding_inspections": seen,
            "target_ms": 1000,
            "seed_seconds": super::round3(seeded_s),
            "data": "sample reports written into the server's database through its storage layer (hearth-server sample), not pushed over HTTP",
        }),
    ))
}

/// `board_10k`: the board's first page (and filtered pages) with `orders` sample open orders.
pub fn board_10k(dir: &Path, orders: usize) -> BenchResult<String> {
    let data = dir.join("board-server");
    cli(&data, &["demo", "--households", "2000"], None);
    cli(&data, &["sample", "--orders", &orders.to_string()], None);
    let server = Server::start(&data);
    let token = dispatcher_token(&server)?;
    let stations: Vec<String> = hearth_core::demo::stations().iter().map(|s| s.id.to_string()).collect();
    let pages = [
        "/v1/console/work-orders".to_owned(),
        format!("/v1/console/work-orders?station_id={}", stations[0]),
        "/v1/console/work-orders?kind=repair&status=assigned".to_owned(),
        "/v1/console/work-orders?offset=5000".to_owned(),
    ];
    let first = checked(&server, &pages[0], &token)?;
    let total = serde_json::from_str::<serde_json::Value>(&first)?["total"].as_u64().unwrap_or(0);
    let mut samples = Samples::default();
    for i in 0..400 {
        samples.time(|| checked(&server, &pages[i % pages.len()], &token))?;
    }
    Ok(samples.line("board_10k", json!({"open_orders": total, "page": 50, "target_p99_ms": 50})))
}
