//! A fault-injecting TCP proxy between devices and the server, for the tests and benchmarks
//! of a real network (issue 15): the link a tablet has in a stairwell, on a real socket.
//!
//! [`FaultProxy::start`] listens on a loopback port and forwards every connection to the
//! upstream address, through the [`Faults`] in force, which a test changes at any moment
//! ([`FaultProxy::set`], [`FaultProxy::heal`]):
//! - **latency and jitter**: each chunk is held for half the round trip, plus up to the
//!   jitter, each way, in order;
//! - **bandwidth**: bytes a second each way, shared by all connections (one tablet's link);
//! - **a reset after N bytes** of a request (device → server) or of an answer (server →
//!   device): the connection is cut with a TCP reset once that many bytes have passed, counted
//!   from when the fault was set;
//! - **a black hole**: bytes go in and nothing comes out, either way;
//! - **a partition**: new connections are refused and open ones carry nothing;
//! - **an answer lost after the server committed**: the request reaches the server whole, the
//!   server answers, and the device gets a reset instead of the answer.
//!
//! The proxy runs on a runtime of its own, so blocking tests use it as they use the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// The faults a link has; `Faults::default()` is a perfect link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// The round trip added: half of it each way.
    pub latency: Duration,
    /// Up to this much more, at random, each way (the order of bytes is kept).
    pub jitter: Duration,
    /// Bytes a second from the server to the device; `None`: no cap.
    pub down_bytes_per_sec: Option<u64>,
    /// Bytes a second from the device to the server; `None`: no cap.
    pub up_bytes_per_sec: Option<u64>,
    /// Cut each connection after this many bytes of requests have passed.
    pub reset_request_after: Option<u64>,
    /// Cut each connection after this many bytes of answers have passed.
    pub reset_answer_after: Option<u64>,
    /// Nothing passes either way; connections stay open.
    pub black_hole: bool,
    /// New connections are refused; open ones carry nothing.
    pub partition: bool,
    /// Answers are dropped and their connection cut, after the request went through whole.
    pub lose_answers: bool,
}

impl Faults {
    /// A mobile link: `down_kbit` and `up_kbit` kilobits a second, `rtt_ms` round trip.
    pub fn mobile(down_kbit: u64, up_kbit: u64, rtt_ms: u64) -> Faults {
        Faults {
            latency: Duration::from_millis(rtt_ms),
            down_bytes_per_sec: Some(down_kbit * 1000 / 8),
            up_bytes_per_sec: Some(up_kbit * 1000 / 8),
            ..Faults::default()
        }
    }
}

/// Which way bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Device → server.
    Up,
    /// Server → device.
    Down,
}

/// What the proxy shares with its connections.
struct Link {
    faults: watch::Sender<Faults>,
    up: Bucket,
    down: Bucket,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    connections: AtomicU64,
    resets: AtomicU64,
}

/// A running proxy; stopped when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    link: Arc<Link>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`IP:PORT`) on a free loopback port, with a perfect link.
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream.parse().expect("the upstream is IP:PORT");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("fault-proxy")
            .build()
            .expect("the proxy's runtime");
        let listener =
            runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("a loopback port for the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let link = Arc::new(Link {
            faults: watch::channel(Faults::default()).0,
            up: Bucket::default(),
            down: Bucket::default(),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            resets: AtomicU64::new(0),
        });
        runtime.spawn(accept(listener, upstream, Arc::clone(&link)));
        FaultProxy { addr, link, runtime: Some(runtime) }
    }

    /// `http://IP:PORT` of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `IP:PORT` of the proxy.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Puts `faults` in force, for open connections too.
    pub fn set(&self, faults: Faults) {
        self.link.faults.send_replace(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.link.faults.borrow().clone()
    }

    /// A perfect link again.
    pub fn heal(&self) {
        self.set(Faults::default());
    }

    /// Bytes that reached the server and the device through the proxy so far.
    pub fn bytes(&self) -> (u64, u64) {
        (self.link.bytes_up.load(Ordering::Relaxed), self.link.bytes_down.load(Ordering::Relaxed))
    }

    /// Connections accepted, and connections the proxy cut with a reset.
    pub fn connections(&self) -> (u64, u64) {
        (self.link.connections.load(Ordering::Relaxed), self.link.resets.load(Ordering::Relaxed))
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, link: Arc<Link>) {
    loop {
        let Ok((device, _)) = listener.accept().await else { continue };
        if link.faults.borrow().partition {
            // Refused: a reset at once, as a host that is not reachable answers.
            let _ = device.set_zero_linger();
            drop(device);
            continue;
        }
        link.connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(connect(device, upstream, Arc::clone(&link)));
    }
}

async fn connect(device: TcpStream, upstream: SocketAddr, link: Arc<Link>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        let _ = device.set_zero_linger();
        return;
    };
    let _ = device.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (device_read, device_write) = device.into_split();
    let (server_read, server_write) = server.into_split();
    // Either way may cut the connection: both ends are then reset.
    let (cut, _) = watch::channel(false);
    let cut = Arc::new(cut);
    let up = tokio::spawn(pump(device_read, server_write, Way::Up, Arc::clone(&link), Arc::clone(&cut)));
    let down = tokio::spawn(pump(server_read, device_write, Way::Down, link, cut));
    let _ = tokio::join!(up, down);
}

/// One chunk on its way, or the order to cut the connection once the chunks before it passed.
enum Carried {
    Bytes(Instant, Vec<u8>),
    Cut,
}

/// Moves bytes one way: a reader task stamps each chunk with when it may arrive; this task's
/// writer delivers them in order, at the link's rate.
async fn pump(
    mut from: OwnedReadHalf,
    to: OwnedWriteHalf,
    way: Way,
    link: Arc<Link>,
    cut: Arc<watch::Sender<bool>>,
) {
    let (tx, rx) = mpsc::channel::<Carried>(256);
    let writer = tokio::spawn(deliver(rx, to, way, Arc::clone(&link), Arc::clone(&cut)));
    let mut faults = link.faults.subscribe();
    let mut cut_seen = cut.subscribe();
    let mut passed: u64 = 0;
    let mut last_release = Instant::now();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            _ = cut_seen.changed() => break,
            // A new fault applies from now on: counts of bytes start again.
            _ = faults.changed() => { passed = 0; continue; }
        };
        let now_faults = faults.borrow_and_update().clone();
        if now_faults.black_hole || now_faults.partition {
            continue;
        }
        if way == Way::Down && now_faults.lose_answers {
            let _ = tx.send(Carried::Cut).await;
            break;
        }
        let limit = match way {
            Way::Up => now_faults.reset_request_after,
            Way::Down => now_faults.reset_answer_after,
        };
        let (keep, cut_here) = match limit {
            Some(limit) if passed + n as u64 >= limit => ((limit.saturating_sub(passed)) as usize, true),
            _ => (n, false),
        };
        passed += keep as u64;
        if keep > 0 {
            let one_way = now_faults.latency / 2 + jitter(now_faults.jitter);
            let release = (Instant::now() + one_way).max(last_release);
            last_release = release;
            if tx.send(Carried::Bytes(release, buf[..keep].to_vec())).await.is_err() {
                break;
            }
        }
        if cut_here {
            let _ = tx.send(Carried::Cut).await;
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

async fn deliver(
    mut rx: mpsc::Receiver<Carried>,
    mut to: OwnedWriteHalf,
    way: Way,
    link: Arc<Link>,
    cut: Arc<watch::Sender<bool>>,
) {
    let mut cut_seen = cut.subscribe();
    loop {
        let carried = tokio::select! {
            carried = rx.recv() => carried,
            _ = cut_seen.changed() => Some(Carried::Cut),
        };
        match carried {
            None => {
                // The source closed: pass the close on.
                let _ = to.shutdown().await;
                return;
            }
            Some(Carried::Cut) => {
                if !*cut.borrow() {
                    link.resets.fetch_add(1, Ordering::Relaxed);
                }
                cut.send_replace(true);
                // A reset, not a close: no FIN from this half; the socket goes when both halves do.
                let _ = to.as_ref().set_zero_linger();
                to.forget();
                return;
            }
            Some(Carried::Bytes(release, bytes)) => {
                tokio::time::sleep_until(release).await;
                let (bucket, rate, counter) = match way {
                    Way::Up => (&link.up, link.faults.borrow().up_bytes_per_sec, &link.bytes_up),
                    Way::Down => (&link.down, link.faults.borrow().down_bytes_per_sec, &link.bytes_down),
                };
                // Large chunks go out in slices, so a capped link trickles as a real one does.
                for slice in bytes.chunks(4096) {
                    if let Some(rate) = rate {
                        tokio::time::sleep_until(bucket.reserve(slice.len() as u64, rate)).await;
                    }
                    if to.write_all(slice).await.is_err() {
                        cut.send_replace(true);
                        return;
                    }
                    counter.fetch_add(slice.len() as u64, Ordering::Relaxed);
                }
            }
        }
    }
}

/// A link's capacity one way: when the next byte may leave, shared by all connections.
#[derive(Default)]
struct Bucket(Mutex<Option<Instant>>);

impl Bucket {
    /// Reserves `bytes` at `rate` bytes a second; returns when they may be sent.
    fn reserve(&self, bytes: u64, rate: u64) -> Instant {
        let mut next = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let start = next.filter(|n| *n > now).unwrap_or(now);
        let takes = Duration::from_secs_f64(bytes as f64 / rate.max(1) as f64);
        *next = Some(start + takes);
        start + takes
    }
}

fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    Duration::from_micros(fastrand::u64(0..=max.as_micros() as u64))
}

#[cfg(test)]
mod tests {
    use std::io::{ErrorKind, Read, Write};
    use std::time::Instant as StdInstant;

    use super::*;

    /// An upstream that echoes what it gets, counting bytes, with the count of connections.
    fn echo() -> (String, Arc<AtomicU64>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let received = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let counted = Arc::clone(&counted);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    while let Ok(n) = stream.read(&mut buf) {
                        counted.fetch_add(n as u64, Ordering::Relaxed);
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (addr, received)
    }

    fn roundtrip(proxy: &FaultProxy, bytes: usize) -> std::io::Result<Duration> {
        let mut conn = std::net::TcpStream::connect(proxy.addr())?;
        conn.set_read_timeout(Some(Duration::from_secs(10)))?;
        let started = StdInstant::now();
        conn.write_all(&vec![7u8; bytes])?;
        let mut got = vec![0u8; bytes];
        conn.read_exact(&mut got)?;
        Ok(started.elapsed())
    }

    #[test]
    fn a_perfect_link_passes_everything_and_latency_and_bandwidth_slow_it_as_set() {
        let (upstream, _) = echo();
        let proxy = FaultProxy::start(&upstream);
        assert!(roundtrip(&proxy, 100_000).expect("through a perfect link") < Duration::from_millis(500));

        proxy.set(Faults { latency: Duration::from_millis(200), ..Faults::default() });
        let rtt = roundtrip(&proxy, 10).expect("through a slow link");
        assert!(rtt >= Duration::from_millis(190) && rtt < Duration::from_millis(600), "{rtt:?}");

        // 100 KB each way at 200 KB/s: about half a second up, half down (pipelined).
        proxy.set(Faults {
            up_bytes_per_sec: Some(200_000),
            down_bytes_per_sec: Some(200_000),
            ..Faults::default()
        });
        let took = roundtrip(&proxy, 100_000).expect("through a narrow link");
        assert!(took >= Duration::from_millis(450) && took < Duration::from_secs(3), "{took:?}");
        std::thread::sleep(Duration::from_millis(100)); // the last slice is counted after it is written
        let (up, down) = proxy.bytes();
        assert!(up >= 200_000 && down >= 200_000, "{up} {down}");
    }

    #[test]
    fn a_reset_after_n_bytes_cuts_the_connection_having_passed_exactly_n() {
        let (upstream, received) = echo();
        let proxy = FaultProxy::start(&upstream);
        proxy.set(Faults { reset_request_after: Some(3000), ..Faults::default() });
        let err = roundtrip(&proxy, 10_000).expect_err("the link is cut");
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof
            ),
            "{err:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            received.load(Ordering::Relaxed),
            3000,
            "exactly the bytes before the cut reached the server"
        );
        assert_eq!(proxy.connections().1, 1, "one reset");

        proxy.heal();
        roundtrip(&proxy, 10_000).expect("healed");
    }

    #[test]
    fn a_lost_answer_reaches_the_server_but_not_the_device() {
        let (upstream, received) = echo();
        let proxy = FaultProxy::start(&upstream);
        proxy.set(Faults { lose_answers: true, ..Faults::default() });
        roundtrip(&proxy, 1000).expect_err("no answer arrives");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(received.load(Ordering::Relaxed), 1000, "the server got the request whole");
    }

    #[test]
    fn a_black_hole_never_answers_and_a_partition_refuses_new_connections() {
        let (upstream, _) = echo();
        let proxy = FaultProxy::start(&upstream);
        proxy.set(Faults { black_hole: true, ..Faults::default() });
        let mut conn = std::net::TcpStream::connect(proxy.addr()).expect("a black hole accepts");
        conn.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
        conn.write_all(b"hello").expect("it takes bytes");
        let mut buf = [0u8; 5];
        let err = conn.read(&mut buf).expect_err("nothing comes back");
        assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err:?}");

        proxy.set(Faults { partition: true, ..Faults::default() });
        let refused = std::net::TcpStream::connect(proxy.addr()).and_then(|mut c| {
            c.set_read_timeout(Some(Duration::from_secs(2)))?;
            c.write_all(b"hello")?;
            let mut buf = [0u8; 5];
            match c.read(&mut buf)? {
                0 => Err(std::io::Error::from(ErrorKind::UnexpectedEof)),
                _ => Ok(()),
            }
        });
        assert!(refused.is_err(), "a partition refuses new connections");

        proxy.heal();
        roundtrip(&proxy, 100).expect("healed");
    }
}
