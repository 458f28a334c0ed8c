//! Sync over a mobile link (issue 15): the real `hearth-server`, a device store, and the fault
//! proxy between them shaped as 4G in a stairwell — 2 Mbit/s down, 1 Mbit/s up, 100 ms round
//! trip ([`Faults::mobile`]).
//! - `W2_pull_station_3g`: a technician's first pull of his station (25,000 households);
//! - `W1_push_1k_3g`: the same tablet pushes 1,000 signed reports;
//! - `assign_to_tablet_ms`: an order the office makes, until it is in an online tablet's store;
//! - `idle_tablets_500`: the server's memory with 500 tablets waiting for news;
//! - `photo_upload_flaky`: a 5 MB blob through a link cut after every megabyte, against the
//!   same upload unbroken.
//!
//! Each line gives the seconds, the bytes on the wire each way (counted by the proxy, headers
//! included) and the JSON the answers carried once unpacked (counted by the client).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hearth_core::store::Store;
use hearth_core::sync::{self, client::Client};
use serde_json::json;

use crate::proxy::{FaultProxy, Faults};
use crate::server::{Server, cli};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// W2_pull_station_3g, then W1_push_1k_3g on the same tablet.
pub fn station_over_3g(dir: &Path) -> BenchResult<Vec<String>> {
    let data = dir.join("3g-server");
    cli(&data, &["demo", "--households", "100000"], None);
    let server = Server::start(&data);
    let proxy = FaultProxy::start(server.addr());
    let json_bytes = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let counted = Arc::clone(&json_bytes);
    let client = Client::new(&proxy.url())?.with_observer(Arc::new(move |exchange| {
        counted.0.fetch_add(exchange.sent_bytes, Ordering::Relaxed);
        counted.1.fetch_add(exchange.received_bytes, Ordering::Relaxed);
    }));
    let mut store = Store::open(dir.join("3g-tablet.sqlite"))?;
    sync::login(&mut store, &client, "tech1", "demo-tech1", "3G tablet")?;
    proxy.set(Faults::mobile(2000, 1000, 100));
    let link = json!({"down_kbit": 2000, "up_kbit": 1000, "rtt_ms": 100});

    let wire_before = proxy.bytes();
    let json_before = (json_bytes.0.load(Ordering::Relaxed), json_bytes.1.load(Ordering::Relaxed));
    let started = Instant::now();
    let pulled = sync::sync(&mut store, &client)?;
    let w2 = started.elapsed().as_secs_f64();
    let households: i64 = store.conn().query_row("SELECT count(*) FROM households", [], |r| r.get(0))?;
    let w2_line = line(
        "W2_pull_station_3g",
        w2,
        &proxy,
        wire_before,
        &json_bytes,
        json_before,
        json!({"households": households, "changes": pulled.pulled, "link": link, "target_seconds": 8.0}),
    );

    super::sync::sign_reports(&mut store, 1000)?;
    let wire_before = proxy.bytes();
    let json_before = (json_bytes.0.load(Ordering::Relaxed), json_bytes.1.load(Ordering::Relaxed));
    let started = Instant::now();
    let pushed = sync::sync(&mut store, &client)?;
    let w1 = started.elapsed().as_secs_f64();
    let errors = 1000 - pushed.pushed.min(1000);
    let w1_line = line(
        "W1_push_1k_3g",
        w1,
        &proxy,
        wire_before,
        &json_bytes,
        json_before,
        json!({"reports": pushed.pushed, "errors": errors, "link": link, "target_seconds": 15.0}),
    );
    Ok(vec![w2_line, w1_line])
}

fn line(
    workload: &str,
    seconds: f64,
    proxy: &FaultProxy,
    wire_before: (u64, u64),
    json_bytes: &(AtomicU64, AtomicU64),
    json_before: (u64, u64),
    extra: serde_json::Value,
) -> String {
    let (up, down) = proxy.bytes();
    let mut fields = json!({
        "workload": workload,
        "seconds": super::round3(seconds),
        "wire_bytes_up": up - wire_before.0,
        "wire_bytes_down": down - wire_before.1,
        "unpacked_bytes_down": json_bytes.1.load(Ordering::Relaxed) - json_before.1,
    });
    if let (Some(fields), serde_json::Value::Object(extra)) = (fields.as_object_mut(), extra) {
        fields.extend(extra);
    }
    fields.to_string()
}

/// `photo_upload_flaky`: a 5 MB blob (random bytes: a photo does not compress) uploaded
/// through a 4G link (8 Mbit/s down, 4 Mbit/s up, 100 ms round trip) whose connections are cut
/// after every 1,000,000 bytes sent, against the same upload over the same link unbroken. Each
/// cut ends one `upload_blob` call with an error, as it ends a sync; the next call resumes where
/// the server has the blob (in the app, the next sync does, after its back-off). Target: the
/// broken upload within 1.5× the unbroken one.
pub fn photo_upload_flaky(dir: &Path) -> BenchResult<String> {
    use hearth_core::model::Sha256;
    use hearth_core::protocol::LoginRequest;

    let data = dir.join("photo-server");
    cli(&data, &["demo", "--households", "1000"], None);
    let server = Server::start(&data);
    let proxy = FaultProxy::start(server.addr());
    let client = Client::new(&proxy.url())?;
    let token = client
        .login(&LoginRequest {
            username: "tech1".into(),
            password: "demo-tech1".into(),
            device_name: "photo tablet".into(),
            device_id: uuid::Uuid::now_v7(),
        })?
        .token;
    let link = Faults::mobile(8000, 4000, 100);
    let mut rng = fastrand::Rng::with_seed(15);
    let mut photo = || -> (Vec<u8>, Sha256) {
        let bytes: Vec<u8> = (0..5_000_000).map(|_| rng.u8(..)).collect();
        let sha = Sha256::of(&bytes);
        (bytes, sha)
    };

    let (bytes, sha) = photo();
    proxy.set(link.clone());
    let started = Instant::now();
    client.upload_blob(&token, &sha, &bytes)?;
    let unbroken = started.elapsed().as_secs_f64();

    let (bytes, sha) = photo();
    let cut = Faults { reset_request_after: Some(1_000_000), ..link };
    let (connections_before, resets_before) = proxy.connections();
    let wire_before = proxy.bytes();
    proxy.set(cut);
    let started = Instant::now();
    let mut calls = 0;
    loop {
        calls += 1;
        match client.upload_blob(&token, &sha, &bytes) {
            Ok(_) => break,
            Err(_) if calls < 50 => continue,
            Err(e) => return Err(format!("the photo never arrived: {e}").into()),
        }
    }
    let broken = started.elapsed().as_secs_f64();
    if client.blob_offset(&token, &sha)?.is_some() {
        return Err("the server does not hold the photo after its upload completed".into());
    }
    let (connections, resets) = proxy.connections();
    Ok(json!({
        "workload": "photo_upload_flaky",
        "seconds": super::round3(broken),
        "unbroken_seconds": super::round3(unbroken),
        "ratio": super::round3(broken / unbroken),
        "blob_bytes": bytes.len(),
        "wire_bytes_up": proxy.bytes().0 - wire_before.0,
        "upload_calls": calls,
        "connections": connections - connections_before,
        "cuts": resets - resets_before,
        "link": {"down_kbit": 8000, "up_kbit": 4000, "rtt_ms": 100, "cut_every_bytes": 1_000_000},
        "target_ratio": 1.5,
    })
    .to_string())
}

/// `assign_to_tablet_ms`: the office makes an order for an online tablet's technician; the
/// time until it is in the tablet's store (its long poll answered, then its pull), over 100
/// orders, on loopback.
pub fn assign_to_tablet(dir: &Path) -> BenchResult<String> {
    let data = dir.join("assign-server");
    cli(&data, &["demo", "--households", "2000"], None);
    let server = Server::start(&data);
    let client = Client::new(&server.url())?;
    let mut store = Store::open(dir.join("assign-tablet.sqlite"))?;
    let me = sync::login(&mut store, &client, "tech1", "demo-tech1", "online tablet")?;
    sync::sync(&mut store, &client)?;
    let home: String = store.conn().query_row("SELECT id FROM households LIMIT 1", [], |r| r.get(0))?;
    let tablet = crate::online::OnlineTablet::start(store, client);
    let office = crate::office::Office::login(&server.url(), "dispatcher", "demo-dispatcher");
    let mut samples = super::Samples::default();
    for n in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let started = Instant::now();
        let order = office.order(home.parse()?, &format!("暖气不热 {n}"), Some(me.id));
        while !tablet.has_order(order) {
            if started.elapsed().as_secs() > 30 {
                return Err(format!("order {n} never reached the online tablet").into());
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        samples.0.push(started.elapsed());
    }
    Ok(samples.line("assign_to_tablet_ms", json!({"target_p99_ms": 1000})))
}

/// `idle_tablets_500`: the server's memory with 500 tablets each holding a request for news
/// open (the long poll), over the same server idle.
pub fn idle_tablets(dir: &Path, tablets: usize) -> BenchResult<String> {
    use std::io::Write;

    let data = dir.join("idle-server");
    cli(&data, &["demo", "--households", "2000"], None);
    let server = Server::start(&data);
    let client = Client::new(&server.url())?;
    // Each tablet logs in with its own device, as the fleet would.
    let mut tokens = Vec::with_capacity(tablets);
    for n in 0..tablets {
        let request = hearth_core::protocol::LoginRequest {
            username: "tech1".into(),
            password: "demo-tech1".into(),
            device_name: format!("idle tablet {n}"),
            device_id: hearth_core::new_id(),
        };
        tokens.push(client.login(&request)?.token);
    }
    let mut store = Store::open(dir.join("idle-probe.sqlite"))?;
    sync::login(&mut store, &client, "tech1", "demo-tech1", "probe")?;
    sync::sync(&mut store, &client)?;
    let head = store.setting("pull_cursor")?.unwrap_or_default();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let idle_kib = rss_kib(server.pid())?;
    let mut open = Vec::with_capacity(tablets);
    for token in &tokens {
        let mut conn = std::net::TcpStream::connect(server.addr())?;
        write!(
            conn,
            "GET /v1/sync/events?after={head}&wait=50 HTTP/1.1\r\nHost: hearth\r\nAuthorization: Bearer {token}\r\n\r\n"
        )?;
        open.push(conn);
    }
    std::thread::sleep(std::time::Duration::from_secs(3));
    let waiting_kib = rss_kib(server.pid())?;
    let over = waiting_kib.saturating_sub(idle_kib) as f64 / 1024.0;
    // Every request is still held, unanswered: nothing to read yet on any connection.
    for conn in &open {
        conn.set_nonblocking(true)?;
        let mut byte = [0u8; 1];
        match std::io::Read::read(&mut &*conn, &mut byte) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => {
                return Err(format!("a waiting tablet's request was answered or closed: {other:?}").into());
            }
        }
    }
    drop(open);
    Ok(json!({
        "workload": "idle_tablets_500",
        "tablets": tablets,
        "server_rss_idle_mb": super::round3(idle_kib as f64 / 1024.0),
        "server_rss_waiting_mb": super::round3(waiting_kib as f64 / 1024.0),
        "over_idle_mb": super::round3(over),
        "per_tablet_kb": super::round3(over * 1024.0 / tablets as f64),
        "target_over_idle_mb": 100,
    })
    .to_string())
}

/// A process's resident memory, in KiB, from /proc.
fn rss_kib(pid: u32) -> BenchResult<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("no VmRSS value")?.parse()?)
}
