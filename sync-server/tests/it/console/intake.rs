//! Hotline intake and the board: calls, households, orders with due times, assignment,
//! cancel and its conflict with a crew's finished work.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{WorkOrder, WorkOrderStatus};
use hearth_core::protocol::WorkOrderFields;
use serde_json::json;
use uuid::Uuid;

use super::{household, refused, stamp};
use crate::server;

fn time(v: &serde_json::Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn households_are_found_by_account_number_phone_address_and_name() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let home = household(5);
    for q in
        [home.account_no.clone(), home.phone.clone(), home.address[6..].to_owned(), home.owner_name.clone()]
    {
        let answer = s.get(&format!("/v1/console/households?q={}", urlencode(&q)), &token).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let ids: Vec<&str> =
            answer.body.as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&home.id.to_string().as_str()), "{q}: {ids:?}");
    }
    let none = s.get("/v1/console/households?q=%E6%9C%88%E7%90%83", &token).await;
    assert_eq!(none.body, json!([]));
    refused(&s.get("/v1/console/households?q=%20", &token).await, StatusCode::BAD_REQUEST, "bad_request");
    refused(&s.get("/v1/console/households", &token).await, StatusCode::BAD_REQUEST, "bad_request");

    let one = s.get(&format!("/v1/console/households/{}", home.id), &token).await;
    assert_eq!(
        (one.status, one.body["account_no"].as_str()),
        (StatusCode::OK, Some(home.account_no.as_str()))
    );
    let missing = s.get(&format!("/v1/console/households/{}", Uuid::now_v7()), &token).await;
    refused(&missing, StatusCode::NOT_FOUND, "not_found");
    refused(&s.get("/v1/console/households/not-an-id", &token).await, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn a_page_of_households_comes_in_one_request_and_unknown_ids_are_left_out() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let homes = [household(7), household(2), household(30)];
    let stranger = Uuid::now_v7();
    let ids = [homes[0].id, stranger, homes[1].id, homes[2].id].map(|id| id.to_string()).join(",");
    let answer = s.get(&format!("/v1/console/households/by-id?ids={ids}"), &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let found: Vec<hearth_core::model::Household> = serde_json::from_value(answer.body).unwrap();
    assert_eq!(found, homes.to_vec(), "the known ones, in the order asked");

    let empty = s.get("/v1/console/households/by-id?ids=", &token).await;
    assert_eq!(empty.body, json!([]));
    let bad = s.get(&format!("/v1/console/households/by-id?ids={},soon", homes[0].id), &token).await;
    refused(&bad, StatusCode::BAD_REQUEST, "bad_request");
    assert!(bad.body["error"]["message"].as_str().unwrap().contains("soon"), "{}", bad.body);
    let too_many = vec![homes[0].id.to_string(); 101].join(",");
    let answer = s.get(&format!("/v1/console/households/by-id?ids={too_many}"), &token).await;
    refused(&answer, StatusCode::BAD_REQUEST, "bad_request");
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn every_call_is_recorded_and_a_fault_becomes_an_order_due_in_eight_hours_that_the_crew_pulls() {
    let s = server().await;
    let (token, dispatcher) = s.login_user("dispatcher").await;
    let (tech_token, tech) = s.login_user("tech1").await;
    let home = household(0);
    let advice = s
        .post(
            "/v1/console/calls",
            &token,
            json!({"caller_name": "李四", "phone": "13800000000", "description": "问什么时候开始供暖", "outcome": "advice"}),
        )
        .await;
    assert_eq!(advice.status, StatusCode::CREATED, "{}", advice.body);
    assert!(advice.body["work_order"].is_null());

    let fault = s
        .post(
            "/v1/console/calls",
            &token,
            json!({"caller_name": home.owner_name, "phone": home.phone, "household_id": home.id,
                   "description": "卧室暖气不热", "outcome": "work_order",
                   "work_order": {"kind": "repair", "priority": "normal", "description": "卧室暖气不热", "assignee_id": tech}}),
        )
        .await;
    assert_eq!(fault.status, StatusCode::CREATED, "{}", fault.body);
    let order: WorkOrder = serde_json::from_value(fault.body["work_order"].clone()).unwrap();
    assert_eq!(order.reported_at + Duration::hours(8), order.due_by.unwrap(), "§74: fixed within 8 hours");
    assert_eq!(order.reported_at + Duration::hours(2), order.arrive_by.unwrap());
    assert_eq!(
        (order.status, order.assignee_id, order.station_id),
        (WorkOrderStatus::Assigned, Some(tech), home.station_id)
    );
    assert_eq!(fault.body["call"]["work_order_id"], json!(order.id));
    assert_eq!(fault.body["call"]["dispatcher_id"], json!(dispatcher));

    let calls = s.get("/v1/console/calls", &token).await;
    assert_eq!(calls.body.as_array().unwrap().len(), 2, "the call that needed no visit is kept too");
    assert_eq!(calls.body[0]["outcome"], "work_order");
    assert_eq!(calls.body[1]["outcome"], "advice");

    let pulled = s.pull_all(&tech_token, 1000).await;
    assert!(
        pulled.iter().any(|c| c["change"]["data"]["order"]["id"] == json!(order.id)),
        "the crew's tablet gets the order"
    );
}

#[tokio::test]
async fn a_bad_call_or_order_is_refused_with_a_reason_and_stores_nothing() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let home = household(0);
    let (_, dispatcher_id) = s.login_user("dispatcher").await;
    let before = s.all_counts().await;
    let order = json!({"kind": "repair", "priority": "normal", "description": "不热"});
    let cases = [
        (json!({"caller_name": "王", "phone": "", "description": "x", "outcome": "advice"}), "bad_request"),
        (json!({"caller_name": "王", "phone": "1", "description": " ", "outcome": "advice"}), "bad_request"),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "work_order"}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "work_order", "work_order": order}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "advice", "household_id": home.id, "work_order": order}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "called_back"}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "advice", "mood": "angry"}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "advice", "household_id": Uuid::now_v7()}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "work_order", "household_id": home.id,
                "work_order": {"kind": "repair", "priority": "normal", "description": "x", "assignee_id": dispatcher_id}}),
            "bad_request",
        ),
        (
            json!({"caller_name": "王", "phone": "1", "description": "x", "outcome": "work_order", "household_id": home.id,
                "work_order": {"kind": "boiler", "priority": "normal", "description": "x"}}),
            "bad_request",
        ),
    ];
    for (body, code) in cases {
        let answer = s.post("/v1/console/calls", &token, body.clone()).await;
        refused(&answer, StatusCode::BAD_REQUEST, code);
    }
    let syntax = s.call("POST", "/v1/console/calls", Some(&token), Some("{\"caller_name\":".into())).await;
    refused(&syntax, StatusCode::BAD_REQUEST, "malformed_json");
    let planned = s.post("/v1/console/work-orders", &token, json!({"household_id": Uuid::now_v7(), "kind": "inspection", "priority": "low", "description": "x"})).await;
    refused(&planned, StatusCode::BAD_REQUEST, "bad_request");
    let bad_id = s.post("/v1/console/work-orders/not-an-id/cancel", &token, json!({"reason": "x"})).await;
    refused(&bad_id, StatusCode::BAD_REQUEST, "bad_request");
    refused(
        &s.get("/v1/console/work-orders?kind=boiler", &token).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(&s.get("/v1/console/work-orders?limit=0", &token).await, StatusCode::BAD_REQUEST, "bad_request");
    refused(
        &s.get("/v1/console/calls?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", &token).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_eq!(s.all_counts().await, before);
}

/// Adds an open repair order for household `n`, reported `hours_ago`, due 8 hours later.
async fn order_reported(s: &crate::Server, n: usize, hours_ago: i64) -> WorkOrder {
    let mut order = hearth_core::demo::work_order(Utc::now() - Duration::hours(hours_ago));
    let home = household(n);
    order.household_id = home.id;
    order.station_id = home.station_id;
    order.status = WorkOrderStatus::New;
    s.storage.add_work_orders(vec![order.clone()], hearth_core::hlc::Hlc::ZERO).await.unwrap();
    order
}

#[tokio::test]
async fn the_board_flags_overdue_and_soon_due_orders_and_filters_and_pages() {
    // The board's order itself is tested in board.rs.
    let s = server().await;
    let token = s.login("dispatcher").await;
    let station = household(1).station_id;
    let total = |answer: &crate::Answer| answer.body["total"].as_u64().unwrap();
    let demo_open = total(&s.get("/v1/console/work-orders?limit=1", &token).await);
    let new_repairs = format!("/v1/console/work-orders?station_id={station}&kind=repair&status=new");
    let demo_new_repairs = total(&s.get(&new_repairs, &token).await);
    let overdue = order_reported(&s, 0, 9).await;
    let soon = order_reported(&s, 1, 7).await;
    let fresh = order_reported(&s, 2, 0).await;
    let board = s.get("/v1/console/work-orders?limit=100", &token).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let entries = board.body["orders"].as_array().unwrap();
    let ids: Vec<_> = entries.iter().map(|e| e["order"]["id"].clone()).collect();
    let entry = |o: &WorkOrder| entries.iter().find(|e| e["order"]["id"] == json!(o.id)).unwrap();
    assert_eq!(
        (entry(&overdue)["overdue"].clone(), entry(&overdue)["due_soon"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        (entry(&soon)["overdue"].clone(), entry(&soon)["due_soon"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(
        (entry(&fresh)["overdue"].clone(), entry(&fresh)["due_soon"].clone()),
        (json!(false), json!(false))
    );
    let position = |o: &WorkOrder| ids.iter().position(|id| *id == json!(o.id)).unwrap();
    assert!(position(&overdue) < position(&soon) && position(&soon) < position(&fresh), "{ids:?}");
    assert!(time(&entry(&overdue)["order"]["due_by"]) < time(&entry(&soon)["order"]["due_by"]));
    // The demo city's open orders and ours.
    assert_eq!(total(&board), demo_open + 3);
    assert_eq!(entries.len() as u64, demo_open + 3);

    let filtered = s.get(&new_repairs, &token).await;
    let orders = filtered.body["orders"].as_array().unwrap();
    assert!(orders.iter().all(|e| e["order"]["station_id"] == json!(station)
        && e["order"]["kind"] == "repair"
        && e["order"]["status"] == "new"));
    assert!(orders.iter().any(|e| e["order"]["id"] == json!(soon.id)));
    assert_eq!(filtered.body["total"].as_u64().unwrap(), orders.len() as u64);
    assert_eq!(
        total(&filtered),
        demo_new_repairs + 1,
        "the demo's new repair orders of that station and ours"
    );

    let second = s.get("/v1/console/work-orders?limit=2&offset=1", &token).await;
    let page: Vec<_> =
        second.body["orders"].as_array().unwrap().iter().map(|e| e["order"]["id"].clone()).collect();
    assert_eq!(page, ids[1..3]);
    assert_eq!(total(&second), demo_open + 3);
}

#[tokio::test]
async fn reassign_and_cancel_go_through_the_merge_and_reach_the_devices() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (tech_token, tech) = s.login_user("tech1").await;
    let order = order_reported(&s, 0, 1).await;
    let assigned = s
        .post(&format!("/v1/console/work-orders/{}/assign", order.id), &token, json!({"assignee_id": tech}))
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert_eq!(assigned.body["order"]["assignee_id"], json!(tech));
    assert_eq!(assigned.body["order"]["status"], "assigned");
    let on_tablet = |changes: Vec<serde_json::Value>| {
        changes.into_iter().find(|c| c["change"]["data"]["order"]["id"] == json!(order.id)).unwrap()
    };
    assert_eq!(
        on_tablet(s.pull_all(&tech_token, 1000).await)["change"]["data"]["order"]["status"],
        "assigned"
    );

    let cancelled = s
        .post(
            &format!("/v1/console/work-orders/{}/cancel", order.id),
            &token,
            json!({"reason": "用户来电说已经热了"}),
        )
        .await;
    assert_eq!(cancelled.body["order"]["status"], "cancelled", "{}", cancelled.body);
    assert_eq!(cancelled.body["order"]["status_note"], "用户来电说已经热了");
    assert_eq!(
        on_tablet(s.pull_all(&tech_token, 1000).await)["change"]["data"]["order"]["status"],
        "cancelled"
    );
    let again =
        s.post(&format!("/v1/console/work-orders/{}/cancel", order.id), &token, json!({"reason": "x"})).await;
    refused(&again, StatusCode::CONFLICT, "conflict");
    let missing = s
        .post(&format!("/v1/console/work-orders/{}/cancel", Uuid::now_v7()), &token, json!({"reason": "x"}))
        .await;
    refused(&missing, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_cancel_that_loses_to_a_technicians_done_lands_in_the_conflict_log() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (tech_token, tech) = s.login_user("tech1").await;
    let order = order_reported(&s, 0, 1).await;
    s.post(&format!("/v1/console/work-orders/{}/assign", order.id), &token, json!({"assignee_id": tech}))
        .await;
    // The technician finished on site an hour ago, offline; the office cancels meanwhile.
    let done_at = Utc::now() - Duration::minutes(30);
    let cancelled = s
        .post(&format!("/v1/console/work-orders/{}/cancel", order.id), &token, json!({"reason": "重复报修"}))
        .await;
    assert_eq!(cancelled.body["order"]["status"], "cancelled");
    let done = WorkOrderFields { status: Some(WorkOrderStatus::Done), ..Default::default() };
    s.push_edit(&tech_token, order.id, stamp(done_at), done).await;

    let now = s.get(&format!("/v1/console/work-orders/{}", order.id), &token).await;
    assert_eq!(now.body["order"]["status"], "done", "finished work is never erased by a cancel");
    let log = s.get(&format!("/v1/console/conflicts?entity=work_order&entity_id={}", order.id), &token).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let entries = log.body.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (
            entries[0]["field"].clone(),
            entries[0]["losing_value"].clone(),
            entries[0]["winning_value"].clone()
        ),
        (json!("status"), json!("cancelled"), json!("done"))
    );
    refused(
        &s.get("/v1/console/conflicts?entity=payment", &token).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
}
