//! Transaction-scoped advisory locks that let pushes run side by side on PostgreSQL.
//!
//! A push reads what it is about to change (a report's stored hash, an order with its field
//! clocks, the facts a correction replaces), decides with the server's rules, and writes. Two
//! transactions doing that to the same record at once would both decide on what they read
//! (a report counted twice in the KPIs, an order edit lost), so a transaction that reads and
//! then changes records takes a lock on each of them first ([`records`]): another push or an
//! office edit of the same record waits for it to commit, then reads what it wrote. Pushes
//! about different records do not wait for each other. The keys are taken in one statement,
//! in ascending order, so two transactions never wait on each other in a circle.
//!
//! The KPI sums are rebuilt from every report's facts when the city profile changes: that
//! takes the profile's lock alone ([`profile_exclusive`]), and every push shares it
//! ([`profile_shared`]) so none adds to the sums while they are rebuilt.
//!
//! The change feed's own lock ([`super::feed::lock`]) is taken after these, last.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use crate::error::Result;

/// The city profile's lock key ("hearthP1" in ASCII), apart from any record's.
const PROFILE: i64 = 0x6865_6172_7468_5031;

/// A record's lock key: its id's two halves folded into 64 bits (ids are random, so two
/// records sharing a key is rare, and costs only a wait).
fn key(id: Uuid) -> i64 {
    let (high, low) = id.as_u64_pair();
    i64::from_ne_bytes((high ^ low).to_ne_bytes())
}

/// Locks each of `ids` until the transaction ends, in ascending key order.
pub(super) async fn records(tx: &Transaction<'_>, ids: impl IntoIterator<Item = Uuid>) -> Result<()> {
    let mut keys: Vec<i64> = ids.into_iter().map(key).collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    keys.dedup();
    // A function scan yields the array in order, so the locks are taken in that order.
    let stmt = tx.prepare_cached("SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k").await?;
    tx.execute(&stmt, &[&keys]).await?;
    Ok(())
}

/// Shares the city profile's lock until the transaction ends: the KPI sums are not being
/// rebuilt meanwhile.
pub(super) async fn profile_shared(tx: &Transaction<'_>) -> Result<()> {
    let stmt = tx.prepare_cached("SELECT pg_advisory_xact_lock_shared($1)").await?;
    tx.execute(&stmt, &[&PROFILE]).await?;
    Ok(())
}

/// Takes the city profile's lock alone until the transaction ends: waits for every push in
/// flight to commit, and holds back new ones.
pub(super) async fn profile_exclusive(tx: &Transaction<'_>) -> Result<()> {
    let stmt = tx.prepare_cached("SELECT pg_advisory_xact_lock($1)").await?;
    tx.execute(&stmt, &[&PROFILE]).await?;
    Ok(())
}
