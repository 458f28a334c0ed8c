//! Auth, the error format and the limits: every refusal says why and stores nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::model::Sha256;
use hearth_core::protocol::MAX_PUSH_ENTRIES;
use serde_json::json;
use tower::ServiceExt;
use uuid::Uuid;

use super::{code, server};

#[tokio::test]
async fn the_right_password_gives_a_token_and_a_wrong_one_is_refused() {
    let s = server().await;
    let token = s.login("tech1").await;
    assert_eq!(token.len(), 64);
    let pull = s.call("GET", "/v1/sync/pull", Some(&token), None).await;
    assert_eq!(pull.status, StatusCode::OK);

    let wrong =
        json!({"username": "tech1", "password": "guess", "device_name": "x", "device_id": Uuid::now_v7()});
    let answer = s.call("POST", "/v1/auth/login", None, Some(wrong.to_string())).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&answer), "unauthorized");
    let nobody =
        json!({"username": "nobody", "password": "x", "device_name": "x", "device_id": Uuid::now_v7()});
    assert_eq!(code(&s.call("POST", "/v1/auth/login", None, Some(nobody.to_string())).await), "unauthorized");
}

#[tokio::test]
async fn a_call_without_a_known_token_is_refused_with_the_reason() {
    let s = server().await;
    let none = s.call("GET", "/v1/sync/pull", None, None).await;
    assert_eq!((none.status, code(&none)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let forged = s.call("GET", "/v1/sync/pull", Some(&"0".repeat(64)), None).await;
    assert_eq!((forged.status, code(&forged)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    assert!(forged.body["error"]["message"].as_str().unwrap().contains("log in"));
}

#[tokio::test]
async fn a_new_login_on_the_same_device_replaces_its_token() {
    let s = server().await;
    let device = Uuid::now_v7();
    let first = s.login_on("tech1", device).await;
    let second = s.login_on("tech1", device).await;
    assert_eq!(s.call("GET", "/v1/sync/pull", Some(&first), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.call("GET", "/v1/sync/pull", Some(&second), None).await.status, StatusCode::OK);
    assert_eq!(s.storage.devices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn logout_makes_the_token_worthless_and_a_new_login_works() {
    let s = server().await;
    let device = Uuid::now_v7();
    let token = s.login_on("dispatcher", device).await;
    assert_eq!(s.call("GET", "/v1/console/calls", Some(&token), None).await.status, StatusCode::OK);
    let out = s.call("POST", "/v1/auth/logout", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = s.call("GET", "/v1/console/calls", Some(&token), None).await;
    assert_eq!((after.status, code(&after)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    // Logging out twice is refused like any unknown token; nothing else changed.
    assert_eq!(s.call("POST", "/v1/auth/logout", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
    let again = s.login_on("dispatcher", device).await;
    assert_eq!(s.call("GET", "/v1/console/calls", Some(&again), None).await.status, StatusCode::OK);
    assert_eq!(s.storage.devices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_console_page_is_served_at_the_root_and_unknown_api_paths_stay_json() {
    let s = server().await;
    let resp = s.app.clone().oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let html = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&html).contains("<title>"), "not the page");
    let answer = s.call("POST", "/v1/nothing", None, Some("{}".into())).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_revoked_device_is_told_it_was_revoked() {
    let s = server().await;
    let device = Uuid::now_v7();
    let token = s.login_on("tech1", device).await;
    assert!(s.storage.revoke_device(device, chrono::Utc::now()).await.unwrap());
    let answer = s.call("GET", "/v1/sync/pull", Some(&token), None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&answer), "device_revoked");
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("revoked"));
    let push = s.call("POST", "/v1/sync/push", Some(&token), Some(r#"{"entries":[]}"#.into())).await;
    assert_eq!(code(&push), "device_revoked");
    let again =
        json!({"username": "tech1", "password": "demo-tech1", "device_name": "x", "device_id": device});
    let login = s.call("POST", "/v1/auth/login", None, Some(again.to_string())).await;
    assert_eq!(
        (login.status, code(&login)),
        (StatusCode::UNAUTHORIZED, "device_revoked"),
        "logging in again does not undo a revoke"
    );
}

#[tokio::test]
async fn bad_json_is_refused_in_the_error_format_and_stores_nothing() {
    let s = server().await;
    let token = s.login("tech1").await;
    let before = s.counts().await;
    let entry = |change: serde_json::Value| {
        json!({"entries": [{"id": Uuid::now_v7(), "hlc": "0000000000000001-00000000-0000000000000001", "change": change}]})
            .to_string()
    };
    let edit = json!({"entity": "work_order_edit", "data": {"work_order_id": Uuid::now_v7(), "fields": {}}});
    let cases = [
        ("syntax", "{\"entries\": [".to_owned(), "malformed_json"),
        ("unknown field", json!({"entries": [], "extra": 1}).to_string(), "bad_request"),
        ("wrong type", json!({"entries": "none"}).to_string(), "bad_request"),
        ("unknown entity", entry(json!({"entity": "payment", "data": {}})), "bad_request"),
        (
            "unknown enum value",
            entry(
                json!({"entity": "work_order_edit", "data": {"work_order_id": Uuid::now_v7(), "fields": {"status": "reopened"}}}),
            ),
            "bad_request",
        ),
        (
            "bad hlc",
            entry(edit).replace("0000000000000001-00000000-0000000000000001", "yesterday"),
            "bad_request",
        ),
    ];
    for (what, body, expected) in cases {
        let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{what}: {}", answer.body);
        assert_eq!(code(&answer), expected, "{what}");
        assert!(!answer.body["error"]["message"].as_str().unwrap().is_empty());
    }
    let no_type = Request::post("/v1/sync/push")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(r#"{"entries":[]}"#))
        .unwrap();
    let answer = s.send(no_type).await;
    assert_eq!(
        (answer.status, code(&answer)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let s = server().await;
    let token = s.login("tech1").await;
    let before = s.counts().await;
    let huge =
        format!(r#"{{"entries":[],"pad":"{}"}}"#, "x".repeat(hearth_server::routes::sync::PUSH_BODY_LIMIT));
    let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(huge)).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let login = format!(r#"{{"username":"{}"}}"#, "x".repeat(100_000));
    let answer = s.call("POST", "/v1/auth/login", None, Some(login)).await;
    assert_eq!(code(&answer), "payload_too_large");
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn a_batch_over_the_limit_is_refused_whole() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let before = s.counts().await;
    let entries: Vec<_> = (0..=MAX_PUSH_ENTRIES)
        .map(|_| {
            json!({"id": Uuid::now_v7(), "hlc": "0000000000000001-00000000-0000000000000001",
                   "change": {"entity": "work_order_edit", "data": {"work_order_id": Uuid::now_v7(), "fields": {}}}})
        })
        .collect();
    let answer =
        s.call("POST", "/v1/sync/push", Some(&token), Some(json!({"entries": entries}).to_string())).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::PAYLOAD_TOO_LARGE, "too_many_entries"));
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn blobs_are_checked_against_their_hash_and_stored_once() {
    let s = server().await;
    let token = s.login("tech1").await;
    let photo = b"\xFF\xD8 a photo of a radiator".to_vec();
    let sha = Sha256::of(&photo);
    let put = |body: Vec<u8>, sha: String| {
        Request::put(format!("/v1/blobs/{sha}"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap()
    };
    let head = |sha: String| {
        Request::head(format!("/v1/blobs/{sha}"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let before = s.counts().await;
    let damaged = s.send(put(b"something else".to_vec(), sha.to_string())).await;
    assert_eq!((damaged.status, code(&damaged)), (StatusCode::BAD_REQUEST, "hash_mismatch"));
    assert_eq!(s.counts().await, before);
    assert_eq!(s.send(head(sha.to_string())).await.status, StatusCode::NOT_FOUND);

    assert_eq!(s.send(put(photo.clone(), sha.to_string())).await.status, StatusCode::CREATED);
    assert_eq!(s.send(put(photo, sha.to_string())).await.status, StatusCode::OK);
    assert_eq!(s.send(head(sha.to_string())).await.status, StatusCode::OK);
    let too_big = vec![0u8; usize::try_from(hearth_core::protocol::MAX_BLOB_BYTES).unwrap() + 1];
    let sha_of_big = Sha256::of(&too_big).to_string();
    let answer = s.send(put(too_big, sha_of_big)).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let not_a_hash = s.send(put(b"x".to_vec(), "photo.jpg".into())).await;
    assert_eq!(code(&not_a_hash), "bad_request");
}

#[tokio::test]
async fn an_unknown_route_or_method_is_answered_in_the_error_format() {
    let s = server().await;
    let answer = s.call("GET", "/v1/nothing", None, None).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::NOT_FOUND, "not_found"));
    let answer = s.call("DELETE", "/v1/sync/push", None, None).await;
    assert_eq!((answer.status, code(&answer)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_core_enum_values() {
    let s = server().await;
    let doc = s.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    for path in ["/v1/auth/login", "/v1/auth/logout", "/v1/sync/push", "/v1/sync/pull", "/v1/blobs/{sha256}"]
    {
        assert!(doc.body["paths"].get(path).is_some(), "{path} is missing");
    }
    // The headers a device reads a page's end from before its body.
    let pull_headers = &doc.body["paths"]["/v1/sync/pull"]["get"]["responses"]["200"]["headers"];
    for header in [hearth_core::protocol::NEXT_CURSOR_HEADER, hearth_core::protocol::MORE_HEADER] {
        assert!(pull_headers.get(header).is_some(), "{header} is not documented: {pull_headers}");
    }
    let schemas = &doc.body["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        let schema = &schemas[name];
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    use hearth_core::model::{Priority, Role, WorkOrderStatus};
    let names = |all: Vec<&str>| all.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(values("WorkOrderStatus"), names(WorkOrderStatus::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(values("Priority"), names(Priority::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(values("Role"), names(Role::ALL.iter().map(|s| s.as_str()).collect()));
    use hearth_core::protocol::WithdrawnKind;
    let kinds =
        [WithdrawnKind::Household, WithdrawnKind::WorkOrder].map(|k| serde_json::to_value(k).unwrap());
    assert_eq!(values("WithdrawnKind"), kinds.map(|k| k.as_str().unwrap().to_owned()).to_vec());
    assert_eq!(
        schemas["PushRequest"]["properties"]["entries"]["maxItems"], MAX_PUSH_ENTRIES,
        "{}",
        schemas["PushRequest"]
    );
    use strum::IntoEnumIterator;
    let error_codes: Vec<&str> = hearth_server::error::ErrorCode::iter().map(|c| c.as_str()).collect();
    assert_eq!(schemas["ApiError"]["properties"]["code"]["enum"], serde_json::json!(error_codes));
    let reject_codes: Vec<String> = values("RejectCode");
    for code in [
        hearth_core::protocol::RejectCode::BlobMissing,
        hearth_core::protocol::RejectCode::UnknownReference,
        hearth_core::protocol::RejectCode::Invalid,
        hearth_core::protocol::RejectCode::Conflict,
        hearth_core::protocol::RejectCode::Forbidden,
    ] {
        let name = serde_json::to_value(code).unwrap().as_str().unwrap().to_owned();
        assert!(reject_codes.contains(&name), "{name} is not in the document");
    }
}
