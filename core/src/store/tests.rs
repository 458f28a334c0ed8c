//! Store tests on real SQLite files: what is saved stays saved, whole and unchanged; files
//! the store must not touch are refused and left as they were.

use std::path::Path;

use super::*;
use crate::demo;
use crate::model::{ReportBody, ReportKind, Sha256};

fn households(n: usize) -> Vec<Household> {
    demo::households(42, n).collect()
}

fn file_hash(path: &Path) -> Sha256 {
    Sha256::of(&std::fs::read(path).unwrap())
}

#[test]
fn a_signed_report_is_saved_with_exactly_one_outbox_entry() {
    let mut store = Store::open_in_memory().unwrap();
    let h = &households(1)[0];
    let signed = demo::signed_temperature_check(h, crate::new_id(), demo::now()).unwrap();
    store.save_signed_report(&signed).unwrap();
    store.save_signed_report(&signed).unwrap(); // a retried save
    assert_eq!(store.report(signed.report().id).unwrap(), Some(signed.clone()));
    let outbox = store.outbox(10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].entity, outbox[0].entity_id), (outbox::Entity::Report, signed.report().id));
    assert_eq!(store.outbox_len().unwrap(), 1);
}

#[test]
fn other_content_under_a_stored_id_is_refused() {
    let mut store = Store::open_in_memory().unwrap();
    let h = &households(1)[0];
    let signed = demo::signed_temperature_check(h, crate::new_id(), demo::now()).unwrap();
    store.save_signed_report(&signed).unwrap();
    let mut other = signed.report().clone();
    other.feedback.opinion = "不同的内容".into();
    let other = demo::sign(other, "张伟", demo::now()).unwrap();
    assert_eq!(store.save_signed_report(&other).unwrap_err().code(), "conflict");
    assert_eq!(store.report(signed.report().id).unwrap(), Some(signed));
    assert_eq!(store.outbox_len().unwrap(), 1);
}

#[test]
fn the_database_itself_refuses_to_change_or_delete_a_signed_report() {
    let mut store = Store::open_in_memory().unwrap();
    let signed = demo::signed_temperature_check(&households(1)[0], crate::new_id(), demo::now()).unwrap();
    store.save_signed_report(&signed).unwrap();
    let id = signed.report().id.to_string();
    let update = store.conn().execute("UPDATE reports SET record = '{}' WHERE id = ?1", [&id]);
    assert!(update.unwrap_err().to_string().contains("immutable"));
    let delete = store.conn().execute("DELETE FROM reports WHERE id = ?1", [&id]);
    assert!(delete.is_err());
    assert_eq!(store.report(signed.report().id).unwrap(), Some(signed));
}

#[test]
fn a_stored_record_edited_behind_the_apps_back_reads_as_tampered() {
    let mut store = Store::open_in_memory().unwrap();
    let signed = demo::signed_temperature_check(&households(1)[0], crate::new_id(), demo::now()).unwrap();
    store.save_signed_report(&signed).unwrap();
    store.conn().execute_batch("DROP TRIGGER reports_are_immutable; UPDATE reports SET record = replace(record, '19.2', '21.0');").unwrap();
    assert_eq!(store.report(signed.report().id).unwrap_err().code(), "tampered");
}

#[test]
fn an_amendment_needs_the_report_it_corrects() {
    let mut store = Store::open_in_memory().unwrap();
    let original = demo::signed_temperature_check(&households(1)[0], crate::new_id(), demo::now()).unwrap();
    let correction =
        demo::sign(crate::rules::signing::amend(&original, "读数录错", demo::now()), "张伟", demo::now())
            .unwrap();
    assert_eq!(store.save_signed_report(&correction).unwrap_err().code(), "not_found");
    store.save_signed_report(&original).unwrap();
    store.save_signed_report(&correction).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 2);
    assert_eq!(reports::for_household(store.conn(), original.report().household_id).unwrap().len(), 2);
}

#[test]
fn a_draft_survives_a_restart_and_signing_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let h = households(1).remove(0);
    let signed = demo::signed_temperature_check(&h, crate::new_id(), demo::now()).unwrap();
    let draft = Draft {
        id: signed.report().id,
        kind: ReportKind::TemperatureCheck,
        household_id: h.id,
        work_order_id: None,
        data: serde_json::json!({"readings": [{"room_name": "主卧", "celsius": "19."}]}),
        updated_at: demo::now(),
    };
    {
        let mut store = Store::open(&path).unwrap();
        store.save_draft(&draft).unwrap();
        let mut typed_more = draft.clone();
        typed_more.data["readings"][0]["celsius"] = "19.2".into();
        store.save_draft(&typed_more).unwrap();
    } // the app is closed (or killed) here
    let mut store = Store::open(&path).unwrap();
    let restored = store.draft(draft.id).unwrap().unwrap();
    assert_eq!(restored.data["readings"][0]["celsius"], "19.2");
    assert_eq!(store.drafts().unwrap().len(), 1);
    store.save_signed_report(&signed).unwrap();
    assert_eq!(store.draft(draft.id).unwrap(), None);
    assert_eq!(store.outbox_len().unwrap(), 1, "drafts never reach the outbox");
}

#[test]
fn the_clock_continues_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let (device, before) = {
        let mut store = Store::open(&path).unwrap();
        store.put_households(&households(3)).unwrap();
        (store.device_id(), store.last_stamp())
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.device_id(), device);
    assert_eq!(store.last_stamp(), before);
    store.put_households(&households(1)).unwrap();
    assert!(store.last_stamp() > before);
}

#[test]
fn the_clock_continues_after_its_newest_stamp_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let h = households(1).remove(0);
    let before = {
        let mut store = Store::open(&path).unwrap();
        for _ in 0..3 {
            let signed = demo::signed_temperature_check(&h, crate::new_id(), demo::now()).unwrap();
            store.save_signed_report(&signed).unwrap();
        }
        let entries = store.outbox(10).unwrap();
        assert_eq!(entries.last().unwrap().hlc, store.last_stamp());
        let seqs: Vec<_> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(store.acknowledge(&seqs).unwrap(), 3);
        assert_eq!(store.outbox_len().unwrap(), 0);
        store.last_stamp()
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.last_stamp(), before);
    let order = demo::work_order(demo::now());
    store.put_work_order(&order).unwrap();
    store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap();
    assert!(store.outbox(1).unwrap()[0].hlc > before);
}

#[test]
fn search_finds_households_by_any_fragment() {
    let mut store = Store::open_in_memory().unwrap();
    let mut all = households(3000);
    all[17].owner_name = "李四".into();
    all[17].address = "河西区友谊路35号阳光花园3号楼2单元501".into();
    all[17].phone = "13812345678".into();
    store.put_households(&all).unwrap();
    let target = &all[17];
    let ids = |q: &str| store.search_households(q, 50).unwrap().into_iter().map(|h| h.id).collect::<Vec<_>>();

    assert_eq!(ids(&target.account_no), vec![target.id], "whole account number");
    assert!(ids("李四").contains(&target.id), "a two-character name");
    assert_eq!(ids("李四").first(), Some(&target.id), "an exact name comes first");
    assert!(ids("阳光花园3号楼2单元501").contains(&target.id), "an address fragment");
    assert!(ids("12345678").contains(&target.id), "a phone fragment");
    assert_eq!(ids("友谊路35号 李四"), vec![target.id], "several terms narrow the search");
    assert!(ids("不存在的小区名").is_empty());
    assert!(ids("   ").is_empty());
    assert!(ids("\"李四\" OR *").is_empty(), "FTS syntax in a query is searched as text");
    let hits = store.search_households("花园", 20).unwrap();
    assert_eq!(hits.len(), 20);
    assert!(hits.iter().all(|h| h.address.contains("花园")));
}

#[test]
fn a_changed_household_is_found_by_its_new_address_only() {
    let mut store = Store::open_in_memory().unwrap();
    let mut h = households(1).remove(0);
    store.put_households([&h]).unwrap();
    let old = h.address.clone();
    h.address = "南开区复康路88号学府名苑1号楼1单元101".into();
    store.put_households([&h]).unwrap();
    assert_eq!(store.search_households("复康路88号", 10).unwrap(), vec![h.clone()]);
    assert!(store.search_households(&old, 10).unwrap().is_empty());
    assert_eq!(households::count(store.conn()).unwrap(), 1);
    store
        .conn()
        .execute("INSERT INTO households_fts (households_fts, rank) VALUES ('integrity-check', 1)", [])
        .unwrap();
}

#[test]
fn pulled_households_are_found_before_and_after_the_search_index_catches_up() {
    let mut store = Store::open_in_memory().unwrap();
    let mut all = households(500);
    store.put_households(&all[..200]).unwrap();
    // A pull stores households without indexing them.
    let pull = |store: &mut Store, batch: &[Household]| {
        store
            .write(|tx| batch.iter().try_for_each(|h| households::upsert(tx, h, crate::hlc::Hlc::ZERO)))
            .unwrap();
    };
    pull(&mut store, &all[200..]);
    assert_eq!(store.household_search_backlog().unwrap(), 300);
    let fragment = |h: &Household| h.address.chars().skip(2).take(8).collect::<String>();
    let queries =
        [fragment(&all[10]), fragment(&all[321]), "花园".to_owned(), all[400].phone[3..].to_owned()];
    let found = |store: &Store| -> Vec<std::collections::BTreeSet<uuid::Uuid>> {
        queries
            .iter()
            .map(|q| store.search_households(q, 1000).unwrap().into_iter().map(|h| h.id).collect())
            .collect()
    };
    let before = found(&store);
    assert!(
        before[0].contains(&all[10].id)
            && before[1].contains(&all[321].id)
            && before[3].contains(&all[400].id)
    );

    // An unindexed household changes its address before the index reaches it.
    let old = fragment(&all[450]);
    all[450].address = "南开区复康路88号学府名苑1号楼1单元101".into();
    pull(&mut store, &all[450..451]);
    assert_eq!(store.index_household_backlog(120).unwrap(), 180, "a chunk at a time");
    while store.index_household_backlog(120).unwrap() > 0 {}
    assert_eq!(store.household_search_backlog().unwrap(), 0);
    assert_eq!(found(&store), before, "the index finds what the scan found");
    assert_eq!(store.search_households("复康路88号", 10).unwrap(), vec![all[450].clone()]);
    assert!(!store.search_households(&old, 10).unwrap().contains(&all[450]));
    store
        .conn()
        .execute("INSERT INTO households_fts (households_fts, rank) VALUES ('integrity-check', 1)", [])
        .unwrap();
}

#[test]
fn a_run_of_households_written_at_once_reads_as_written_one_by_one() {
    use crate::store::households::{ROWS_PER_INSERT, Row, Writer};
    let mut store = Store::open_in_memory().unwrap();
    let stored = households(3 * ROWS_PER_INSERT);
    store.put_households(&stored).unwrap();
    // A run of a pulled page: new households, stored ones changed (one in each insert), and
    // one new household twice in the same insert, the later the newer.
    let mut run: Vec<Household> = crate::demo::households(99, 2 * ROWS_PER_INSERT + 5)
        .map(|h| Household { id: crate::new_id(), ..h })
        .collect();
    let mut moved = Vec::new();
    for (n, at) in [3, ROWS_PER_INSERT + 7, 2 * ROWS_PER_INSERT + 2].into_iter().enumerate() {
        let mut h = stored[n * 10].clone();
        h.address = format!("南开区复康路{}号学府名苑1号楼1单元101", 80 + n);
        run[at] = h.clone();
        moved.push((stored[n * 10].address.clone(), h));
    }
    let mut twice = run[ROWS_PER_INSERT + 20].clone();
    twice.phone = "13900000000".into();
    run[ROWS_PER_INSERT + 25] = twice.clone();
    store
        .write(|tx| {
            let mut writer = Writer::new(tx, crate::hlc::Hlc::ZERO)?;
            writer.put_all(&run.iter().map(Row::from).collect::<Vec<_>>())
        })
        .unwrap();
    let news = run.len() - moved.len() - 1;
    assert_eq!(households::count(store.conn()).unwrap() as usize, stored.len() + news);
    let get = |h: &Household| households::get(store.conn(), h.id).unwrap().unwrap();
    assert_eq!(get(&twice), twice, "the later of a repeat is kept");
    assert_eq!(get(&run[2 * ROWS_PER_INSERT + 4]), run[2 * ROWS_PER_INSERT + 4], "one after the inserts");
    for (old, h) in &moved {
        assert_eq!(get(h), *h);
        assert_eq!(store.search_households(&h.address, 10).unwrap(), vec![h.clone()]);
        assert!(!store.search_households(old, 10).unwrap().contains(h), "its old address is forgotten");
    }
    while store.index_household_backlog(1000).unwrap() > 0 {}
    store
        .conn()
        .execute("INSERT INTO households_fts (households_fts, rank) VALUES ('integrity-check', 1)", [])
        .unwrap();
}

/// The names of the indexes on `households`.
fn household_indexes(store: &Store) -> Vec<String> {
    let mut stmt =
        store.conn().prepare("SELECT name FROM pragma_index_list('households') ORDER BY name").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn a_first_pull_leaves_the_lookup_indexes_to_the_backlog_and_an_open_store_has_them() {
    use crate::store::{Durability, bulk};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let store = Store::open(&path).unwrap();
    let with_indexes = household_indexes(&store);
    assert!(with_indexes.contains(&"households_owner_name".to_owned()), "{with_indexes:?}");
    let all = households(300);
    let pragma = |store: &Store, name: &str| -> i64 {
        store.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap()
    };

    // A first pull cut short: what it stored stays, on disk.
    let shared = std::sync::Mutex::new(store);
    let failed = bulk::first_pull(&shared, |durability| {
        assert_eq!(durability, Durability::Deferred, "a first pull does not wait for the disk at each page");
        shared.with(|store| {
            assert!(!household_indexes(store).contains(&"households_owner_name".to_owned()));
            assert_eq!(pragma(store, "wal_autocheckpoint"), 0);
            store.write_as(durability, |tx| {
                all[..100].iter().try_for_each(|h| households::upsert(tx, h, crate::hlc::Hlc::ZERO))
            })
        })?;
        Err::<(), _>(crate::Error::Unreachable("the signal dropped".into()))
    });
    assert!(failed.is_err());
    let mut store = shared.into_inner().unwrap();
    assert_eq!(households::count(store.conn()).unwrap(), 100);
    assert_eq!(pragma(&store, "synchronous"), 2, "FULL");
    assert_eq!(pragma(&store, "wal_autocheckpoint"), 0, "until the app's idle checkpoint");
    store.checkpoint().unwrap();
    assert_eq!(pragma(&store, "wal_autocheckpoint"), crate::store::WAL_AUTOCHECKPOINT_PAGES);
    // Until the backlog builds them, a name is found by scanning.
    assert!(!household_indexes(&store).contains(&"households_owner_name".to_owned()));
    let name = &all[50].owner_name;
    assert!(store.search_households(name, 50).unwrap().iter().any(|h| h.id == all[50].id));
    store.index_household_backlog(10).unwrap();
    assert_eq!(household_indexes(&store), with_indexes, "the backlog's first chunk builds them");

    // A later pull into a table that is not empty is an ordinary one.
    let owned = std::cell::RefCell::new(&mut store);
    bulk::first_pull(&owned, |durability| {
        assert_eq!(durability, Durability::AtCommit);
        owned.with(|store| {
            assert_eq!(household_indexes(store), with_indexes);
            store.write(|tx| {
                all[100..].iter().try_for_each(|h| households::upsert(tx, h, crate::hlc::Hlc::ZERO))
            })
        })
    })
    .unwrap();
    let name = &all[250].owner_name;
    assert!(store.search_households(name, 50).unwrap().iter().any(|h| h.id == all[250].id));

    // The app died between the drop and the backlog: opening the store builds them.
    store
        .conn()
        .execute_batch("DROP INDEX households_account_no; DROP INDEX households_owner_name;")
        .unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(household_indexes(&store), with_indexes);
    let plan: String = store
        .conn()
        .query_row("EXPLAIN QUERY PLAN SELECT seq FROM households WHERE owner_name = 'x'", [], |r| r.get(3))
        .unwrap();
    assert!(plan.contains("households_owner_name"), "{plan}");
}

#[test]
fn a_work_order_only_moves_forward_and_each_move_is_queued() {
    let mut store = Store::open_in_memory().unwrap();
    let order = demo::work_order(demo::now());
    store.put_work_order(&order).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 0, "the office's own data is not sent back");
    store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap();
    store.advance_work_order(order.id, WorkOrderStatus::OnSite, None).unwrap();
    let err = store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap_err();
    assert_eq!(err.code(), "status_backwards");
    let err = store.advance_work_order(order.id, WorkOrderStatus::Done, None).unwrap_err();
    assert_eq!(err.code(), "invalid", "done without a signed record needs a note");
    let done =
        store.advance_work_order(order.id, WorkOrderStatus::Done, Some("电话确认已恢复".into())).unwrap();
    assert_eq!(done.status, WorkOrderStatus::Done);
    let outbox = store.outbox(10).unwrap();
    let statuses: Vec<_> = outbox.iter().map(|e| e.payload.as_ref().unwrap()["status"].clone()).collect();
    assert_eq!(statuses, ["en_route", "on_site", "done"]);
    assert!(outbox.windows(2).all(|w| w[0].hlc < w[1].hlc));
    assert!(store.open_work_orders().unwrap().is_empty());
}

/// Logs `role` in on `store`, as a login stores the user.
fn log_in_as(store: &mut Store, role: crate::model::Role) {
    let user = crate::model::User {
        id: Uuid::now_v7(),
        username: "tech1".into(),
        display_name: "张师傅".into(),
        role,
        station_id: None,
    };
    store.set_setting(settings::USER, &serde_json::to_string(&user).unwrap()).unwrap();
}

#[test]
fn a_crew_member_cannot_cancel_or_close_an_order_and_nothing_is_saved() {
    use crate::model::Role;
    let mut store = Store::open_in_memory().unwrap();
    log_in_as(&mut store, Role::Technician);
    let order = demo::work_order(demo::now());
    store.put_work_order(&order).unwrap();
    let before = store.work_order(order.id).unwrap();
    let err = store.advance_work_order(order.id, WorkOrderStatus::Cancelled, Some("用户说不用修了".into()));
    let Err(Error::Invalid(problems)) = err else { panic!("not refused: {err:?}") };
    assert_eq!((problems[0].field.as_str(), problems[0].code()), ("status", "office_only_status"));
    assert_eq!(
        problems[0].message(crate::Locale::ZhCn),
        "结单和撤销工单由调度员办理，维修人员不能操作，请联系调度"
    );
    assert!(problems[0].message(crate::Locale::En).contains("office"));
    assert_eq!(store.work_order(order.id).unwrap(), before, "the order is as it was");
    assert_eq!(store.outbox_len().unwrap(), 0, "nothing is queued for the server");

    // The crew's own moves go through; closing the finished order is refused the same way.
    store.advance_work_order(order.id, WorkOrderStatus::OnSite, None).unwrap();
    store.advance_work_order(order.id, WorkOrderStatus::Done, Some("电话确认已恢复".into())).unwrap();
    let err = store.advance_work_order(order.id, WorkOrderStatus::Closed, None).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert_eq!(store.work_order(order.id).unwrap().unwrap().order.status, WorkOrderStatus::Done);
    assert_eq!(store.outbox_len().unwrap(), 2);

    // A dispatcher's device may close it.
    log_in_as(&mut store, Role::Dispatcher);
    store.advance_work_order(order.id, WorkOrderStatus::Closed, None).unwrap();
}

#[test]
fn the_arrival_is_the_on_site_tap_until_the_server_stamps_it() {
    let mut store = Store::open_in_memory().unwrap();
    let order = demo::work_order(demo::now());
    store.put_work_order(&order).unwrap();
    let arrival = |store: &Store| work_orders::arrival(&store.work_order(order.id).unwrap().unwrap());
    store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap();
    assert_eq!(arrival(&store), None, "en route is not there yet");
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    store.advance_work_order(order.id, WorkOrderStatus::OnSite, None).unwrap();
    let tapped = arrival(&store).expect("the 已到场 tap is the arrival");
    assert!(tapped >= before && tapped <= chrono::Utc::now() + chrono::Duration::seconds(1), "{tapped}");
    // Once the server's stamp is there, it is the arrival.
    let mut state = store.work_order(order.id).unwrap().unwrap();
    let stamped = demo::now() - chrono::Duration::minutes(30);
    state.order.arrived_at = Some(stamped);
    store.put_work_order(&state.order).unwrap();
    assert_eq!(arrival(&store), Some(stamped));
}

#[test]
fn an_office_edit_stamps_only_the_fields_it_changes() {
    let mut store = Store::open_in_memory().unwrap();
    let order = demo::work_order(demo::now());
    store.put_work_order(&order).unwrap();
    let assignee = crate::new_id();
    let fields = crate::protocol::WorkOrderFields {
        assignee_id: Some(assignee),
        priority: Some(crate::model::Priority::Urgent),
        ..Default::default()
    };
    let edited = store.edit_work_order(order.id, &fields).unwrap();
    assert_eq!(
        (edited.assignee_id, edited.priority, edited.status),
        (Some(assignee), crate::model::Priority::Urgent, order.status)
    );
    let state = store.work_order(order.id).unwrap().unwrap();
    let stamped: Vec<_> = state.clocks.keys().map(String::as_str).collect();
    assert_eq!(stamped, ["assignee_id", "priority"]);
    let entry = store.outbox(1).unwrap().remove(0);
    assert_eq!(
        serde_json::from_value::<crate::protocol::WorkOrderFields>(entry.payload.unwrap()).unwrap(),
        fields
    );
    assert_eq!(state.clocks["priority"], entry.hlc);
}

#[test]
fn finished_orders_carry_when_their_status_moved() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("device.sqlite")).unwrap();
    let homes = households(1);
    store.put_households(&homes).unwrap();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let on_site = || {
        let mut order = demo::work_order(before);
        order.household_id = homes[0].id;
        order.station_id = homes[0].station_id;
        order.status = WorkOrderStatus::OnSite;
        order
    };
    let (open, finished) = (on_site(), on_site());
    store.put_work_order(&open).unwrap();
    store.put_work_order(&finished).unwrap();
    store.advance_work_order(finished.id, WorkOrderStatus::Done, Some("排气后恢复".into())).unwrap();

    let found = store.finished_work_orders_since(before).unwrap();
    assert_eq!(found.len(), 1, "only the finished order");
    let (state, at) = &found[0];
    assert_eq!(state.order.id, finished.id);
    assert!(*at >= before && *at <= chrono::Utc::now(), "finished just now, not {at}");
    let later = store.finished_work_orders_since(chrono::Utc::now() + chrono::Duration::hours(1)).unwrap();
    assert!(later.is_empty(), "nothing finished after the day asked for");
}

#[test]
fn open_work_orders_are_listed_soonest_due_first() {
    let mut store = Store::open_in_memory().unwrap();
    let late = demo::work_order(demo::now());
    let early = demo::work_order(demo::now() - chrono::Duration::hours(3));
    let undated = crate::model::WorkOrder { due_by: None, ..demo::work_order(demo::now()) };
    for o in [&undated, &late, &early] {
        store.put_work_order(o).unwrap();
    }
    let ids: Vec<_> = store.open_work_orders().unwrap().into_iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![early.id, late.id, undated.id]);
}

#[test]
fn a_database_from_a_newer_hearth_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        store.put_households(&households(5)).unwrap();
        store.conn().pragma_update(None, "user_version", schema::latest_version() + 1).unwrap();
        store.conn().pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = file_hash(&path);
    let err = Store::open(&path).err().unwrap();
    assert_eq!(err.code(), "newer_schema");
    assert!(err.to_string().contains("newer version of Hearth"), "{err}");
    assert_eq!(file_hash(&path), before);
    assert!(!dir.path().join("device.sqlite-wal").exists());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    std::fs::write(&path, "这不是数据库 — not a database, just the only copy of something".repeat(100))
        .unwrap();
    let before = file_hash(&path);
    let err = Store::open(&path).err().unwrap();
    assert_eq!(err.code(), "not_a_database");
    assert_eq!(file_hash(&path), before);
}

#[test]
fn another_applications_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE photos (name TEXT); INSERT INTO photos VALUES ('a');").unwrap();
    }
    let before = file_hash(&path);
    assert_eq!(Store::open(&path).err().unwrap().code(), "not_a_database");
    assert_eq!(file_hash(&path), before);
}

#[test]
fn the_pragmas_that_keep_work_safe_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("device.sqlite")).unwrap();
    let pragma = |name: &str| {
        store
            .conn()
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, rusqlite::types::Value>(0))
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), rusqlite::types::Value::Text("wal".into()));
    assert_eq!(pragma("synchronous"), rusqlite::types::Value::Integer(2)); // FULL
    assert_eq!(pragma("foreign_keys"), rusqlite::types::Value::Integer(1));
}

#[test]
fn every_kind_of_signed_report_is_stored_and_read_back() {
    let mut store = Store::open_in_memory().unwrap();
    let h = &households(1)[0];
    for body in [
        ReportBody::RepairVisit(demo::repair_visit(demo::now())),
        ReportBody::AreaRemeasurement(demo::area_remeasurement(demo::now(), h.billed_area_m2)),
        ReportBody::Inspection(demo::inspection()),
    ] {
        let mut r = demo::report(body, h.id, crate::new_id(), demo::now());
        r.attachments = vec![demo::photo(b"photo")];
        let signed = demo::sign(r, &h.owner_name, demo::now()).unwrap();
        store.save_signed_report(&signed).unwrap();
        assert_eq!(store.report(signed.report().id).unwrap(), Some(signed));
    }
    assert_eq!(reports::ids(store.conn()).unwrap().len(), 3);
}

#[test]
fn signing_a_report_finishes_its_order_in_the_same_save() {
    let mut store = Store::open_in_memory().unwrap();
    let homes = households(1);
    store.put_households(&homes).unwrap();
    let mut order = demo::work_order(demo::now());
    order.household_id = homes[0].id;
    order.status = WorkOrderStatus::OnSite;
    store.put_work_order(&order).unwrap();
    let mut report = demo::report(
        crate::model::ReportBody::RepairVisit(demo::repair_visit(demo::now())),
        homes[0].id,
        crate::new_id(),
        demo::now(),
    );
    report.work_order_id = Some(order.id);
    let signed = demo::sign(report, "张三", demo::now()).unwrap();
    store.save_signed_report(&signed).unwrap();

    let state = store.work_order(order.id).unwrap().unwrap();
    assert_eq!(state.order.status, WorkOrderStatus::Done, "the signed repair finished the order");
    assert!(store.open_work_orders().unwrap().is_empty());
    let kinds: Vec<_> = store.outbox(10).unwrap().iter().map(|e| e.entity).collect();
    assert_eq!(kinds, [outbox::Entity::Report, outbox::Entity::WorkOrder], "both reach the office");
    let linked = store.reports_for_work_order(order.id).unwrap();
    assert_eq!(linked.len(), 1);
    // Saved again (a retry): nothing more is queued.
    store.save_signed_report(&signed).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 2);
}
