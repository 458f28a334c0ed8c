//! The storage promises, checked on the trait so every backend runs the same suite (today:
//! SQLite; a PostgreSQL backend adds itself to `backends()`).

use std::sync::Arc;

use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, User, WorkOrderStatus};
use hearth_core::protocol::{Outgoing, PushEntry, WorkOrderEdit, WorkOrderFields};
use hearth_server::storage::{Caller, SqliteStorage, Storage};
use tempfile::TempDir;
use uuid::Uuid;

fn backends() -> Vec<(TempDir, Arc<dyn Storage>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).unwrap());
    vec![(dir, sqlite)]
}

fn caller(role: Role, station: usize) -> Caller {
    let station_id =
        matches!(role, Role::Technician | Role::Inspector).then(|| hearth_core::demo::stations()[station].id);
    let user = User { id: Uuid::now_v7(), username: "u".into(), display_name: "u".into(), role, station_id };
    Caller { user, device_id: Uuid::now_v7() }
}

async fn city(storage: &dyn Storage, households: usize) -> Vec<Household> {
    storage.upsert_stations(hearth_core::demo::stations()).await.unwrap();
    let homes: Vec<Household> = hearth_core::demo::households(1, households).collect();
    storage.import_households(homes.clone()).await.unwrap();
    homes
}

fn seqs(page: &hearth_server::storage::ChangePage) -> Vec<u64> {
    page.changes.iter().map(|(seq, _)| *seq).collect()
}

#[tokio::test]
async fn a_changed_record_comes_again_above_every_cursor_and_only_once_in_the_feed() {
    for (_dir, storage) in backends() {
        let homes = city(storage.as_ref(), 3).await;
        let office = caller(Role::Dispatcher, 0);
        let first = storage.pull(&office, 0, 100).await.unwrap();
        assert_eq!(first.changes.len(), 4 + 3);
        assert!(seqs(&first).windows(2).all(|w| w[0] < w[1]));
        let cursor = *seqs(&first).last().unwrap();

        let moved = Household { address: "河西区黄河道9号".into(), ..homes[0].clone() };
        storage.import_households(vec![moved]).await.unwrap();
        let next = storage.pull(&office, cursor, 100).await.unwrap();
        assert_eq!(next.changes.len(), 1);
        assert!(next.changes[0].0 > cursor);
        assert!(next.changes[0].1.contains("河西区黄河道9号"));
        assert_eq!(storage.pull(&office, 0, 100).await.unwrap().changes.len(), 7, "one row per record");
    }
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps_or_repeats() {
    for (_dir, storage) in backends() {
        city(storage.as_ref(), 23).await;
        let office = caller(Role::Admin, 0);
        let (mut after, mut seen) = (0, Vec::new());
        loop {
            let page = storage.pull(&office, after, 5).await.unwrap();
            assert!(page.changes.len() <= 5);
            seen.extend(seqs(&page));
            after = seen.last().copied().unwrap_or(after);
            if !page.more {
                break;
            }
        }
        assert_eq!(seen.len(), 4 + 23);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }
}

#[tokio::test]
async fn a_crew_member_sees_their_station_and_what_is_assigned_to_them() {
    for (_dir, storage) in backends() {
        let homes = city(storage.as_ref(), 8).await;
        let tech = caller(Role::Technician, 0);
        let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
        order.station_id = homes[1].station_id; // another station's order …
        order.household_id = homes[1].id;
        order.assignee_id = Some(tech.user.id); // … lent to this technician
        storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();

        let page = storage.pull(&tech, 0, 100).await.unwrap();
        let own_station = hearth_core::demo::stations()[0].id.to_string();
        let households = page.changes.iter().filter(|(_, c)| c.contains(r#""entity":"household""#)).count();
        assert_eq!(households, 2, "households 0 and 4 belong to station 0");
        assert!(page.changes.iter().any(|(_, c)| c.contains(&order.id.to_string())));
        let stations = page.changes.iter().filter(|(_, c)| c.contains(r#""entity":"station""#));
        assert!(stations.clone().count() == 1 && stations.clone().all(|(_, c)| c.contains(&own_station)));
    }
}

#[tokio::test]
async fn an_edit_batch_applied_twice_changes_the_order_once() {
    for (_dir, storage) in backends() {
        let homes = city(storage.as_ref(), 1).await;
        let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
        order.household_id = homes[0].id;
        storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();
        let office = caller(Role::Dispatcher, 0);
        let fields = WorkOrderFields { status: Some(WorkOrderStatus::EnRoute), ..Default::default() };
        let batch = vec![PushEntry {
            id: Uuid::now_v7(),
            hlc: Hlc { wall_ms: 5, counter: 0, node: 3 },
            change: Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }),
        }];
        let now = chrono::Utc::now();
        let first =
            storage.push(&office, batch.iter().cloned().map(Into::into).collect(), now).await.unwrap();
        let cursor = *seqs(&storage.pull(&office, 0, 100).await.unwrap()).last().unwrap();
        let again = storage
            .push(&office, batch.into_iter().map(Into::into).collect(), now + chrono::Duration::seconds(5))
            .await
            .unwrap();
        assert_eq!(first, again, "the retry gets the first answer, with the first receive time");
        assert!(storage.pull(&office, cursor, 100).await.unwrap().changes.is_empty(), "and no new change");
    }
}

#[tokio::test]
async fn every_order_gets_a_number_read_over_the_phone_counted_per_station_and_day() {
    use chrono::TimeZone;
    for (_dir, storage) in backends() {
        let homes = city(storage.as_ref(), 40).await;
        let stations = hearth_core::demo::stations();
        let of = |station: usize| {
            let id = stations[station].id;
            homes.iter().filter(move |h| h.station_id == id)
        };
        let (heping, hexi) = (of(0).take(2).collect::<Vec<_>>(), of(1).next().unwrap());
        let at = |day: u32, hour: u32| chrono::Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap();
        let order = |home: &Household, reported_at| {
            let mut order = hearth_core::demo::work_order(reported_at);
            order.id = Uuid::now_v7();
            order.household_id = home.id;
            order.station_id = home.station_id;
            order
        };
        // 16:30 UTC on 2 December is 00:30 on 3 December in Tianjin: the next day's count.
        let stored = storage
            .add_work_orders(
                vec![
                    order(heping[0], at(2, 2)),
                    order(heping[1], at(2, 9)),
                    order(hexi, at(2, 9)),
                    order(heping[0], at(2, 16) + chrono::Duration::minutes(30)),
                ],
                Hlc::ZERO,
            )
            .await
            .unwrap();
        let numbers: Vec<_> = stored.iter().map(|o| o.number.clone().unwrap_or_default()).collect();
        assert_eq!(numbers, ["和平-1202-001", "和平-1202-002", "河西-1202-001", "和平-1203-001"]);

        // The number travels with the order to the crews, and is never given twice.
        let page = storage.pull(&caller(Role::Technician, 0), 0, 100).await.unwrap();
        assert!(page.changes.iter().any(|(_, payload)| payload.contains("和平-1202-002")));
        let again = storage.add_work_orders(vec![order(heping[1], at(2, 20))], Hlc::ZERO).await.unwrap();
        assert_eq!(again[0].number.as_deref(), Some("和平-1203-002"));
    }
}
