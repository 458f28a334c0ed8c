//! Who may call: argon2id password hashes, device tokens, and the [`Caller`] extractor that
//! turns `Authorization: Bearer <token>` into the user and device behind it.
//!
//! A token is 32 random bytes shown once to the device; the server keeps only its SHA-256,
//! so a stolen database holds no usable token. Every refusal says why. A token given to a web
//! browser (the console) expires after [`console_idle_limit`] unused; a tablet's does not.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::http::request::Parts;
use chrono::{TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{AppError, Error, ErrorCode, Result};
use crate::storage::Caller;

pub mod throttle;

/// The argon2id cost the CLI uses for real users (the crate's recommended default).
pub fn default_cost() -> Params {
    Params::default()
}

/// An argon2id PHC string for `password` at `cost`, with a fresh random salt. CPU-heavy:
/// call it off the async threads.
pub fn hash_password(password: &str, cost: Params) -> Result<String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, cost)
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Password(e.to_string()))
}

/// Whether `password` matches the stored PHC string (its own cost and salt are used).
/// CPU-heavy: call it off the async threads.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash is unreadable");
            false
        }
    }
}

/// Spends on `password` what checking a real user's password costs, and matches nothing.
pub fn verify_decoy(password: &str) {
    static DECOY: std::sync::LazyLock<Option<String>> =
        std::sync::LazyLock::new(|| hash_password(&new_token(), default_cost()).ok());
    if let Some(decoy) = DECOY.as_deref() {
        verify_password(password, decoy);
    }
}

/// A new device token: 32 random bytes as hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the server stores of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::new(ErrorCode::Unauthorized, "log in first: send `Authorization: Bearer <token>`")
            })?;
        match state.storage.device_for_token(&token_hash(token)).await? {
            None => Err(AppError::new(
                ErrorCode::Unauthorized,
                "this token is not known (it was replaced by a newer login); log in again",
            )),
            Some(device) if device.revoked_at.is_some() => Err(AppError::new(
                ErrorCode::DeviceRevoked,
                format!(
                    "this device ({}) was revoked by an administrator and can no longer sync; \
                     ask the office to restore it",
                    device.device_name
                ),
            )),
            Some(device) => {
                let now = Utc::now();
                let last_used = device.last_used_at;
                if device.console && last_used.is_some_and(|t| now - t > console_idle_limit()) {
                    return Err(AppError::new(
                        ErrorCode::SessionExpired,
                        format!(
                            "this console session was not used for more than {} and has expired; log in again",
                            hours(console_idle_limit())
                        ),
                    ));
                }
                if last_used.is_none_or(|t| now - t > TOUCH_EVERY) {
                    // Off the request's path: the answer does not wait for the write.
                    let (storage, id) = (std::sync::Arc::clone(&state.storage), device.caller.device_id);
                    tokio::spawn(async move {
                        if let Err(e) = storage.touch_device(id, None, now).await {
                            tracing::warn!(error = %e, "a token's last use was not recorded");
                        }
                    });
                }
                Ok(device.caller)
            }
        }
    }
}

/// How often a token's last use is written: its precision, and at most one write a minute
/// per device however often it calls.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// The console's idle time when neither `serve` nor `HEARTH_CONSOLE_IDLE_HOURS` says otherwise.
pub const DEFAULT_CONSOLE_IDLE_HOURS: u32 = 12;

static CONSOLE_IDLE_LIMIT: std::sync::OnceLock<TimeDelta> = std::sync::OnceLock::new();

/// Sets the console's idle time for this process (a `serve` flag); call it before serving.
/// Refuses less than an hour, and a second setting.
pub fn set_console_idle_hours(hours: u32) -> Result<()> {
    if hours < 1 {
        return Err(Error::Refused("the console's idle time must be at least 1 hour".into()));
    }
    CONSOLE_IDLE_LIMIT
        .set(TimeDelta::hours(i64::from(hours)))
        .map_err(|_| Error::Refused("the console's idle time is already set".into()))
}

/// How long a console (browser) session may go unused before it expires: what
/// [`set_console_idle_hours`] set, else the environment's `HEARTH_CONSOLE_IDLE_HOURS` (a
/// whole number of hours, at least 1), else 12 hours. Tablets' tokens do not expire: a
/// tablet may be offline for weeks; the office revokes a lost one.
pub fn console_idle_limit() -> TimeDelta {
    *CONSOLE_IDLE_LIMIT.get_or_init(|| {
        let hours = match std::env::var("HEARTH_CONSOLE_IDLE_HOURS") {
            Ok(text) => match text.trim().parse::<u32>() {
                Ok(h) if h >= 1 => h,
                _ => {
                    tracing::error!(
                        value = %text,
                        "HEARTH_CONSOLE_IDLE_HOURS must be a whole number of hours, at least 1; \
                         using {DEFAULT_CONSOLE_IDLE_HOURS}"
                    );
                    DEFAULT_CONSOLE_IDLE_HOURS
                }
            },
            Err(_) => DEFAULT_CONSOLE_IDLE_HOURS,
        };
        TimeDelta::hours(i64::from(hours))
    })
}

fn hours(d: TimeDelta) -> String {
    match d.num_hours() {
        1 => "1 hour".to_owned(),
        h => format!("{h} hours"),
    }
}

/// Whether a login comes from a web browser (the console): it says so
/// (`X-Hearth-Client: console`), or carries the `Origin` or `Sec-Fetch-Mode` header browsers
/// add to a script's requests and the tablets' client never sends.
pub fn is_browser(headers: &HeaderMap) -> bool {
    headers.get("x-hearth-client").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"console"))
        || headers.contains_key(ORIGIN)
        || headers.contains_key("sec-fetch-mode")
}
