//! Push and pull as devices see them: exactly-once reports, scoped pulls, merged work orders.

use axum::http::StatusCode;
use chrono::Utc;
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, WorkOrder};
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest, PushResponse, WorkOrderEdit, WorkOrderFields};
use serde_json::Value;
use uuid::Uuid;

use super::{Server, code, household, report_for, server};

fn entry(change: Outgoing, wall_ms: u64) -> PushEntry {
    PushEntry { id: Uuid::now_v7(), hlc: Hlc { wall_ms, counter: 0, node: 7 }, change }
}

async fn push(s: &Server, token: &str, entries: &[PushEntry]) -> PushResponse {
    let body = serde_json::to_string(&PushRequest { entries: entries.to_vec() }).unwrap();
    let answer = s.call("POST", "/v1/sync/push", Some(token), Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_value(answer.body).unwrap()
}

fn result(response: &PushResponse, i: usize) -> Value {
    serde_json::to_value(&response.results[i].outcome).unwrap()
}

#[tokio::test]
async fn a_batch_pushed_twice_is_applied_once_with_the_same_answer() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let entries: Vec<_> =
        (0..3).map(|i| entry(Outgoing::Report(Box::new(report_for(&household(i * 4), me))), 1)).collect();
    let first = push(&s, &token, &entries).await;
    assert!(
        (0..3).all(|i| result(&first, i)["result"] == "accepted" && first.results[i].id == entries[i].id)
    );
    let after_first = s.counts().await;
    let again = push(&s, &token, &entries).await;
    assert_eq!(again, first, "a retried batch gets the answers it got the first time");
    assert_eq!(s.counts().await, after_first);
    let reports = after_first.iter().find(|(t, _)| t == "reports").unwrap().1;
    assert_eq!(reports, 3);
}

#[tokio::test]
async fn a_report_for_a_household_the_server_lacks_is_rejected_and_stores_nothing() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let before = s.counts().await;
    let stranger = Household { id: Uuid::now_v7(), ..household(0) };
    let response = push(&s, &token, &[entry(Outgoing::Report(Box::new(report_for(&stranger, me))), 1)]).await;
    assert_eq!(result(&response, 0)["code"], "unknown_reference");
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn a_technician_cannot_file_a_report_for_another_stations_household() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let before = s.counts().await;
    let response =
        push(&s, &token, &[entry(Outgoing::Report(Box::new(report_for(&household(1), me))), 1)]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn a_report_naming_a_missing_blob_is_accepted_once_the_blob_is_uploaded() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let photo = b"radiator photo".to_vec();
    let home = household(0);
    let mut report = hearth_core::demo::report(
        hearth_core::model::ReportBody::TemperatureCheck(hearth_core::demo::temperature_check(Utc::now())),
        home.id,
        me,
        Utc::now(),
    );
    report.attachments.push(hearth_core::demo::photo(&photo));
    let signed = hearth_core::demo::sign(report, &home.owner_name, Utc::now()).unwrap();
    let pending = entry(Outgoing::Report(Box::new(signed)), 1);

    let response = push(&s, &token, std::slice::from_ref(&pending)).await;
    assert_eq!(result(&response, 0)["code"], "blob_missing");
    let sha = hearth_core::model::Sha256::of(&photo);
    assert!(result(&response, 0)["message"].as_str().unwrap().contains(sha.as_str()));

    let put = axum::http::Request::put(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::from(photo))
        .unwrap();
    assert_eq!(s.send(put).await.status, StatusCode::CREATED);
    let response = push(&s, &token, &[pending]).await;
    assert_eq!(result(&response, 0)["result"], "accepted");
}

#[tokio::test]
async fn a_report_id_stored_with_other_content_is_rejected_and_logged() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let original = report_for(&household(0), me);
    push(&s, &token, &[entry(Outgoing::Report(Box::new(original.clone())), 1)]).await;
    let mut changed = original.into_parts().report;
    changed.feedback.opinion = "改过的意见".into();
    let tampered = hearth_core::demo::sign(changed, "王伟", Utc::now()).unwrap();
    let response = push(&s, &token, &[entry(Outgoing::Report(Box::new(tampered)), 2)]).await;
    assert_eq!(result(&response, 0)["code"], "conflict");
    let conflicts = s.count("conflicts").await;
    assert_eq!(conflicts, 1);
}

#[tokio::test]
async fn a_technician_pulls_only_their_stations_households_and_orders() {
    let s = server().await;
    let tech1 = s.login("tech1").await;
    let station = hearth_core::demo::stations()[0].id.to_string();
    let changes = s.pull_all(&tech1, 3).await;
    let households: Vec<&Value> = changes.iter().filter(|c| c["change"]["entity"] == "household").collect();
    assert_eq!(households.len(), 10);
    for change in &changes {
        let data = &change["change"]["data"];
        let seen_station = match change["change"]["entity"].as_str().unwrap() {
            "station" => &data["id"],
            "work_order" => &data["order"]["station_id"],
            _ => &data["station_id"],
        };
        assert_eq!(seen_station.as_str().unwrap(), station, "{change}");
    }
    let seqs: Vec<u64> = changes.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "changes come in seq order");

    let dispatcher = s.login("dispatcher").await;
    let all = s.pull_all(&dispatcher, 5000).await;
    assert_eq!(all.iter().filter(|c| c["change"]["entity"] == "household").count(), 40);
}

#[tokio::test]
async fn a_pull_past_the_end_returns_nothing_and_keeps_the_cursor() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let answer = s.call("GET", "/v1/sync/pull?after=1000000&limit=10", Some(&token), None).await;
    assert_eq!(answer.body["changes"].as_array().unwrap().len(), 0);
    assert_eq!(answer.body["next_cursor"], 1000000);
    assert_eq!(answer.body["more"], false);
    let bad = s.call("GET", "/v1/sync/pull?after=soon", Some(&token), None).await;
    assert_eq!((bad.status, code(&bad)), (StatusCode::BAD_REQUEST, "bad_request"));
}

async fn orders(s: &Server, token: &str) -> Vec<(u64, WorkOrder)> {
    s.pull_all(token, 5000)
        .await
        .into_iter()
        .filter(|c| c["change"]["entity"] == "work_order")
        .map(|c| {
            (
                c["seq"].as_u64().unwrap(),
                serde_json::from_value(c["change"]["data"]["order"].clone()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn work_order_edits_merge_forward_only_and_a_stale_one_is_logged() {
    let s = server().await;
    let tech = s.login("tech1").await;
    let (seq, order) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.assignee_id.is_some()).unwrap();
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    let edit = |status, wall_ms| {
        let fields = WorkOrderFields { status: Some(status), ..Default::default() };
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), wall_ms)
    };
    use hearth_core::model::WorkOrderStatus::*;
    let response = push(&s, &tech, &[edit(Done, now_ms + 10_000), edit(EnRoute, now_ms + 20_000)]).await;
    assert!(
        response.results.iter().all(|r| serde_json::to_value(&r.outcome).unwrap()["result"] == "accepted")
    );

    let (new_seq, merged) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.id == order.id).unwrap();
    assert_eq!(merged.status, Done, "a later stamp does not move a status backwards");
    assert!(new_seq > seq, "a changed order comes again in the feed");
    let conflicts = s.count("conflicts").await;
    assert_eq!(conflicts, 1);

    let other_station = orders(&s, &s.login("dispatcher").await)
        .await
        .into_iter()
        .map(|(_, o)| o)
        .find(|o| o.station_id != order.station_id)
        .unwrap();
    let fields = WorkOrderFields { status: Some(OnSite), ..Default::default() };
    let foreign =
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: other_station.id, fields }), now_ms);
    let response = push(&s, &tech, &[foreign]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");

    // Assignment, priority and due time are the office's, even on the crew's own orders.
    let fields =
        WorkOrderFields { priority: Some(hearth_core::model::Priority::Emergency), ..Default::default() };
    let reprioritise =
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), now_ms + 30_000);
    let response = push(&s, &tech, &[reprioritise]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
    let (_, unchanged) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.id == order.id).unwrap();
    assert_eq!(unchanged.priority, merged.priority);
}

#[tokio::test]
async fn a_technician_cannot_cancel_or_close_his_stations_order_and_nothing_is_stored() {
    use hearth_core::model::WorkOrderStatus::*;
    let s = server().await;
    let tech = s.login("tech1").await;
    let station = hearth_core::demo::stations()[0].id;
    let (seq, order) = orders(&s, &tech)
        .await
        .into_iter()
        .find(|(_, o)| o.station_id == station && hearth_core::rules::status::is_open(o.status))
        .unwrap();
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    let edit = |status, wall_ms| {
        let fields = WorkOrderFields { status: Some(status), ..Default::default() };
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), wall_ms)
    };
    let cancel = edit(Cancelled, now_ms + 10_000);
    let body = serde_json::to_value(&cancel).unwrap();
    assert_eq!(body["change"]["data"]["fields"], serde_json::json!({"status": "cancelled"}));
    let before = s.counts().await;
    let response = push(&s, &tech, &[cancel]).await;
    assert_eq!(result(&response, 0)["result"], "rejected");
    assert_eq!(result(&response, 0)["code"], "forbidden");
    let message = result(&response, 0)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("office") && message.contains("cancelled"), "{message}");
    assert_eq!(s.counts().await, before, "nothing of it is stored");
    let (same_seq, unchanged) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.id == order.id).unwrap();
    assert_eq!((same_seq, &unchanged), (seq, &order), "the order is as it was");

    // The crew's own moves are accepted; closing the finished order is refused the same way.
    let done =
        WorkOrderFields { status: Some(Done), status_note: Some("已修复".into()), ..Default::default() };
    let finish = entry(
        Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields: done }),
        now_ms + 20_000,
    );
    assert_eq!(result(&push(&s, &tech, &[finish]).await, 0)["result"], "accepted");
    let response = push(&s, &tech, &[edit(Closed, now_ms + 30_000)]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
    let (_, finished) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.id == order.id).unwrap();
    assert_eq!(finished.status, Done);

    // The office closes it.
    let office = s.login("dispatcher").await;
    let response = push(&s, &office, &[edit(Closed, now_ms + 40_000)]).await;
    assert_eq!(result(&response, 0)["result"], "accepted");
    let (_, closed) = orders(&s, &tech).await.into_iter().find(|(_, o)| o.id == order.id).unwrap();
    assert_eq!(closed.status, Closed);
}

/// The device and user that delivered report `id`, and the author its KPI facts credit (no
/// API shows who delivered a report).
async fn delivery(s: &Server, id: Uuid) -> (String, String, String) {
    let rows = s
        .database
        .rows(&format!(
            "SELECT r.device_id, r.delivered_by, f.author_id FROM reports r
             JOIN report_facts f ON f.report_id = r.id WHERE r.id = '{id}'"
        ))
        .await;
    let [device, delivered_by, author] = <[Option<String>; 3]>::try_from(rows[0].clone()).unwrap();
    (device.unwrap(), delivered_by.unwrap(), author.unwrap())
}

#[tokio::test]
async fn a_crew_mates_report_is_accepted_only_from_a_tablet_they_logged_in_on() {
    let s = server().await;
    // tech1 and insp1 share station 0's tablet: insp1 logged in on it first, then tech1.
    let tablet = Uuid::now_v7();
    let insp1_token = s.login_on("insp1", tablet).await;
    let tech1 = s.login_on("tech1", tablet).await;
    let (insp1, tech1_id, tech2) =
        (user_id(&s, "insp1").await, user_id(&s, "tech1").await, user_id(&s, "tech2").await);
    assert_eq!(
        s.call("GET", "/v1/sync/pull", Some(&insp1_token), None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Another station's user as the author: refused, in words, and nothing stored.
    let before = s.counts().await;
    let foreign = report_for(&household(0), tech2);
    let response = push(&s, &tech1, &[entry(Outgoing::Report(Box::new(foreign)), 1)]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
    let message = result(&response, 0)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(&tech2.to_string()) && message.contains("not a crew member of your station"),
        "{message}"
    );
    assert_eq!(s.counts().await, before);

    // The crew mate who used this tablet: accepted, credited to her, delivered by tech1.
    let mates = report_for(&household(4), insp1);
    let response = push(&s, &tech1, &[entry(Outgoing::Report(Box::new(mates.clone())), 2)]).await;
    assert_eq!(result(&response, 0)["result"], "accepted", "{:?}", response);
    let delivered = delivery(&s, mates.report().id).await;
    assert_eq!(delivered, (tablet.to_string(), tech1_id.to_string(), insp1.to_string()));

    // The same crew mate, from a tablet she never logged in on: refused.
    let (other_tablet_token, _) = s.login_user("tech1").await;
    let before = s.counts().await;
    let elsewhere = report_for(&household(8), insp1);
    let response = push(&s, &other_tablet_token, &[entry(Outgoing::Report(Box::new(elsewhere)), 3)]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
    let message = result(&response, 0)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("never logged in on this device"), "{message}");
    assert_eq!(s.counts().await, before);

    // A user the server does not know: refused.
    let nobody = report_for(&household(8), Uuid::now_v7());
    let response = push(&s, &tech1, &[entry(Outgoing::Report(Box::new(nobody)), 4)]).await;
    assert_eq!(result(&response, 0)["code"], "forbidden");
}

#[tokio::test]
async fn a_csv_with_a_bad_row_imports_nothing_and_names_the_line() {
    let s = server().await;
    let before = s.counts().await;
    let csv = "户号,地址,户主,电话,收费面积,供热站\n\
               2000001,和平区友谊路1号,王伟,13800000000,88.5,和平供热站\n\
               2000002,和平区友谊路2号,李四,13800000001,-5,和平供热站\n";
    let stations = s.storage.stations().await.unwrap();
    let bad = hearth_server::import::parse_households(csv.as_bytes(), &stations).unwrap_err();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].starts_with("line 3:"), "{bad:?}");
    assert_eq!(s.counts().await, before);

    let good = csv.replace("-5", "70");
    let households = hearth_server::import::parse_households(good.as_bytes(), &stations).unwrap();
    let summary = s.storage.import_households(households).await.unwrap();
    assert_eq!((summary.inserted, summary.updated), (2, 0));
    let renamed = good.replace("李四", "李思");
    let households = hearth_server::import::parse_households(renamed.as_bytes(), &stations).unwrap();
    let summary = s.storage.import_households(households).await.unwrap();
    assert_eq!((summary.inserted, summary.updated), (0, 1), "re-importing updates by account number");
}

#[tokio::test]
async fn a_tampered_report_is_rejected_alone_and_the_rest_of_the_batch_applies() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let good = entry(Outgoing::Report(Box::new(report_for(&household(0), me))), 1);
    let mut tampered =
        serde_json::to_value(entry(Outgoing::Report(Box::new(report_for(&household(4), me))), 2)).unwrap();
    tampered["change"]["data"]["report"]["feedback"]["opinion"] = "不满意".into();
    let body = serde_json::json!({"entries": [tampered, good]}).to_string();
    let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let response: PushResponse = serde_json::from_value(answer.body).unwrap();
    assert_eq!(result(&response, 0)["code"], "invalid");
    assert_eq!(result(&response, 1)["result"], "accepted");
    assert_eq!(response.results[1].id, good.id);
    let reports = s.count("reports").await;
    assert_eq!(reports, 1);
}

#[tokio::test]
async fn a_report_is_stored_byte_for_byte_as_sent_whatever_the_order_of_its_change_fields() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let report = report_for(&household(0), me);
    // `data` before `entity`, and the report spaced out: valid JSON a client may well send.
    let sent = serde_json::to_string_pretty(&report).unwrap();
    let body = format!(
        r#"{{"entries":[{{"id":"{}","hlc":"0000000000000001-00000000-0000000000000007","change":{{"data":{sent},"entity":"report"}}}}]}}"#,
        Uuid::now_v7()
    );
    let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["results"][0]["outcome"]["result"], "accepted", "{}", answer.body);
    let stored = s.storage.report(report.report().id).await.unwrap().unwrap().record;
    assert_eq!(stored, sent, "the record the device signed and sent, not a re-serialization");
    let checked = hearth_core::rules::signing::verify_json(&stored).unwrap();
    assert_eq!(checked, report);
}

#[tokio::test]
async fn many_edits_of_one_order_in_a_batch_end_as_if_sent_one_by_one_with_one_new_change() {
    use hearth_core::model::Priority::{Emergency, Normal, Urgent};
    use hearth_core::model::WorkOrderStatus::{EnRoute, OnSite};
    let (batched, single) = (server().await, server().await);
    let office = [batched.login("dispatcher").await, single.login("dispatcher").await];
    let all = orders(&batched, &office[0]).await;
    let (cursor, order) = all.iter().max_by_key(|(seq, _)| *seq).cloned().unwrap();
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    let edit = |fields: WorkOrderFields, later_ms: u64| {
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), now_ms + later_ms)
    };
    let priority = |p| WorkOrderFields { priority: Some(p), ..Default::default() };
    let status = |s| WorkOrderFields { status: Some(s), ..Default::default() };
    // Out of stamp order on purpose: the stamps decide, not the order in the batch.
    let edits = [
        edit(priority(Urgent), 30_000),
        edit(status(OnSite), 20_000),
        edit(priority(Emergency), 10_000),
        edit(status(EnRoute), 40_000),
        edit(priority(Normal), 25_000),
    ];
    push(&batched, &office[0], &edits).await;
    // The same order on the other server (ids differ; households and kinds do not).
    let twin = orders(&single, &office[1])
        .await
        .into_iter()
        .map(|(_, o)| o)
        .find(|o| o.household_id == order.household_id && o.kind == order.kind)
        .unwrap();
    for e in &edits {
        let Outgoing::WorkOrderEdit(edit) = &e.change else { unreachable!() };
        let edit = WorkOrderEdit { work_order_id: twin.id, fields: edit.fields.clone() };
        push(&single, &office[1], &[PushEntry { change: Outgoing::WorkOrderEdit(edit), ..e.clone() }]).await;
    }
    let mine = |changes: Vec<Value>, id: Uuid| -> Vec<(u64, [Value; 2])> {
        changes
            .into_iter()
            .filter(|c| c["change"]["data"]["order"]["id"] == id.to_string().as_str())
            .map(|c| {
                let clocks = &c["change"]["data"]["clocks"];
                (c["seq"].as_u64().unwrap(), [clocks["priority"].clone(), clocks["status"].clone()])
            })
            .collect()
    };
    let from_batch = mine(batched.pull_all(&office[0], 5000).await, order.id);
    let one_by_one = mine(single.pull_all(&office[1], 5000).await, twin.id);
    assert_eq!(from_batch.len(), 1, "the order is in the feed once");
    assert!(from_batch[0].0 > cursor, "under a new number");
    assert_eq!(from_batch[0].1, one_by_one[0].1, "the same field stamps either way");
    let find =
        |all: Vec<(u64, WorkOrder)>, id: Uuid| all.into_iter().map(|(_, o)| o).find(|o| o.id == id).unwrap();
    let merged = find(orders(&batched, &office[0]).await, order.id);
    let twin = find(orders(&single, &office[1]).await, twin.id);
    assert_eq!((merged.priority, merged.status), (twin.priority, twin.status));
    assert_eq!((merged.priority, merged.status), (Urgent, OnSite), "the latest stamp; status forward only");
    assert_eq!(
        batched.count("conflicts").await,
        single.count("conflicts").await,
        "the same writes overruled and logged"
    );
}

/// What a device holds after applying `changes` in order: (entity, id) → data. A withdrawal
/// takes its record away, as `hearth_core::sync::apply` does.
fn held(changes: &[Value]) -> std::collections::BTreeMap<(String, String), Value> {
    let mut held = std::collections::BTreeMap::new();
    for c in changes {
        let (entity, data) = (c["change"]["entity"].as_str().unwrap(), &c["change"]["data"]);
        match entity {
            "withdrawn" => {
                held.remove(&(
                    data["kind"].as_str().unwrap().to_owned(),
                    data["id"].as_str().unwrap().to_owned(),
                ));
            }
            "work_order" => {
                held.insert(
                    (entity.to_owned(), data["order"]["id"].as_str().unwrap().to_owned()),
                    data.clone(),
                );
            }
            _ => {
                held.insert((entity.to_owned(), data["id"].as_str().unwrap().to_owned()), data.clone());
            }
        }
    }
    held
}

async fn cursor_of(s: &Server, token: &str) -> u64 {
    let answer = s.call("GET", "/v1/sync/pull?after=0&limit=5000", Some(token), None).await;
    answer.body["next_cursor"].as_u64().unwrap()
}

async fn pull_after(s: &Server, token: &str, after: u64) -> Vec<Value> {
    let answer = s.call("GET", &format!("/v1/sync/pull?after={after}&limit=5000"), Some(token), None).await;
    answer.body["changes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_household_moved_to_another_station_leaves_the_old_stations_tablets() {
    let s = server().await;
    let (tech1, tech2, office) =
        (s.login("tech1").await, s.login("tech2").await, s.login("dispatcher").await);
    let stations = hearth_core::demo::stations();
    let mut home = household(0);
    assert_eq!(home.station_id, stations[0].id);
    let key = ("household".to_owned(), home.id.to_string());
    assert!(held(&s.pull_all(&tech1, 7).await).contains_key(&key));
    let seen = cursor_of(&s, &tech1).await;

    home.station_id = stations[1].id;
    s.storage.import_households(vec![home.clone()]).await.unwrap();

    let news = pull_after(&s, &tech1, seen).await;
    assert_eq!(news.len(), 1, "{news:?}");
    assert_eq!(news[0]["change"]["entity"], "withdrawn");
    assert_eq!(news[0]["change"]["data"]["kind"], "household");
    assert!(
        !held(&s.pull_all(&tech1, 7).await).contains_key(&key),
        "a new tablet of station 1 never gets it"
    );
    let theirs = held(&s.pull_all(&tech2, 7).await);
    assert_eq!(theirs[&key]["station_id"], stations[1].id.to_string());
    let all = s.pull_all(&office, 5000).await;
    assert!(all.iter().all(|c| c["change"]["entity"] != "withdrawn"), "the office sees every record");
    assert_eq!(held(&all)[&key]["station_id"], stations[1].id.to_string());

    // Moved back: the first station's tablets get it again, the second's forget it.
    home.station_id = stations[0].id;
    s.storage.import_households(vec![home]).await.unwrap();
    assert!(held(&s.pull_all(&tech1, 7).await).contains_key(&key));
    assert!(!held(&s.pull_all(&tech2, 7).await).contains_key(&key));
}

#[tokio::test]
async fn an_order_reassigned_away_from_a_crew_member_of_another_station_leaves_their_tablet() {
    let s = server().await;
    let (tech1, tech2, office) =
        (s.login("tech1").await, s.login("tech2").await, s.login("dispatcher").await);
    let (tech1_id, tech2_id) = (user_id(&s, "tech1").await, user_id(&s, "tech2").await);
    let station1 = hearth_core::demo::stations()[0].id;
    let (_, order) = orders(&s, &office).await.into_iter().find(|(_, o)| o.station_id == station1).unwrap();
    let key = ("work_order".to_owned(), order.id.to_string());
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    let assign = |to: Uuid, wall_ms| {
        let fields = WorkOrderFields { assignee_id: Some(to), ..Default::default() };
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), wall_ms)
    };

    // Lent to the second station's technician: their tablet gets it.
    push(&s, &office, &[assign(tech2_id, now_ms + 1_000)]).await;
    assert!(held(&s.pull_all(&tech2, 7).await).contains_key(&key));
    let seen = cursor_of(&s, &tech2).await;

    // Given back to the first station's technician: it leaves the second's tablet.
    push(&s, &office, &[assign(tech1_id, now_ms + 2_000)]).await;
    let news = pull_after(&s, &tech2, seen).await;
    assert_eq!(news.len(), 1, "{news:?}");
    assert_eq!(news[0]["change"]["data"], serde_json::json!({ "kind": "work_order", "id": order.id }));
    assert!(!held(&s.pull_all(&tech2, 7).await).contains_key(&key));
    assert!(held(&s.pull_all(&tech1, 7).await).contains_key(&key), "its own station keeps it throughout");
}

/// The id of the user `name`, as the server's storage knows it.
async fn user_id(s: &Server, name: &str) -> Uuid {
    s.storage.credentials(name).await.unwrap().unwrap().user.id
}

/// Walks every page of `token`'s pull asking for the count, and checks each page's
/// `remaining` against what the later pages really held. Returns the number of changes.
async fn check_remaining(s: &Server, token: &str, limit: u32) -> u64 {
    let (mut after, mut pages) = (0, Vec::new());
    loop {
        let uri = format!("/v1/sync/pull?after={after}&limit={limit}&remaining=true");
        let page = s.call("GET", &uri, Some(token), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let held = page.body["changes"].as_array().unwrap().len() as u64;
        let remaining =
            page.body["remaining"].as_u64().unwrap_or_else(|| panic!("asked, it counts: {}", page.body));
        pages.push((held, remaining));
        if page.body["more"] == false {
            break;
        }
        after = page.body["next_cursor"].as_u64().unwrap();
    }
    for (i, (_, remaining)) in pages.iter().enumerate() {
        let later: u64 = pages[i + 1..].iter().map(|(held, _)| held).sum();
        assert_eq!(*remaining, later, "page {i} of {pages:?}");
    }
    pages.iter().map(|(held, _)| held).sum()
}

#[tokio::test]
async fn a_pull_asked_to_count_says_how_many_changes_are_left_to_the_caller() {
    let s = server().await;
    let (tech1, tech2, office) =
        (s.login("tech1").await, s.login("tech2").await, s.login("dispatcher").await);
    let (tech1_id, tech2_id) = (user_id(&s, "tech1").await, user_id(&s, "tech2").await);
    // One station-1 order assigned to its own technician (seen through both the station and
    // the assignee: counted once), one lent to station 2's technician, then taken back from
    // them (a withdrawal for them, none for the office).
    let station1 = hearth_core::demo::stations()[0].id;
    let station1_orders: Vec<WorkOrder> =
        orders(&s, &office).await.into_iter().map(|(_, o)| o).filter(|o| o.station_id == station1).collect();
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    let assign = |order: &WorkOrder, to: Uuid, wall_ms| {
        let fields = WorkOrderFields { assignee_id: Some(to), ..Default::default() };
        entry(Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order.id, fields }), wall_ms)
    };
    push(&s, &office, &[assign(&station1_orders[0], tech1_id, now_ms + 1_000)]).await;
    push(&s, &office, &[assign(&station1_orders[1], tech2_id, now_ms + 1_000)]).await;
    assert!(
        held(&s.pull_all(&tech2, 7).await)
            .contains_key(&("work_order".to_owned(), station1_orders[1].id.to_string()))
    );
    push(&s, &office, &[assign(&station1_orders[2], tech2_id, now_ms + 2_000)]).await;
    push(&s, &office, &[assign(&station1_orders[2], tech1_id, now_ms + 3_000)]).await;

    for (who, token) in [("tech1", &tech1), ("tech2", &tech2), ("dispatcher", &office)] {
        for limit in [1, 7, 5000] {
            let counted = check_remaining(&s, token, limit).await;
            assert_eq!(counted, s.pull_all(token, 5000).await.len() as u64, "{who}, pages of {limit}");
        }
    }

    // Not asked, no count: a device that does not know the field never sees it.
    let page = s.call("GET", "/v1/sync/pull?after=0&limit=3", Some(&tech1), None).await;
    assert_eq!(page.body["more"], true);
    assert!(page.body.get("remaining").is_none(), "{}", page.body);
    let bad = s.call("GET", "/v1/sync/pull?after=0&remaining=yes", Some(&tech1), None).await;
    assert_eq!((bad.status, code(&bad)), (StatusCode::BAD_REQUEST, "bad_request"));
}
