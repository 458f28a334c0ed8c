//! The stored city profile on PostgreSQL (table `settings`): the thresholds in force, read by
//! the push (a report's KPI facts are judged with them) and the console.

use deadpool_postgres::GenericClient;
use hearth_core::rules::CityProfile;

use crate::error::Result;

const PROFILE_KEY: &str = "city_profile";

/// The stored city profile, or the default one if the admin never changed it.
pub(super) async fn stored_profile(c: &impl GenericClient) -> Result<CityProfile> {
    let stmt = c.prepare_cached("SELECT value FROM settings WHERE key = $1").await?;
    match c.query_opt(&stmt, &[&PROFILE_KEY]).await? {
        Some(row) => Ok(serde_json::from_str(row.get(0))?),
        None => Ok(CityProfile::default()),
    }
}

pub(super) async fn set_profile(c: &impl GenericClient, profile: &CityProfile) -> Result<()> {
    c.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&PROFILE_KEY, &serde_json::to_string(profile)?],
    )
    .await?;
    Ok(())
}
