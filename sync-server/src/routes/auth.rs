//! `POST /v1/auth/login`: a username and password on a named device give a device token;
//! `POST /v1/auth/logout` makes the caller's token worthless (the console's logout). Failed
//! logins are throttled per account and address (`auth::throttle`), and logged with the address.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use chrono::Utc;
use hearth_core::protocol::{LoginRequest, LoginResponse};

use crate::AppState;
use crate::auth::throttle::{ClientAddr, LoginGuard, hashing_turn};
use crate::auth::{is_browser, new_token, token_hash, verify_decoy, verify_password};
use crate::error::{AppError, Error, ErrorCode};
use crate::extract::Json;
use crate::storage::Caller;

/// A login is a few short strings.
const LOGIN_BODY_LIMIT: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
        .layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT))
        // This server's failed-login counts (each `app()` has its own).
        .layer(Extension(Arc::new(LoginGuard::new())))
}

/// Checks the password (argon2id, off the async threads, one hash per core at a time) and
/// gives the device a new token, replacing the one it had. Failed logins slow down further
/// tries of the account and the address ([`LoginGuard`]): `429` with `Retry-After`.
pub async fn login(
    State(state): State<AppState>,
    Extension(guard): Extension<Arc<LoginGuard>>,
    addr: ClientAddr,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, Response> {
    if req.device_name.trim().is_empty() {
        return Err(
            AppError::new(ErrorCode::BadRequest, "name this device: device_name is empty").into_response()
        );
    }
    if let Some(wait) = guard.wait(&req.username, addr) {
        tracing::warn!(username = %req.username, %addr, wait_s = wait.as_secs_f32(), "login throttled");
        return Err(throttled(wait));
    }
    let credentials = state.storage.credentials(&req.username).await.map_err(into_response)?;
    let password = req.password;
    let phc = credentials.as_ref().map(|c| c.password_hash.clone());
    // One hash per core at a time: a flood of logins waits here instead of each taking
    // argon2's memory at once.
    let turn = hashing_turn().await;
    // Asked again with the turn: the guesses that queued behind others are counted now, so
    // a burst of parallel guesses gets no more tries than a sequence of them (but the ones
    // hashing at the same moment, one per core).
    if let Some(wait) = guard.wait(&req.username, addr) {
        tracing::warn!(username = %req.username, %addr, wait_s = wait.as_secs_f32(), "login throttled");
        return Err(throttled(wait));
    }
    // An unknown username costs the same hash as a wrong password, so the answer's timing
    // does not tell which usernames exist.
    let matches = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_password(&password, &phc),
        None => {
            verify_decoy(&password);
            false
        }
    })
    .await
    .map_err(|e| into_response(Error::from(e)))?;
    let Some(credentials) = credentials.filter(|_| matches) else {
        // Counted before the turn passes on, so the next in the queue sees it.
        guard.failed(&req.username, addr);
        drop(turn);
        tracing::warn!(username = %req.username, %addr, "login failed: wrong username or password");
        return Err(AppError::new(ErrorCode::Unauthorized, "wrong username or password").into_response());
    };
    guard.succeeded(&req.username);
    drop(turn);
    let token = new_token();
    let user = credentials.user;
    let now = Utc::now();
    let registered = state
        .storage
        .register_device(req.device_id, user.id, req.device_name, token_hash(&token), now)
        .await
        .map_err(into_response)?;
    if !registered {
        return Err(AppError::new(
            ErrorCode::DeviceRevoked,
            "this device was revoked by an administrator and cannot log in; ask the office to restore it",
        )
        .into_response());
    }
    // A browser's token is a console session: it expires when left unused.
    state
        .storage
        .touch_device(req.device_id, Some(is_browser(&headers)), now)
        .await
        .map_err(into_response)?;
    Ok(Json(LoginResponse { token, user }))
}

/// `429` with the whole seconds to wait in `Retry-After` and in words.
fn throttled(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let words = if seconds >= 120 {
        format!("about {} minutes", seconds.div_ceil(60))
    } else {
        format!("{seconds} seconds")
    };
    let error = AppError::new(
        ErrorCode::TooManyRequests,
        format!("too many failed logins for this account or from this address; try again in {words}"),
    );
    ([(RETRY_AFTER, seconds.to_string())], error).into_response()
}

fn into_response(e: Error) -> Response {
    AppError::from(e).into_response()
}

/// Forgets the caller's token: the device keeps its row (and its history in the device list)
/// but its stored hash is replaced by that of a token nobody was given, so the old token is
/// refused from now on and the next login on the device issues a new one.
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, AppError> {
    let devices = state.storage.devices().await?;
    let name =
        devices.into_iter().find(|d| d.id == caller.device_id).map(|d| d.name).ok_or_else(|| {
            AppError::new(ErrorCode::Unauthorized, "this device is not known; log in again")
        })?;
    state
        .storage
        .register_device(caller.device_id, caller.user.id, name, token_hash(&new_token()), Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
