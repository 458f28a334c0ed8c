//! `POST /v1/auth/login`: a username and password on a named device give a device token;
//! `POST /v1/auth/logout` makes the caller's token worthless (the console's logout).

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use chrono::Utc;
use hearth_core::protocol::{LoginRequest, LoginResponse};

use crate::AppState;
use crate::auth::{new_token, token_hash, verify_decoy, verify_password};
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
}

/// Checks the password (argon2id, off the async threads) and gives the device a new token,
/// replacing the one it had.
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let refused = || AppError::new(ErrorCode::Unauthorized, "wrong username or password");
    if req.device_name.trim().is_empty() {
        return Err(AppError::new(ErrorCode::BadRequest, "name this device: device_name is empty"));
    }
    let credentials = state.storage.credentials(&req.username).await?;
    let password = req.password;
    let phc = credentials.as_ref().map(|c| c.password_hash.clone());
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
    .map_err(Error::from)?;
    let Some(credentials) = credentials.filter(|_| matches) else {
        return Err(refused());
    };
    let token = new_token();
    let user = credentials.user;
    let registered = state
        .storage
        .register_device(req.device_id, user.id, req.device_name, token_hash(&token), Utc::now())
        .await?;
    if !registered {
        return Err(AppError::new(
            ErrorCode::DeviceRevoked,
            "this device was revoked by an administrator and cannot log in; ask the office to restore it",
        ));
    }
    Ok(Json(LoginResponse { token, user }))
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
