//! The dispatch log and the admin's part: users, stations, devices, thresholds.

use axum::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::refused;
use crate::server;

#[tokio::test]
async fn dispatch_log_entries_are_kept_and_found_by_date_and_text() {
    let s = server().await;
    let (token, dispatcher) = s.login_user("dispatcher").await;
    for text in ["08:00 交接班，夜班无异常", "10:15 和平区友谊路停水，通知抢修队", "11:30 抢修完成，恢复供热"]
    {
        let answer = s.post("/v1/console/dispatch-log", &token, json!({"text": text})).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(answer.body["author_id"], json!(dispatcher));
    }
    let all = s.get("/v1/console/dispatch-log", &token).await;
    let texts: Vec<&str> = all.body.as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    // Each entry names who wrote it.
    let name = s.storage.credentials("dispatcher").await.unwrap().unwrap().user.display_name;
    assert!(all.body.as_array().unwrap().iter().all(|e| e["author_name"] == json!(name)), "{}", all.body);
    assert_eq!(
        texts,
        ["11:30 抢修完成，恢复供热", "10:15 和平区友谊路停水，通知抢修队", "08:00 交接班，夜班无异常"]
    );
    let found = s.get("/v1/console/dispatch-log?q=%E6%8A%A2%E4%BF%AE", &token).await; // 抢修
    assert_eq!(found.body.as_array().unwrap().len(), 2);
    let none =
        s.get("/v1/console/dispatch-log?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z", &token).await;
    assert_eq!(none.body, json!([]));

    let before = s.all_counts().await;
    refused(
        &s.post("/v1/console/dispatch-log", &token, json!({"text": "  "})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &s.post("/v1/console/dispatch-log", &token, json!({"text": "x".repeat(4001)})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &s.post("/v1/console/dispatch-log", &token, json!({"note": "x"})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &s.post("/v1/console/dispatch-log", &token, json!({"text": "x".repeat(70_000)})).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert_eq!(s.all_counts().await, before);
}

#[tokio::test]
async fn an_admin_adds_and_disables_users_and_a_disabled_user_is_locked_out() {
    let s = server().await;
    let admin = s.login("admin").await;
    let station = hearth_core::demo::stations()[2].id;
    let before = s.all_counts().await;
    let bad = [
        json!({"username": "", "password": "long-enough", "role": "dispatcher"}),
        json!({"username": "w", "password": "short", "role": "dispatcher"}),
        json!({"username": "w", "password": "long-enough", "role": "technician"}),
        json!({"username": "w", "password": "long-enough", "role": "technician", "station_id": Uuid::now_v7()}),
        json!({"username": "w", "password": "long-enough", "role": "dispatcher", "station_id": station}),
        json!({"username": "w", "password": "long-enough", "role": "boss"}),
        json!({"username": "tech1", "password": "long-enough", "role": "technician", "station_id": station}),
    ];
    for body in bad {
        refused(
            &s.post("/v1/console/admin/users", &admin, body.clone()).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    assert_eq!(s.all_counts().await, before);

    let added = s
        .post("/v1/console/admin/users", &admin, json!({"username": "tech9", "password": "demo-tech9", "display_name": "赵六", "role": "technician", "station_id": station}))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let token = s.login("tech9").await;
    let users = s.get("/v1/console/admin/users", &admin).await;
    let row = users.body.as_array().unwrap().iter().find(|u| u["username"] == "tech9").unwrap().clone();
    assert_eq!(
        (row["display_name"].clone(), row["station_id"].clone(), row["disabled_at"].clone()),
        (json!("赵六"), json!(station), json!(null))
    );

    let disabled = s
        .post(&format!("/v1/console/admin/users/{}/disable", row["id"].as_str().unwrap()), &admin, json!({}))
        .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT, "{}", disabled.body);
    refused(&s.get("/v1/sync/pull", &token).await, StatusCode::UNAUTHORIZED, "device_revoked");
    let again = s.call("POST", "/v1/auth/login", None, Some(json!({"username": "tech9", "password": "demo-tech9", "device_name": "x", "device_id": Uuid::now_v7()}).to_string())).await;
    refused(&again, StatusCode::UNAUTHORIZED, "unauthorized");
    let users = s.get("/v1/console/admin/users", &admin).await;
    assert!(
        users
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "tech9" && u["disabled_at"].is_string())
    );
    refused(
        &s.post(&format!("/v1/console/admin/users/{}/disable", Uuid::now_v7()), &admin, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn an_admin_adds_stations_and_revokes_devices() {
    let s = server().await;
    let admin = s.login("admin").await;
    let added = s.post("/v1/console/admin/stations", &admin, json!({"name": "红桥供热站"})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let stations = s.get("/v1/console/admin/stations", &admin).await;
    assert_eq!(stations.body.as_array().unwrap().len(), 5);
    let before = s.all_counts().await;
    refused(
        &s.post("/v1/console/admin/stations", &admin, json!({"name": "和平供热站"})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &s.post("/v1/console/admin/stations", &admin, json!({"name": " "})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    // Names are for screens (and a database's index): a name of a page is refused in words.
    let long = "供".repeat(65);
    let too_long = s.post("/v1/console/admin/stations", &admin, json!({"name": long})).await;
    refused(&too_long, StatusCode::BAD_REQUEST, "bad_request");
    assert!(too_long.body["error"]["message"].as_str().unwrap().contains("at most 64 characters"));
    let user = json!({"username": long, "password": "long-enough", "role": "dispatcher"});
    refused(&s.post("/v1/console/admin/users", &admin, user).await, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(s.all_counts().await, before);

    let tablet = Uuid::now_v7();
    let token = s.login_on("tech1", tablet).await;
    let devices = s.get("/v1/console/admin/devices", &admin).await;
    assert!(
        devices
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == json!(tablet) && d["username"] == "tech1" && d["revoked_at"].is_null())
    );
    let revoked = s.post(&format!("/v1/console/admin/devices/{tablet}/revoke"), &admin, json!({})).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    refused(&s.get("/v1/sync/pull", &token).await, StatusCode::UNAUTHORIZED, "device_revoked");
    refused(
        &s.post(&format!("/v1/console/admin/devices/{}/revoke", Uuid::now_v7()), &admin, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn thresholds_are_stored_only_when_they_make_sense() {
    let s = server().await;
    let admin = s.login("admin").await;
    let current = s.get("/v1/console/admin/thresholds", &admin).await;
    assert_eq!(current.body, serde_json::to_value(hearth_core::rules::CityProfile::default()).unwrap());
    let before = s.all_counts().await;
    let put = |body: serde_json::Value| {
        s.call("PUT", "/v1/console/admin/thresholds", Some(&admin), Some(body.to_string()))
    };
    let mut bad = current.body.clone();
    bad["indoor_standard_c"] = json!(45.0);
    refused(&put(bad).await, StatusCode::BAD_REQUEST, "bad_request");
    let mut bad = current.body.clone();
    bad["refund_tiers"] =
        json!([{"shortfall_from_c": 2.0, "refund_pct": 50.0}, {"shortfall_from_c": 0.0, "refund_pct": 20.0}]);
    let answer = put(bad).await;
    refused(&answer, StatusCode::BAD_REQUEST, "bad_request");
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("ascend"));
    let mut bad = current.body.clone();
    bad["arrive_within_hours"] = json!(12);
    refused(&put(bad).await, StatusCode::BAD_REQUEST, "bad_request");
    let mut bad = current.body.clone();
    bad["fix_within_hours"] = json!("eight");
    refused(&put(bad).await, StatusCode::BAD_REQUEST, "bad_request");
    // The company's name heads every printed report: never blank, never a paragraph.
    for name in [json!("   "), json!("热".repeat(41))] {
        let mut bad = current.body.clone();
        bad["company_name"] = name;
        let answer = put(bad).await;
        refused(&answer, StatusCode::BAD_REQUEST, "bad_request");
        assert!(answer.body["error"]["message"].as_str().unwrap().contains("company_name"));
    }
    assert_eq!(s.all_counts().await, before);

    assert_eq!(current.body["company_name"], "供热服务有限公司");
    let mut xuzhou = current.body.clone();
    xuzhou["fix_within_hours"] = json!(48);
    xuzhou["company_name"] = json!("徐州市热力有限公司");
    assert_eq!(put(xuzhou.clone()).await.status, StatusCode::OK);
    assert_eq!(s.get("/v1/console/admin/thresholds", &admin).await.body, xuzhou);
    // New orders take their due time from the stored profile.
    let office = s.login("dispatcher").await;
    let home = super::household(0);
    let order = s
        .post(
            "/v1/console/work-orders",
            &office,
            json!({"household_id": home.id, "kind": "repair", "priority": "normal", "description": "不热"}),
        )
        .await;
    let reported: chrono::DateTime<chrono::Utc> =
        order.body["reported_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = order.body["due_by"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - reported, chrono::Duration::hours(48));
}

#[tokio::test]
async fn the_device_list_shows_each_devices_last_contact() {
    let s = server().await;
    let admin = s.login("admin").await;
    let (pulled, silent) = (Uuid::now_v7(), Uuid::now_v7());
    let token = s.login_on("tech1", pulled).await;
    s.login_on("tech2", silent).await;
    // A login is a contact: both tablets show one at once.
    let before = chrono::Utc::now() - chrono::Duration::minutes(1);
    let contact = |devices: &serde_json::Value, id: Uuid| {
        let row = devices.as_array().unwrap().iter().find(|d| d["id"] == json!(id)).unwrap().clone();
        row["last_used_at"].as_str().map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    };
    let devices = s.get("/v1/console/admin/devices", &admin).await;
    assert!(contact(&devices.body, silent).is_some_and(|t| t >= before), "{}", devices.body);

    // Both as if they had logged in before the server recorded contacts.
    s.sql(&format!("UPDATE devices SET last_used_at = NULL WHERE id IN ('{pulled}', '{silent}')")).await;
    let devices = s.get("/v1/console/admin/devices", &admin).await;
    assert_eq!((contact(&devices.body, pulled), contact(&devices.body, silent)), (None, None));

    let pull = s.get("/v1/sync/pull", &token).await;
    assert_eq!(pull.status, StatusCode::OK, "{}", pull.body);
    // The contact is written off the request's path: give it a moment.
    let mut seen = None;
    for _ in 0..100 {
        let devices = s.get("/v1/console/admin/devices", &admin).await;
        assert_eq!(contact(&devices.body, silent), None, "{}", devices.body);
        seen = contact(&devices.body, pulled);
        if seen.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let seen = seen.expect("the tablet that pulled shows no last contact");
    assert!(seen >= before && seen <= chrono::Utc::now(), "{seen}");
}
