//! The stored city profile on SQLite (table `settings`): the thresholds in force, read by the
//! push (a report's KPI facts are judged with them) and the console.

use hearth_core::rules::CityProfile;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Result;

const PROFILE_KEY: &str = "city_profile";

/// The stored city profile, or the default one if the admin never changed it.
pub(super) fn stored_profile(conn: &Connection) -> Result<CityProfile> {
    let json: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([PROFILE_KEY], |r| r.get(0))
        .optional()?;
    match json {
        Some(json) => Ok(serde_json::from_str(&json)?),
        None => Ok(CityProfile::default()),
    }
}

pub(super) fn set_profile(tx: &Transaction<'_>, profile: &CityProfile) -> Result<()> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![PROFILE_KEY, serde_json::to_string(profile)?],
    )?;
    Ok(())
}
