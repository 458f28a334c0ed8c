//! The console's reads and writes through the trait: household search, hotline calls and the
//! orders made from them, the board, KPI sums and the waiting list under the city profile,
//! and the dispatch log.

use chrono::{DateTime, Duration, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Priority, Role, WorkOrder, WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::CityProfile;
use hearth_server::storage::console::{BoardFilter, Call, CallOutcome, KpiGroup};
use uuid::Uuid;

use super::{Fresh, at_station, check, city, logged_in, report, station};

fn order_for(home: &Household, reported_at: DateTime<Utc>) -> WorkOrder {
    let mut order = hearth_core::demo::work_order(reported_at);
    order.id = Uuid::now_v7();
    order.household_id = home.id;
    order.station_id = home.station_id;
    order
}

fn call(
    dispatcher: Uuid,
    home: &Household,
    outcome: CallOutcome,
    order: Option<Uuid>,
    at: DateTime<Utc>,
) -> Call {
    Call {
        id: Uuid::now_v7(),
        received_at: at,
        dispatcher_id: dispatcher,
        caller_name: home.owner_name.clone(),
        phone: home.phone.clone(),
        household_id: Some(home.id),
        description: "卧室暖气不热".into(),
        outcome,
        work_order_id: order,
        work_order_number: None,
    }
}

pub async fn households_are_found_by_account_number_phone_address_or_name(storage: Fresh) {
    let homes = city(&*storage, 12).await;
    let find = |q: &str| storage.find_households(q.to_owned(), 20);
    assert_eq!(find(&homes[3].account_no).await.unwrap(), [homes[3].clone()]);
    assert!(find(&homes[4].phone).await.unwrap().contains(&homes[4]));
    assert!(find(&homes[5].address).await.unwrap().contains(&homes[5]));
    assert!(find(&homes[6].owner_name).await.unwrap().contains(&homes[6]));
    assert!(find("没有这个地址").await.unwrap().is_empty());
    assert!(storage.find_households("区".into(), 2).await.unwrap().len() <= 2, "at most the limit");

    assert_eq!(storage.household(homes[1].id).await.unwrap(), Some(homes[1].clone()));
    assert_eq!(storage.household(Uuid::now_v7()).await.unwrap(), None);
    let asked = vec![homes[2].id, Uuid::now_v7(), homes[0].id];
    assert_eq!(
        storage.households(asked).await.unwrap(),
        [homes[2].clone(), homes[0].clone()],
        "in the order asked"
    );
}

pub async fn a_call_with_an_order_is_kept_with_its_numbered_order_and_repeats(storage: Fresh) {
    let homes = city(&*storage, 4).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let home = &homes[0];
    let earlier = Utc::now() - Duration::minutes(30);
    let order = order_for(home, earlier);
    let first = call(office.user.id, home, CallOutcome::WorkOrder, Some(order.id), earlier);
    let stored = storage.record_call(first.clone(), Some(order.clone()), Hlc::ZERO).await.unwrap().unwrap();
    assert!(
        stored.number.as_deref().is_some_and(|n| n.starts_with(&station(0).name[..6])),
        "{:?}",
        stored.number
    );
    assert_eq!(storage.work_order(order.id).await.unwrap(), Some(stored.clone()));
    assert_eq!(storage.open_orders_of(home.id).await.unwrap(), std::slice::from_ref(&stored));
    assert!(storage.open_orders_of(homes[1].id).await.unwrap().is_empty());

    let repeat = call(office.user.id, home, CallOutcome::Duplicate, Some(order.id), Utc::now());
    assert_eq!(storage.record_call(repeat.clone(), None, Hlc::ZERO).await.unwrap(), None);
    let repeats = storage.repeat_calls(vec![order.id]).await.unwrap();
    assert_eq!(repeats.len(), 1);
    assert_eq!((repeats[0].id, repeats[0].work_order_number.clone()), (repeat.id, stored.number.clone()));

    let all = storage.calls(None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), [repeat.id, first.id], "newest first");
    assert_eq!(all[1].work_order_number, stored.number);
    let recent = storage.calls(Some(Utc::now() - Duration::minutes(5)), None, 10).await.unwrap();
    assert_eq!(recent.len(), 1);
    let of_home = storage.calls_of_household(home.id, earlier - Duration::minutes(1)).await.unwrap();
    assert_eq!(of_home.len(), 2);
    assert!(storage.calls_of_household(home.id, Utc::now() + Duration::minutes(1)).await.unwrap().is_empty());
}

pub async fn the_board_lists_open_orders_finished_ones_by_status_and_numbers_by_prefix(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let now = Utc::now();
    let (heping, hexi) = (at_station(&homes, 0), at_station(&homes, 1));
    let normal = order_for(&heping[0], now);
    let emergency = WorkOrder { priority: Priority::Emergency, ..order_for(&heping[1], now) };
    let overdue = order_for(&hexi[0], now - Duration::hours(10));
    let done = WorkOrder { status: WorkOrderStatus::Done, ..order_for(&hexi[1], now) };
    let stored = storage
        .add_work_orders(vec![normal.clone(), emergency.clone(), overdue.clone(), done.clone()], Hlc::ZERO)
        .await
        .unwrap();
    let board = |f: BoardFilter| storage.board(f);
    let open = BoardFilter { now, limit: 10, ..BoardFilter::default() };
    let page = board(open.clone()).await.unwrap();
    assert_eq!(page.total, 3);
    let ids: Vec<Uuid> = page.orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, [overdue.id, emergency.id, normal.id], "overdue first, then by urgency");
    let second = board(BoardFilter { limit: 1, offset: 1, ..open.clone() }).await.unwrap();
    assert_eq!((second.total, second.orders[0].id), (3, emergency.id));
    let at_hexi = board(BoardFilter { station_id: Some(station(1).id), ..open.clone() }).await.unwrap();
    assert_eq!(at_hexi.orders.iter().map(|o| o.id).collect::<Vec<_>>(), [overdue.id]);
    let finished = board(BoardFilter { status: Some(WorkOrderStatus::Done), ..open.clone() }).await.unwrap();
    assert_eq!((finished.total, finished.orders[0].id), (1, done.id));
    let kinds = board(BoardFilter { kind: Some(WorkOrderKind::FollowUp), ..open.clone() }).await.unwrap();
    assert_eq!(kinds.total, 0);

    let heping_numbers: Vec<String> =
        stored.iter().filter(|o| o.station_id == station(0).id).filter_map(|o| o.number.clone()).collect();
    let prefix = heping_numbers[0].split('-').next().unwrap().to_owned() + "-";
    let by_number = board(BoardFilter { number: Some(prefix), ..open.clone() }).await.unwrap();
    let mut expected = heping_numbers.clone();
    expected.sort();
    assert_eq!(by_number.orders.iter().filter_map(|o| o.number.clone()).collect::<Vec<_>>(), expected);
}

/// The one group of `station` and `crew`.
fn group(groups: &[KpiGroup], station: Uuid, crew: Option<Uuid>) -> &KpiGroup {
    groups
        .iter()
        .find(|g| g.station_id == station && g.crew_id == crew)
        .unwrap_or_else(|| panic!("no group for {station} {crew:?} in {groups:?}"))
}

pub async fn a_cold_home_counts_as_non_compliant_and_waits_until_the_thresholds_change(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let home = at_station(&homes, 0)[0].clone();
    let tech = logged_in(&*storage, Role::Technician, 0).await;
    assert_eq!(storage.city_profile().await.unwrap(), CityProfile::default());
    let cold = check(&home, tech.user.id, 15.0);
    let received = Utc::now();
    storage.push(&tech, vec![report(cold.clone())], received).await.unwrap();

    let default = CityProfile::default();
    let wide = (received - Duration::hours(3), received + Duration::hours(3));
    let narrow = (received - Duration::seconds(1), received + Duration::seconds(1));
    for (from, to) in [wide, narrow] {
        let groups = storage.kpi_groups(from, to, default.clone()).await.unwrap();
        let c = &group(&groups, station(0).id, Some(tech.user.id)).counts;
        assert_eq!((c.checks_non_compliant, c.checks_compliant, c.satisfied), (1, 0, 1), "{from}..{to}");
        let tier = c.refund_tiers.values().next().expect("a refund tier for a 3 °C shortfall");
        assert_eq!((tier.checks, tier.billed_area_m2), (1, home.billed_area_m2));
    }
    let waiting = storage.waiting_households().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].household_id, waiting[0].report_id), (home.id, cold.report().id));
    assert_eq!((waiting[0].lowest_c, waiting[0].stage.as_str()), (15.0, "awaiting_repair"));

    // The repair is done: the home waits for its follow-up; the order counts as closed.
    let repaired = WorkOrder { status: WorkOrderStatus::Done, ..order_for(&home, Utc::now()) };
    storage.add_work_orders(vec![repaired], Hlc::ZERO).await.unwrap();
    assert_eq!(storage.waiting_households().await.unwrap()[0].stage, "awaiting_follow_up");
    let groups = storage.kpi_groups(wide.0, wide.1, default.clone()).await.unwrap();
    let orders = &group(&groups, station(0).id, None).counts;
    assert_eq!((orders.orders, orders.orders_closed), (1, 1));

    // A lower standard: the same reading is compliant, and the home leaves the list.
    let lenient = CityProfile { indoor_standard_c: 14.0, ..default };
    storage.set_city_profile(lenient.clone()).await.unwrap();
    assert_eq!(storage.city_profile().await.unwrap(), lenient);
    let groups = storage.kpi_groups(wide.0, wide.1, lenient).await.unwrap();
    let c = &group(&groups, station(0).id, Some(tech.user.id)).counts;
    assert_eq!((c.checks_non_compliant, c.checks_compliant), (0, 1));
    assert!(c.refund_tiers.is_empty());
    assert!(storage.waiting_households().await.unwrap().is_empty());
}

pub async fn the_dispatch_log_keeps_entries_newest_first_and_finds_words(storage: Fresh) {
    city(&*storage, 1).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let at = Utc::now() - Duration::hours(1);
    let first = storage.add_log_entry(office.user.id, "和平站停水两小时".into(), at).await.unwrap();
    assert_eq!(
        (first.author_id, first.author_name.as_str()),
        (office.user.id, office.user.display_name.as_str())
    );
    let second = storage.add_log_entry(office.user.id, "河西站恢复供热".into(), Utc::now()).await.unwrap();
    let all = storage.log_entries(None, None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [second.id, first.id]);
    let words = storage.log_entries(None, None, Some("停水".into()), 10).await.unwrap();
    assert_eq!(words.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["和平站停水两小时"]);
    let before = storage.log_entries(None, Some(at + Duration::minutes(1)), None, 10).await.unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(storage.log_entries(None, None, None, 1).await.unwrap().len(), 1);
}
