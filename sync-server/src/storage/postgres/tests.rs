//! The PostgreSQL backend as a whole on a real server: its schema's versions, several
//! instances opening it at once, and a database it cannot reach.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use super::{PgStorage, test_server};
use crate::storage::Storage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_a_newer_hearth_server_or_of_another_application_is_refused_untouched() {
    let server = tokio::task::spawn_blocking(test_server::shared).await.unwrap();
    let newer = server.database("schema_newer");
    PgStorage::open(&newer).await.unwrap();
    server.psql("schema_newer", "INSERT INTO schema_version VALUES (999, '0999_future', now())");
    let refused = PgStorage::open(&newer).await.err().unwrap().to_string();
    assert!(refused.contains("newer hearth-server") && refused.contains("999"), "{refused}");

    let other = server.database("schema_other");
    server.psql("schema_other", "CREATE TABLE notes (x text)");
    let refused = PgStorage::open(&other).await.err().unwrap().to_string();
    assert!(refused.contains("not hearth-server's"), "{refused}");
    assert_eq!(server.psql("schema_other", "SELECT to_regclass('schema_version') IS NULL").trim(), "t");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_at_once_apply_the_schema_once() {
    let server = tokio::task::spawn_blocking(test_server::shared).await.unwrap();
    let url = server.database("schema_together");
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStorage::open(&url).await.map(|_| ()) })
        })
        .collect();
    for open in opens {
        open.await.unwrap().unwrap();
    }
    let versions =
        server.psql("schema_together", "SELECT count(*), count(DISTINCT version) FROM schema_version");
    let n = super::migrate::latest();
    assert_eq!(versions.trim(), format!("{n}|{n}"), "each migration once");
    // Reports are compressed with lz4 (this PostgreSQL has it), photos not at all.
    let methods = server.psql(
        "schema_together",
        "SELECT attcompression, attstorage FROM pg_attribute
         WHERE (attrelid, attname) IN (('reports'::regclass, 'record'), ('blobs'::regclass, 'bytes'))
         ORDER BY attrelid::regclass::text DESC",
    );
    assert_eq!(methods.trim(), "l|x\n|e", "lz4 for reports; photos stored as they are");
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_in_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let storage = PgStorage::connect(&format!("postgres://hearth@127.0.0.1:{port}/nowhere")).unwrap();
    let err = storage.stations().await.unwrap_err();
    assert!(matches!(err, crate::error::Error::Unavailable(_)), "{err:?}");
    let answer = crate::error::AppError::from(err);
    assert_eq!(answer.code, crate::error::ErrorCode::Unavailable);
}
