//! The schema's versions: numbered SQL files embedded at build time, applied in one
//! transaction each by rusqlite_migration, tracked in `PRAGMA user_version`.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::{Error, Result};

/// `PRAGMA application_id` of a Hearth device database ("HRTH"), so another app's SQLite
/// file is recognised and refused rather than migrated. The first migration sets it.
const APPLICATION_ID: i32 = 0x4852_5448;

static MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_init.sql")),
    M::up(include_str!("../../migrations/0002_sync.sql")),
    M::up(include_str!("../../migrations/0003_search_backlog.sql")),
    M::up(include_str!("../../migrations/0004_reports_by_order.sql")),
];

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Refuses, before writing anything, a file this build must not touch: another
/// application's database, or one written by a newer Hearth.
pub(crate) fn check_compatible(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(Error::NotADatabase {
            path: conn.path().unwrap_or_default().to_owned(),
            reason: format!("it belongs to another application (application_id {app_id:#x})"),
        });
    }
    if version > latest_version() {
        return Err(Error::NewerSchema { found: version, known: latest_version() });
    }
    if app_id == 0 {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if version > 0 || tables > 0 {
            return Err(Error::NotADatabase {
                path: conn.path().unwrap_or_default().to_owned(),
                reason: "it is an SQLite database of another application".to_owned(),
            });
        }
    }
    Ok(())
}

/// Brings the schema to the latest version; each step commits whole or not at all.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn a_migrated_database_is_at_the_latest_version_and_marked_as_hearths() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, latest_version());
        check_compatible(&conn).unwrap();
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(app_id, APPLICATION_ID);
        // Running again changes nothing.
        migrate(&mut conn).unwrap();
    }
}
