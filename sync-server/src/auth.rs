//! Who may call: argon2id password hashes, device tokens, and the [`Caller`] extractor that
//! turns `Authorization: Bearer <token>` into the user and device behind it.
//!
//! A token is 32 random bytes shown once to the device; the server keeps only its SHA-256,
//! so a stolen database holds no usable token. Every refusal says why.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{AppError, Error, ErrorCode, Result};
use crate::storage::Caller;

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
            Some(device) => Ok(device.caller),
        }
    }
}
