//! The audit trail: every office action done through the API is found in
//! `/v1/console/admin/audit` with who, from which device and what changed; the filter and
//! paging; admins only; a refused action leaves no entry; the table refuses UPDATE and DELETE.

use axum::http::StatusCode;
use chrono::Utc;
use hearth_core::model::{ReportBody, Satisfaction};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{household, refused};
use crate::{Server, server};

/// Logs `username` in on `device` and gives the token and the user's id.
async fn login_on(s: &Server, username: &str, device: Uuid) -> (String, Uuid) {
    let body = json!({
        "username": username, "password": format!("demo-{username}"),
        "device_name": "调度室电脑", "device_id": device,
    });
    let answer = s.call("POST", "/v1/auth/login", None, Some(body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let id = answer.body["user"]["id"].as_str().unwrap().parse().unwrap();
    (answer.body["token"].as_str().unwrap().to_owned(), id)
}

async fn put(s: &Server, uri: &str, token: &str, body: Value) -> crate::Answer {
    s.call("PUT", uri, Some(token), Some(body.to_string())).await
}

/// The entries of one page of the trail, as an admin reads it.
async fn entries(s: &Server, token: &str, query: &str) -> Vec<Value> {
    let page = s.get(&format!("/v1/console/admin/audit{query}"), token).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body["entries"].as_array().unwrap().clone()
}

/// The one entry of `action`.
fn only<'a>(all: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = all.iter().filter(|e| e["action"] == action).collect();
    assert_eq!(found.len(), 1, "{action}: {all:#?}");
    found[0]
}

#[tokio::test]
async fn every_office_action_is_kept_with_who_from_where_and_what_changed() {
    let s = server().await;
    let (admin_device, office_device) = (Uuid::now_v7(), Uuid::now_v7());
    let (admin, admin_id) = login_on(&s, "admin", admin_device).await;
    let (office, dispatcher_id) = login_on(&s, "dispatcher", office_device).await;
    let (tech_token, tech1) = login_on(&s, "tech1", Uuid::now_v7()).await;
    let (_, insp1) = login_on(&s, "insp1", Uuid::now_v7()).await;
    let station = household(0).station_id;

    // The admin's actions.
    let user = s
        .post(
            "/v1/console/admin/users",
            &admin,
            json!({"username": "tech9", "password": "long-enough", "display_name": "王师傅",
                   "role": "technician", "station_id": station}),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    let new_user = user.body["id"].clone();
    let disabled = s
        .post(&format!("/v1/console/admin/users/{}/disable", new_user.as_str().unwrap()), &admin, json!({}))
        .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT, "{}", disabled.body);
    let lost_tablet = Uuid::now_v7();
    login_on(&s, "insp1", lost_tablet).await;
    let revoked = s.post(&format!("/v1/console/admin/devices/{lost_tablet}/revoke"), &admin, json!({})).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    let mut profile = s.get("/v1/console/admin/thresholds", &admin).await.body;
    let old_price = profile["price_yuan_per_m2"].clone();
    profile["price_yuan_per_m2"] = json!(31.5);
    let set = put(&s, "/v1/console/admin/thresholds", &admin, profile.clone()).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    // The dispatcher's: a planned order, assigned, reassigned, cancelled; an order from a call;
    // a follow-up of a non-compliant check.
    let planned = s
        .post(
            "/v1/console/work-orders",
            &office,
            json!({"household_id": household(0).id, "kind": "inspection", "priority": "normal",
                   "description": "入户稽查"}),
        )
        .await;
    assert_eq!(planned.status, StatusCode::CREATED, "{}", planned.body);
    let order = planned.body["id"].as_str().unwrap().to_owned();
    let number = planned.body["number"].clone();
    for assignee in [tech1, insp1] {
        let assigned = s
            .post(
                &format!("/v1/console/work-orders/{order}/assign"),
                &office,
                json!({"assignee_id": assignee}),
            )
            .await;
        assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    }
    let cancelled = s
        .post(&format!("/v1/console/work-orders/{order}/cancel"), &office, json!({"reason": "住户已搬走"}))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let call = s
        .post(
            "/v1/console/calls",
            &office,
            json!({"caller_name": "李女士", "phone": "13800000000", "household_id": household(4).id,
                   "description": "暖气不热", "outcome": "work_order",
                   "work_order": {"kind": "repair", "priority": "urgent", "description": "暖气不热"}}),
        )
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{}", call.body);
    let mut r = hearth_core::demo::report(
        ReportBody::TemperatureCheck(hearth_core::demo::temperature_check(Utc::now())),
        household(8).id,
        tech1,
        Utc::now(),
    );
    if let ReportBody::TemperatureCheck(c) = &mut r.body {
        c.readings[0].celsius = 15.0;
    }
    r.feedback.satisfaction = Some(Satisfaction::Dissatisfied);
    let check = hearth_core::demo::sign(r, "客户", Utc::now()).unwrap();
    s.push_reports(&tech_token, std::slice::from_ref(&check)).await;
    let follow_up = s.post("/v1/console/follow-ups", &office, json!({"report_id": check.report().id})).await;
    assert_eq!(follow_up.status, StatusCode::CREATED, "{}", follow_up.body);

    // Every action is in the trail, newest first, with who, from which device and what.
    let all = entries(&s, &admin, "?limit=100").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "follow_up_created",
            "order_from_call",
            "order_cancelled",
            "order_reassigned",
            "order_assigned",
            "order_created",
            "thresholds_changed",
            "device_revoked",
            "user_disabled",
            "user_added"
        ]
    );
    for e in &all[..6] {
        assert_eq!(
            (&e["actor_id"], &e["actor_username"], &e["device_id"]),
            (&json!(dispatcher_id), &json!("dispatcher"), &json!(office_device)),
            "{e}"
        );
    }
    for e in &all[6..] {
        assert_eq!((&e["actor_id"], &e["device_id"]), (&json!(admin_id), &json!(admin_device)), "{e}");
    }
    let added = only(&all, "user_added");
    assert_eq!((&added["subject_id"], &added["detail"]["username"]), (&new_user, &json!("tech9")));
    assert_eq!(added["detail"]["role"], "technician");
    assert_eq!(only(&all, "user_disabled")["subject_id"], new_user);
    assert_eq!(only(&all, "device_revoked")["subject_id"], json!(lost_tablet));
    assert_eq!(only(&all, "device_revoked")["detail"]["username"], "insp1");
    // Only the field that changed, old and new.
    assert_eq!(
        only(&all, "thresholds_changed")["detail"],
        json!({"price_yuan_per_m2": {"from": old_price, "to": 31.5}})
    );
    let created = only(&all, "order_created");
    assert_eq!((&created["subject_id"], &created["detail"]["number"]), (&json!(order), &number));
    let assigned = only(&all, "order_assigned");
    assert_eq!((&assigned["detail"]["from"], &assigned["detail"]["to"]["id"]), (&Value::Null, &json!(tech1)));
    let reassigned = only(&all, "order_reassigned");
    assert_eq!(
        (&reassigned["detail"]["from"]["id"], &reassigned["detail"]["to"]["id"]),
        (&json!(tech1), &json!(insp1))
    );
    assert!(reassigned["detail"]["to"]["name"].as_str().is_some_and(|n| !n.is_empty()), "{reassigned}");
    let cancel = only(&all, "order_cancelled");
    assert_eq!((&cancel["subject_id"], &cancel["detail"]["reason"]), (&json!(order), &json!("住户已搬走")));
    assert_eq!(cancel["detail"]["from_status"], "assigned");
    let from_call = only(&all, "order_from_call");
    assert_eq!(
        (&from_call["subject_id"], &from_call["detail"]["call_id"]),
        (&call.body["work_order"]["id"], &call.body["call"]["id"])
    );
    assert_eq!(from_call["detail"]["number"], call.body["work_order"]["number"]);
    let follow = only(&all, "follow_up_created");
    assert_eq!(
        (&follow["subject_id"], &follow["detail"]["follows_up"]),
        (&follow_up.body["id"], &json!(check.report().id))
    );

    // The filter: by action, by user, by date; paging.
    let reassignments = entries(&s, &admin, "?action=order_reassigned").await;
    assert_eq!(reassignments, vec![reassigned.clone()]);
    let by_admin = entries(&s, &admin, &format!("?user_id={admin_id}")).await;
    assert_eq!(by_admin, all[6..].to_vec());
    assert_eq!(
        entries(&s, &admin, "?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z").await,
        Vec::<Value>::new()
    );
    let page = s.get("/v1/console/admin/audit?limit=3&offset=3", &admin).await;
    assert_eq!(page.body["total"], 10);
    assert_eq!(page.body["entries"].as_array().unwrap(), &all[3..6].to_vec());
    refused(
        &s.get("/v1/console/admin/audit?action=deleted_everything", &admin).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    // A refused action keeps nothing.
    let taken = s
        .post(
            "/v1/console/admin/users",
            &admin,
            json!({"username": "tech9", "password": "long-enough", "role": "dispatcher"}),
        )
        .await;
    refused(&taken, StatusCode::BAD_REQUEST, "bad_request");
    let finished = s
        .post(&format!("/v1/console/work-orders/{order}/assign"), &office, json!({"assignee_id": tech1}))
        .await;
    refused(&finished, StatusCode::CONFLICT, "conflict");
    assert_eq!(entries(&s, &admin, "?limit=100").await.len(), 10);
}

#[tokio::test]
async fn only_an_admin_reads_the_trail_and_no_one_changes_it() {
    let s = server().await;
    let tech = s.login("tech1").await;
    let office = s.login("dispatcher").await;
    refused(&s.get("/v1/console/admin/audit", &tech).await, StatusCode::FORBIDDEN, "forbidden");
    refused(&s.get("/v1/console/admin/audit", &office).await, StatusCode::FORBIDDEN, "forbidden");
    let admin = s.login("admin").await;
    // No route writes to it but the actions themselves.
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = s.call(method, "/v1/console/admin/audit", Some(&admin), Some("{}".into())).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }

    s.login("insp1").await;
    let devices = s.get("/v1/console/admin/devices", &admin).await;
    let device = devices.body.as_array().unwrap().iter().find(|d| d["username"] == "insp1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = s.post(&format!("/v1/console/admin/devices/{device}/revoke"), &admin, json!({})).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);

    // Whoever reaches the database behind the server cannot rewrite or erase an entry.
    assert_eq!(s.count("audit_log").await, 1);
    let update = s.database.execute("UPDATE audit_log SET detail = 'someone else did it'").await.unwrap_err();
    assert!(update.contains("append-only"), "{update}");
    let delete = s.database.execute("DELETE FROM audit_log").await.unwrap_err();
    assert!(delete.contains("append-only"), "{delete}");
    assert_eq!(s.count("audit_log").await, 1);
}
