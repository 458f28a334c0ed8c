//! `GET /v1/sync/events` (issue 15): a tablet's request for news is answered at once when its
//! feed has something after its cursor, held until the office's write brings something for
//! it, and not answered "news" for a write in another station.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Server, server};

/// The cursor at the end of `token`'s feed, and the households in it.
async fn caught_up(s: &Server, token: &str) -> (u64, Vec<String>) {
    let changes = s.pull_all(token, 5000).await;
    let cursor = changes.last().and_then(|c| c["seq"].as_u64()).unwrap_or(0);
    let households = changes
        .iter()
        .filter(|c| c["change"]["entity"] == "household")
        .map(|c| c["change"]["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    (cursor, households)
}

async fn news(s: &Server, token: &str, after: u64, wait: u32) -> (bool, Duration) {
    let started = Instant::now();
    let answer =
        s.call("GET", &format!("/v1/sync/events?after={after}&wait={wait}"), Some(token), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    (answer.body["news"].as_bool().unwrap(), started.elapsed())
}

async fn order_for(s: &Server, office: &str, household: &str) -> Value {
    let body =
        json!({"household_id": household, "kind": "repair", "priority": "urgent", "description": "暖气不热"});
    let made = s.call("POST", "/v1/console/work-orders", Some(office), Some(body.to_string())).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.body
}

#[tokio::test]
async fn news_comes_at_once_when_the_office_writes_for_the_tablet_and_not_for_another_station() {
    let s = server().await;
    let tech1 = s.login("tech1").await;
    let tech2 = s.login("tech2").await;
    let office = s.login("dispatcher").await;
    let (cursor, mine) = caught_up(&s, &tech1).await;
    let (_, theirs) = caught_up(&s, &tech2).await;
    assert!(!theirs.iter().any(|h| mine.contains(h)), "tech2 serves another station");

    // Behind the feed: news at once.
    let (told, took) = news(&s, &tech1, 0, 20).await;
    assert!(told && took < Duration::from_secs(1), "{told} after {took:?}");
    // Caught up and nothing written: no news, after the wait.
    let (told, took) = news(&s, &tech1, cursor, 1).await;
    assert!(!told && took >= Duration::from_millis(900), "{told} after {took:?}");

    // A write for another station wakes the request, which finds nothing of its own.
    let waiting = news(&s, &tech1, cursor, 2);
    let other = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        order_for(&s, &office, &theirs[0]).await;
    };
    let ((told, took), ()) = tokio::join!(waiting, other);
    assert!(
        !told && took >= Duration::from_millis(1900),
        "another station's order is not news: {told} after {took:?}"
    );

    // An order for the tablet's station: the waiting request answers within moments.
    let waiting = news(&s, &tech1, cursor, 20);
    let write = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        order_for(&s, &office, &mine[0]).await;
    };
    let ((told, took), ()) = tokio::join!(waiting, write);
    assert!(told, "the new order is news");
    assert!(took < Duration::from_secs(2), "answered {took:?} after asking, not at the end of the wait");
}
