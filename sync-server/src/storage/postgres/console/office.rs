//! The office's own records on PostgreSQL: the dispatch log, and the admin's user list and
//! user disabling. (The city profile is `super::super::profile`.)

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use hearth_core::model::{Role, User};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::storage::console::{LogEntry, UserEntry};

pub(super) async fn add_log_entry(
    c: &impl GenericClient,
    author: Uuid,
    text: &str,
    at: DateTime<Utc>,
) -> Result<LogEntry> {
    let stmt = c
        .prepare_cached(
            "WITH added AS (INSERT INTO dispatch_log (at, author_id, text) VALUES ($1, $2, $3) RETURNING id)
             SELECT added.id, u.display_name FROM added, users u WHERE u.id = $2",
        )
        .await?;
    let row = c
        .query_opt(&stmt, &[&at, &author, &text])
        .await?
        .ok_or_else(|| Error::Refused(format!("user {author} does not exist")))?;
    Ok(LogEntry {
        id: row.try_get(0)?,
        at,
        author_id: author,
        author_name: row.try_get(1)?,
        text: text.to_owned(),
    })
}

pub(super) async fn log_entries(
    c: &impl GenericClient,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    text: Option<&str>,
    limit: u32,
) -> Result<Vec<LogEntry>> {
    let stmt = c
        .prepare_cached(
            "SELECT l.id, l.at, l.author_id, l.text, u.display_name
             FROM dispatch_log l JOIN users u ON u.id = l.author_id
             WHERE ($1::timestamptz IS NULL OR l.at >= $1) AND ($2::timestamptz IS NULL OR l.at < $2)
                 AND ($3::text IS NULL OR strpos(l.text, $3) > 0)
             ORDER BY l.at DESC, l.id DESC LIMIT $4",
        )
        .await?;
    let rows = c.query(&stmt, &[&from, &to, &text, &i64::from(limit)]).await?;
    rows.iter()
        .map(|row| {
            Ok(LogEntry {
                id: row.try_get(0)?,
                at: row.try_get(1)?,
                author_id: row.try_get(2)?,
                text: row.try_get(3)?,
                author_name: row.try_get(4)?,
            })
        })
        .collect()
}

/// Every user, by username compared byte by byte (as SQLite does, whatever the collation).
pub(super) async fn users(c: &impl GenericClient) -> Result<Vec<UserEntry>> {
    let stmt = c
        .prepare_cached(
            "SELECT id, username, display_name, role, station_id, disabled_at FROM users
             ORDER BY username COLLATE \"C\"",
        )
        .await?;
    let rows = c.query(&stmt, &[]).await?;
    rows.iter()
        .map(|row| {
            Ok(UserEntry {
                user: User {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    display_name: row.try_get(2)?,
                    role: row.try_get::<_, &str>(3)?.parse::<Role>().map_err(Error::Corrupt)?,
                    station_id: row.try_get(4)?,
                },
                disabled_at: row.try_get(5)?,
            })
        })
        .collect()
}

/// Disables a user and revokes their devices; false if no such user.
pub(super) async fn disable_user(c: &impl GenericClient, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let stmt = c.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)").await?;
    let known: bool = c.query_one(&stmt, &[&id]).await?.try_get(0)?;
    let stmt =
        c.prepare_cached("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL").await?;
    c.execute(&stmt, &[&id, &now]).await?;
    // Their tablets stop syncing at once: a disabled user's tokens are those of revoked devices.
    let stmt = c
        .prepare_cached("UPDATE devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .await?;
    c.execute(&stmt, &[&id, &now]).await?;
    Ok(known)
}
