//! The change feed's promise under concurrency: writers (household imports, office orders,
//! office edits that reassign orders, report pushes) and readers (the office and a crew
//! member pulling page by page) at once. A reader that has seen change `n` must already see
//! every change below `n`, so a cursor walked to the end holds every record's latest change
//! exactly once: nothing a later full pull shows was skipped, and no number comes twice.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Role, WorkOrderStatus};
use hearth_core::protocol::{Outcome, Outgoing, WorkOrderEdit, WorkOrderFields};
use hearth_server::storage::console::ReportFilter;
use hearth_server::storage::{Caller, Storage};
use uuid::Uuid;

use hearth_core::rules::CityProfile;

use super::{Fresh, at_station, caller, check, city, entry, logged_in, report, station, walk};

const ROUNDS: usize = 15;

/// Pulls as `who` in pages of `limit` until `done` and the feed's end, checking each page;
/// gives every number seen.
async fn reader(storage: Arc<dyn Storage>, who: Caller, limit: u32, done: Arc<AtomicBool>) -> Vec<u64> {
    let (mut after, mut seen) = (0u64, Vec::new());
    loop {
        let finished = done.load(Ordering::SeqCst);
        let page = storage.pull(&who, after, limit).await.unwrap();
        assert!(page.changes.len() <= limit as usize);
        for (seq, _) in &page.changes {
            assert!(*seq > after, "numbers only grow along a cursor: {seq} after {after}");
            after = *seq;
            seen.push(*seq);
        }
        if !page.more {
            if finished {
                return seen;
            }
            tokio::task::yield_now().await;
        }
    }
}

pub async fn concurrent_writers_and_readers_never_skip_or_repeat_a_change(storage: Fresh) {
    let homes = city(&*storage, 40).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let (tech, other) = (caller(Role::Technician, 0), caller(Role::Technician, 1));
    let mut seeded = Vec::new();
    for home in homes.iter().take(5) {
        let mut order = hearth_core::demo::work_order(Utc::now());
        order.household_id = home.id;
        order.station_id = station(1).id;
        order.assignee_id = Some(tech.user.id);
        seeded.push(order);
    }
    let seeded = storage.add_work_orders(seeded, Hlc::ZERO).await.unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> =
        [(office.clone(), 7), (tech.clone(), 3), (other.clone(), 50), (office.clone(), 1000)]
            .into_iter()
            .map(|(who, limit)| {
                tokio::spawn(reader(Arc::clone(&storage.storage), who, limit, Arc::clone(&done)))
            })
            .collect();

    let s = Arc::clone(&storage.storage);
    let imports = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let new: Vec<Household> = hearth_core::demo::households(7, 2)
                .enumerate()
                .map(|(i, h)| Household { id: Uuid::now_v7(), account_no: format!("77{round:03}{i}"), ..h })
                .collect();
            s.import_households(new).await.unwrap();
        }
    });
    let s = Arc::clone(&storage.storage);
    let (orders_home, assignee) = (homes[6].clone(), tech.user.id);
    let orders = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let mut order = hearth_core::demo::work_order(Utc::now());
            order.household_id = orders_home.id;
            order.station_id = station(round % 2).id;
            order.assignee_id = (round % 3 == 0).then_some(assignee);
            s.add_work_orders(vec![order], Hlc::ZERO).await.unwrap();
        }
    });
    let s = Arc::clone(&storage.storage);
    let (editor, people) = (office.clone(), [tech.user.id, other.user.id]);
    let edits = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let order = &seeded[round % seeded.len()];
            let fields = WorkOrderFields {
                assignee_id: Some(people[round % 2]),
                status: (round == ROUNDS - 1).then_some(WorkOrderStatus::EnRoute),
                ..Default::default()
            };
            let e = entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }));
            let answers = s.push(&editor, vec![e], Utc::now()).await.unwrap();
            assert!(matches!(answers[0].outcome, Outcome::Accepted { .. }));
        }
    });
    let s = Arc::clone(&storage.storage);
    let (pusher, checked) = (office.clone(), homes.clone());
    let pushes = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let batch = (0..5)
                .map(|i| report(check(&checked[(round * 5 + i) % checked.len()], pusher.user.id, 19.0)));
            let answers = s.push(&pusher, batch.collect(), Utc::now()).await.unwrap();
            assert!(answers.iter().all(|a| matches!(a.outcome, Outcome::Accepted { .. })));
        }
    });
    for writer in [imports, orders, edits, pushes] {
        writer.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);

    let mut walked = Vec::new();
    for r in readers {
        walked.push(r.await.unwrap());
    }
    for (who, seen) in [&office, &tech, &other, &office].into_iter().zip(&walked) {
        let unique: BTreeSet<u64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no change twice");
        let now: Vec<u64> = walk(&*storage, who, 500).await.into_iter().map(|(seq, _)| seq).collect();
        let missed: Vec<u64> = now.iter().copied().filter(|seq| !unique.contains(seq)).collect();
        assert!(missed.is_empty(), "{:?} walked past changes {missed:?}", who.user.role);
    }
    let office_now = walk(&*storage, &office, 500).await.len();
    assert_eq!(office_now, 4 + 40 + ROUNDS * 2 + 5 + ROUNDS, "every record once, at its latest");
    let stored = storage.reports(ReportFilter { limit: 1, ..ReportFilter::default() }).await.unwrap();
    assert_eq!(stored.total, (ROUNDS * 5) as u64, "every accepted report once");
}

/// How many requests carry the same record at once.
const AT_ONCE: usize = 8;

pub async fn one_report_sent_at_once_many_times_counts_once_and_no_edit_of_one_order_is_lost(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let home = at_station(&homes, 0)[0].clone();
    let tech = logged_in(&*storage, Role::Technician, 0).await;
    let started = Utc::now();

    // A tablet's push sent again and again while the first is still being stored (a retry
    // through another instance after a timeout): one report, counted once in the KPIs.
    let cold = check(&home, tech.user.id, 15.0);
    let sends: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            let (s, tech, e) = (Arc::clone(&storage.storage), tech.clone(), report(cold.clone()));
            tokio::spawn(async move { s.push(&tech, vec![e], Utc::now()).await.unwrap() })
        })
        .collect();
    for send in sends {
        let answers = send.await.unwrap();
        assert!(matches!(answers[0].outcome, Outcome::Accepted { .. }), "{answers:?}");
    }
    let stored = storage.reports(ReportFilter { limit: 10, ..ReportFilter::default() }).await.unwrap();
    assert_eq!(stored.total, 1, "the report once");
    let hour = chrono::Duration::hours(1);
    let groups = storage.kpi_groups(started - hour, Utc::now() + hour, CityProfile::default()).await.unwrap();
    let counts = &groups.iter().find(|g| g.crew_id == Some(tech.user.id)).expect("the crew's KPIs").counts;
    assert_eq!(counts.checks_non_compliant, 1, "counted once: {counts:?}");
    let tier = counts.refund_tiers.values().next().expect("a refund tier");
    assert_eq!(tier.checks, 1, "one refund: {counts:?}");
    assert_eq!(storage.waiting_households().await.unwrap().len(), 1);

    // The office edits one order's fields from several desks at once: every edit stays.
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let mut order = hearth_core::demo::work_order(Utc::now());
    (order.household_id, order.station_id, order.assignee_id) = (home.id, station(0).id, None);
    let order = storage.add_work_orders(vec![order], Hlc::ZERO).await.unwrap().remove(0);
    let due = Utc::now() + chrono::Duration::hours(3);
    let edits = [
        WorkOrderFields { assignee_id: Some(tech.user.id), ..Default::default() },
        WorkOrderFields { priority: Some(hearth_core::model::Priority::Urgent), ..Default::default() },
        WorkOrderFields { due_by: Some(due), ..Default::default() },
        WorkOrderFields { status_note: Some("用户要求下午上门".into()), ..Default::default() },
    ];
    let sends: Vec<_> = edits
        .into_iter()
        .map(|fields| {
            let (s, office) = (Arc::clone(&storage.storage), office.clone());
            let e = entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }));
            tokio::spawn(async move { s.push(&office, vec![e], Utc::now()).await.unwrap() })
        })
        .collect();
    for send in sends {
        let answers = send.await.unwrap();
        assert!(matches!(answers[0].outcome, Outcome::Accepted { .. }), "{answers:?}");
    }
    let now = storage.work_order(order.id).await.unwrap().expect("the order");
    assert_eq!(now.assignee_id, Some(tech.user.id), "{now:?}");
    assert_eq!(now.priority, hearth_core::model::Priority::Urgent, "{now:?}");
    assert_eq!(now.due_by.map(|d| d.timestamp_millis()), Some(due.timestamp_millis()), "{now:?}");
    assert_eq!(now.status_note.as_deref(), Some("用户要求下午上门"), "{now:?}");
}
