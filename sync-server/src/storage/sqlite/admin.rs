//! The office's side of the SQLite store: stations, users, devices, household imports and
//! work orders made by the office. Each record the crews see gets its change-feed row in the
//! same transaction as the record itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, Station, User, WorkOrder};
use hearth_core::rules::order_number;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::feed::record_change;
use super::{parse_time, parse_uuid, time_text};
use crate::error::{Error, Result};
use crate::feed::{self, Entity};
use crate::order_schema::EDITABLE_FIELDS;
use crate::storage::{Caller, Credentials, Device, DeviceAuth, ImportSummary};

pub(super) fn upsert_stations(tx: &Transaction<'_>, stations: &[Station]) -> Result<()> {
    for station in stations {
        tx.execute(
            "INSERT INTO stations (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            params![station.id.to_string(), station.name],
        )?;
        record_change(tx, Entity::Station, station.id, feed::station(station)?)?;
    }
    Ok(())
}

pub(super) fn stations(conn: &Connection) -> Result<Vec<Station>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM stations ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (id, name) = row?;
        Ok(Station { id: parse_uuid(&id)?, name })
    })
    .collect()
}

pub(super) fn add_user(
    tx: &Transaction<'_>,
    user: &User,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let taken: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)", [&user.username], |r| {
            r.get(0)
        })?;
    if taken {
        return Err(Error::Refused(format!("the username {:?} is taken", user.username)));
    }
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, station_id, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            user.id.to_string(),
            user.username,
            user.display_name,
            user.role.as_str(),
            user.station_id.map(|s| s.to_string()),
            password_hash,
            time_text(now),
        ],
    )?;
    Ok(())
}

/// Reads a user from columns `id, username, display_name, role, station_id` starting at `at`.
fn user_at(row: &Row<'_>, at: usize) -> Result<User> {
    let role: String = row.get(at + 3)?;
    let station: Option<String> = row.get(at + 4)?;
    Ok(User {
        id: parse_uuid(&row.get::<_, String>(at)?)?,
        username: row.get(at + 1)?,
        display_name: row.get(at + 2)?,
        role: role.parse::<Role>().map_err(Error::Corrupt)?,
        station_id: station.as_deref().map(parse_uuid).transpose()?,
    })
}

pub(super) fn credentials(conn: &Connection, username: &str) -> Result<Option<Credentials>> {
    let mut stmt = conn.prepare_cached(
        // A disabled user cannot log in again.
        "SELECT id, username, display_name, role, station_id, password_hash FROM users
         WHERE username = ?1 AND disabled_at IS NULL",
    )?;
    let mut rows = stmt.query([username])?;
    match rows.next()? {
        Some(row) => Ok(Some(Credentials { user: user_at(row, 0)?, password_hash: row.get(5)? })),
        None => Ok(None),
    }
}

pub(super) fn register_device(
    tx: &Transaction<'_>,
    device_id: Uuid,
    user_id: Uuid,
    name: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    // A revoked device stays revoked: logging in again must not undo the admin's decision.
    let revoked: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND revoked_at IS NOT NULL)",
        [device_id.to_string()],
        |r| r.get(0),
    )?;
    if revoked {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name,
                                        token_hash = excluded.token_hash",
        params![device_id.to_string(), user_id.to_string(), name, token_hash, time_text(now)],
    )?;
    Ok(true)
}

pub(super) fn device_for_token(conn: &Connection, token_hash: &str) -> Result<Option<DeviceAuth>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.username, u.display_name, u.role, u.station_id, d.id, d.name, d.revoked_at,
                d.console, d.last_used_at
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?1",
    )?;
    let mut rows = stmt.query([token_hash])?;
    let Some(row) = rows.next()? else { return Ok(None) };
    let revoked: Option<String> = row.get(7)?;
    let last_used: Option<String> = row.get(9)?;
    Ok(Some(DeviceAuth {
        caller: Caller { user: user_at(row, 0)?, device_id: parse_uuid(&row.get::<_, String>(5)?)? },
        device_name: row.get(6)?,
        revoked_at: revoked.as_deref().map(parse_time).transpose()?,
        console: row.get(8)?,
        last_used_at: last_used.as_deref().map(parse_time).transpose()?,
    }))
}

pub(super) fn touch_device(
    tx: &Transaction<'_>,
    device_id: Uuid,
    console: Option<bool>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE devices SET last_used_at = ?2, console = coalesce(?3, console) WHERE id = ?1",
        params![device_id.to_string(), time_text(now), console],
    )?;
    Ok(())
}

pub(super) fn devices(conn: &Connection) -> Result<Vec<Device>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, u.username, d.created_at, d.revoked_at, d.last_used_at
         FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let revoked: Option<String> = row.get(4)?;
        let last_used: Option<String> = row.get(5)?;
        out.push(Device {
            id: parse_uuid(&row.get::<_, String>(0)?)?,
            name: row.get(1)?,
            username: row.get(2)?,
            created_at: parse_time(&row.get::<_, String>(3)?)?,
            revoked_at: revoked.as_deref().map(parse_time).transpose()?,
            last_used_at: last_used.as_deref().map(parse_time).transpose()?,
        });
    }
    Ok(out)
}

pub(super) fn revoke_device(tx: &Transaction<'_>, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let known: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)", [device_id.to_string()], |r| {
            r.get(0)
        })?;
    tx.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![device_id.to_string(), time_text(now)],
    )?;
    Ok(known)
}

pub(super) fn import_households(tx: &Transaction<'_>, households: &[Household]) -> Result<ImportSummary> {
    let mut summary = ImportSummary { inserted: 0, updated: 0 };
    let mut find = tx.prepare_cached("SELECT record FROM households WHERE account_no = ?1")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO households (id, account_no, station_id, record) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut update = tx.prepare_cached("UPDATE households SET station_id = ?2, record = ?3 WHERE id = ?1")?;
    for incoming in households {
        let stored: Option<String> = find.query_row([&incoming.account_no], |r| r.get(0)).optional()?;
        let household = match stored {
            Some(json) => {
                let stored: Household = serde_json::from_str(&json)?;
                let household = Household { id: stored.id, status: stored.status, ..incoming.clone() };
                if household == stored {
                    continue;
                }
                update.execute(params![
                    household.id.to_string(),
                    household.station_id.to_string(),
                    serde_json::to_string(&household)?
                ])?;
                summary.updated += 1;
                household
            }
            None => {
                insert.execute(params![
                    incoming.id.to_string(),
                    incoming.account_no,
                    incoming.station_id.to_string(),
                    serde_json::to_string(incoming)?
                ])?;
                summary.inserted += 1;
                incoming.clone()
            }
        };
        record_change(tx, Entity::Household, household.id, feed::household(&household)?)?;
    }
    Ok(summary)
}

/// Stores new orders, each numbered (和平-1202-007) unless it has a number already, and
/// returns them as stored.
pub(super) fn add_work_orders(
    tx: &Transaction<'_>,
    orders: &[WorkOrder],
    clock: Hlc,
) -> Result<Vec<WorkOrder>> {
    let clocks: BTreeMap<String, Hlc> = EDITABLE_FIELDS.iter().map(|f| ((*f).to_owned(), clock)).collect();
    let mut stored = Vec::with_capacity(orders.len());
    for order in orders {
        let mut order = order.clone();
        if order.number.is_none() {
            order.number = Some(next_order_number(tx, &order)?);
        }
        tx.execute(
            "INSERT INTO work_orders (id, station_id, assignee_id, record, clocks) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                order.id.to_string(),
                order.station_id.to_string(),
                order.assignee_id.map(|a| a.to_string()),
                serde_json::to_string(&order)?,
                serde_json::to_string(&clocks)?,
            ],
        )?;
        record_change(tx, Entity::WorkOrder, order.id, feed::work_order(order.clone(), clocks.clone())?)?;
        stored.push(order);
    }
    Ok(stored)
}

/// The next number of the order's station and day, counted in the storing transaction (one
/// writer: no two orders get the same count).
fn next_order_number(tx: &Transaction<'_>, order: &WorkOrder) -> Result<String> {
    let station: String = tx
        .prepare_cached("SELECT name FROM stations WHERE id = ?1")?
        .query_row([order.station_id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::Refused(format!("station {} does not exist", order.station_id)))?;
    let day = order_number::day(order.reported_at);
    let count: u32 = tx
        .prepare_cached(
            "INSERT INTO order_numbers (station_id, day, last) VALUES (?1, ?2, 1)
             ON CONFLICT (station_id, day) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row(params![order.station_id.to_string(), day.to_string()], |r| r.get(0))?;
    Ok(order_number::format(&station, day, count))
}
