//! The driver's and the pool's errors as the crate's [`Error`]: a database that cannot be
//! reached (down, restarting, a dropped connection) is [`Error::Unavailable`], which the
//! routes answer `503` in words; everything else is [`Error::Database`].

use crate::error::Error;

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        if unreachable(&e) {
            return Error::Unavailable(with_causes(&e));
        }
        Error::Database { what: "database error", source: Box::new(e) }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            // No connection could be made or taken in time, or the pool is closing.
            other => Error::Unavailable(other.to_string()),
        }
    }
}

/// Whether PostgreSQL ended the transaction to break a deadlock (`40P01`) or a serialization
/// failure (`40001`): nothing of it was kept, and running it again may well succeed.
pub(super) fn is_retryable(e: &Error) -> bool {
    let Error::Database { source, .. } = e else { return false };
    let Some(e) = source.downcast_ref::<tokio_postgres::Error>() else { return false };
    e.as_db_error().is_some_and(|db| matches!(db.code().code(), "40P01" | "40001"))
}

/// Whether the error says the server cannot be reached, rather than refusing a statement.
fn unreachable(e: &tokio_postgres::Error) -> bool {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // Class 08: connection exceptions; 57P01..57P03: the server shutting down or starting.
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    if e.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The error and what caused it, in words: "error connecting to server: Connection refused".
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut words = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_words = cause.to_string();
        if !words.ends_with(&cause_words) {
            words = format!("{words}: {cause_words}");
        }
        source = cause.source();
    }
    words
}
