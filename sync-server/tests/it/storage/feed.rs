//! The change feed: numbering, the crew's scope, withdrawals, paging and progress.

use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, Station, WorkOrderStatus};
use hearth_core::protocol::{Outgoing, PushEntry, WorkOrderEdit, WorkOrderFields};
use uuid::Uuid;

use super::{Fresh, caller, city, seqs, station, walk};

pub async fn a_changed_record_comes_again_above_every_cursor_and_only_once_in_the_feed(storage: Fresh) {
    let homes = city(&*storage, 3).await;
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

pub async fn pages_follow_each_other_without_gaps_or_repeats(storage: Fresh) {
    city(&*storage, 23).await;
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

pub async fn a_crew_member_sees_their_station_and_what_is_assigned_to_them(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let tech = caller(Role::Technician, 0);
    let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
    order.station_id = homes[1].station_id; // another station's order …
    order.household_id = homes[1].id;
    order.assignee_id = Some(tech.user.id); // … lent to this technician
    storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();

    let page = storage.pull(&tech, 0, 100).await.unwrap();
    let own_station = station(0).id.to_string();
    let households = page.changes.iter().filter(|(_, c)| c.contains(r#""entity":"household""#)).count();
    assert_eq!(households, 2, "households 0 and 4 belong to station 0");
    assert!(page.changes.iter().any(|(_, c)| c.contains(&order.id.to_string())));
    let stations = page.changes.iter().filter(|(_, c)| c.contains(r#""entity":"station""#));
    assert!(stations.clone().count() == 1 && stations.clone().all(|(_, c)| c.contains(&own_station)));
}

pub async fn an_edit_batch_applied_twice_changes_the_order_once(storage: Fresh) {
    let homes = city(&*storage, 1).await;
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
    let first = storage.push(&office, batch.iter().cloned().map(Into::into).collect(), now).await.unwrap();
    let cursor = *seqs(&storage.pull(&office, 0, 100).await.unwrap()).last().unwrap();
    let again = storage
        .push(&office, batch.into_iter().map(Into::into).collect(), now + chrono::Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(first, again, "the retry gets the first answer, with the first receive time");
    assert!(storage.pull(&office, cursor, 100).await.unwrap().changes.is_empty(), "and no new change");
    let stored = storage.work_order(order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, WorkOrderStatus::EnRoute);
}

pub async fn every_order_gets_a_number_read_over_the_phone_counted_per_station_and_day(storage: Fresh) {
    use chrono::TimeZone;
    let homes = city(&*storage, 40).await;
    let of = |n: usize| {
        let id = station(n).id;
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
    // An order for a station that does not exist is refused in words.
    let mut lost = order(heping[0], at(3, 9));
    lost.station_id = Uuid::now_v7();
    let err = storage.add_work_orders(vec![lost], Hlc::ZERO).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

pub async fn remaining_counts_what_the_next_pulls_return(storage: Fresh) {
    let homes = city(&*storage, 12).await;
    let tech = caller(Role::Technician, 0);
    let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
    order.household_id = homes[0].id;
    order.station_id = station(0).id; // the station's and assigned: counted once
    order.assignee_id = Some(tech.user.id);
    storage.add_work_orders(vec![order], Hlc::ZERO).await.unwrap();
    for who in [caller(Role::Dispatcher, 0), tech] {
        let all = walk(&*storage, &who, 1000).await;
        assert_eq!(storage.remaining(&who, 0).await.unwrap(), all.len() as u64, "{:?}", who.user.role);
        let (cut, _) = all[all.len() / 2];
        let rest = all.iter().filter(|(seq, _)| *seq > cut).count() as u64;
        assert_eq!(storage.remaining(&who, cut).await.unwrap(), rest);
        assert_eq!(storage.remaining(&who, all.last().unwrap().0).await.unwrap(), 0);
    }
}

pub async fn a_reassigned_order_is_withdrawn_from_the_crew_member_it_left(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let (first, second) = (caller(Role::Technician, 1), caller(Role::Technician, 2));
    let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
    order.household_id = homes[0].id;
    order.station_id = station(0).id;
    order.assignee_id = Some(first.user.id);
    storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();
    let cursor = walk(&*storage, &first, 100).await.last().unwrap().0;
    assert!(walk(&*storage, &first, 100).await.iter().any(|(_, c)| c.contains(&order.id.to_string())));

    let office = caller(Role::Dispatcher, 0);
    let fields = WorkOrderFields { assignee_id: Some(second.user.id), ..Default::default() };
    let reassign = super::entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }));
    storage.push(&office, vec![reassign], chrono::Utc::now()).await.unwrap();

    let gone = storage.pull(&first, cursor, 100).await.unwrap();
    assert_eq!(gone.changes.len(), 1, "{gone:?}");
    assert!(
        gone.changes[0].1.contains(r#""entity":"withdrawn""#)
            && gone.changes[0].1.contains(&order.id.to_string())
    );
    let now_theirs = walk(&*storage, &second, 100).await;
    assert!(now_theirs.iter().any(|(_, c)| c.contains(&order.id.to_string()) && !c.contains("withdrawn")));
    let office_sees = walk(&*storage, &office, 100).await;
    assert!(
        office_sees.iter().all(|(_, c)| !c.contains(r#""entity":"withdrawn""#)),
        "withdrawals are not the office's"
    );
    assert_eq!(storage.remaining(&office, 0).await.unwrap(), office_sees.len() as u64);
}

pub async fn stations_are_listed_by_name_and_renamed_in_place(storage: Fresh) {
    storage.upsert_stations(hearth_core::demo::stations()).await.unwrap();
    let mut names: Vec<String> = hearth_core::demo::stations().into_iter().map(|s| s.name).collect();
    names.sort();
    let listed: Vec<String> = storage.stations().await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(listed, names);

    let office = caller(Role::Dispatcher, 0);
    let cursor = walk(&*storage, &office, 100).await.last().unwrap().0;
    let renamed = Station { name: "和平第一供热站".into(), ..station(0) };
    storage.upsert_stations(vec![renamed]).await.unwrap();
    let stations = storage.stations().await.unwrap();
    assert_eq!(stations.len(), 4);
    assert!(stations.iter().any(|s| s.id == station(0).id && s.name == "和平第一供热站"));
    let news = storage.pull(&caller(Role::Technician, 0), cursor, 100).await.unwrap();
    assert!(news.changes.len() == 1 && news.changes[0].1.contains("和平第一供热站"), "its crews hear of it");
}
