//! The PostgreSQL schema's numbered migrations (`sync-server/migrations/postgres/NNNN_*.sql`),
//! applied at open or by `hearth-server migrate`.
//!
//! Hand-written rather than a migration crate: it is one transaction under an advisory lock
//! (several instances starting at once apply each migration once; the others wait and find
//! it done), a `schema_version` row per migration, and a refusal in words of a database that
//! a newer hearth-server wrote or that is not hearth-server's — about sixty lines, where
//! refinery or sqlx's migrator would each bring their own table and none of the two checks.

use chrono::Utc;
use deadpool_postgres::Client;

use crate::error::{Error, Result};

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_schema", include_str!("../../../migrations/postgres/0001_schema.sql")),
    ("0002_lz4_records", include_str!("../../../migrations/postgres/0002_lz4_records.sql")),
];

/// The advisory lock held while migrating ("HRSV" + "MIGR"): one instance at a time.
const LOCK_KEY: i64 = 0x4852_5356_4d49_4752;

/// The schema version this build knows: the number of its migrations.
pub fn latest() -> i32 {
    i32::try_from(MIGRATIONS.len()).expect("fewer than 2^31 migrations")
}

/// Connects to the database `url` names and brings its schema up to date (`hearth-server
/// migrate`); returns the versions applied, none when it already was.
pub async fn run(url: &str) -> Result<Vec<i32>> {
    let storage = super::PgStorage::connect(url)?;
    to_latest(&mut storage.client().await?).await
}

/// Brings the schema up to date; returns the versions applied (none when it already was).
/// A database of another application, or of a newer hearth-server, is refused untouched.
pub(crate) async fn to_latest(client: &mut Client) -> Result<Vec<i32>> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).await?;
    let has_versions: bool =
        tx.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[]).await?.get(0);
    let current = if has_versions {
        let v: Option<i32> = tx.query_one("SELECT max(version) FROM schema_version", &[]).await?.get(0);
        v.unwrap_or(0)
    } else {
        let tables: i64 = tx
            .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", &[])
            .await?
            .get(0);
        if tables > 0 {
            return Err(Error::NotHearthServer(
                "the PostgreSQL database holds tables that are not hearth-server's (no schema_version \
                 table); it was not changed: give hearth-server a database of its own"
                    .into(),
            ));
        }
        tx.batch_execute(
            "CREATE TABLE schema_version (
                 version    integer PRIMARY KEY,
                 name       text NOT NULL,
                 applied_at timestamptz NOT NULL
             )",
        )
        .await?;
        0
    };
    if current > latest() {
        return Err(Error::NotHearthServer(format!(
            "the PostgreSQL database was written by a newer hearth-server (schema {current}, this one \
             knows {}); it was not changed",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for (version, (name, sql)) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, name, &Utc::now()],
        )
        .await?;
        applied.push(version);
    }
    tx.commit().await?;
    Ok(applied)
}
