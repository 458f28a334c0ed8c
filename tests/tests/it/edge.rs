//! The server's edge against slow and greedy clients (issue 13, point 4), on the real
//! `hearth-server` binary over raw TCP: half-sent headers and idle kept-alive connections are
//! closed after the header timeout, one address gets a bounded number of connections, and an
//! upload that trickles below the minimum rate is cut. Behind a trusted reverse proxy, the
//! address `X-Forwarded-For` names is the one counted; from anyone else the header is ignored.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hearth_core::protocol::LoginRequest;
use hearth_core::sync::client::Client;
use hearth_tests::server::{Server, cli};

/// Reads until the server closes the connection (or `limit` passes, which fails the test);
/// returns what it sent and when it closed. A reset counts as closed.
fn read_until_closed(conn: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    conn.set_read_timeout(Some(limit)).expect("read timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => break,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "the server kept the connection open for {limit:?}; it sent: {}",
                    String::from_utf8_lossy(&got)
                )
            }
            Err(e) => panic!("reading: {e}"),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), started.elapsed())
}

/// Reads one small response (headers and a JSON body) from a kept-alive connection.
fn read_one_response(conn: &mut TcpStream) -> String {
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).ends_with('}') {
        let n = conn.read(&mut buf).expect("a response");
        assert!(n > 0, "closed before answering: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

const NOWHERE: &[u8] = b"GET /v1/nowhere HTTP/1.1\r\nHost: hearth\r\n\r\n";

fn server(options: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("server dir");
    let server = Server::start_with(dir.path(), options);
    (dir, server)
}

#[test]
fn half_sent_headers_and_idle_connections_are_closed_after_the_header_timeout() {
    let (_dir, server) = server(&["--header-timeout", "2"]);

    let mut half = TcpStream::connect(server.addr()).expect("connect");
    half.write_all(b"GET /v1/sync/pull HTTP/1.1\r\nHost: hearth\r\nAuthoriz").expect("send half");
    let (_, closed_after) = read_until_closed(&mut half, Duration::from_secs(20));
    assert!(
        closed_after >= Duration::from_millis(1500) && closed_after < Duration::from_secs(8),
        "closed after {closed_after:?}, not after the 2 s header timeout"
    );

    // A kept-alive connection is answered, then closed once it has been idle as long.
    let mut idle = TcpStream::connect(server.addr()).expect("connect");
    idle.write_all(NOWHERE).expect("send");
    let (answer, closed_after) = read_until_closed(&mut idle, Duration::from_secs(20));
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(closed_after >= Duration::from_millis(1500), "closed after {closed_after:?}");
}

#[test]
fn one_address_gets_a_bounded_number_of_connections() {
    // The test connects over loopback, where a proxy on the same machine would; trust none.
    let (_dir, server) = server(&["--max-connections-per-address", "3", "--trusted-proxies", "none"]);
    let mut open: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut conn = TcpStream::connect(server.addr()).expect("connect");
            conn.write_all(NOWHERE).expect("send");
            assert!(read_one_response(&mut conn).starts_with("HTTP/1.1 404"));
            conn
        })
        .collect();

    // The fourth at once is closed without an answer.
    let mut fourth = TcpStream::connect(server.addr()).expect("the kernel accepts the connection");
    let _ = fourth.write_all(NOWHERE);
    let (answer, _) = read_until_closed(&mut fourth, Duration::from_secs(10));
    assert!(answer.is_empty(), "the fourth connection was served: {answer}");

    // The three still work, and closing one lets a new one in.
    for conn in &mut open {
        conn.write_all(NOWHERE).expect("send again");
        assert!(read_one_response(conn).starts_with("HTTP/1.1 404"));
    }
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut conn = TcpStream::connect(server.addr()).expect("connect");
        let _ = conn.write_all(NOWHERE);
        conn.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
        let mut buf = [0u8; 64];
        if matches!(conn.read(&mut buf), Ok(n) if n > 0) {
            assert!(buf.starts_with(b"HTTP/1.1 404"));
            break;
        }
        assert!(Instant::now() < deadline, "a closed connection never gave its place back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_upload_that_trickles_below_the_minimum_rate_is_cut() {
    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", "0"], None);
    let server = Server::start_with(dir.path(), &["--min-upload-rate", "1000", "--upload-window", "2"]);
    let login = Client::new(&server.url())
        .expect("client")
        .login(&LoginRequest {
            username: "tech1".into(),
            password: "demo-tech1".into(),
            device_name: "trickle".into(),
            device_id: hearth_core::new_id(),
        })
        .expect("login");

    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nHost: hearth\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"entries\":[",
        login.token
    );
    conn.write_all(head.as_bytes()).expect("send the head");
    // 50 bytes a second: far below 1000, but never silent.
    let mut writer = conn.try_clone().expect("clone");
    std::thread::spawn(move || {
        while writer.write_all(b"          ").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let (answer, cut_after) = read_until_closed(&mut conn, Duration::from_secs(30));
    assert!(cut_after < Duration::from_secs(10), "cut after {cut_after:?}");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("the upload was cut"), "{answer}");
}

/// Ten wrong logins, each for a different made-up account, sent as if forwarded for
/// `client`; then the status of an eleventh from `client` and of one from `other`.
fn guesses_then_one_more(server: &Server, client: &str, other: &str) -> (u16, u16) {
    let http = reqwest::blocking::Client::new();
    let login = |username: &str, from: &str| {
        http.post(format!("{}/v1/auth/login", server.url()))
            .header("X-Forwarded-For", from)
            .json(&serde_json::json!({
                "username": username, "password": "123456",
                "device_name": "guesser", "device_id": hearth_core::new_id(),
            }))
            .send()
            .expect("login answered")
            .status()
            .as_u16()
    };
    for n in 0..10 {
        assert_eq!(login(&format!("guess{n}"), client), 401, "guess {n} is checked");
    }
    (login("guess10", client), login("guess11", other))
}

#[test]
fn behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address() {
    // A proxy on the same machine (loopback, trusted by default) forwards two clients.
    let (_dir, server) = server(&["--max-connections-per-address", "3"]);
    let (same, other) = guesses_then_one_more(&server, "203.0.113.9", "198.51.100.4");
    assert_eq!(same, 429, "the guessing client is throttled");
    assert_eq!(other, 401, "another client behind the same proxy still gets its tries");

    // The proxy's connections carry everyone's: more than three at once are all served.
    let mut open: Vec<TcpStream> = Vec::new();
    for _ in 0..6 {
        let mut conn = TcpStream::connect(server.addr()).expect("connect");
        conn.write_all(NOWHERE).expect("send");
        assert!(read_one_response(&mut conn).starts_with("HTTP/1.1 404"));
        open.push(conn);
    }
}

#[test]
fn an_untrusted_peer_cannot_choose_its_address_with_the_header() {
    let (_dir, server) = server(&["--trusted-proxies", "10.9.9.9"]);
    // The guesser claims a new address each time it is throttled: the header is ignored, and
    // its one real address is throttled for every claimed one.
    let (same, other) = guesses_then_one_more(&server, "203.0.113.9", "198.51.100.4");
    assert_eq!((same, other), (429, 429), "a made-up X-Forwarded-For must not reset the count");
}
