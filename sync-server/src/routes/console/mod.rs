//! `/v1/console/...`: the dispatchers' console API. Only dispatchers and admins may call it
//! ([`Office`]); the admin's part only admins ([`Admin`]). A technician's or inspector's
//! token gets 403 with the reason.
//!
//! The office edits work orders the way a device does: an edit stamped with an HLC goes
//! through the same per-field merge ([`audit::audited_edit`]), so an office edit that loses to a
//! crew's newer or finished work lands in the conflict log, and every change reaches the
//! devices through the change feed.

pub mod admin;
pub mod audit;
pub mod board;
pub mod intake;
pub mod kpis;
pub mod records;
pub mod roster;
pub mod words;

use std::sync::{LazyLock, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, SubsecRound, Utc};
use hearth_core::hlc::{Hlc, HlcClock};
use hearth_core::model::Role;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::storage::Caller;

/// Console bodies are forms: a few short strings.
const CONSOLE_BODY_LIMIT: usize = 64 * 1024;
/// Page size when none is asked, and the largest one given.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(intake::router())
        .merge(board::router())
        .merge(records::router())
        .merge(kpis::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(roster::router())
        .layer(DefaultBodyLimit::max(CONSOLE_BODY_LIMIT))
}

/// A record id from the path; a malformed one is refused in the error format.
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<Uuid>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(PathId(id)),
            Err(e) => {
                Err(AppError::new(ErrorCode::BadRequest, format!("not a record id: {}", e.body_text())))
            }
        }
    }
}

/// A dispatcher or an admin.
pub struct Office(pub Caller);

/// An admin.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Office {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match caller.user.role {
            Role::Dispatcher | Role::Admin => Ok(Office(caller)),
            role => Err(AppError::new(
                ErrorCode::Forbidden,
                format!("the console is for dispatchers and admins; a {role}'s account cannot use it"),
            )),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match caller.user.role {
            Role::Admin => Ok(Admin(caller)),
            role => Err(AppError::new(
                ErrorCode::Forbidden,
                format!("only an admin may change users, stations, devices and thresholds; you are a {role}"),
            )),
        }
    }
}

/// The server's own HLC for office edits: monotonic within the process, so two edits in the
/// same millisecond are still ordered.
static OFFICE_CLOCK: LazyLock<Mutex<HlcClock>> = LazyLock::new(|| Mutex::new(HlcClock::new(0, Hlc::ZERO)));

/// Now, at the precision the store keeps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new office HLC stamp for `now`.
pub fn office_stamp(now: DateTime<Utc>) -> Hlc {
    let wall_ms = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    match OFFICE_CLOCK.lock() {
        Ok(mut clock) => clock.tick(wall_ms),
        Err(_) => Hlc { wall_ms, counter: 0, node: 0 },
    }
}

/// `Some` or a 404 naming what is missing.
pub fn found<T>(value: Option<T>, what: &str, id: impl std::fmt::Display) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("there is no {what} {id}")))
}

/// A page size within bounds.
pub fn page_size(limit: Option<u32>) -> Result<u32, AppError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => {
            Err(AppError::new(ErrorCode::BadRequest, format!("limit must be 1 to {MAX_PAGE}, not {n}")))
        }
    }
}

/// Refuses a range that ends before it starts.
pub fn check_range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), AppError> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => Err(AppError::new(
            ErrorCode::BadRequest,
            format!("the range ends ({to}) before it starts ({from})"),
        )),
        _ => Ok(()),
    }
}

/// A CSV download: UTF-8 with a BOM, so Excel opens Chinese text correctly. Every cell,
/// headers included, goes through [`csv_cell`], so no export can carry a live formula.
pub fn csv_response(
    filename: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let mut writer = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    let write = |w: &mut csv::Writer<Vec<u8>>, row: &[String]| {
        w.write_record(row.iter().map(|cell| csv_cell(cell).into_owned()))
            .map_err(|e| AppError::from(crate::Error::Io(e.into())))
    };
    write(&mut writer, &header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())?;
    for row in rows {
        write(&mut writer, &row)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::from(crate::Error::Io(e.into_error())))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// A cell as a spreadsheet may safely read it (OWASP, "CSV injection"): text that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, WPS and
/// LibreOffice show it as text instead of running it as a formula (a hotline description typed
/// as `=HYPERLINK(…)`). A cell that is exactly a decimal number (`-7.0`, `+3`, `-12`) is left
/// alone whoever wrote it: a spreadsheet reads it as that number, not as a formula, so the
/// server's own negative figures stay numbers.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// `[+-]digits[.digits]`: a number and nothing else (no exponent, no `inf`, no spaces).
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// A time as the CSV files show it: Beijing time, to the minute.
pub fn csv_time(t: DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(beijing) => t.with_timezone(&beijing).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_that_start_a_formula_become_text_and_numbers_stay_numbers() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"点击\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "-inf",
        ] {
            assert_eq!(csv_cell(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["-7.0", "-12", "+3", "0.5", "暖气不热", "和平-1202-007", "", "a=b"] {
            assert_eq!(csv_cell(plain), plain, "{plain:?}");
        }
    }
}
