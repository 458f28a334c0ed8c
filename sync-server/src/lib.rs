//! hearth-server: the office end of Hearth. It collects what the crews record, hands out
//! work orders and household data to the tablets that may see them, and keeps blobs
//! (ARCHITECTURE.md, "Sync protocol"; the wire types are `hearth_core::protocol`).
//!
//! [`app`] is the whole HTTP API as a router, so tests call it without a socket; [`serve`]
//! runs it on a listener until a shutdown signal, over HTTPS when given a [`tls`] acceptor,
//! with the connection and request limits of [`serve::Limits`]. Storage sits behind [`storage::Storage`].
//!
//! **What an instance keeps in memory**, for several instances on one PostgreSQL database
//! (issue 14): none of the data. The city profile (thresholds) is read in the transaction
//! that judges with it, token checks and every record go to the database, so a change made
//! through one instance is what every other applies on its next request. Kept per instance,
//! by nature: the login throttle's counts (`auth::throttle`: a guesser spread over N
//! instances gets at most N times the free tries), the turns for pushes and checks
//! ([`AppState`]), the argon2 hashing turns, the open connections per client address
//! ([`serve`]), the claims on blob parts being written (PostgreSQL's advisory lock orders
//! them across instances), the office's HLC for new orders and audit entries
//! (`routes::console`; only ever compared for distinct records), and the count of writes
//! that wakes tablets waiting for news, fed on PostgreSQL by every instance's writes through
//! `LISTEN/NOTIFY` ([`storage::postgres::notify`]).
#![forbid(unsafe_code)]

pub mod accept;
pub mod auth;
pub mod caller;
pub mod client_addr;
pub mod demo;
pub mod error;
pub mod extract;
pub mod feed;
pub mod import;
pub mod kpi;
pub mod merge;
pub mod order_schema;
pub mod routes;
pub mod serve;
pub mod storage;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::Request;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_http::trace::TraceLayer;

pub use error::{AppError, Error, Result};
use storage::Storage;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// One push batch's reports are checked at a time, on every core, in arrival order: 20
    /// tablets pushing at once then see their batches checked one after another and stored
    /// while the next is checked, instead of all checked together and all stored at the end
    /// while one core waits on the one writer.
    pub checks: Arc<tokio::sync::Semaphore>,
    /// Push batches read, checked and stored at once ([`PUSHES_AT_ONCE`]). A batch that has
    /// arrived waits for a turn before it is parsed, so however many tablets push together
    /// the server works on a few batches, each ~8 MB while it is parsed and checked, and
    /// the rest wait as the bytes they came as. (The bytes are received without a turn: a
    /// tablet on a weak link must not hold one for the minutes its upload takes.)
    pub pushes: Arc<tokio::sync::Semaphore>,
    /// Counts the writes through the API; the tablets waiting for news watch it
    /// ([`routes::events`]).
    pub writes: Arc<tokio::sync::watch::Sender<u64>>,
}

/// Enough for one batch to be parsed while one is checked and one is stored; more would only
/// hold more batches in memory.
pub const PUSHES_AT_ONCE: usize = 3;

impl AppState {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        AppState {
            storage,
            checks: Arc::new(tokio::sync::Semaphore::new(1)),
            pushes: Arc::new(tokio::sync::Semaphore::new(PUSHES_AT_ONCE)),
            writes: Arc::new(tokio::sync::watch::Sender::new(0)),
        }
    }
}

/// The HTTP API: every route, the error-format fallbacks, and tracing spans that carry the
/// matched route (not the raw path, which holds ids).
pub fn app(state: AppState) -> Router {
    routes::router()
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::events::poke_after_writes))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %req.method(), route)
        }))
        .with_state(state)
}

/// How often the storage's upkeep runs while serving.
const MAINTAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves `state`'s API on `listener` (HTTPS when `tls` is given) with `limits` until
/// `shutdown` resolves, then finishes the requests in flight. Runs the storage's upkeep
/// ([`Storage::maintain`]) every few seconds meanwhile.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    tls: Option<TlsAcceptor>,
    limits: serve::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let storage = Arc::clone(&state.storage);
    let upkeep = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(MAINTAIN_EVERY);
        loop {
            ticks.tick().await;
            if let Err(e) = storage.maintain().await {
                tracing::warn!(error = %e, "storage upkeep failed; it will be tried again");
            }
        }
    });
    let served = serve::run(listener, app(state), tls, limits, shutdown).await;
    upkeep.abort();
    served
}
