//! The PostgreSQL backend: several hearth-server instances on one database (issue 14).
//!
//! Connections come from a pool ([`deadpool_postgres`]) that replaces a connection PostgreSQL
//! dropped, so a restarted database is reconnected to by itself; while it cannot be reached,
//! calls fail with [`crate::error::Error::Unavailable`] (`503` in words). Each write is one
//! transaction at READ COMMITTED. Blobs are kept in the database (`bytea`): every instance
//! reaches them, and they are backed up with the rest.
//!
//! The change feed's promise (a reader that sees change `n` already sees every change below
//! `n`) is kept by taking the feed's numbers from one counter row inside the writing
//! transaction ([`feed`]): the row's lock is held to commit, so numbers commit in the order
//! they were given, as SQLite's one writer does. A push takes it only at its end; before,
//! it locks just the records it reads and changes ([`locks`]), so pushes about different
//! records run side by side on every instance.
//!
//! The schema is the SQLite one translated (`migrations/postgres`, [`migrate`]): ids are
//! `uuid`, the server's times `timestamptz`, stored records JSON `text` kept byte for byte.
//!
//! The hot paths cost a few round trips, not a few per record: a push batch reads what its
//! reports need in one go and writes them with `unnest` ([`batch`]), an import writes its
//! households and their feed rows the same way ([`feed::record_changes`]), and every
//! statement is prepared once per connection (`prepare_cached`).
//!
//! Several instances: each keeps nothing of the data in memory (the city profile is read in
//! the transaction that uses it), and a write to the feed on one instance wakes the tablets
//! waiting for news on every other through `LISTEN/NOTIFY` ([`notify`]).

mod admin;
mod audit;
mod batch;
mod blobs;
mod console;
mod errors;
mod facts;
mod feed;
mod locks;
pub mod migrate;
pub mod notify;
mod orders;
mod profile;
mod push;
#[cfg(test)]
mod tests;

/// A PostgreSQL server of the tests' own (shared with hearth-tests).
#[cfg(test)]
#[path = "../../../../tests/src/postgres.rs"]
mod test_server;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Client, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Station, User, WorkOrder};
use hearth_core::protocol::EntryResult;
use uuid::Uuid;

use super::{
    Appended, Caller, ChangePage, CheckedEntry, Credentials, Device, DeviceAuth, ImportSummary, Storage,
};
use crate::error::{Error, Result};

/// Connections per instance: PostgreSQL's default limit (100) leaves room for several.
const POOL_SIZE: usize = 16;
/// How many times a push batch is run when PostgreSQL breaks a deadlock with it.
const PUSH_ATTEMPTS: usize = 3;
/// How long a call waits for a connection before answering that the database is unreachable.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(5);

/// The PostgreSQL storage.
#[derive(Clone)]
pub struct PgStorage {
    pub(crate) pool: Pool,
}

impl PgStorage {
    /// Connects to the database `url` names (`postgres://user@host/db`) and brings its schema
    /// up to date. A database of another application or of a newer hearth-server is refused
    /// untouched.
    pub async fn open(url: &str) -> Result<Self> {
        let storage = Self::connect(url)?;
        migrate::to_latest(&mut storage.client().await?).await?;
        Ok(storage)
    }

    /// The pool for `url`, connecting lazily (no schema check).
    pub fn connect(url: &str) -> Result<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| Error::Refused(format!("the PostgreSQL address {url:?} is not understood: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(WAIT_FOR_CONNECTION);
        }
        config.application_name("hearth-server");
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_FOR_CONNECTION))
            .create_timeout(Some(WAIT_FOR_CONNECTION))
            .recycle_timeout(Some(WAIT_FOR_CONNECTION))
            .build()
            .map_err(|e| Error::Refused(format!("the PostgreSQL connection pool cannot be built: {e}")))?;
        Ok(PgStorage { pool })
    }

    /// A connection from the pool; `client.transaction().await?` begins a transaction
    /// (dropped without `commit`, it rolls back).
    pub(crate) async fn client(&self) -> Result<Client> {
        Ok(self.pool.get().await?)
    }
}

#[async_trait]
impl Storage for PgStorage {
    async fn upsert_stations(&self, stations: Vec<Station>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        feed::lock(&tx).await?;
        admin::upsert_stations(&tx, &stations).await?;
        Ok(tx.commit().await?)
    }

    async fn stations(&self) -> Result<Vec<Station>> {
        admin::stations(&self.client().await?).await
    }

    async fn add_user(&self, user: User, password_hash: String) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        admin::add_user(&tx, &user, &password_hash, Utc::now()).await?;
        Ok(tx.commit().await?)
    }

    async fn user_count(&self) -> Result<u64> {
        let n: i64 = self.client().await?.query_one("SELECT count(*) FROM users", &[]).await?.get(0);
        Ok(n.unsigned_abs())
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        admin::credentials(&self.client().await?, username).await
    }

    async fn register_device(
        &self,
        device_id: Uuid,
        user_id: Uuid,
        name: String,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let registered = admin::register_device(&tx, device_id, user_id, &name, &token_hash, now).await?;
        tx.commit().await?;
        Ok(registered)
    }

    async fn device_for_token(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        admin::device_for_token(&self.client().await?, token_hash).await
    }

    async fn touch_device(&self, device_id: Uuid, console: Option<bool>, now: DateTime<Utc>) -> Result<()> {
        admin::touch_device(&self.client().await?, device_id, console, now).await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        admin::devices(&self.client().await?).await
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        admin::revoke_device(&self.client().await?, device_id, now).await
    }

    async fn import_households(&self, households: Vec<Household>) -> Result<ImportSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        feed::lock(&tx).await?;
        let summary = admin::import_households(&tx, &households).await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn add_work_orders(&self, orders: Vec<WorkOrder>, clock: Hlc) -> Result<Vec<WorkOrder>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stored = admin::add_work_orders(&tx, &orders, clock).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn push(
        &self,
        caller: &Caller,
        entries: Vec<CheckedEntry>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EntryResult>> {
        let mut client = self.client().await?;
        // Pushes lock their records in one order, so they do not deadlock each other; should
        // PostgreSQL still break a deadlock with another writer, the batch runs again.
        let mut attempt = 1;
        loop {
            let tx = client.transaction().await?;
            match push::push(&tx, caller, &entries, now).await {
                Ok(results) => {
                    tx.commit().await?;
                    return Ok(results);
                }
                Err(e) if attempt < PUSH_ATTEMPTS && errors::is_retryable(&e) => {
                    tracing::warn!("a push was rolled back by PostgreSQL ({e}); running it again");
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn pull(&self, caller: &Caller, after: u64, limit: u32) -> Result<ChangePage> {
        feed::pull(&self.client().await?, caller, after, limit).await
    }

    async fn remaining(&self, caller: &Caller, after: u64) -> Result<u64> {
        feed::remaining(&self.client().await?, caller, after).await
    }

    /// Deletes blob uploads untouched for a day (PostgreSQL keeps its own upkeep).
    async fn maintain(&self) -> Result<()> {
        blobs::drop_stale_uploads(&self.client().await?, Utc::now() - blobs::UPLOAD_KEPT).await
    }

    async fn has_blob(&self, sha256: &str) -> Result<bool> {
        blobs::has_blob(&self.client().await?, sha256).await
    }

    async fn put_blob(&self, sha256: String, bytes: Vec<u8>) -> Result<bool> {
        blobs::put_blob(&self.client().await?, &sha256, &bytes).await
    }

    async fn partial_blob_len(&self, sha256: &str) -> Result<u64> {
        blobs::held(&self.client().await?, sha256).await
    }

    async fn append_blob_part(
        &self,
        sha256: String,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Appended> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let appended = blobs::append_part(&tx, &sha256, offset, total, &bytes, now).await?;
        tx.commit().await?;
        Ok(appended)
    }
}
