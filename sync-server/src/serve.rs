//! Serving the API on a socket, with the limits every connection gets (issue 13): each
//! connection is served by hyper's HTTP/1 server, over rustls when a certificate is given
//! ([`crate::tls`]).
//!
//! - **Header read timeout**: a request's headers must arrive whole within
//!   [`Limits::header_read`], or the connection is closed. hyper starts that clock whenever a
//!   connection waits for a request, so it is also the idle timeout of kept-alive connections,
//!   and it bounds a TLS handshake too.
//! - **Connections per client address**: beyond [`Limits::per_address`] open connections from
//!   one address, a new one is closed as soon as it is accepted (and logged with the address).
//! - **Request timeout**: every route answers within [`Limits::request`] or gets `503 timeout`
//!   in the error format, except the long uploads (push, blob `PUT`): a tablet on a weak link
//!   may take minutes for those, so they get a minimum transfer rate instead (a body that
//!   brings fewer than [`Limits::min_upload_rate`] bytes a second over a
//!   [`Limits::upload_window`] is cut).
//!
//! Handlers see the connection's peer as `ConnectInfo<SocketAddr>` and the client's address
//! ([`crate::client_addr`]: the peer, or whom a trusted proxy forwards) as [`ClientAddr`]. A
//! trusted proxy's connections are not counted per address.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tower::Service;

use crate::auth::throttle::ClientAddr;
use crate::client_addr::TrustedProxies;
use crate::error::{AppError, ErrorCode};

/// The limits of every connection and request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time for a request's headers to arrive whole (and for a TLS handshake, and the most a
    /// kept-alive connection waits idle for its next request).
    pub header_read: Duration,
    /// Time for any route but the long uploads to answer.
    pub request: Duration,
    /// Connections open at once from one client address.
    pub per_address: usize,
    /// The slowest a long upload may be, in bytes a second, averaged over `upload_window`.
    pub min_upload_rate: u64,
    pub upload_window: Duration,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
}

impl Default for Limits {
    /// 15 s for headers (a tablet sends them in one packet; nginx allows 60 s), one minute a
    /// request (a CSV export of the whole city takes a few seconds), 64 connections an address
    /// (a tablet uses one or two, a browser six), and 1 KB/s over 30 s for uploads (a 2 G link
    /// in a basement still moves ~10 KB/s).
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(15),
            request: Duration::from_secs(60),
            per_address: 64,
            min_upload_rate: 1024,
            upload_window: Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Serves `router` on `listener` (over TLS when `tls` is given) with `limits`, until
/// `shutdown` resolves; then stops accepting and finishes the connections' requests in flight.
pub async fn run(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = with_request_limits(router, limits.clone());
    let open = OpenConnections::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the listener itself is fine; pause so a full table can drain.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let proxy = limits.trusted_proxies.trusts(peer.ip());
        let slot = if proxy { None } else { open.take(peer.ip(), limits.per_address) };
        if slot.is_none() && !proxy {
            tracing::warn!(
                client = %peer.ip(),
                limit = limits.per_address,
                "closed a connection: this address already has the most connections open at once"
            );
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        let trusted = limits.trusted_proxies.clone();
        let header_read = limits.header_read;
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                let client = trusted.client(peer.ip(), request.headers());
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(ClientAddr(Some(client)));
                router.clone().call(request)
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(header_read);
            let served = match tls {
                None => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                Some(acceptor) => match handshake(&acceptor, stream, header_read).await {
                    Some(stream) => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                    None => return,
                },
            };
            if let Err(e) = served {
                tracing::debug!(client = %peer, error = %e, "connection closed");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The TLS handshake, within `limit`; a failed one (a device that does not trust the
/// certificate, a port scanner) is logged at debug level and closes the connection.
async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    limit: Duration,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// How many connections each client address has open.
#[derive(Default, Clone)]
struct OpenConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl OpenConnections {
    /// A slot for one more connection from `ip`, unless it already has `limit`.
    fn take(&self, ip: IpAddr, limit: usize) -> Option<Slot> {
        let mut open = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot { open: self.clone(), ip })
    }
}

/// One open connection's place in [`OpenConnections`], given back when dropped.
struct Slot {
    open: OpenConnections,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The request timeout on every route, and the minimum transfer rate on the long uploads.
fn with_request_limits(router: Router, limits: Limits) -> Router {
    router.layer(axum::middleware::from_fn_with_state(limits, request_limits))
}

/// Whether a request is one of the long uploads: a push batch or a blob (a photo, a PDF).
fn is_long_upload(method: &Method, path: &str) -> bool {
    (method == Method::POST && path == "/v1/sync/push")
        || ((method == Method::PUT || method == Method::PATCH) && path.starts_with("/v1/blobs/"))
}

async fn request_limits(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    if is_long_upload(request.method(), request.uri().path()) {
        let request = request.map(|body| Body::new(MinRate::new(body, &limits)));
        return next.run(request).await;
    }
    match tokio::time::timeout(limits.request, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::new(
            ErrorCode::Timeout,
            format!(
                "the server did not answer within {} seconds; nothing more will happen for this \
                 request, try again",
                limits.request.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A request body that fails when fewer than `min_bytes` arrive in any window of `window`:
/// the handler reading it then answers `400` and the connection is closed.
struct MinRate {
    inner: Body,
    window: Duration,
    min_bytes: u64,
    received: u64,
    deadline: Pin<Box<Sleep>>,
}

impl MinRate {
    fn new(inner: Body, limits: &Limits) -> MinRate {
        let window_secs = limits.upload_window.as_secs().max(1);
        MinRate {
            inner,
            window: limits.upload_window,
            min_bytes: limits.min_upload_rate.saturating_mul(window_secs),
            received: 0,
            deadline: Box::pin(tokio::time::sleep(limits.upload_window)),
        }
    }

    /// At the end of a window: too slow, or a new window.
    fn window_ended(&mut self) -> Result<(), axum::Error> {
        if self.received < self.min_bytes {
            return Err(axum::Error::new(format!(
                "the upload was cut: it brought {} bytes in {} seconds, slower than the {} bytes a \
                 second this server waits for",
                self.received,
                self.window.as_secs(),
                self.min_bytes / self.window.as_secs().max(1)
            )));
        }
        self.received = 0;
        let next = Instant::now() + self.window;
        self.deadline.as_mut().reset(next);
        Ok(())
    }
}

impl http_body::Body for MinRate {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                if this.deadline.is_elapsed()
                    && let Err(e) = this.window_ended()
                {
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                while this.deadline.as_mut().poll(cx).is_ready() {
                    if let Err(e) = this.window_ended() {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                Poll::Pending
            }
            done => done,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_limit_of_connections_and_a_slot_back_when_one_closes() {
        let open = OpenConnections::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let first = open.take(a, 2).expect("first");
        let _second = open.take(a, 2).expect("second");
        assert!(open.take(a, 2).is_none(), "a third from the same address is refused");
        assert!(open.take(b, 2).is_some(), "another address has its own count");
        drop(first);
        assert!(open.take(a, 2).is_some(), "a closed connection gives its slot back");
    }

    #[tokio::test]
    async fn a_slow_route_is_answered_503_timeout_in_words_and_a_slow_push_is_not() {
        use axum::routing::{get, post};
        use tower::ServiceExt;

        async fn slow() -> &'static str {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "done"
        }
        let limits = Limits { request: Duration::from_millis(100), ..Limits::default() };
        let router = with_request_limits(
            Router::new().route("/v1/slow", get(slow)).route("/v1/sync/push", post(slow)),
            limits,
        );
        let request = |method: &str, uri: &str| {
            Request::builder().method(method).uri(uri).body(Body::empty()).expect("request")
        };

        let answer = router.clone().oneshot(request("GET", "/v1/slow")).await.expect("answer");
        assert_eq!(answer.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(answer.into_body(), 4096).await.expect("body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains(r#""code":"timeout""#) && body.contains("did not answer within"), "{body}");

        let push = router.oneshot(request("POST", "/v1/sync/push")).await.expect("answer");
        assert_eq!(push.status(), axum::http::StatusCode::OK, "a push is timed by its upload rate instead");
    }

    #[test]
    fn only_push_and_blob_uploads_are_long_uploads() {
        assert!(is_long_upload(&Method::POST, "/v1/sync/push"));
        assert!(is_long_upload(&Method::PUT, "/v1/blobs/ab12"));
        assert!(is_long_upload(&Method::PATCH, "/v1/blobs/ab12"));
        assert!(!is_long_upload(&Method::GET, "/v1/blobs/ab12"));
        assert!(!is_long_upload(&Method::GET, "/v1/sync/pull"));
        assert!(!is_long_upload(&Method::POST, "/v1/auth/login"));
    }
}
