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
//!
//! A blob goes up resumably ([`Client::upload_blob`]): the server says how much of it it holds
//! (`HEAD`), and the rest goes in parts of [`BLOB_PART_BYTES`] (`PATCH`, tus-style), so a
//! link that drops costs at most one part; against a server without resumable uploads the
//! blob goes whole (`PUT`).
//!
//! A load generator or a diagnostic can watch every request ([`Client::with_observer`]): it is
//! told each exchange's endpoint, status, body bytes each way and duration.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};

use super::page::PulledPage;
use crate::model::Sha256;
use crate::protocol::{
    ErrorBody, LoginRequest, LoginResponse, MAX_PUSH_ENTRIES, MORE_HEADER, NEXT_CURSOR_HEADER, PullQuery,
    PullResponse, PushRequest, PushResponse,
};
use crate::{Error, Result};

/// A connection to one hearth-server.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    base_url: String,
    push_batch: usize,
    observer: Watcher,
}

/// The requests of the sync protocol, as an observer is told them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST /v1/auth/login`.
    Login,
    /// `POST /v1/sync/push`.
    Push,
    /// `GET /v1/sync/pull`.
    Pull,
    /// `GET /v1/sync/events`.
    Events,
    /// `HEAD /v1/blobs/{sha256}`.
    BlobHead,
    /// `PUT /v1/blobs/{sha256}`.
    BlobPut,
    /// `PATCH /v1/blobs/{sha256}`: one part of a resumable upload.
    BlobPatch,
}

impl Endpoint {
    /// A short name: `login`, `push`, `pull`, `events`, `blob_head`, `blob_put`, `blob_patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Login => "login",
            Endpoint::Push => "push",
            Endpoint::Pull => "pull",
            Endpoint::Events => "events",
            Endpoint::BlobHead => "blob_head",
            Endpoint::BlobPut => "blob_put",
            Endpoint::BlobPatch => "blob_patch",
        }
    }
}

/// One request and its answer, as an observer is told it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub endpoint: Endpoint,
    /// The answer's HTTP status; `None` when no answer came (unreachable, refused certificate).
    pub status: Option<u16>,
    /// The error the call returned: the server's code (`conflict`, `unauthorized`…) for an
    /// error answer, else hearth-core's ([`Error::code`]: `unreachable`, `malformed`…). `None`
    /// when the call succeeded (a `404` to a blob check is an answer, not an error).
    pub error: Option<String>,
    /// Request body bytes sent.
    pub sent_bytes: u64,
    /// Response body bytes read.
    pub received_bytes: u64,
    /// From sending the request to the last byte of the answer read (for a page read ahead,
    /// without its wait for the page before it to be read: [`StartedPull::read`]).
    pub elapsed: Duration,
}

/// Called with every exchange a [`Client`] makes, on the thread that made it.
pub type Observer = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// The observer, if any (a newtype, so that [`Client`] stays `Debug`).
#[derive(Clone, Default)]
struct Watcher(Option<Observer>);

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Some(observer)" } else { "None" })
    }
}

/// What a call saw of its answer, for the observer.
#[derive(Default)]
struct Seen {
    status: Option<u16>,
    received: u64,
}

/// Time to open a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest one request takes, upload included (a slow link sends smaller push batches).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a request may take to connect, and in all; [`CONNECT_TIMEOUT`] and
/// [`REQUEST_TIMEOUT`] by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: CONNECT_TIMEOUT, request: REQUEST_TIMEOUT }
    }
}

/// The bytes of a blob sent by one `PATCH`. A link that drops mid-part loses that part only:
/// a quarter of a megabyte is ~2 s at 1 Mbit/s, while the round trip each part adds (~0.1 s
/// on 4G) stays a few percent of the upload.
pub const BLOB_PART_BYTES: usize = 256 * 1024;

/// `409` answers to parts in a row before an upload gives up (another upload of the same blob
/// keeps moving the offset): the next sync tries again.
const OFFSET_CONFLICTS: usize = 3;

/// How much longer than its wait a request for news may take (the server's answer, a slow link).
const NEWS_GRACE: Duration = Duration::from_secs(20);

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
        Client::with_timeouts(base_url, company_ca, Timeouts::default())
    }

    /// [`Client::with_company_ca`] with other [`Timeouts`] than the app's (the tests of a
    /// broken link use shorter ones, to see many give up in a bounded time).
    pub fn with_timeouts(base_url: &str, company_ca: Option<&str>, timeouts: Timeouts) -> Result<Client> {
        let mut builder = Http::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
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
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            push_batch: MAX_PUSH_ENTRIES,
            observer: Watcher::default(),
        })
    }

    /// Tells `observer` of every exchange this client (and its clones) makes from now on.
    #[must_use]
    pub fn with_observer(mut self, observer: Observer) -> Client {
        self.observer = Watcher(Some(observer));
        self
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
        self.exchange(Endpoint::Login, self.http.post(self.url("auth/login")).json(request), json)
    }

    /// `POST /v1/sync/push`.
    pub fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse> {
        self.push_raw(token, serde_json::to_vec(request)?)
    }

    /// `POST /v1/sync/push` with a body already serialized ([`super::apply::push_body`]),
    /// sent compressed ([`compressed`]).
    pub fn push_raw(&self, token: &str, body: Vec<u8>) -> Result<PushResponse> {
        let request = self.http.post(self.url("sync/push")).bearer_auth(token);
        let request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
        self.exchange(Endpoint::Push, compressed(request, body), json)
    }

    /// `GET /v1/sync/pull`; with `remaining` set, the answer counts what is left after it.
    pub fn pull(&self, token: &str, query: PullQuery) -> Result<PullResponse> {
        self.exchange(Endpoint::Pull, self.pull_request(token, query), json)
    }

    /// [`Client::pull`], read as the sync applies it ([`PulledPage`]).
    pub fn pull_page(&self, token: &str, query: PullQuery) -> Result<PulledPage> {
        self.start_pull(token, query)?.read()
    }

    /// [`Client::pull_page`] in two steps: the answer's status and headers (which give where
    /// the next page starts, so that it can be asked for at once), then its body
    /// ([`StartedPull::read`]).
    pub fn start_pull(&self, token: &str, query: PullQuery) -> Result<StartedPull> {
        let started = Instant::now();
        let mut seen = Seen::default();
        let answered = self.pull_request(token, query).build().map_err(transport).and_then(|request| {
            let response = self.http.execute(request).map_err(transport)?;
            seen.status = Some(response.status().as_u16());
            checked(response, &mut seen)
        });
        match answered {
            Ok(response) => {
                let next = page_end(response.headers());
                Ok(StartedPull { client: self.clone(), response, next, answered_in: started.elapsed() })
            }
            Err(e) => {
                self.observe(Endpoint::Pull, started.elapsed(), &seen, 0, Err(&e));
                Err(e)
            }
        }
    }

    fn pull_request(&self, token: &str, query: PullQuery) -> RequestBuilder {
        let PullQuery { after, limit, remaining } = query;
        let mut url = format!("{}?after={after}&limit={limit}", self.url("sync/pull"));
        if remaining {
            url.push_str("&remaining=true");
        }
        self.http.get(url).bearer_auth(token)
    }

    /// `GET /v1/sync/events`: waits up to `wait` for the feed to have changes after `after`
    /// (a long poll); true if it has. The request may take `wait` and then some, past the
    /// client's own request timeout.
    pub fn wait_for_news(&self, token: &str, after: u64, wait: Duration) -> Result<bool> {
        let url = format!("{}?after={after}&wait={}", self.url("sync/events"), wait.as_secs());
        let request = self.http.get(url).bearer_auth(token).timeout(wait + NEWS_GRACE);
        self.exchange(Endpoint::Events, request, |response, seen| {
            let answer: serde_json::Value = json(response, seen)?;
            Ok(answer.get("news").and_then(serde_json::Value::as_bool).unwrap_or(false))
        })
    }

    /// `HEAD /v1/blobs/{sha256}`: whether the server has the blob.
    pub fn has_blob(&self, token: &str, sha256: &Sha256) -> Result<bool> {
        let request = self.http.head(self.url(&format!("blobs/{sha256}"))).bearer_auth(token);
        self.exchange(Endpoint::BlobHead, request, |response, _| match response.status() {
            StatusCode::NOT_FOUND => Ok(false),
            s if s.is_success() => Ok(true),
            s => Err(Error::Server { status: s.as_u16(), code: "blob_check".into(), message: s.to_string() }),
        })
    }

    /// Uploads a blob resumably: asks the server how much of it it holds, then sends the rest
    /// in parts of [`BLOB_PART_BYTES`], each answer giving the new offset. Against a server
    /// that does not know `PATCH` (`405`, `404`) the blob goes whole ([`Client::put_blob`]).
    /// Returns once the server has stored it (checked against `sha256`): false if it had it
    /// before this call.
    pub fn upload_blob(&self, token: &str, sha256: &Sha256, bytes: &[u8]) -> Result<bool> {
        let Some(mut offset) = self.blob_offset(token, sha256)? else { return Ok(false) };
        let total = bytes.len() as u64;
        let mut conflicts = 0;
        loop {
            let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
            let end = (start + BLOB_PART_BYTES).min(bytes.len());
            match self.patch_blob(token, sha256, offset, total, bytes[start..end].to_vec())? {
                Part::Held(held) if held > offset => (offset, conflicts) = (held, 0),
                Part::Held(held) => {
                    return Err(Error::Server {
                        status: 204,
                        code: "blob_offset".into(),
                        message: format!(
                            "the server took a part of the blob but holds {held} bytes, not more"
                        ),
                    });
                }
                Part::Stored => return Ok(true),
                Part::WrongOffset(held) if conflicts < OFFSET_CONFLICTS => {
                    (offset, conflicts) = (held, conflicts + 1)
                }
                Part::WrongOffset(held) => {
                    return Err(Error::Server {
                        status: 409,
                        code: "conflict".into(),
                        message: format!(
                            "the server's offset of the blob keeps moving (now {held}); try later"
                        ),
                    });
                }
                Part::Unsupported => return self.put_blob(token, sha256, bytes.to_vec()).map(|()| true),
            }
        }
    }

    /// `HEAD /v1/blobs/{sha256}`: `None` if the server has the blob, else the bytes of a
    /// partial upload it holds (0 if none, or if the server does not say: an older one).
    pub fn blob_offset(&self, token: &str, sha256: &Sha256) -> Result<Option<u64>> {
        let request = self.http.head(self.url(&format!("blobs/{sha256}"))).bearer_auth(token);
        self.exchange(Endpoint::BlobHead, request, |response, _| match response.status() {
            StatusCode::NOT_FOUND => Ok(Some(upload_offset(response.headers()).unwrap_or(0))),
            s if s.is_success() => Ok(None),
            s => Err(Error::Server { status: s.as_u16(), code: "blob_check".into(), message: s.to_string() }),
        })
    }

    /// `PATCH /v1/blobs/{sha256}`: one part of a resumable upload, starting at `offset`.
    fn patch_blob(
        &self,
        token: &str,
        sha256: &Sha256,
        offset: u64,
        total: u64,
        part: Vec<u8>,
    ) -> Result<Part> {
        let request = self
            .http
            .patch(self.url(&format!("blobs/{sha256}")))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
            .header("Upload-Offset", offset)
            .header("Upload-Length", total)
            .body(part);
        self.exchange(Endpoint::BlobPatch, request, |response, seen| match response.status() {
            StatusCode::NO_CONTENT => Ok(Part::Held(upload_offset(response.headers()).unwrap_or(offset))),
            StatusCode::OK | StatusCode::CREATED => Ok(Part::Stored),
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND => Ok(Part::Unsupported),
            StatusCode::CONFLICT => match upload_offset(response.headers()) {
                Some(held) => Ok(Part::WrongOffset(held)),
                None => checked(response, seen).map(|_| Part::Stored),
            },
            _ => checked(response, seen).map(|_| Part::Stored),
        })
    }

    /// `PUT /v1/blobs/{sha256}`: the whole blob in one request.
    pub fn put_blob(&self, token: &str, sha256: &Sha256, bytes: Vec<u8>) -> Result<()> {
        let request = self.http.put(self.url(&format!("blobs/{sha256}"))).bearer_auth(token).body(bytes);
        self.exchange(Endpoint::BlobPut, request, |response, seen| checked(response, seen).map(drop))
    }

    /// Sends `request` and reads its answer with `read`, telling the observer (if any) how it
    /// went.
    fn exchange<T>(
        &self,
        endpoint: Endpoint,
        request: RequestBuilder,
        read: impl FnOnce(Response, &mut Seen) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let mut seen = Seen::default();
        let mut sent_bytes = 0;
        let outcome = request.build().map_err(transport).and_then(|request| {
            sent_bytes = request.body().and_then(|b| b.as_bytes()).map_or(0, |b| b.len() as u64);
            let response = self.http.execute(request).map_err(transport)?;
            seen.status = Some(response.status().as_u16());
            read(response, &mut seen)
        });
        self.observe(endpoint, started.elapsed(), &seen, sent_bytes, outcome.as_ref().map(drop));
        outcome
    }

    /// Tells the observer, if any, how an exchange went.
    fn observe(
        &self,
        endpoint: Endpoint,
        elapsed: Duration,
        seen: &Seen,
        sent_bytes: u64,
        outcome: Result<(), &Error>,
    ) {
        if let Some(observer) = &self.observer.0 {
            let error = outcome.err().map(|e| match e {
                Error::Server { code, .. } => code.clone(),
                other => other.code().to_owned(),
            });
            observer(&Exchange {
                endpoint,
                status: seen.status,
                error,
                sent_bytes,
                received_bytes: seen.received,
                elapsed,
            });
        }
    }
}

/// A pull whose answer has come, its body still to be read ([`Client::start_pull`]).
#[derive(Debug)]
pub struct StartedPull {
    client: Client,
    response: Response,
    /// The page's next cursor and whether more follow, from its headers; `None` from a server
    /// that does not send them.
    pub next: Option<(u64, bool)>,
    /// From sending the request to its headers.
    answered_in: Duration,
}

impl StartedPull {
    /// Reads the page; it must end where its headers said.
    pub fn read(self) -> Result<PulledPage> {
        let StartedPull { client, response, next, answered_in } = self;
        // The exchange's time is the answer's and the body's, not the wait in between for the
        // page before to be read.
        let reading = Instant::now();
        let mut seen = Seen { status: Some(response.status().as_u16()), received: 0 };
        let page = response.bytes().map_err(transport).and_then(|bytes| {
            seen.received = bytes.len() as u64;
            let page = PulledPage::parse(&bytes)?;
            match next {
                Some(said) if said != (page.next_cursor, page.more) => Err(Error::Server {
                    status: 200,
                    code: "malformed".into(),
                    message: format!(
                        "the page ends at {} (more: {}), not where its headers said ({}, more: {})",
                        page.next_cursor, page.more, said.0, said.1
                    ),
                }),
                _ => Ok(page),
            }
        });
        client.observe(Endpoint::Pull, answered_in + reading.elapsed(), &seen, 0, page.as_ref().map(drop));
        page
    }
}

/// The next cursor and whether more follow, from a pull's headers.
fn page_end(headers: &reqwest::header::HeaderMap) -> Option<(u64, bool)> {
    let value = |name| headers.get(name)?.to_str().ok().map(str::trim);
    Some((value(NEXT_CURSOR_HEADER)?.parse().ok()?, value(MORE_HEADER)?.parse().ok()?))
}

/// What the server did with one part of a resumable upload.
enum Part {
    /// It holds this many bytes now.
    Held(u64),
    /// The blob is stored.
    Stored,
    /// The part did not start where the server's bytes end: it holds this many.
    WrongOffset(u64),
    /// The server has no resumable uploads.
    Unsupported,
}

/// The `Upload-Offset` header's bytes.
fn upload_offset(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get("upload-offset")?.to_str().ok()?.trim().parse().ok()
}

/// Bodies smaller than this go as they are: compressing them saves less than a packet.
const COMPRESS_FROM: usize = 1024;

/// `request` with `body` compressed with zstd (`Content-Encoding: zstd`): a push batch of
/// signed reports is ~4x smaller, which on a 1 Mbit/s uplink is most of a sync's time. (The
/// answers come compressed too: reqwest asks for zstd or gzip and unpacks them.)
fn compressed(request: RequestBuilder, body: Vec<u8>) -> RequestBuilder {
    if body.len() < COMPRESS_FROM {
        return request.body(body);
    }
    match zstd::bulk::compress(&body, 3) {
        Ok(packed) => request.header(reqwest::header::CONTENT_ENCODING, "zstd").body(packed),
        // Only an allocation failure gets here; the body still goes, as it is.
        Err(_) => request.body(body),
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

/// The answer if it is a success; a non-2xx answer becomes [`Error::Server`] with the
/// server's code.
fn checked(response: Response, seen: &mut Seen) -> Result<Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after_secs = retry_after(response.headers());
    let text = response.text().unwrap_or_default();
    seen.received += text.len() as u64;
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

/// A success's JSON body.
fn json<T: serde::de::DeserializeOwned>(response: Response, seen: &mut Seen) -> Result<T> {
    let bytes = checked(response, seen)?.bytes().map_err(transport)?;
    seen.received += bytes.len() as u64;
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

    /// An observer is told each exchange: its endpoint, status, error code, body bytes both
    /// ways and duration — for an answer and for an error answer alike.
    #[test]
    fn an_observer_is_told_each_exchange_with_its_status_and_bytes() {
        let user = crate::model::User {
            id: uuid::Uuid::from_u128(7),
            username: "tech1".into(),
            display_name: "张师傅".into(),
            role: crate::model::Role::Technician,
            station_id: None,
        };
        let ok_body = serde_json::to_string(&LoginResponse { token: "t0k3n".into(), user }).unwrap();
        let refused_body = r#"{"error":{"code":"unauthorized","message":"wrong username or password"}}"#;
        let answer = |status: &str, body: &str| {
            format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            )
        };
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let observer: Observer = {
            let seen = seen.clone();
            Arc::new(move |exchange: &Exchange| seen.lock().unwrap().push(exchange.clone()))
        };
        let request = login_request();
        let request_bytes = serde_json::to_vec(&request).unwrap().len() as u64;

        let port = answering_once(answer("200 OK", &ok_body));
        let client =
            Client::new(&format!("http://127.0.0.1:{port}")).unwrap().with_observer(observer.clone());
        assert_eq!(client.login(&request).unwrap().token, "t0k3n");
        let port = answering_once(answer("401 Unauthorized", refused_body));
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap().with_observer(observer);
        let refused = client.login(&request);
        assert!(matches!(&refused, Err(Error::Server { status: 401, .. })), "{refused:?}");

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        let (ok, no) = (&seen[0], &seen[1]);
        assert_eq!((ok.endpoint, ok.status, ok.error.as_deref()), (Endpoint::Login, Some(200), None));
        assert_eq!((ok.sent_bytes, ok.received_bytes), (request_bytes, ok_body.len() as u64));
        assert_eq!(
            (no.endpoint, no.status, no.error.as_deref()),
            (Endpoint::Login, Some(401), Some("unauthorized"))
        );
        assert_eq!((no.sent_bytes, no.received_bytes), (request_bytes, refused_body.len() as u64));
        assert!(ok.elapsed > Duration::ZERO && no.elapsed > Duration::ZERO);
        assert_eq!(Endpoint::BlobHead.as_str(), "blob_head");
    }

    #[test]
    fn an_observer_hears_of_a_server_that_never_answered() {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let observer: Observer = {
            let seen = seen.clone();
            Arc::new(move |exchange: &Exchange| seen.lock().unwrap().push(exchange.clone()))
        };
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap().with_observer(observer);
        let sha = Sha256::of(b"photo");
        assert!(client.has_blob("token", &sha).is_err());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].endpoint, seen[0].status), (Endpoint::BlobHead, None));
        assert_eq!(seen[0].error.as_deref(), Some("unreachable"));
    }

    /// What a scripted server was asked: the method, the `Upload-Offset` header, the body's bytes.
    type Asked = Arc<std::sync::Mutex<Vec<(String, Option<u64>, usize)>>>;

    /// A server on a free port answering one request per connection with the next of
    /// `answers` (status line and headers), recording what it was asked.
    fn scripted(answers: Vec<&'static str>) -> (u16, Asked) {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let asked: Asked = Arc::default();
        let record = asked.clone();
        std::thread::spawn(move || {
            for answer in answers {
                let (stream, _) = listener.accept().expect("a connection");
                let mut reader = BufReader::new(stream);
                let (mut method, mut offset, mut length) = (String::new(), None, 0usize);
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).expect("a header");
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if method.is_empty() {
                        method = line.split(' ').next().unwrap_or_default().to_owned();
                    } else if let Some((name, value)) = line.split_once(':') {
                        match name.to_ascii_lowercase().as_str() {
                            "upload-offset" => offset = value.trim().parse().ok(),
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("the body");
                record.lock().unwrap().push((method, offset, length));
                let reply = format!("HTTP/1.1 {answer}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                reader.get_mut().write_all(reply.as_bytes()).expect("the answer");
            }
        });
        (port, asked)
    }

    #[test]
    fn an_upload_resumes_from_the_servers_offset_in_parts() {
        let photo = vec![7u8; 600_000];
        let (port, asked) = scripted(vec![
            "404 Not Found\r\nupload-offset: 100000",
            "204 No Content\r\nupload-offset: 362144",
            // Another upload of the blob got further meanwhile: continue from where it is.
            "409 Conflict\r\nupload-offset: 500000\r\ncontent-type: application/json",
            "201 Created",
        ]);
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
        assert!(client.upload_blob("token", &Sha256::of(&photo), &photo).unwrap(), "sent");
        let asked = asked.lock().unwrap().clone();
        let part = BLOB_PART_BYTES;
        assert_eq!(
            asked,
            vec![
                ("HEAD".to_owned(), None, 0),
                ("PATCH".to_owned(), Some(100_000), part),
                ("PATCH".to_owned(), Some(362_144), 600_000 - 362_144),
                ("PATCH".to_owned(), Some(500_000), 100_000),
            ]
        );
    }

    #[test]
    fn a_server_without_resumable_uploads_gets_the_blob_whole() {
        let photo = vec![9u8; 300_000];
        let (port, asked) = scripted(vec!["404 Not Found", "405 Method Not Allowed", "201 Created"]);
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
        assert!(client.upload_blob("token", &Sha256::of(&photo), &photo).unwrap());
        let asked = asked.lock().unwrap().clone();
        let methods: Vec<_> = asked.iter().map(|(m, offset, len)| (m.as_str(), *offset, *len)).collect();
        assert_eq!(
            methods,
            vec![("HEAD", None, 0), ("PATCH", Some(0), BLOB_PART_BYTES), ("PUT", None, 300_000)]
        );

        // A blob the server has is not sent at all.
        let (port, asked) = scripted(vec!["200 OK"]);
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
        assert!(!client.upload_blob("token", &Sha256::of(&photo), &photo).unwrap(), "already there");
        assert_eq!(asked.lock().unwrap().len(), 1);
    }
}
