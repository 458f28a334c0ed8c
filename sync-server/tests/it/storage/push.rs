//! Push acceptance through the trait: reports (retry, conflict, blobs, scope, authorship) and
//! office edits with their conflict log.

use chrono::{Duration, SubsecRound, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Priority, ReportBody, Role};
use hearth_core::protocol::{Outcome, Outgoing, RejectCode, WorkOrderEdit, WorkOrderFields};
use hearth_server::storage::console::{ConflictFilter, ReportFilter};
use uuid::Uuid;

use super::{Fresh, at_station, check, city, entry, logged_in, report, walk};

fn rejected(outcome: &Outcome) -> (RejectCode, &str) {
    match outcome {
        Outcome::Rejected { code, message } => (*code, message.as_str()),
        Outcome::Accepted { .. } => panic!("accepted, expected a refusal"),
    }
}

fn reports(limit: u32) -> ReportFilter {
    ReportFilter { limit, ..ReportFilter::default() }
}

pub async fn a_report_is_stored_once_and_a_retry_gets_the_first_answer(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let home = &at_station(&homes, 0)[0];
    let tech = logged_in(&*storage, Role::Technician, 0).await;
    let signed = check(home, tech.user.id, 20.0);
    // Stored to the microsecond, as every backend keeps times.
    let first_at = Utc::now().trunc_subsecs(6);
    let first = storage.push(&tech, vec![report(signed.clone())], first_at).await.unwrap();
    assert!(matches!(first[0].outcome, Outcome::Accepted { .. }));
    let again =
        storage.push(&tech, vec![report(signed.clone())], first_at + Duration::minutes(5)).await.unwrap();
    assert_eq!(again[0].outcome, first[0].outcome, "the first answer, with the first receive time");

    let page = storage.reports(reports(10)).await.unwrap();
    assert_eq!(page.total, 1, "stored once");
    let summary = &page.reports[0];
    assert_eq!(
        (summary.id, summary.household_id, summary.author_id),
        (signed.report().id, home.id, tech.user.id)
    );
    assert_eq!((summary.kind.as_str(), summary.station_id), ("temperature_check", home.station_id));
    let stored = storage.report(signed.report().id).await.unwrap().expect("the stored report");
    assert_eq!(stored.record_hash, signed.record_hash().as_str());
    assert_eq!(stored.device_id, tech.device_id);
    let record: hearth_core::model::SignedReport = serde_json::from_str(&stored.record).unwrap();
    assert_eq!(record, signed, "stored as sent");
    assert!(storage.report(Uuid::now_v7()).await.unwrap().is_none());
    let other_station = ReportFilter { station_id: Some(super::station(1).id), ..reports(10) };
    assert_eq!(storage.reports(other_station).await.unwrap().total, 0);
}

pub async fn other_content_under_a_stored_reports_id_is_a_logged_conflict(storage: Fresh) {
    let homes = city(&*storage, 4).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let signed = check(&homes[0], office.user.id, 20.0);
    storage.push(&office, vec![report(signed.clone())], Utc::now()).await.unwrap();
    let mut changed = check(&homes[0], office.user.id, 16.0).report().clone();
    changed.id = signed.report().id;
    let changed = hearth_core::demo::sign(changed, "张三", Utc::now()).unwrap();
    let answer = storage.push(&office, vec![report(changed)], Utc::now()).await.unwrap();
    let (code, words) = rejected(&answer[0].outcome);
    assert_eq!(code, RejectCode::Conflict);
    assert!(words.contains("amendment"), "{words}");
    let log = storage.conflicts(ConflictFilter { limit: 10, ..ConflictFilter::default() }).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].entity.as_str(), log[0].entity_id, log[0].field.as_str()),
        ("report", signed.report().id, "record_hash")
    );
    assert_eq!(log[0].device_id, office.device_id);
    let stored = storage.report(signed.report().id).await.unwrap().unwrap();
    assert_eq!(stored.record_hash, signed.record_hash().as_str(), "the first content stays");
}

pub async fn a_report_naming_a_missing_photo_waits_for_the_upload(storage: Fresh) {
    let homes = city(&*storage, 4).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let bytes = b"\xff\xd8\xff photo of the radiator".to_vec();
    let photo = hearth_core::demo::photo(&bytes);
    let sha = photo.sha256.to_string();
    let mut draft = check(&homes[0], office.user.id, 20.0).report().clone();
    draft.attachments.push(photo);
    let signed = hearth_core::demo::sign(draft, "张三", Utc::now()).unwrap();

    let answer = storage.push(&office, vec![report(signed.clone())], Utc::now()).await.unwrap();
    let (code, words) = rejected(&answer[0].outcome);
    assert_eq!(code, RejectCode::BlobMissing);
    assert!(words.contains(&sha), "names the blob: {words}");
    assert_eq!(storage.reports(reports(10)).await.unwrap().total, 0);

    assert!(!storage.has_blob(&sha).await.unwrap());
    assert!(storage.put_blob(sha.clone(), bytes.clone()).await.unwrap());
    assert!(!storage.put_blob(sha.clone(), bytes.clone()).await.unwrap(), "there already");
    assert!(storage.has_blob(&sha).await.unwrap());
    assert_eq!(storage.blob(sha.clone()).await.unwrap(), Some(bytes));
    assert_eq!(storage.blob("00".repeat(32)).await.unwrap(), None);

    let answer = storage.push(&office, vec![report(signed)], Utc::now()).await.unwrap();
    assert!(matches!(answer[0].outcome, Outcome::Accepted { .. }), "judged afresh once the blob is there");
}

pub async fn unknown_and_out_of_scope_households_are_refused_and_store_nothing(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let tech = logged_in(&*storage, Role::Technician, 1).await;
    let stranger = hearth_core::model::Household { id: Uuid::now_v7(), ..homes[0].clone() };
    let unknown = check(&stranger, tech.user.id, 20.0);
    let elsewhere = check(&at_station(&homes, 0)[0], tech.user.id, 20.0);
    let answers = storage.push(&tech, vec![report(unknown), report(elsewhere)], Utc::now()).await.unwrap();
    assert_eq!(rejected(&answers[0].outcome).0, RejectCode::UnknownReference);
    let (code, words) = rejected(&answers[1].outcome);
    assert_eq!(code, RejectCode::Forbidden);
    assert!(words.contains("another station"), "{words}");
    assert_eq!(storage.reports(reports(10)).await.unwrap().total, 0);
}

pub async fn a_crew_mates_report_is_accepted_from_a_tablet_they_logged_in_on(storage: Fresh) {
    let homes = city(&*storage, 8).await;
    let home = &at_station(&homes, 0)[0];
    let tech = logged_in(&*storage, Role::Technician, 0).await;
    let mate = logged_in(&*storage, Role::Inspector, 0).await;
    let stranger = logged_in(&*storage, Role::Technician, 0).await;
    // The mate logs in on the technician's tablet, then the technician again.
    for user in [&mate.user, &tech.user] {
        let token = format!("token-{}", Uuid::now_v7());
        assert!(
            storage
                .register_device(tech.device_id, user.id, "3号车平板".into(), token, Utc::now())
                .await
                .unwrap()
        );
    }
    let by_mate = check(home, mate.user.id, 20.0);
    let by_stranger = check(home, stranger.user.id, 20.0);
    let answers = storage.push(&tech, vec![report(by_mate), report(by_stranger)], Utc::now()).await.unwrap();
    assert!(matches!(answers[0].outcome, Outcome::Accepted { .. }), "{:?}", answers[0].outcome);
    let (code, words) = rejected(&answers[1].outcome);
    assert_eq!(code, RejectCode::Forbidden);
    assert!(words.contains("never logged in on this device"), "{words}");
    let page = storage.reports(reports(10)).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.reports[0].author_id, mate.user.id);
}

pub async fn a_stale_office_edit_is_accepted_and_kept_in_the_conflict_log(storage: Fresh) {
    let homes = city(&*storage, 2).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
    order.household_id = homes[0].id;
    let order = storage.add_work_orders(vec![order], Hlc::ZERO).await.unwrap().remove(0);
    let edit = |priority, wall_ms| {
        let fields = WorkOrderFields { priority: Some(priority), ..Default::default() };
        let mut e = entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }));
        e.entry.hlc = Hlc { wall_ms, counter: 0, node: 4 };
        e
    };
    let answers = storage
        .push(&office, vec![edit(Priority::Urgent, 200), edit(Priority::Low, 100)], Utc::now())
        .await
        .unwrap();
    assert!(answers.iter().all(|a| matches!(a.outcome, Outcome::Accepted { .. })));
    assert_eq!(storage.work_order(order.id).await.unwrap().unwrap().priority, Priority::Urgent);
    let filter = ConflictFilter {
        entity: Some("work_order".into()),
        entity_id: Some(order.id),
        limit: 10,
        ..ConflictFilter::default()
    };
    let log = storage.conflicts(filter).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].field.as_str(), &log[0].losing_value), ("priority", &serde_json::json!("low")));
    assert_eq!(log[0].entity_number, order.number);
    assert!(storage.work_order(Uuid::now_v7()).await.unwrap().is_none());
}

pub async fn upkeep_keeps_every_record(storage: Fresh) {
    let homes = city(&*storage, 10).await;
    let office = logged_in(&*storage, Role::Dispatcher, 0).await;
    let signed = check(&homes[0], office.user.id, 20.0);
    storage.push(&office, vec![report(signed.clone())], Utc::now()).await.unwrap();
    let before = walk(&*storage, &office, 100).await;
    storage.maintain().await.unwrap();
    assert_eq!(walk(&*storage, &office, 100).await, before);
    assert!(storage.report(signed.report().id).await.unwrap().is_some());
    let ReportBody::TemperatureCheck(_) = &signed.report().body else { unreachable!() };
}
