//! Who may use the console: dispatchers and admins; the admin's part only admins.

use axum::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::refused;
use crate::server;

/// Every console endpoint with a body that would be accepted from the right role.
fn endpoints() -> Vec<(&'static str, String, Option<serde_json::Value>)> {
    let id = Uuid::now_v7();
    let sha = "a".repeat(64);
    vec![
        ("GET", "/v1/console/households?q=1000".into(), None),
        ("GET", format!("/v1/console/households/{id}"), None),
        ("GET", format!("/v1/console/households/by-id?ids={id}"), None),
        (
            "POST",
            "/v1/console/calls".into(),
            Some(json!({"caller_name": "王", "phone": "138", "description": "问询", "outcome": "advice"})),
        ),
        ("GET", "/v1/console/calls".into(), None),
        (
            "POST",
            "/v1/console/work-orders".into(),
            Some(json!({"household_id": id, "kind": "repair", "priority": "normal", "description": "x"})),
        ),
        ("GET", "/v1/console/work-orders".into(), None),
        ("GET", "/v1/console/work-orders.csv".into(), None),
        ("GET", format!("/v1/console/work-orders/{id}"), None),
        ("POST", format!("/v1/console/work-orders/{id}/assign"), Some(json!({"assignee_id": id}))),
        ("POST", format!("/v1/console/work-orders/{id}/cancel"), Some(json!({"reason": "重复"}))),
        ("GET", "/v1/console/reports".into(), None),
        ("GET", "/v1/console/reports.csv".into(), None),
        ("GET", format!("/v1/console/reports/{id}"), None),
        ("GET", format!("/v1/console/blobs/{sha}"), None),
        ("GET", "/v1/console/conflicts".into(), None),
        ("GET", "/v1/console/kpis?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z".into(), None),
        ("GET", "/v1/console/kpis/waiting".into(), None),
        ("POST", "/v1/console/follow-ups".into(), Some(json!({"report_id": id}))),
        ("POST", "/v1/console/dispatch-log".into(), Some(json!({"text": "交接班"}))),
        ("GET", "/v1/console/dispatch-log".into(), None),
        ("GET", "/v1/console/roster".into(), None),
    ]
    .into_iter()
    .chain(admin_endpoints())
    .collect()
}

fn admin_endpoints() -> Vec<(&'static str, String, Option<serde_json::Value>)> {
    let id = Uuid::now_v7();
    vec![
        ("GET", "/v1/console/admin/users".into(), None),
        (
            "POST",
            "/v1/console/admin/users".into(),
            Some(json!({"username": "new", "password": "long-enough", "role": "dispatcher"})),
        ),
        ("POST", format!("/v1/console/admin/users/{id}/disable"), None),
        ("GET", "/v1/console/admin/stations".into(), None),
        ("POST", "/v1/console/admin/stations".into(), Some(json!({"name": "新站"}))),
        ("GET", "/v1/console/admin/devices".into(), None),
        ("POST", format!("/v1/console/admin/devices/{id}/revoke"), None),
        ("GET", "/v1/console/admin/thresholds".into(), None),
        (
            "PUT",
            "/v1/console/admin/thresholds".into(),
            Some(serde_json::to_value(hearth_core::rules::CityProfile::default()).unwrap()),
        ),
    ]
}

#[tokio::test]
async fn a_technician_or_inspector_gets_403_from_every_console_endpoint_and_nothing_is_stored() {
    let s = server().await;
    let before = s.all_counts().await;
    for username in ["tech1", "insp2"] {
        let token = s.login(username).await;
        let before = s.all_counts().await;
        for (method, uri, body) in endpoints() {
            let answer = s.call(method, &uri, Some(&token), body.map(|b| b.to_string())).await;
            refused(&answer, StatusCode::FORBIDDEN, "forbidden");
            let message = answer.body["error"]["message"].as_str().unwrap();
            assert!(message.contains("dispatcher") || message.contains("admin"), "{method} {uri}: {message}");
        }
        assert_eq!(s.all_counts().await, before, "{username}");
    }
    let _ = before;
}

#[tokio::test]
async fn a_dispatcher_gets_403_from_the_admin_endpoints_and_no_token_gets_401() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let before = s.all_counts().await;
    for (method, uri, body) in admin_endpoints() {
        let answer = s.call(method, &uri, Some(&token), body.clone().map(|b| b.to_string())).await;
        refused(&answer, StatusCode::FORBIDDEN, "forbidden");
        assert!(answer.body["error"]["message"].as_str().unwrap().contains("admin"));
    }
    for (method, uri, body) in endpoints() {
        let answer = s.call(method, &uri, None, body.map(|b| b.to_string())).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(s.all_counts().await, before);
}

#[tokio::test]
async fn every_console_endpoint_is_in_the_openapi_document() {
    let s = server().await;
    let doc = s.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    for (method, uri, _) in endpoints() {
        let path = uri.split('?').next().unwrap();
        let templated: String = path
            .split('/')
            .map(|seg| {
                if seg.parse::<Uuid>().is_ok() {
                    "{id}".to_owned()
                } else if seg.len() == 64 {
                    "{sha256}".to_owned()
                } else {
                    seg.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let op = &doc.body["paths"][&templated][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {templated} is not in the document");
    }
    for name in ["CallRequest", "KpiReport", "ReportDetail", "ConflictEntry", "LogEntry"] {
        assert!(doc.body["components"]["schemas"][name].is_object(), "schema {name} is missing");
    }
}

#[tokio::test]
async fn a_dispatcher_sees_the_stations_and_the_field_staff_to_assign() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let roster = s.call("GET", "/v1/console/roster", Some(&token), None).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    let stations = roster.body["stations"].as_array().unwrap();
    assert_eq!(stations.len(), hearth_core::demo::stations().len());
    let usernames: Vec<&str> =
        roster.body["crew"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(usernames.contains(&"tech1") && usernames.contains(&"insp1"), "{usernames:?}");
    assert!(!usernames.contains(&"dispatcher") && !usernames.contains(&"admin"), "{usernames:?}");
}
