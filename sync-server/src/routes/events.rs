//! `GET /v1/sync/events`: new work reaches an online tablet at once (issue 15). A long poll:
//! the tablet asks whether its feed has anything after its cursor, and the server answers at
//! once if it has, or holds the request until a write may have brought something (or `wait`
//! seconds pass, at most [`max_wait`]), then answers. The tablet pulls when told there is
//! news, and asks again; its 30-second poll stays as the fallback.
//!
//! A long poll rather than server-sent events: every answer is a plain JSON request through
//! the same client, timeouts, proxies and request limits as the rest of the protocol (an SSE
//! stream would need the request timeout lifted, and each proxy's read timeout raised), and
//! a tablet waiting costs the server one parked task on a [`tokio::sync::watch`] receiver.
//!
//! Every successful write through the API ([`poke_after_writes`]) wakes the waiting
//! requests, and each checks its own scope with a one-row read of the feed: a write that is
//! not in a tablet's scope costs that tablet's request one indexed lookup, not an answer.
//! With several instances on one PostgreSQL database, a write through another instance
//! wakes them too: every transaction that writes the feed sends `NOTIFY hearth_feed`, and each
//! instance's one listening connection counts [`AppState::writes`] up on each notice
//! (`storage::postgres::notify`, reconnecting by itself after PostgreSQL restarts). The
//! embedded SQLite database has one instance, woken by [`poke_after_writes`] alone.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::AppError;
use crate::extract::{Json, Query};
use crate::storage::Caller;

/// The longest a request waits when it names no `wait`, in seconds.
pub const DEFAULT_WAIT_SECS: u32 = 25;
/// The longest any request waits, in seconds, unless the server is started with another
/// (`serve --events-max-wait`): under the request timeout (60 s) and the idle timeouts of
/// common proxies (nginx: 60 s).
pub const MAX_WAIT_SECS: u32 = 50;

static MAX_WAIT: AtomicU32 = AtomicU32::new(MAX_WAIT_SECS);

/// Sets the longest wait of every request, in seconds (at least 1).
pub fn set_max_wait(secs: u32) {
    MAX_WAIT.store(secs.max(1), Ordering::Relaxed);
}

/// The longest a request waits, in seconds.
pub fn max_wait() -> u32 {
    MAX_WAIT.load(Ordering::Relaxed)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sync/events", get(events))
}

/// `GET /v1/sync/events` parameters.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    /// The device's pull cursor.
    #[serde(default)]
    pub after: u64,
    /// Seconds to wait for news; [`DEFAULT_WAIT_SECS`] if absent, at most [`max_wait`].
    pub wait: Option<u32>,
}

/// Whether the caller's feed has changes after `after`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct News {
    pub news: bool,
}

async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<EventsParams>,
) -> Result<Json<News>, AppError> {
    let wait = Duration::from_secs(u64::from(params.wait.unwrap_or(DEFAULT_WAIT_SECS).min(max_wait())));
    let deadline = tokio::time::Instant::now() + wait;
    let mut writes = state.writes.subscribe();
    loop {
        writes.borrow_and_update();
        if !state.storage.pull(&caller, params.after, 1).await?.changes.is_empty() {
            return Ok(Json(News { news: true }));
        }
        match tokio::time::timeout_at(deadline, writes.changed()).await {
            // A burst of writes (a push batch, an import) wakes once: let it settle.
            Ok(Ok(())) => tokio::time::sleep(Duration::from_millis(20)).await,
            Ok(Err(_)) | Err(_) => return Ok(Json(News { news: false })),
        }
    }
}

/// Wakes the waiting requests after every successful write through the API (anything but a
/// read, a login or a logout).
pub async fn poke_after_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !request.uri().path().starts_with("/v1/auth/");
    let response = next.run(request).await;
    if write && response.status().is_success() {
        state.writes.send_modify(|n| *n = n.wrapping_add(1));
    }
    response
}
