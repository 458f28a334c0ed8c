//! A repair's whole loop, as the office and the crew live it, on the real server binary: a
//! hotline call becomes an order assigned to a technician; his tablet pulls it, goes en route
//! and on site, signs the repair visit; the sync carries it; the order is finished by the
//! signature alone (no 已完成 tap), stamped with when the crew arrived, and the KPI page
//! counts it closed and on time at once.

use chrono::{Duration, Utc};
use hearth_core::demo;
use hearth_core::model::{ReportBody, WorkOrderStatus};
use hearth_core::store::{Store, households};
use hearth_core::sync::{self, client::Client};
use hearth_tests::office::Office;
use hearth_tests::server::{Server, add_user, cli};
use serde_json::json;

const PASSWORD: &str = "correct horse 电池 staple";

#[test]
fn a_call_becomes_a_signed_repair_that_finishes_its_order_and_counts_in_the_kpis() {
    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", "200"], None);
    add_user(dir.path(), "tech-a", "technician", Some("和平供热站"), PASSWORD);
    add_user(dir.path(), "disp", "dispatcher", None, PASSWORD);
    let server = Server::start(dir.path());
    let office = Office::login(&server.url(), "disp", PASSWORD);

    // The tablet logs in and pulls its station.
    let device_dir = tempfile::tempdir().expect("device dir");
    let mut store = Store::open(device_dir.path().join("tablet.sqlite")).expect("store");
    let client = Client::new(&server.url()).expect("client");
    let me = sync::login(&mut store, &client, "tech-a", PASSWORD, "tech-a's tablet").expect("login");
    sync::sync(&mut store, &client).expect("first pull");
    let first: String =
        store.conn().query_row("SELECT id FROM households LIMIT 1", [], |r| r.get(0)).expect("a household");
    let household =
        households::get(store.conn(), first.parse().expect("uuid")).expect("read").expect("household");

    // The hotline: a call for that household becomes a repair order, then it is assigned.
    let started = Utc::now() - Duration::seconds(1);
    let recorded = office.post(
        "calls",
        json!({
            "caller_name": "王先生", "phone": household.phone, "household_id": household.id,
            "description": "卧室暖气不热", "outcome": "work_order",
            "work_order": {"kind": "repair", "priority": "normal", "description": "卧室暖气不热"},
        }),
    );
    let order_id = recorded["work_order"]["id"].as_str().expect("an order was made").to_owned();
    office.post(&format!("work-orders/{order_id}/assign"), json!({"assignee_id": me.id}));

    // The tablet: the order arrives, en route, on site, the signed visit. No 已完成 tap.
    sync::sync(&mut store, &client).expect("pull the order");
    let id = order_id.parse().expect("uuid");
    assert_eq!(store.work_order(id).expect("read").expect("pulled").order.assignee_id, Some(me.id));
    store.advance_work_order(id, WorkOrderStatus::EnRoute, None).expect("en route");
    store.advance_work_order(id, WorkOrderStatus::OnSite, None).expect("on site");
    let mut visit = demo::repair_visit(Utc::now());
    visit.arrived_at = Utc::now() - Duration::minutes(40);
    visit.finished_at = Utc::now();
    let mut report = demo::report(ReportBody::RepairVisit(visit), household.id, me.id, Utc::now());
    report.work_order_id = Some(id);
    let signed = demo::sign(report, "王先生", Utc::now()).expect("sign");
    store.save_signed_report(&signed).expect("save");
    assert_eq!(store.work_order(id).expect("read").expect("order").order.status, WorkOrderStatus::Done);
    let pushed = sync::sync(&mut store, &client).expect("push");
    assert_eq!(store.outbox_len().expect("outbox"), 0, "everything reached the office: {pushed:?}");

    // The office: the order is done, its arrival stamped, the record linked to it.
    let order = &office.get(&format!("work-orders/{order_id}"))["order"];
    assert_eq!(order["status"], "done", "signing finished the order: {order}");
    let arrived: chrono::DateTime<Utc> =
        order["arrived_at"].as_str().expect("arrival stamped").parse().expect("time");
    assert!(
        arrived >= started && arrived <= Utc::now(),
        "arrived when the tablet tapped 已到场, not {arrived}"
    );
    // The record is there for the office, read through the console API.
    office.get(&format!("reports/{}", signed.report().id));

    // The KPI page, for the station, at once: the order closed, and on time.
    let from = (Utc::now() - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let to = (Utc::now() + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let kpis = office.get(&format!("kpis?from={from}&to={to}"));
    let crew = kpis["crews"]
        .as_array()
        .expect("crews")
        .iter()
        .find(|c| c["user_id"] == json!(me.id))
        .expect("the technician's KPIs")
        .clone();
    assert_eq!(crew["kpi"]["counts"]["orders"], 1, "{crew}");
    assert_eq!(crew["kpi"]["rates"]["closure"], 1.0, "工单办结率 100 %: {crew}");
    assert_eq!(crew["kpi"]["rates"]["repair_on_time"], 1.0, "arrived and fixed in time: {crew}");
}
