//! The demo city on the server: hearth-core's demo stations and households (Tianjin, each
//! station serving its own districts), a technician and an inspector per station, a
//! dispatcher and an admin, and the last three days of work orders (see `demo/orders.rs`).
//! Creating it twice creates nothing new: the logins are the same every time.

use chrono::Utc;
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, Station, User};

use crate::error::{Error, Result};
use crate::storage::Storage;

mod orders;
pub mod sample;
#[cfg(test)]
mod tests;

/// The seed of the demo households, so every demo server has the same city.
pub const SEED: u64 = 2026;

/// A demo user's login, as printed for the person trying Hearth.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub station: Option<Station>,
}

/// The demo logins: per station a technician (`tech1`…) and an inspector (`insp1`…), then
/// `dispatcher` and `admin`. Each password is `demo-` and the username.
pub fn logins() -> Vec<DemoLogin> {
    let login = |username: String, role, station: Option<Station>| DemoLogin {
        password: format!("demo-{username}"),
        username,
        role,
        station,
    };
    let mut out = Vec::new();
    for (i, station) in hearth_core::demo::stations().into_iter().enumerate() {
        out.push(login(format!("tech{}", i + 1), Role::Technician, Some(station.clone())));
        out.push(login(format!("insp{}", i + 1), Role::Inspector, Some(station)));
    }
    out.push(login("dispatcher".into(), Role::Dispatcher, None));
    out.push(login("admin".into(), Role::Admin, None));
    out
}

/// Creates the demo city with `households` households and its work orders, unless the
/// database has users already; either way returns the demo logins. `cost` is the argon2 cost
/// of their hashes.
pub async fn create(
    storage: &dyn Storage,
    households: usize,
    cost: argon2::Params,
) -> Result<Vec<DemoLogin>> {
    create_city(storage, households, cost, true).await
}

/// The demo city's stations, households and logins without its work orders: for tests that
/// count every order the office has.
pub async fn create_without_orders(
    storage: &dyn Storage,
    households: usize,
    cost: argon2::Params,
) -> Result<Vec<DemoLogin>> {
    create_city(storage, households, cost, false).await
}

async fn create_city(
    storage: &dyn Storage,
    households: usize,
    cost: argon2::Params,
    with_orders: bool,
) -> Result<Vec<DemoLogin>> {
    let logins = logins();
    if storage.user_count().await? > 0 {
        return Ok(logins);
    }
    let stations = hearth_core::demo::stations();
    storage.upsert_stations(stations.clone()).await?;
    let homes: Vec<Household> = hearth_core::demo::households(SEED, households).collect();

    let mut rng = fastrand::Rng::with_seed(SEED);
    let users: Vec<User> = logins
        .iter()
        .map(|l| User {
            id: hearth_core::new_id(),
            username: l.username.clone(),
            display_name: hearth_core::demo::person_name(&mut rng),
            role: l.role,
            station_id: l.station.as_ref().map(|s| s.id),
        })
        .collect();
    let passwords: Vec<String> = logins.iter().map(|l| l.password.clone()).collect();
    let hashes = tokio::task::spawn_blocking(move || {
        passwords.iter().map(|p| crate::auth::hash_password(p, cost.clone())).collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(Error::from)??;

    let profile = storage.city_profile().await?;
    let orders =
        if with_orders { orders::plan(Utc::now(), &profile, &stations, &homes, &users) } else { Vec::new() };
    storage.import_households(homes).await?;
    for (user, hash) in users.into_iter().zip(hashes) {
        storage.add_user(user, hash).await?;
    }
    // Each order stamped at its last status move, as if the crews had made them: the
    // tablet's "finished today" and the order numbers' days follow the orders' own times.
    for planned in orders {
        let wall_ms = u64::try_from(planned.moved_at.timestamp_millis()).unwrap_or_default();
        storage.add_work_orders(vec![planned.order], Hlc { wall_ms, counter: 0, node: 0 }).await?;
    }
    Ok(logins)
}
