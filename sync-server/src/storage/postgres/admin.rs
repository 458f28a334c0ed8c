//! The office's side of the PostgreSQL store: stations, users, devices, household imports and
//! work orders made by the office. Each record the crews see gets its change-feed row in the
//! same transaction as the record itself, written last (see [`super::feed`]): stations and
//! imports take the feed's lock first, as they read where records were published.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, Station, User, WorkOrder};
use hearth_core::rules::order_number;
use tokio_postgres::Row;
use uuid::Uuid;

use super::feed::{record_change, record_changes};
use crate::error::{Error, Result};
use crate::feed::{self, Entity};
use crate::order_schema::EDITABLE_FIELDS;
use crate::storage::{Caller, Credentials, Device, DeviceAuth, ImportSummary};

pub(super) async fn upsert_stations(tx: &Transaction<'_>, stations: &[Station]) -> Result<()> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO stations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .await?;
    for station in stations {
        tx.execute(&stmt, &[&station.id, &station.name])
            .await
            .map_err(|e| taken(e, "station name", &station.name))?;
        record_change(tx, Entity::Station, station.id, feed::station(station)?).await?;
    }
    Ok(())
}

pub(super) async fn stations(c: &impl GenericClient) -> Result<Vec<Station>> {
    let stmt = c.prepare_cached("SELECT id, name FROM stations ORDER BY name").await?;
    Ok(c.query(&stmt, &[]).await?.iter().map(|r| Station { id: r.get(0), name: r.get(1) }).collect())
}

pub(super) async fn add_user(
    tx: &Transaction<'_>,
    user: &User,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let taken_already: bool = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)", &[&user.username])
        .await?
        .get(0);
    if taken_already {
        return Err(Error::Refused(format!("the username {:?} is taken", user.username)));
    }
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, station_id, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &user.id,
            &user.username,
            &user.display_name,
            &user.role.as_str(),
            &user.station_id,
            &password_hash,
            &now,
        ],
    )
    .await
    // Another instance added the same username since the check.
    .map_err(|e| taken(e, "username", &user.username))?;
    Ok(())
}

/// A unique key violated by a concurrent writer, as the refusal the check before it gives.
fn taken(e: tokio_postgres::Error, what: &str, value: &str) -> Error {
    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
        return Error::Refused(format!("the {what} {value:?} is taken"));
    }
    e.into()
}

/// Reads a user from columns `id, username, display_name, role, station_id` starting at `at`.
pub(super) fn user_at(row: &Row, at: usize) -> Result<User> {
    let role: &str = row.get(at + 3);
    Ok(User {
        id: row.get(at),
        username: row.get(at + 1),
        display_name: row.get(at + 2),
        role: role.parse::<Role>().map_err(Error::Corrupt)?,
        station_id: row.get(at + 4),
    })
}

pub(super) async fn credentials(c: &impl GenericClient, username: &str) -> Result<Option<Credentials>> {
    let stmt = c
        .prepare_cached(
            // A disabled user cannot log in again.
            "SELECT id, username, display_name, role, station_id, password_hash FROM users
             WHERE username = $1 AND disabled_at IS NULL",
        )
        .await?;
    c.query_opt(&stmt, &[&username])
        .await?
        .map(|row| Ok(Credentials { user: user_at(&row, 0)?, password_hash: row.get(5) }))
        .transpose()
}

pub(super) async fn register_device(
    tx: &Transaction<'_>,
    device_id: Uuid,
    user_id: Uuid,
    name: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    // A revoked device stays revoked: logging in again must not undo the admin's decision.
    let revoked: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1 AND revoked_at IS NOT NULL)",
            &[&device_id],
        )
        .await?
        .get(0);
    if revoked {
        return Ok(false);
    }
    // `WHERE revoked_at IS NULL`: a revocation that committed since the check above is kept.
    let n = tx
        .execute(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name,
                                            token_hash = excluded.token_hash
             WHERE devices.revoked_at IS NULL",
            &[&device_id, &user_id, &name, &token_hash, &now],
        )
        .await?;
    Ok(n == 1)
}

pub(super) async fn device_for_token(c: &impl GenericClient, token_hash: &str) -> Result<Option<DeviceAuth>> {
    let stmt = c
        .prepare_cached(
            "SELECT u.id, u.username, u.display_name, u.role, u.station_id, d.id, d.name, d.revoked_at,
                    d.console, d.last_used_at
             FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
        )
        .await?;
    let Some(row) = c.query_opt(&stmt, &[&token_hash]).await? else { return Ok(None) };
    Ok(Some(DeviceAuth {
        caller: Caller { user: user_at(&row, 0)?, device_id: row.get(5) },
        device_name: row.get(6),
        revoked_at: row.get(7),
        console: row.get(8),
        last_used_at: row.get(9),
    }))
}

pub(super) async fn touch_device(
    c: &impl GenericClient,
    device_id: Uuid,
    console: Option<bool>,
    now: DateTime<Utc>,
) -> Result<()> {
    let stmt = c
        .prepare_cached("UPDATE devices SET last_used_at = $2, console = coalesce($3, console) WHERE id = $1")
        .await?;
    c.execute(&stmt, &[&device_id, &now, &console]).await?;
    Ok(())
}

pub(super) async fn devices(c: &impl GenericClient) -> Result<Vec<Device>> {
    let stmt = c
        .prepare_cached(
            "SELECT d.id, d.name, u.username, d.created_at, d.revoked_at, d.last_used_at
             FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at",
        )
        .await?;
    Ok(c.query(&stmt, &[])
        .await?
        .iter()
        .map(|r| Device {
            id: r.get(0),
            name: r.get(1),
            username: r.get(2),
            created_at: r.get(3),
            revoked_at: r.get(4),
            last_used_at: r.get(5),
        })
        .collect())
}

pub(super) async fn revoke_device(
    c: &impl GenericClient,
    device_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let known: bool =
        c.query_one("SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1)", &[&device_id]).await?.get(0);
    c.execute("UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", &[&device_id, &now])
        .await?;
    Ok(known)
}

/// Imports households in bulk: the stored ones read in one query, then the inserts, the
/// updates and their feed rows written a chunk of [`IMPORT_CHUNK`] households per statement.
pub(super) async fn import_households(
    tx: &Transaction<'_>,
    households: &[Household],
) -> Result<ImportSummary> {
    let mut summary = ImportSummary { inserted: 0, updated: 0 };
    let accounts: Vec<&str> = households.iter().map(|h| h.account_no.as_str()).collect();
    let find = tx.prepare_cached("SELECT record FROM households WHERE account_no = ANY($1)").await?;
    // Each account's household as it will be stored, and whether it is stored already.
    let mut known: HashMap<String, (Household, bool)> = HashMap::new();
    for chunk in accounts.chunks(IMPORT_CHUNK * 5) {
        for row in tx.query(&find, &[&chunk]).await? {
            let stored: Household = serde_json::from_str(row.get(0))?;
            known.insert(stored.account_no.clone(), (stored, true));
        }
    }
    let mut changed: Vec<Household> = Vec::new();
    for incoming in households {
        let household = match known.get(&incoming.account_no) {
            Some((stored, _)) => {
                let household = Household { id: stored.id, status: stored.status, ..incoming.clone() };
                if household == *stored {
                    continue;
                }
                summary.updated += 1;
                household
            }
            None => {
                summary.inserted += 1;
                incoming.clone()
            }
        };
        let in_db = known.get(&incoming.account_no).is_some_and(|(_, in_db)| *in_db);
        known.insert(household.account_no.clone(), (household.clone(), in_db));
        changed.push(household);
    }
    // Each changed account once, in its final state.
    let mut written: HashSet<&str> = HashSet::new();
    let (mut inserts, mut updates) = (Vec::new(), Vec::new());
    for household in changed.iter().rev() {
        if written.insert(household.account_no.as_str()) {
            let (last, in_db) = &known[&household.account_no];
            if *in_db { updates.push(last) } else { inserts.push(last) }
        }
    }
    for chunk in inserts.chunks(IMPORT_CHUNK) {
        insert_households(tx, chunk).await?;
    }
    for chunk in updates.chunks(IMPORT_CHUNK) {
        update_households(tx, chunk).await?;
    }
    for chunk in changed.chunks(IMPORT_CHUNK) {
        let records = chunk.iter().map(|h| Ok((Entity::Household, h.id, feed::household(h)?)));
        record_changes(tx, records.collect::<Result<_>>()?).await?;
    }
    Ok(summary)
}

/// Households per statement of an import.
const IMPORT_CHUNK: usize = 2000;

async fn insert_households(tx: &Transaction<'_>, households: &[&Household]) -> Result<()> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO households (id, account_no, station_id, record)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[])",
        )
        .await?;
    let ids: Vec<Uuid> = households.iter().map(|h| h.id).collect();
    let accounts: Vec<&str> = households.iter().map(|h| h.account_no.as_str()).collect();
    let stations: Vec<Uuid> = households.iter().map(|h| h.station_id).collect();
    let records: Vec<String> = households.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
    tx.execute(&stmt, &[&ids, &accounts, &stations, &records]).await?;
    Ok(())
}

async fn update_households(tx: &Transaction<'_>, households: &[&Household]) -> Result<()> {
    let stmt = tx
        .prepare_cached(
            "UPDATE households h SET station_id = u.station_id, record = u.record
             FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u (id, station_id, record) WHERE h.id = u.id",
        )
        .await?;
    let ids: Vec<Uuid> = households.iter().map(|h| h.id).collect();
    let stations: Vec<Uuid> = households.iter().map(|h| h.station_id).collect();
    let records: Vec<String> = households.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
    tx.execute(&stmt, &[&ids, &stations, &records]).await?;
    Ok(())
}

/// Stores new orders, each numbered (和平-1202-007) unless it has a number already, and
/// returns them as stored. The caller has taken the feed's lock.
pub(super) async fn add_work_orders(
    tx: &Transaction<'_>,
    orders: &[WorkOrder],
    clock: Hlc,
) -> Result<Vec<WorkOrder>> {
    let clocks: BTreeMap<String, Hlc> = EDITABLE_FIELDS.iter().map(|f| ((*f).to_owned(), clock)).collect();
    let insert = tx
        .prepare_cached(
            "INSERT INTO work_orders (id, station_id, assignee_id, record, clocks) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    let mut stored = Vec::with_capacity(orders.len());
    for order in orders {
        let mut order = order.clone();
        if order.number.is_none() {
            order.number = Some(next_order_number(tx, &order).await?);
        }
        tx.execute(
            &insert,
            &[
                &order.id,
                &order.station_id,
                &order.assignee_id,
                &serde_json::to_string(&order)?,
                &serde_json::to_string(&clocks)?,
            ],
        )
        .await?;
        stored.push(order);
    }
    // The feed last, once every number is taken: its lock is held from here to the commit.
    let rows = stored
        .iter()
        .map(|order| Ok((Entity::WorkOrder, order.id, feed::work_order(order.clone(), clocks.clone())?)));
    record_changes(tx, rows.collect::<Result<_>>()?).await?;
    Ok(stored)
}

/// The next number of the order's station and day, counted in the storing transaction: the
/// upsert locks the day's row until commit, so no two orders get the same count.
async fn next_order_number(tx: &Transaction<'_>, order: &WorkOrder) -> Result<String> {
    let station: String = tx
        .query_opt("SELECT name FROM stations WHERE id = $1", &[&order.station_id])
        .await?
        .ok_or_else(|| Error::Refused(format!("station {} does not exist", order.station_id)))?
        .get(0);
    let day = order_number::day(order.reported_at);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO order_numbers (station_id, day, last) VALUES ($1, $2, 1)
             ON CONFLICT (station_id, day) DO UPDATE SET last = order_numbers.last + 1 RETURNING last",
        )
        .await?;
    let count: i64 = tx.query_one(&stmt, &[&order.station_id, &day.to_string()]).await?.get(0);
    let count = u32::try_from(count).map_err(|_| Error::Corrupt(format!("order count {count}")))?;
    Ok(order_number::format(&station, day, count))
}
