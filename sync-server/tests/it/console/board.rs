//! The board's order across pages (overdue arrivals, late completions, emergency, urgent,
//! then by the next deadline), finding an order by its number, and repeated calls caught at
//! intake: a household's open orders and recent calls, a call attached to the order it
//! repeats, shown with that order.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{Priority, WorkOrder, WorkOrderKind, WorkOrderStatus};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{household, refused};
use crate::{Server, server};

/// An order of household `n` reported `minutes_ago`, with the repair deadlines (on site in
/// 2 hours, done in 8) unless it has none.
async fn order(
    s: &Server,
    n: usize,
    minutes_ago: i64,
    priority: Priority,
    status: WorkOrderStatus,
    deadlines: bool,
) -> WorkOrder {
    let reported: DateTime<Utc> = Utc::now() - Duration::minutes(minutes_ago);
    let mut o = hearth_core::demo::work_order(reported);
    let home = household(n);
    o.household_id = home.id;
    o.station_id = home.station_id;
    o.priority = priority;
    o.status = status;
    o.reported_at = reported;
    o.arrive_by = deadlines.then(|| reported + Duration::hours(2));
    o.due_by = deadlines.then(|| reported + Duration::hours(8));
    if !deadlines {
        o.kind = WorkOrderKind::Inspection;
    }
    s.storage.add_work_orders(vec![o], hearth_core::hlc::Hlc::ZERO).await.unwrap().pop().unwrap()
}

fn ids(board: &Value) -> Vec<String> {
    board["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["order"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_board_puts_what_must_be_reached_first_at_the_top_across_pages() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    // Only this test's orders are open.
    if crate::backend::on_postgres() {
        s.sql(r#"UPDATE work_orders SET record = jsonb_set(record::jsonb, '{status}', '"done"')::text"#)
            .await;
    } else {
        s.sql("UPDATE work_orders SET record = json_set(record, '$.status', 'done')").await;
    }
    use Priority::*;
    use WorkOrderStatus::*;
    // Made in an order unlike the one expected, so nothing comes right by insertion order.
    let planned = order(&s, 7, 60, Low, New, false).await; // no deadline: last
    let later = order(&s, 6, 60, Normal, OnSite, true).await; // on site: next is done-by, +7 h
    let normal = order(&s, 5, 30, Normal, Assigned, true).await; // arrive by +1.5 h
    let urgent = order(&s, 4, 10, Urgent, New, true).await; // arrive by +1 h 50
    let emergency = order(&s, 3, 0, Emergency, New, true).await; // arrive by +2 h
    let late_done = order(&s, 2, 9 * 60, Normal, OnSite, true).await; // done by -1 h, on site
    let late_arrival = order(&s, 1, 3 * 60, Normal, New, true).await; // arrive by -1 h
    let later_arrival = order(&s, 0, 150, Urgent, EnRoute, true).await; // arrive by -30 min
    let expected: Vec<String> =
        [&late_arrival, &later_arrival, &late_done, &emergency, &urgent, &normal, &later, &planned]
            .iter()
            .map(|o| o.id.to_string())
            .collect();

    let board = s.get("/v1/console/work-orders?limit=100", &token).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert_eq!(ids(&board.body), expected);
    assert_eq!(board.body["total"], 8);
    // Page by page the same order: the server's, not a page re-sorted in the browser.
    for limit in [1, 2, 3, 5] {
        let mut paged = Vec::new();
        let mut offset = 0;
        while offset < 8 {
            let page = s.get(&format!("/v1/console/work-orders?limit={limit}&offset={offset}"), &token).await;
            assert_eq!(page.body["total"], 8);
            paged.extend(ids(&page.body));
            offset += limit;
        }
        assert_eq!(paged, expected, "pages of {limit}");
    }
    let past = s.get("/v1/console/work-orders?offset=8", &token).await;
    assert!(ids(&past.body).is_empty());
    // Filters keep the order.
    let station = household(1).station_id;
    let of_station = s.get(&format!("/v1/console/work-orders?station_id={station}"), &token).await;
    let want: Vec<String> = expected
        .iter()
        .filter(|id| {
            [&late_arrival, &later_arrival, &late_done, &emergency, &urgent, &normal, &later, &planned]
                .iter()
                .any(|o| o.id.to_string() == **id && o.station_id == station)
        })
        .cloned()
        .collect();
    assert_eq!(ids(&of_station.body), want);
    let new_only = s.get("/v1/console/work-orders?status=new", &token).await;
    assert_eq!(
        ids(&new_only.body),
        [&late_arrival, &emergency, &urgent, &planned].map(|o| o.id.to_string()).to_vec()
    );
}

#[tokio::test]
async fn an_order_is_found_by_its_number_or_its_beginning() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let o = order(&s, 0, 0, Priority::Normal, WorkOrderStatus::New, true).await;
    let number = o.number.clone().expect("the server numbers every order it stores");
    let found =
        s.get(&format!("/v1/console/work-orders?number={}", super::intake::urlencode(&number)), &token).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(ids(&found.body), vec![o.id.to_string()]);
    assert_eq!(found.body["orders"][0]["order"]["number"], json!(number));
    let day = &number[..number.rfind('-').unwrap()];
    let of_day =
        s.get(&format!("/v1/console/work-orders?number={}", super::intake::urlencode(day)), &token).await;
    assert!(ids(&of_day.body).contains(&o.id.to_string()), "{}", of_day.body);
    let none = s.get("/v1/console/work-orders?number=%E6%9C%88%E7%90%83-0101-001", &token).await;
    assert_eq!(none.body["total"], 0);
}

async fn call(s: &Server, token: &str, body: Value) -> crate::Answer {
    s.post("/v1/console/calls", token, body).await
}

#[tokio::test]
async fn a_repeated_call_is_attached_to_the_open_order_and_shown_with_it() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let home = household(0);
    // A household with nothing open and no calls says so.
    let fresh = s.get(&format!("/v1/console/households/{}/activity", home.id), &token).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!((fresh.body["recent_calls"].clone(), fresh.body["call_days"].clone()), (json!([]), json!(7)));
    let open_before = fresh.body["open_orders"].as_array().unwrap().len();

    let first = call(
        &s,
        &token,
        json!({"caller_name": home.owner_name, "phone": home.phone, "household_id": home.id,
               "description": "卧室暖气不热", "outcome": "work_order",
               "work_order": {"kind": "repair", "priority": "normal", "description": "卧室暖气不热"}}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let order = first.body["work_order"]["id"].clone();
    let number = first.body["work_order"]["number"].clone();
    assert!(number.is_string(), "{}", first.body);
    assert_eq!(first.body["call"]["work_order_number"], number, "the call names its order's number");

    // Picking the household again shows the open order and the call.
    let activity = s.get(&format!("/v1/console/households/{}/activity", home.id), &token).await;
    let open = activity.body["open_orders"].as_array().unwrap();
    assert_eq!(open.len(), open_before + 1);
    assert!(open.iter().any(|o| o["id"] == order));
    assert_eq!(activity.body["recent_calls"][0]["description"], "卧室暖气不热");
    assert_eq!(activity.body["recent_calls"][0]["work_order_number"], number);

    // The second call about the same fault: attached, no new order.
    let orders_before = s.count("work_orders").await;
    let again = call(
        &s,
        &token,
        json!({"caller_name": home.owner_name, "phone": home.phone, "household_id": home.id,
               "description": "还是不热，催一下", "outcome": "duplicate", "work_order_id": order}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body["call"]["outcome"], "duplicate");
    assert_eq!(again.body["call"]["work_order_id"], order);
    assert_eq!(again.body["call"]["work_order_number"], number);
    assert!(again.body["work_order"].is_null());
    assert_eq!(s.count("work_orders").await, orders_before, "no second order");

    // The board and the order show the repeated call.
    let one = s.get(&format!("/v1/console/work-orders/{}", order.as_str().unwrap()), &token).await;
    let repeats = one.body["repeat_calls"].as_array().unwrap();
    assert_eq!(repeats.len(), 1, "{}", one.body);
    assert_eq!(repeats[0]["description"], "还是不热，催一下");
    let board =
        s.get(&format!("/v1/console/work-orders?limit=100&station_id={}", home.station_id), &token).await;
    let entry = board.body["orders"].as_array().unwrap().iter().find(|e| e["order"]["id"] == order).unwrap();
    assert_eq!(entry["repeat_calls"][0]["id"], again.body["call"]["id"]);
    let others = board.body["orders"].as_array().unwrap().iter().filter(|e| e["order"]["id"] != order);
    assert!(others.into_iter().all(|e| e["repeat_calls"] == json!([])));
    // A repeat without an order is still a plain call (the dispatcher found none).
    let loose = call(
        &s,
        &token,
        json!({"caller_name": "王", "phone": "1", "description": "又打来了", "outcome": "duplicate"}),
    )
    .await;
    assert_eq!(loose.status, StatusCode::CREATED, "{}", loose.body);
}

#[tokio::test]
async fn a_repeated_call_names_an_open_order_of_its_own_household_or_is_refused() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let home = household(0);
    let mine = order(&s, 0, 0, Priority::Normal, WorkOrderStatus::New, true).await;
    let theirs = order(&s, 4, 0, Priority::Normal, WorkOrderStatus::New, true).await;
    let done = order(&s, 0, 0, Priority::Normal, WorkOrderStatus::Done, true).await;
    let base = |outcome: &str, household: Option<Uuid>, order: Value| {
        json!({"caller_name": "王", "phone": home.phone, "household_id": household,
               "description": "又不热了", "outcome": outcome, "work_order_id": order})
    };
    let before = s.all_counts().await;
    let cases = [
        (
            base("duplicate", Some(home.id), json!(theirs.id)),
            StatusCode::BAD_REQUEST,
            "bad_request",
            "another household",
        ),
        (
            base("duplicate", Some(home.id), json!(Uuid::now_v7())),
            StatusCode::BAD_REQUEST,
            "bad_request",
            "no work order",
        ),
        (base("duplicate", None, json!(mine.id)), StatusCode::BAD_REQUEST, "bad_request", "household_id"),
        (base("advice", Some(home.id), json!(mine.id)), StatusCode::BAD_REQUEST, "bad_request", "duplicate"),
        (base("duplicate", Some(home.id), json!(done.id)), StatusCode::CONFLICT, "conflict", "new order"),
    ];
    for (body, status, code, words) in cases {
        let answer = call(&s, &token, body.clone()).await;
        refused(&answer, status, code);
        assert!(answer.body["error"]["message"].as_str().unwrap().contains(words), "{body}: {}", answer.body);
    }
    assert_eq!(s.all_counts().await, before, "a refused call stores nothing");
    refused(
        &s.get(&format!("/v1/console/households/{}/activity", Uuid::now_v7()), &token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}
