//! The console on PostgreSQL answers as on SQLite: one city — random open and finished orders
//! with and without deadlines, calls and repeats, reports over several hours, log entries — is
//! written to both backends through the trait, and every console read is compared, the board
//! walked page by page under each filter (so its order holds across pages).

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{
    Household, Priority, ReportBody, Role, RoomType, SignedReport, User, WorkOrder, WorkOrderKind,
    WorkOrderStatus,
};
use uuid::Uuid;

use super::super::{PgStorage, test_server};
use crate::storage::console::*;
use crate::storage::{Caller, SqliteStorage, Storage};

/// Both backends: SQLite first.
struct Backends {
    sqlite: Arc<dyn Storage>,
    postgres: Arc<dyn Storage>,
}

/// Calls one console read on both backends and asserts the same answer.
macro_rules! same {
    ($b:expr, $method:ident ( $($arg:expr),* $(,)? )) => {{
        let on_sqlite = $b.sqlite.$method($($arg.clone()),*).await.unwrap();
        let on_postgres = $b.postgres.$method($($arg.clone()),*).await.unwrap();
        assert_eq!(on_sqlite, on_postgres, "{} ({:?})", stringify!($method), ($(&$arg),*));
        on_sqlite
    }};
}

/// Does one write on both backends and asserts the same answer.
macro_rules! both {
    ($b:expr, $method:ident ( $($arg:expr),* $(,)? )) => {{
        same!($b, $method($($arg),*))
    }};
}

/// A technician of `station` (a demo station's id).
fn technician(station: Uuid, n: u128) -> User {
    let id = Uuid::from_u128(0x7ec0_0000 + n);
    User {
        id,
        username: format!("tech{n}"),
        display_name: format!("技术员{n}"),
        role: Role::Technician,
        station_id: Some(station),
    }
}

/// A random order of `home`, reported in the last 30 hours, with every kind of deadline.
fn order(rng: &mut fastrand::Rng, home: &Household, crew: &[User], now: DateTime<Utc>, n: u64) -> WorkOrder {
    let mut order = hearth_core::demo::work_order(now);
    let deadline = |rng: &mut fastrand::Rng| match rng.u8(0..4) {
        0 => None,
        1 => Some(now - Duration::minutes(rng.i64(1..600))),
        _ => Some(now + Duration::minutes(rng.i64(1..600))),
    };
    order.id = Uuid::from_u64_pair(0x0bde_7000, n);
    order.household_id = home.id;
    order.station_id = home.station_id;
    order.kind = WorkOrderKind::ALL[rng.usize(..WorkOrderKind::ALL.len())];
    // Mostly open orders: the board's segments are what is compared.
    order.status = if rng.bool() {
        [WorkOrderStatus::New, WorkOrderStatus::Assigned, WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite]
            [rng.usize(..4)]
    } else {
        WorkOrderStatus::ALL[rng.usize(..WorkOrderStatus::ALL.len())]
    };
    order.priority = [Priority::Emergency, Priority::Urgent, Priority::Normal, Priority::Low][rng.usize(..4)];
    order.reported_at = now - Duration::minutes(rng.i64(0..1800));
    order.arrive_by = deadline(rng);
    order.due_by = deadline(rng);
    let of_station: Vec<&User> = crew.iter().filter(|u| u.station_id == Some(home.station_id)).collect();
    order.assignee_id = (order.status != WorkOrderStatus::New && rng.bool())
        .then(|| of_station.first().map(|u| u.id))
        .flatten();
    order
}

/// A signed temperature check of `home` by `author`, its coldest bedroom at `bedroom_c`,
/// made at `at`.
fn check(home: &Household, author: Uuid, bedroom_c: f64, at: DateTime<Utc>) -> SignedReport {
    let mut report = hearth_core::demo::signed_temperature_check(home, author, at).unwrap().report().clone();
    let ReportBody::TemperatureCheck(c) = &mut report.body else { unreachable!() };
    for r in c.readings.iter_mut().filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
    {
        r.celsius = r.celsius.max(bedroom_c);
    }
    c.readings[0].celsius = bedroom_c;
    c.outdoor_celsius = Some(0.0);
    hearth_core::demo::sign(report, &home.owner_name, at).unwrap()
}

/// The KPI groups with their billed areas rounded: the backends add them up in other orders.
fn rounded(mut groups: Vec<KpiGroup>) -> Vec<KpiGroup> {
    for g in &mut groups {
        for tier in g.counts.refund_tiers.values_mut() {
            tier.billed_area_m2 = (tier.billed_area_m2 * 1e6).round() / 1e6;
        }
    }
    groups
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_reads_the_same_city_the_same_on_postgres_as_on_sqlite() {
    let server = tokio::task::spawn_blocking(test_server::Postgres::start).await.unwrap();
    let url = server.url("postgres");
    let dir = tempfile::tempdir().unwrap();
    let (sqlite, postgres) =
        (Arc::new(SqliteStorage::open(dir.path()).unwrap()), Arc::new(PgStorage::open(&url).await.unwrap()));
    let b = Backends { sqlite: sqlite.clone(), postgres: postgres.clone() };
    // Whole seconds: both backends keep microseconds, and the hour edges stay clear.
    let now = Utc::now().duration_trunc(Duration::seconds(1)).unwrap();
    let mut rng = fastrand::Rng::with_seed(14);

    let stations = hearth_core::demo::stations();
    both!(b, upsert_stations(stations));
    let homes: Vec<Household> = hearth_core::demo::households(1, 30).collect();
    both!(b, import_households(homes));
    let crew: Vec<User> = stations.iter().enumerate().map(|(i, s)| technician(s.id, i as u128)).collect();
    let office = User {
        id: Uuid::from_u128(0x0ff1ce),
        username: "dispatcher".into(),
        display_name: "调度员".into(),
        role: Role::Dispatcher,
        station_id: None,
    };
    for user in crew.iter().chain([&office]) {
        both!(b, add_user(user.clone(), "argon2-hash".to_owned()));
    }
    let devices: Vec<Uuid> = (0..crew.len() as u128).map(|n| Uuid::from_u128(0xde0 + n)).collect();
    for (user, &device) in crew.iter().zip(&devices) {
        let token = format!("token-{device}");
        both!(b, register_device(device, user.id, "平板".to_owned(), token, now));
    }

    // Orders, and calls: some made an order, some repeat one, some were advice.
    let orders: Vec<WorkOrder> = (0..60)
        .map(|n| {
            let home = &homes[rng.usize(..homes.len())];
            order(&mut rng, home, &crew, now, n)
        })
        .collect();
    let stored = both!(b, add_work_orders(orders[..50].to_vec(), Hlc::ZERO));
    let before_arrival = [WorkOrderStatus::New, WorkOrderStatus::Assigned, WorkOrderStatus::EnRoute];
    let late_arrivals = stored
        .iter()
        .filter(|o| before_arrival.contains(&o.status) && o.arrive_by.is_some_and(|t| t < now))
        .count();
    let late_completions = stored
        .iter()
        .filter(|o| o.status == WorkOrderStatus::OnSite && o.due_by.is_some_and(|t| t < now))
        .count();
    assert!(late_arrivals > 2 && late_completions > 0, "every segment of the board has orders");
    for (n, order) in orders[50..].iter().enumerate() {
        // Apart by minutes, each repeat half a minute after its call: no two calls at one time.
        let at = now - Duration::minutes(90 - n as i64);
        let call = Call {
            id: Uuid::from_u64_pair(0xca11, n as u64),
            received_at: at,
            dispatcher_id: office.id,
            caller_name: "王伟".into(),
            phone: "13800000000".into(),
            household_id: Some(order.household_id),
            description: "暖气不热".into(),
            outcome: CallOutcome::WorkOrder,
            work_order_id: Some(order.id),
            work_order_number: None,
        };
        both!(b, record_call(call, Some(order.clone()), Hlc::ZERO));
        let repeat = Call {
            id: Uuid::from_u64_pair(0xca12, n as u64),
            received_at: at + Duration::seconds(30),
            outcome: if n % 2 == 0 { CallOutcome::Duplicate } else { CallOutcome::Advice },
            work_order_id: (n % 2 == 0).then_some(order.id),
            ..call_like(office.id, order)
        };
        both!(b, record_call(repeat, None::<WorkOrder>, Hlc::ZERO));
    }

    // Reports over five hours, some of cold homes.
    for n in 0..40 {
        let author = &crew[rng.usize(..crew.len())];
        let device = devices[crew.iter().position(|u| u.id == author.id).unwrap()];
        let of_station: Vec<&Household> =
            homes.iter().filter(|h| Some(h.station_id) == author.station_id).collect();
        let Some(home) = of_station.get(rng.usize(..of_station.len().max(1))) else { continue };
        let received = now - Duration::minutes(300 - 7 * n);
        let signed =
            check(home, author.id, [15.0, 16.5, 19.0, 21.0][rng.usize(..4)], received - Duration::minutes(3));
        let caller = Caller { user: author.clone(), device_id: device };
        let entry = hearth_core::protocol::PushEntry {
            id: Uuid::from_u64_pair(0xe47, n as u64),
            hlc: Hlc { wall_ms: received.timestamp_millis() as u64, counter: 0, node: 9 },
            change: hearth_core::protocol::Outgoing::Report(Box::new(signed)),
        };
        let on_sqlite = b.sqlite.push(&caller, vec![entry.clone().into()], received).await.unwrap();
        let on_postgres = b.postgres.push(&caller, vec![entry.into()], received).await.unwrap();
        assert_eq!(on_sqlite, on_postgres);
    }
    for n in 0..5 {
        both!(b, add_log_entry(office.id, format!("第{n}条: 和平站停水"), now - Duration::minutes(50 - n)));
    }

    // The board, page by page, under each filter.
    let open = BoardFilter { now, limit: 1000, ..BoardFilter::default() };
    let mut filters = vec![open.clone()];
    filters.extend(WorkOrderStatus::ALL.iter().map(|&s| BoardFilter { status: Some(s), ..open.clone() }));
    filters.extend(stations.iter().map(|s| BoardFilter { station_id: Some(s.id), ..open.clone() }));
    filters.extend(WorkOrderKind::ALL.iter().map(|&k| BoardFilter { kind: Some(k), ..open.clone() }));
    filters.extend(crew.iter().map(|u| BoardFilter { assignee_id: Some(u.id), ..open.clone() }));
    filters.push(BoardFilter { now: now - Duration::hours(6), ..open.clone() });
    filters.push(BoardFilter { now: now + Duration::hours(6), ..open.clone() });
    let numbers: Vec<String> = stored.iter().filter_map(|o| o.number.clone()).collect();
    for number in numbers.iter().take(3) {
        let station_prefix = number.split('-').next().unwrap().to_owned() + "-";
        for prefix in [station_prefix, number[..number.len() - 1].to_owned(), number.clone()] {
            filters.push(BoardFilter { number: Some(prefix), ..open.clone() });
        }
    }
    for filter in filters {
        let whole = same!(b, board(filter));
        for limit in [1, 4, 7] {
            let mut walked = Vec::new();
            for offset in (0..whole.total as u32 + 2).step_by(limit as usize) {
                let page = same!(b, board(BoardFilter { limit, offset, ..filter.clone() }));
                assert_eq!(page.total, whole.total);
                walked.extend(page.orders);
            }
            assert_eq!(walked, whole.orders, "pages of {limit} follow each other under {filter:?}");
        }
    }
    for home in &homes {
        same!(b, open_orders_of(home.id));
        same!(b, calls_of_household(home.id, now - Duration::hours(1)));
        same!(b, household(home.id));
    }
    let asked: Vec<Uuid> = homes.iter().rev().map(|h| h.id).chain([Uuid::from_u128(1)]).collect();
    same!(b, households(asked));
    for query in [&homes[3].account_no, &homes[4].phone, &homes[5].address, &homes[6].owner_name, "区"] {
        same!(b, find_households(query.to_owned(), 5));
    }
    for order in &orders {
        same!(b, work_order(order.id));
    }
    let order_ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    assert!(!same!(b, repeat_calls(order_ids)).is_empty());
    same!(b, calls(None::<DateTime<Utc>>, None::<DateTime<Utc>>, 100u32));
    same!(b, calls(Some(now - Duration::minutes(60)), Some(now - Duration::minutes(20)), 100u32));

    // Reports, KPIs and the waiting list.
    let all = ReportFilter { limit: 1000, ..ReportFilter::default() };
    let reports = same!(b, reports(all));
    assert!(reports.total > 20, "{} reports stored", reports.total);
    same!(b, reports(ReportFilter { limit: 5, offset: 5, ..all.clone() }));
    same!(
        b,
        reports(ReportFilter {
            from: Some(now - Duration::minutes(150)),
            station_id: Some(stations[0].id),
            ..all.clone()
        })
    );
    same!(
        b,
        reports(ReportFilter {
            author_id: Some(crew[1].id),
            to: Some(now - Duration::minutes(100)),
            ..all.clone()
        })
    );
    for report in &reports.reports {
        same!(b, report(report.id));
    }
    let hour = now.duration_trunc(Duration::hours(1)).unwrap();
    let profile = hearth_core::rules::CityProfile::default();
    for (from, to) in [
        (now - Duration::hours(8), now + Duration::hours(1)),
        (hour - Duration::hours(3), hour),
        (now - Duration::minutes(200), now - Duration::minutes(20)),
        (now - Duration::minutes(30), now - Duration::minutes(29)),
    ] {
        let on_sqlite = rounded(b.sqlite.kpi_groups(from, to, profile.clone()).await.unwrap());
        let on_postgres = rounded(b.postgres.kpi_groups(from, to, profile.clone()).await.unwrap());
        assert_eq!(on_sqlite, on_postgres, "KPIs of {from}..{to}");
    }
    assert!(!same!(b, waiting_households()).is_empty());

    // The office's records.
    same!(b, log_entries(None::<DateTime<Utc>>, None::<DateTime<Utc>>, None::<String>, 10u32));
    same!(b, log_entries(Some(now - Duration::minutes(48)), Some(now), Some("停水".to_owned()), 2u32));
    same!(b, users());
    same!(b, conflicts(ConflictFilter { limit: 10, ..ConflictFilter::default() }));
    assert!(same!(b, disable_user(crew[0].id, now)));
    same!(b, users());

    // Sample reports for the benchmarks: the same ones (households and crews are read in the
    // same order), counted the same.
    let (from, to) = (now - Duration::hours(30), now);
    sqlite.add_sample_reports(400, from, to, 7).await.unwrap();
    postgres.add_sample_reports(400, from, to, 7).await.unwrap();
    assert_eq!(same!(b, reports(all)).total, reports.total + 400);
    let on_sqlite = rounded(b.sqlite.kpi_groups(from, to, profile.clone()).await.unwrap());
    let on_postgres = rounded(b.postgres.kpi_groups(from, to, profile.clone()).await.unwrap());
    assert_eq!(on_sqlite, on_postgres, "KPIs with the sample reports");
    same!(b, waiting_households());
}

/// A call about `order`'s home that made no order.
fn call_like(dispatcher: Uuid, order: &WorkOrder) -> Call {
    Call {
        id: Uuid::nil(),
        received_at: order.reported_at,
        dispatcher_id: dispatcher,
        caller_name: "王伟".into(),
        phone: "13800000000".into(),
        household_id: Some(order.household_id),
        description: "又打来了".into(),
        outcome: CallOutcome::Advice,
        work_order_id: None,
        work_order_number: None,
    }
}
