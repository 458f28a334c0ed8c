//! The backend the HTTP tests run on: SQLite in a temporary directory (the default, or
//! `HEARTH_TEST_BACKEND=sqlite`) or a fresh database on the tests' own PostgreSQL
//! (`HEARTH_TEST_BACKEND=postgres`, the server the storage conformance suite starts). What no
//! API shows (who delivered a report, the rows a refused request must leave alone) is read,
//! and a setup the API cannot make is written, in SQL that reads alike on both backends.

use std::sync::Arc;

use hearth_server::storage::{PgStorage, SqliteStorage, Storage};
use tempfile::TempDir;

/// Whether these tests run on PostgreSQL rather than SQLite (`HEARTH_TEST_BACKEND`).
pub fn on_postgres() -> bool {
    match std::env::var("HEARTH_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("HEARTH_TEST_BACKEND={other} is not a backend: give sqlite or postgres"),
    }
}

/// Where a test server's records are.
pub enum Database {
    /// The SQLite backend's directory, deleted with it.
    Sqlite(TempDir),
    /// The URL of the test's own PostgreSQL database.
    Postgres(String),
}

/// A fresh, empty storage on the backend of this run, and where its records are.
pub async fn fresh() -> (Arc<dyn Storage>, Database) {
    if on_postgres() {
        let url = tokio::task::spawn_blocking(crate::storage::postgres_url).await.unwrap();
        let storage: Arc<dyn Storage> = Arc::new(PgStorage::open(&url).await.unwrap());
        return (storage, Database::Postgres(url));
    }
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).unwrap());
    (storage, Database::Sqlite(dir))
}

impl Database {
    /// Every row `sql` selects, each value as text (`None` for NULL). Ids read as their
    /// hyphenated text on both backends; times do not (RFC 3339 text in SQLite, `timestamptz`
    /// in PostgreSQL): read those through the API.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Database::Sqlite(dir) => {
                let conn = sqlite(dir);
                let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let columns = stmt.column_count();
                stmt.query_map([], |r| (0..columns).map(|i| r.get(i).map(text)).collect())
                    .and_then(Iterator::collect)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Database::Postgres(url) => postgres(url)
                .await
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .filter_map(|message| match message {
                    tokio_postgres::SimpleQueryMessage::Row(row) => {
                        Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect())
                    }
                    _ => None,
                })
                .collect(),
        }
    }

    /// Runs a change behind the server's back; the rows it changed, or the database's words
    /// when it refuses.
    pub async fn execute(&self, sql: &str) -> Result<u64, String> {
        match self {
            Database::Sqlite(dir) => {
                sqlite(dir).execute(sql, []).map(|n| n as u64).map_err(|e| e.to_string())
            }
            Database::Postgres(url) => {
                postgres(url).await.execute(sql, &[]).await.map_err(|e| match e.as_db_error() {
                    Some(db) => db.message().to_owned(),
                    None => e.to_string(),
                })
            }
        }
    }

    /// The names of the server's tables, sorted (each backend has its own bookkeeping ones).
    pub async fn tables(&self) -> Vec<String> {
        let sql = match self {
            Database::Sqlite(_) => {
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Database::Postgres(_) => {
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            }
        };
        self.rows(sql).await.into_iter().map(|row| row[0].clone().unwrap()).collect()
    }

    /// The row count of each of `tables`, in one query.
    pub async fn counts<T: AsRef<str>>(&self, tables: &[T]) -> Vec<(String, i64)> {
        let sql = tables
            .iter()
            .map(|t| format!("SELECT '{t}', count(*) FROM \"{t}\"", t = t.as_ref()))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let mut counts: Vec<(String, i64)> = self
            .rows(&sql)
            .await
            .into_iter()
            .map(|row| (row[0].clone().unwrap(), row[1].as_deref().unwrap().parse().unwrap()))
            .collect();
        counts.sort_by_key(|(t, _)| tables.iter().position(|name| name.as_ref() == t));
        counts
    }
}

fn sqlite(dir: &TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join(hearth_server::storage::sqlite::DB_FILE)).unwrap()
}

/// A connection of its own to the test's database (the storage's pool is its own business).
async fn postgres(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

fn text(value: rusqlite::types::Value) -> Option<String> {
    use rusqlite::types::Value;
    match value {
        Value::Null => None,
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(x) => Some(x.to_string()),
        Value::Text(t) => Some(t),
        Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
    }
}
