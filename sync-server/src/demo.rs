//! The demo city on the server: hearth-core's demo stations and households, a technician
//! and an inspector per station, a dispatcher and an admin, and open work orders of every
//! kind. Creating it twice creates nothing new: the logins are the same every time.

use chrono::Utc;
use hearth_core::hlc::Hlc;
use hearth_core::model::{
    Household, Role, Station, User, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus,
};

use crate::error::{Error, Result};
use crate::storage::Storage;

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

/// Creates the demo city with `households` households, unless the database has users
/// already; either way returns the demo logins. `cost` is the argon2 cost of their hashes.
pub async fn create(
    storage: &dyn Storage,
    households: usize,
    cost: argon2::Params,
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

    let orders = work_orders(&stations, &homes, &users);
    storage.import_households(homes).await?;
    for (user, hash) in users.into_iter().zip(hashes) {
        storage.add_user(user, hash).await?;
    }
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default();
    storage.add_work_orders(orders, Hlc { wall_ms: now_ms, counter: 0, node: 0 }).await?;
    Ok(logins)
}

/// Per station and kind, one new order and one assigned to the station's technician.
fn work_orders(stations: &[Station], homes: &[Household], users: &[User]) -> Vec<WorkOrder> {
    let now = Utc::now();
    let mut orders = Vec::new();
    for station in stations {
        let technician =
            users.iter().find(|u| u.role == Role::Technician && u.station_id == Some(station.id));
        let mut station_homes = homes.iter().filter(|h| h.station_id == station.id);
        for &kind in WorkOrderKind::ALL {
            for assigned in [false, true] {
                let Some(home) = station_homes.next() else { return orders };
                let (source, description) = match kind {
                    WorkOrderKind::TemperatureCheck => {
                        (WorkOrderSource::Complaint, "用户反映室温偏低，上门测温")
                    }
                    WorkOrderKind::Repair => (WorkOrderSource::Hotline, "卧室暖气不热"),
                    WorkOrderKind::AreaRemeasure => {
                        (WorkOrderSource::Planned, "用户对收费面积有异议，预约复测")
                    }
                    WorkOrderKind::Inspection => (WorkOrderSource::Planned, "疑似私接供热管道，上门稽查"),
                    WorkOrderKind::FollowUp => (WorkOrderSource::FollowUp, "维修后回访，确认室温达标"),
                };
                let mut order = hearth_core::demo::work_order(now);
                order.household_id = home.id;
                order.station_id = station.id;
                order.kind = kind;
                order.source = source;
                order.description = description.to_owned();
                order.assignee_id = if assigned { technician.map(|t| t.id) } else { None };
                order.status = if order.assignee_id.is_some() {
                    WorkOrderStatus::Assigned
                } else {
                    WorkOrderStatus::New
                };
                orders.push(order);
            }
        }
    }
    orders
}
