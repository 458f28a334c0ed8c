//! The HTTP client of the sync protocol ([`crate::protocol`]): reqwest with rustls,
//! blocking (the app runs it on a worker thread; rusqlite blocks anyway). Errors come back
//! as [`Error::Unreachable`] (try again later), [`Error::Certificate`] (the server's TLS
//! certificate was refused: trying again will not help until someone fixes it) or
//! [`Error::Server`] with the server's code ([`Error::Throttled`] for a `429`, with the
//! seconds of its `Retry-After`).
//!
//! The server's certificate is checked against the system's roots plus, where the company runs
//! its own certificate authority, that CA ([`Client::with_company_ca`]). No request hangs
//! forever: each has a connect timeout and an overall timeout, and a connection whose server
//! or network went silent is given up by TCP keepalive probes (while waiting for an answer)
//! and `TCP_USER_TIMEOUT` (while sending). (reqwest's per-read timeout cannot be used: its
//! blocking client reads a body outside the runtime the timer needs, and panics.)

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};

use crate::model::Sha256;
use crate::protocol::{
    ErrorBody, LoginRequest, LoginResponse, MAX_PUSH_ENTRIES, PullQuery, PullResponse, PushRequest,
    PushResponse,
};
use crate::{Error, Result};

/// A connection to one hearth-server.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    base_url: String,
    push_batch: usize,
}

/// Time to open a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest one request takes, upload included (a slow link sends smaller push batches).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// A silent connection is probed after this long, then every [`PROBE_EVERY`], and given up
/// after three unanswered probes: a vanished server or network is noticed within ~30 s.
const PROBE_AFTER: Duration = Duration::from_secs(15);
const PROBE_EVERY: Duration = Duration::from_secs(5);
/// Data sent but not acknowledged for this long closes the connection (Linux and Android).
const UNACKNOWLEDGED: Duration = Duration::from_secs(30);
/// A kept-alive connection is dropped after this long unused: sooner than the server closes
/// an idle one (its header timeout, 15 s by default), so a request never races that close.
const POOL_IDLE: Duration = Duration::from_secs(10);

impl Client {
    /// A client for the server at `base_url` (e.g. `https://hearth.example.com`), trusting the
    /// system's certificate authorities.
    pub fn new(base_url: &str) -> Result<Client> {
        Client::with_company_ca(base_url, None)
    }

    /// A client that also trusts the company's own certificate authority: `company_ca` is
    /// one or more PEM certificates (`-----BEGIN CERTIFICATE-----`). Text that holds none is
    /// refused as [`Error::Certificate`] in words.
    pub fn with_company_ca(base_url: &str, company_ca: Option<&str>) -> Result<Client> {
        let mut builder = Http::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .tcp_keepalive(PROBE_AFTER)
            .tcp_keepalive_interval(PROBE_EVERY)
            .tcp_keepalive_retries(3)
            .pool_idle_timeout(POOL_IDLE);
        #[cfg(any(target_os = "android", target_os = "linux"))]
        {
            builder = builder.tcp_user_timeout(UNACKNOWLEDGED);
        }
        if let Some(pem) = company_ca.map(str::trim).filter(|pem| !pem.is_empty()) {
            builder = builder.tls_certs_merge(company_certificates(pem)?);
        }
        let http = builder.build().map_err(|e| Error::Unreachable(e.to_string()))?;
        Ok(Client { http, base_url: base_url.trim_end_matches('/').to_owned(), push_batch: MAX_PUSH_ENTRIES })
    }

    /// Pushes at most `entries` outbox entries a request (1 to [`MAX_PUSH_ENTRIES`], the
    /// default): smaller batches suit a slow link, whose requests may time out.
    #[must_use]
    pub fn with_push_batch(mut self, entries: usize) -> Client {
        self.push_batch = entries.clamp(1, MAX_PUSH_ENTRIES);
        self
    }

    /// The most outbox entries one push carries.
    pub fn push_batch(&self) -> usize {
        self.push_batch
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base_url)
    }

    /// `POST /v1/auth/login`.
    pub fn login(&self, request: &LoginRequest) -> Result<LoginResponse> {
        json(send(self.http.post(self.url("auth/login")).json(request))?)
    }

    /// `POST /v1/sync/push`.
    pub fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse> {
        json(send(self.http.post(self.url("sync/push")).bearer_auth(token).json(request))?)
    }

    /// `POST /v1/sync/push` with a body already serialized ([`super::apply::push_body`]).
    pub fn push_raw(&self, token: &str, body: Vec<u8>) -> Result<PushResponse> {
        let request = self.http.post(self.url("sync/push")).bearer_auth(token);
        json(send(request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body))?)
    }

    /// `GET /v1/sync/pull`; with `remaining` set, the answer counts what is left after it.
    pub fn pull(&self, token: &str, query: PullQuery) -> Result<PullResponse> {
        let PullQuery { after, limit, remaining } = query;
        let mut url = format!("{}?after={after}&limit={limit}", self.url("sync/pull"));
        if remaining {
            url.push_str("&remaining=true");
        }
        json(send(self.http.get(url).bearer_auth(token))?)
    }

    /// `HEAD /v1/blobs/{sha256}`: whether the server has the blob.
    pub fn has_blob(&self, token: &str, sha256: &Sha256) -> Result<bool> {
        let response = self
            .http
            .head(self.url(&format!("blobs/{sha256}")))
            .bearer_auth(token)
            .send()
            .map_err(transport)?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(false),
            s if s.is_success() => Ok(true),
            s => Err(Error::Server { status: s.as_u16(), code: "blob_check".into(), message: s.to_string() }),
        }
    }

    /// `PUT /v1/blobs/{sha256}`.
    pub fn put_blob(&self, token: &str, sha256: &Sha256, bytes: Vec<u8>) -> Result<()> {
        send(self.http.put(self.url(&format!("blobs/{sha256}"))).bearer_auth(token).body(bytes)).map(drop)
    }
}

/// The certificates of a company CA given as PEM text.
fn company_certificates(pem: &str) -> Result<Vec<reqwest::Certificate>> {
    const NOT_PEM: &str = "the company certificate is not a PEM certificate: paste the whole text \
                           from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----";
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::Certificate(NOT_PEM.to_owned()));
    }
    match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(Error::Certificate(NOT_PEM.to_owned())),
        Err(e) => Err(Error::Certificate(format!("{NOT_PEM} ({e})"))),
    }
}

/// Sends a request; a non-2xx answer becomes [`Error::Server`] with the server's code.
fn send(request: RequestBuilder) -> Result<Response> {
    let response = request.send().map_err(transport)?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after_secs = retry_after(response.headers());
    let text = response.text().unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => ("http".to_owned(), format!("{status}: {}", text.chars().take(200).collect::<String>())),
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(Error::Throttled { retry_after_secs, message });
    }
    Err(Error::Server { status: status.as_u16(), code, message })
}

/// The seconds of a `Retry-After` header (hearth-server sends whole seconds; the date form
/// of the header is not used by it and reads as absent).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T> {
    let bytes = response.bytes().map_err(transport)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// A request that got no answer. rustls refuses a certificate inside the TLS handshake, and
/// the refusal reaches reqwest as an `io::Error` of kind `InvalidData` wrapping rustls's own
/// error ("invalid peer certificate: …"), some sources down: found there, it is
/// [`Error::Certificate`]; anything else is the network, [`Error::Unreachable`].
fn transport(error: reqwest::Error) -> Error {
    match refused_certificate(&error) {
        Some(why) => Error::Certificate(why),
        None => Error::Unreachable(error.to_string()),
    }
}

/// rustls's words for a refused certificate, if `error`'s source chain holds them. An
/// `io::Error`'s `source()` skips the error it wraps, so the walk steps into it instead.
fn refused_certificate(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        next = match e.downcast_ref::<std::io::Error>() {
            Some(io) => {
                let inner = io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static));
                if io.kind() == std::io::ErrorKind::InvalidData
                    && let Some(words) = inner.map(ToString::to_string).filter(|w| w.contains("certificate"))
                {
                    return Some(words);
                }
                inner
            }
            None => e.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use std::process::{Child, Command, Stdio};

    use super::*;

    /// `openssl s_server` with a self-signed certificate for `localhost`, on a free port;
    /// `None` where the openssl tool is not installed.
    struct SelfSignedServer {
        child: Child,
        port: u16,
        _dir: tempfile::TempDir,
    }

    impl SelfSignedServer {
        fn start() -> Option<SelfSignedServer> {
            let dir = tempfile::tempdir().expect("temp dir");
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let made = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=localhost",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !made.is_ok_and(|s| s.success()) {
                return None;
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a port")
                .port();
            let child = Command::new("openssl")
                .args(["s_server", "-www", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(&cert)
                .arg("-key")
                .arg(&key)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let server = SelfSignedServer { child, port, _dir: dir };
            // Ready when it accepts a connection.
            for _ in 0..200 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(server);
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            panic!("openssl s_server did not start listening on {port}");
        }
    }

    impl Drop for SelfSignedServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn login_request() -> LoginRequest {
        LoginRequest {
            username: "tech1".into(),
            password: "demo-tech1".into(),
            device_name: "test".into(),
            device_id: crate::new_id(),
        }
    }

    #[test]
    fn an_untrusted_certificate_is_told_apart_from_an_unreachable_server() {
        let Some(server) = SelfSignedServer::start() else {
            eprintln!("skipped: the openssl tool is not installed");
            return;
        };
        let client = Client::new(&format!("https://localhost:{}", server.port)).expect("client");
        let outcome = client.login(&login_request());
        assert!(
            matches!(&outcome, Err(Error::Certificate(why)) if why.contains("certificate")),
            "{outcome:?}"
        );
        assert_eq!(outcome.unwrap_err().code(), "certificate");
    }

    #[test]
    fn a_company_ca_that_is_not_a_certificate_is_refused_in_words() {
        for text in ["hello", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"] {
            let refused = Client::with_company_ca("https://localhost", Some(text));
            assert!(
                matches!(&refused, Err(Error::Certificate(why)) if why.contains("PEM")),
                "{text}: {refused:?}"
            );
        }
        assert!(Client::with_company_ca("https://localhost", Some("  ")).is_ok(), "blank means none");
    }

    #[test]
    fn a_closed_port_is_unreachable_not_a_certificate_problem() {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let client = Client::new(&format!("https://localhost:{port}")).expect("client");
        let outcome = client.login(&login_request());
        assert!(matches!(outcome, Err(Error::Unreachable(_))), "{outcome:?}");
    }

    /// A server on a free port that answers one request with `answer` (a whole HTTP response).
    fn answering_once(answer: String) -> u16 {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("its address").port();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // The headers, then the JSON body the login sends (it ends with `}`).
            while !request.ends_with(b"}") {
                let n = stream.read(&mut buf).expect("the request");
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(answer.as_bytes()).expect("the answer");
        });
        port
    }

    #[test]
    fn a_throttled_login_keeps_the_seconds_to_wait() {
        let body = r#"{"error":{"code":"too_many_requests","message":"try again in 95 seconds"}}"#;
        let answer = format!(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 95\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let port = answering_once(answer);
        let outcome =
            Client::new(&format!("http://127.0.0.1:{port}")).expect("client").login(&login_request());
        match outcome {
            Err(Error::Throttled { retry_after_secs, message }) => {
                assert_eq!(retry_after_secs, Some(95));
                assert_eq!(message, "try again in 95 seconds");
            }
            other => panic!("{other:?}"),
        }
    }
}
