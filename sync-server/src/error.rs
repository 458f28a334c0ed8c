//! Errors: the library's one [`Error`] (storage, import, administration) and [`AppError`],
//! the one HTTP answer of every refusal: a status and `{"error":{"code","message"}}` with a
//! code from a closed set ([`ErrorCode`]). Internal details (SQL, paths) are logged, never sent.

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_core::protocol::{ApiError, ErrorBody};

/// Everything that can go wrong below the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed: what was being done, with the backend's own error kept as the
    /// source (each backend converts its driver's errors, e.g. `storage::sqlite`).
    #[error("{what}: {source}")]
    Database { what: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
    /// The database cannot be reached (a database server down or restarting, a dropped
    /// connection): the request may succeed when retried. Answered `503 unavailable`.
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    /// The data directory holds a database this build must not touch.
    #[error("{0}")]
    NotHearthServer(String),
    /// A stored value cannot be read back: the file was changed outside hearth-server.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("malformed stored record: {0}")]
    Json(#[from] serde_json::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("a background task failed: {0}")]
    Task(String),
    /// A user-facing refusal of an administrative command (unknown station, taken username).
    #[error("{0}")]
    Refused(String),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Task(e.to_string())
    }
}

/// The closed set of codes a client can branch on (`ErrorCode::iter()` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum ErrorCode {
    BadRequest,
    MalformedJson,
    UnsupportedMediaType,
    Unauthorized,
    DeviceRevoked,
    /// A console (browser) session unused for longer than the idle limit: log in again.
    SessionExpired,
    Forbidden,
    NotFound,
    /// The request contradicts the record's state (cancelling finished work).
    Conflict,
    MethodNotAllowed,
    PayloadTooLarge,
    TooManyEntries,
    HashMismatch,
    /// Too many failed logins: wait for the `Retry-After` seconds.
    TooManyRequests,
    /// The server did not answer in time (the request timeout, `serve::Limits`).
    Timeout,
    /// The server cannot reach its database for now: try again later.
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::DeviceRevoked => "device_revoked",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::TooManyEntries => "too_many_entries",
            ErrorCode::HashMismatch => "hash_mismatch",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest | ErrorCode::MalformedJson | ErrorCode::HashMismatch => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unauthorized | ErrorCode::DeviceRevoked | ErrorCode::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge | ErrorCode::TooManyEntries => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Timeout | ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal or failure of one request, answered in the one error format.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into() }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ApiError { code: self.code.as_str().to_owned(), message: self.message } };
        (self.code.status(), axum::Json(body)).into_response()
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        if let Error::Unavailable(_) = e {
            tracing::warn!(error = %e, "request failed: the database is unreachable");
            return AppError::new(
                ErrorCode::Unavailable,
                "the server cannot reach its database right now; try again in a moment",
            );
        }
        tracing::error!(error = %e, "request failed");
        AppError::new(ErrorCode::Internal, "the server failed to handle the request; it was logged")
    }
}

impl From<BytesRejection> for AppError {
    fn from(r: BytesRejection) -> Self {
        bytes_rejection(r)
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::new(ErrorCode::BadRequest, format!("bad query string: {}", r.body_text()))
    }
}

fn bytes_rejection(r: BytesRejection) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(
            ErrorCode::PayloadTooLarge,
            "the body is larger than this endpoint accepts (a compressed body counts as unpacked); nothing was stored",
        )
    } else {
        AppError::new(ErrorCode::BadRequest, format!("the body could not be read: {}", r.body_text()))
    }
}
