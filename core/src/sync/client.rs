//! The HTTP client of the sync protocol ([`crate::protocol`]): reqwest with rustls,
//! blocking (the app runs it on a worker thread; rusqlite blocks anyway). Errors come back
//! as [`Error::Unreachable`] (try again later), [`Error::Certificate`] (the server's TLS
//! certificate was refused: trying again will not help until someone fixes it) or
//! [`Error::Server`] with the server's code.

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

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Client> {
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
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

/// Sends a request; a non-2xx answer becomes [`Error::Server`] with the server's code.
fn send(request: RequestBuilder) -> Result<Response> {
    let response = request.send().map_err(transport)?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => ("http".to_owned(), format!("{status}: {}", text.chars().take(200).collect::<String>())),
    };
    Err(Error::Server { status: status.as_u16(), code, message })
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
    fn a_closed_port_is_unreachable_not_a_certificate_problem() {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let client = Client::new(&format!("https://localhost:{port}")).expect("client");
        let outcome = client.login(&login_request());
        assert!(matches!(outcome, Err(Error::Unreachable(_))), "{outcome:?}");
    }
}
