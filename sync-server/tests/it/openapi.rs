//! `GET /v1/openapi.json` against the server itself: the bodies a device really sends and
//! gets are valid under the document's schemas, and a body the schemas refuse the server
//! refuses too.

use axum::http::StatusCode;
use hearth_core::hlc::Hlc;
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest, WorkOrderEdit, WorkOrderFields};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Server, household, report_for, server};

/// Checks JSON values against one of the document's component schemas.
struct Schemas(Value);

impl Schemas {
    async fn of(s: &Server) -> Schemas {
        let doc = s.call("GET", "/v1/openapi.json", None, None).await;
        assert_eq!(doc.status, StatusCode::OK);
        Schemas(doc.body["components"].clone())
    }

    /// The schema's complaints about `value`, in words; empty when it is valid.
    fn complaints(&self, name: &str, value: &Value) -> Vec<String> {
        let schema = json!({"$ref": format!("#/components/schemas/{name}"), "components": self.0});
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"));
        validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }

    fn assert_valid(&self, name: &str, value: &Value) {
        let complaints = self.complaints(name, value);
        assert!(complaints.is_empty(), "{name} does not describe {value}: {complaints:?}");
    }
}

#[tokio::test]
async fn what_a_device_sends_and_gets_fits_the_documented_schemas() {
    let s = server().await;
    let schemas = Schemas::of(&s).await;

    let login = json!({"username": "tech1", "password": "demo-tech1", "device_name": "平板", "device_id": Uuid::now_v7()});
    schemas.assert_valid("LoginRequest", &login);
    let answer = s.call("POST", "/v1/auth/login", None, Some(login.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    schemas.assert_valid("LoginResponse", &answer.body);
    let token = answer.body["token"].as_str().unwrap().to_owned();
    let me: Uuid = answer.body["user"]["id"].as_str().unwrap().parse().unwrap();

    // An accepted report, a report refused (another station's household) and an edit of an
    // order the server does not know: both kinds of change, both kinds of outcome.
    let report = |n| Outgoing::Report(Box::new(report_for(&household(n), me)));
    let edit = Outgoing::WorkOrderEdit(WorkOrderEdit {
        work_order_id: Uuid::now_v7(),
        fields: WorkOrderFields { status_note: Some("门禁坏了".into()), ..WorkOrderFields::default() },
    });
    let entries = [report(0), report(1), edit]
        .into_iter()
        .map(|change| PushEntry { id: Uuid::now_v7(), hlc: Hlc { wall_ms: 1, counter: 0, node: 7 }, change })
        .collect();
    let push = serde_json::to_value(PushRequest { entries }).unwrap();
    schemas.assert_valid("PushRequest", &push);
    let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(push.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let results: Vec<&str> = answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"]["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["accepted", "rejected", "rejected"]);
    schemas.assert_valid("PushResponse", &answer.body);

    // Every page of a first pull: stations, households and work orders with their clocks.
    let (mut after, mut entities) = (0, std::collections::BTreeSet::new());
    loop {
        let page = s
            .call("GET", &format!("/v1/sync/pull?after={after}&limit=7&remaining=true"), Some(&token), None)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        schemas.assert_valid("PullResponse", &page.body);
        for change in page.body["changes"].as_array().unwrap() {
            entities.insert(change["change"]["entity"].as_str().unwrap().to_owned());
        }
        if page.body["more"] == false {
            break;
        }
        after = page.body["next_cursor"].as_u64().unwrap();
    }
    assert_eq!(entities.into_iter().collect::<Vec<_>>(), ["household", "station", "work_order"]);

    let refused = s.call("POST", "/v1/sync/push", Some(&token), Some("{\"entries\": [".into())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    schemas.assert_valid("ErrorBody", &refused.body);
}

#[tokio::test]
async fn a_body_the_schemas_refuse_the_server_refuses_and_stores_nothing() {
    let s = server().await;
    let schemas = Schemas::of(&s).await;
    let (token, me) = s.login_user("tech1").await;
    let entry = PushEntry {
        id: Uuid::now_v7(),
        hlc: Hlc { wall_ms: 1, counter: 0, node: 7 },
        change: Outgoing::Report(Box::new(report_for(&household(0), me))),
    };
    let push = serde_json::to_value(PushRequest { entries: vec![entry] }).unwrap();
    let before = s.counts();
    let mut unfit = Vec::new();
    // An unknown field, a wrong enum value, a wrong type: each refused by both.
    for (path, value) in [
        ("/entries/0/priority", json!("high")),
        ("/entries/0/change/entity", json!("payment")),
        ("/entries/0/change/data/report/body/kind", json!("boiler_check")),
        ("/entries/0/change/data/report/household_id", json!(42)),
    ] {
        let mut bad = push.clone();
        let (parent, key) = path.rsplit_once('/').unwrap();
        bad.pointer_mut(parent).unwrap().as_object_mut().unwrap().insert(key.to_owned(), value);
        assert!(!schemas.complaints("PushRequest", &bad).is_empty(), "the schema lets {path} through");
        let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(bad.to_string())).await;
        unfit.push((path, answer.status));
    }
    assert!(unfit.iter().all(|(_, status)| *status == StatusCode::BAD_REQUEST), "{unfit:?}");
    assert_eq!(s.counts(), before);
    // The same body untouched is valid and stored.
    schemas.assert_valid("PushRequest", &push);
    let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(push.to_string())).await;
    assert_eq!(answer.body["results"][0]["outcome"]["result"], "accepted", "{}", answer.body);
}
