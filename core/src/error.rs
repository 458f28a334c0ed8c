//! The one error type of hearth-core, with a closed set of codes the UI can branch on.

use crate::rules::Problem;

/// Everything that can go wrong in hearth-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input breaks the rules; each problem names its field and says why in words.
    #[error("the record has {} problem(s): {}", .0.len(), first_problem(.0))]
    Invalid(Vec<Problem>),
    /// A signed record cannot be changed; corrections are amendments.
    #[error("report {0} is signed and cannot be changed; record an amendment instead")]
    Signed(uuid::Uuid),
    /// The record's content no longer matches its hash.
    #[error("report {id} does not match its content hash")]
    Tampered { id: uuid::Uuid },
    /// A work-order status may only move forward.
    #[error("work order {id} cannot move from {from} to {to}")]
    StatusBackwards { id: uuid::Uuid, from: String, to: String },
    /// A referenced record does not exist on this device.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// A record with this id is already stored with other content.
    #[error("{what} {id} already exists with different content")]
    Conflict { what: &'static str, id: String },
    /// The database was written by a newer Hearth; it is left untouched.
    #[error(
        "this database was written by a newer version of Hearth (schema {found}, this app knows up to {known}); update the app — the database was not changed"
    )]
    NewerSchema { found: i64, known: i64 },
    /// The file is not a Hearth database (or is damaged); it is left untouched.
    #[error("{path} is not a readable Hearth database: {reason}; the file was not changed")]
    NotADatabase { path: String, reason: String },
    /// A stored value cannot be read back: the file was changed outside Hearth.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The device has no token: someone must log in (online) first.
    #[error("not logged in: log in once with a connection, then the app works offline")]
    NotLoggedIn,
    /// The server could not be reached; the work stays on the device.
    #[error("the server cannot be reached ({0}); everything stays saved on this device")]
    Unreachable(String),
    /// The server answered, but its TLS certificate cannot be verified (not trusted,
    /// expired, or issued for another name): nothing was sent, the work stays on the device.
    #[error(
        "the server's certificate cannot be verified ({0}); nothing was sent, everything stays saved on this device"
    )]
    Certificate(String),
    /// The server refused a login for too many failed ones (`429`): trying again works after
    /// `retry_after_secs` (its `Retry-After`, when it sent one).
    #[error("too many failed logins: {message}")]
    Throttled { retry_after_secs: Option<u64>, message: String },
    /// The server refused the request.
    #[error("the server refused the request ({status} {code}): {message}")]
    Server { status: u16, code: String, message: String },
    /// A migration failed; the database stays at its previous version.
    #[error("database upgrade failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored or incoming record is not valid JSON for its type.
    #[error("malformed record: {0}")]
    Json(#[from] serde_json::Error),
}

fn first_problem(problems: &[Problem]) -> String {
    problems.first().map(|p| format!("{}: {}", p.field, p.message(crate::Locale::En))).unwrap_or_default()
}

impl Error {
    /// A stable code for the UI and the wire: the UI branches on it, never on the message.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::Signed(_) => "signed",
            Error::Tampered { .. } => "tampered",
            Error::StatusBackwards { .. } => "status_backwards",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::NewerSchema { .. } => "newer_schema",
            Error::NotADatabase { .. } => "not_a_database",
            Error::Corrupt(_) => "corrupt",
            Error::NotLoggedIn => "not_logged_in",
            Error::Unreachable(_) => "unreachable",
            Error::Certificate(_) => "certificate",
            Error::Throttled { .. } => "too_many_attempts",
            Error::Server { .. } => "server",
            Error::Migration(_) => "migration",
            Error::Sqlite(_) => "storage",
            Error::Json(_) => "malformed",
        }
    }
}

/// The result type of hearth-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
