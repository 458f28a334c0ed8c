//! The demo city's orders read as a working week: spread over the last days, with deadlines
//! after their calls, finished ones with what happened, and each kind of work with the crew
//! that does it.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use hearth_core::model::{Priority, Role, User, WorkOrder, WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::CityProfile;

use crate::storage::SqliteStorage;
use crate::storage::console::{BoardFilter, ConsoleStorage};

/// Every order of a demo city of 400 households, as the board lists them, with the crews.
async fn demo_city() -> (Vec<WorkOrder>, HashMap<uuid::Uuid, Role>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(dir.path()).unwrap();
    super::create(&storage, 400, argon2::Params::new(8, 1, 1, None).unwrap()).await.unwrap();
    let mut orders = Vec::new();
    for status in WorkOrderStatus::ALL {
        let filter = BoardFilter { status: Some(*status), limit: 1000, ..BoardFilter::default() };
        orders.extend(storage.board(filter).await.unwrap().orders);
    }
    let roles = storage.users().await.unwrap().into_iter().map(|u| (u.user.id, u.user.role)).collect();
    (orders, roles)
}

/// The demo's orders as `plan` makes them at `now` for the demo's stations, households and
/// crews.
fn planned_at(now: DateTime<Utc>) -> Vec<WorkOrder> {
    let stations = hearth_core::demo::stations();
    let homes: Vec<_> = hearth_core::demo::households(super::SEED, 400).collect();
    let users: Vec<User> = super::logins()
        .into_iter()
        .map(|l| User {
            id: hearth_core::new_id(),
            username: l.username,
            display_name: String::new(),
            role: l.role,
            station_id: l.station.map(|s| s.id),
        })
        .collect();
    let profile = CityProfile::default();
    super::orders::plan(now, &profile, &stations, &homes, &users).into_iter().map(|p| p.order).collect()
}

#[tokio::test]
async fn the_demo_city_holds_every_stations_plan() {
    let now = Utc::now();
    let (orders, _) = demo_city().await;
    assert_eq!(orders.len(), 4 * super::orders::PLAN_LEN, "every station's plan");
    a_working_week(&orders, now);
}

/// Whatever the hour the demo is made at (a trainer may start it at midnight in Tianjin), its
/// board shows late orders, orders still in time, an urgent one and the rest.
#[test]
fn the_demos_orders_read_as_a_working_week_at_every_hour_of_the_day() {
    let midnight = Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap(); // 00:00 in Tianjin
    for half_hours in 0..48 {
        let now = midnight + Duration::minutes(30 * half_hours + 7);
        a_working_week(&planned_at(now), now);
    }
}

/// The demo's orders are spread over days with deadlines after their calls, and every
/// station has some of each state a dispatcher looks for.
fn a_working_week(orders: &[WorkOrder], now: DateTime<Utc>) {
    let days: BTreeSet<_> = orders.iter().map(|o| (now - o.reported_at).num_days()).collect();
    assert!(days.len() >= 3, "at {now}, called in over several days: {days:?}");
    let times: BTreeSet<_> = orders.iter().map(|o| o.reported_at).collect();
    assert_eq!(times.len(), orders.len(), "each called in at its own time");
    for o in orders {
        assert!(o.reported_at <= now, "called in before {now}: {o:?}");
        for deadline in [o.arrive_by, o.due_by].into_iter().flatten() {
            assert!(deadline > o.reported_at, "a deadline after the call: {o:?}");
        }
        if matches!(o.kind, WorkOrderKind::Repair | WorkOrderKind::TemperatureCheck) {
            assert_eq!(o.due_by, Some(o.reported_at + Duration::hours(8)), "§74's 8 hours: {o:?}");
        } else {
            let window = o.appointment.expect("planned work has an appointment");
            assert_eq!(o.arrive_by, Some(window.end));
        }
        // The arrival and done stamps agree with the status.
        match o.status {
            WorkOrderStatus::Done => {
                assert!(o.arrived_at.is_some() && o.done_at > o.arrived_at && o.status_note.is_some())
            }
            WorkOrderStatus::CouldNotComplete => {
                assert!(o.arrived_at.is_some() && o.done_at.is_none() && o.status_note.is_some())
            }
            WorkOrderStatus::OnSite => assert!(o.arrived_at.is_some() && o.done_at.is_none()),
            _ => assert!(o.arrived_at.is_none() && o.done_at.is_none(), "{o:?}"),
        }
        if let Some(at) = o.arrived_at {
            assert!(o.reported_at < at && at <= now, "{o:?}");
        }
    }

    let per_station = |pred: &dyn Fn(&WorkOrder) -> bool| {
        let mut n: HashMap<uuid::Uuid, usize> = HashMap::new();
        for o in orders.iter().filter(|o| pred(o)) {
            *n.entry(o.station_id).or_default() += 1;
        }
        n
    };
    let open = |o: &WorkOrder| hearth_core::rules::status::is_open(o.status);
    for (what, count) in [
        ("done", per_station(&|o| o.status == WorkOrderStatus::Done)),
        ("could not complete", per_station(&|o| o.status == WorkOrderStatus::CouldNotComplete)),
        ("late", per_station(&|o| open(o) && o.due_by.is_some_and(|d| d < now))),
        ("still in time", per_station(&|o| open(o) && o.arrive_by.is_some_and(|d| d > now))),
        (
            "urgent, to be reached within 2 hours",
            per_station(&|o| {
                o.priority == Priority::Urgent
                    && o.arrive_by.is_some_and(|d| d > now && d <= now + Duration::hours(2))
            }),
        ),
        ("in the pool", per_station(&|o| o.assignee_id.is_none())),
        (
            "follow-ups of a repair",
            per_station(&|o| o.kind == WorkOrderKind::FollowUp && o.follows_up.is_some()),
        ),
    ] {
        assert_eq!(count.len(), 4, "at {now}, every station has orders {what}: {count:?}");
    }
}

#[tokio::test]
async fn inspections_and_remeasurements_are_the_inspectors_the_rest_the_technicians() {
    let (orders, roles) = demo_city().await;
    for o in &orders {
        let role = o.assignee_id.map(|a| roles[&a]);
        match o.kind {
            WorkOrderKind::Inspection | WorkOrderKind::AreaRemeasure => {
                assert_eq!(role, Some(Role::Inspector), "{o:?}")
            }
            _ => assert!(role.is_none() || role == Some(Role::Technician), "{o:?}"),
        }
    }
}
