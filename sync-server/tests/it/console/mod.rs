//! The dispatchers' console API: role checks, bad input that stores nothing, and results
//! checked against records the tests made.

mod admin;
mod audit;
mod board;
mod csv_export;
mod intake;
mod kpis;
mod records;
mod roles;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::SignedReport;
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest, WorkOrderEdit, WorkOrderFields};
use serde_json::Value;
use uuid::Uuid;

use super::{Answer, Server};

/// Household `n` of the demo city (station `n % 4`; `tech1` serves station 0).
pub use super::household;

impl Server {
    /// Logs in and gives the token and the user's id.
    pub async fn login_user(&self, username: &str) -> (String, Uuid) {
        let body = serde_json::json!({
            "username": username, "password": format!("demo-{username}"),
            "device_name": "办公室电脑", "device_id": Uuid::now_v7(),
        });
        let answer = self.call("POST", "/v1/auth/login", None, Some(body.to_string())).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let id = answer.body["user"]["id"].as_str().unwrap().parse().unwrap();
        (answer.body["token"].as_str().unwrap().to_owned(), id)
    }

    pub async fn get(&self, uri: &str, token: &str) -> Answer {
        self.call("GET", uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> Answer {
        self.call("POST", uri, Some(token), Some(body.to_string())).await
    }

    /// Row counts of every table, the console's included.
    pub async fn all_counts(&self) -> Vec<(String, i64)> {
        let tables = self.database.tables().await;
        self.database.counts(&tables).await
    }

    /// Changes records behind the server's back, as an outsider with access to the database
    /// would, in SQL that reads alike on both backends; the rows it changed.
    pub async fn sql(&self, sql: &str) -> u64 {
        self.database.execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Pushes signed reports as a device; every one must be accepted.
    pub async fn push_reports(&self, token: &str, reports: &[SignedReport]) {
        let entries = reports
            .iter()
            .map(|r| PushEntry {
                id: Uuid::now_v7(),
                hlc: Hlc::ZERO,
                change: Outgoing::Report(Box::new(r.clone())),
            })
            .collect();
        self.push_ok(token, entries).await;
    }

    /// Pushes a work-order edit stamped `hlc`.
    pub async fn push_edit(&self, token: &str, order: Uuid, hlc: Hlc, fields: WorkOrderFields) {
        let entry = PushEntry {
            id: Uuid::now_v7(),
            hlc,
            change: Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: order, fields }),
        };
        self.push_ok(token, vec![entry]).await;
    }

    async fn push_ok(&self, token: &str, entries: Vec<PushEntry>) {
        let body = serde_json::to_string(&PushRequest { entries }).unwrap();
        let answer = self.call("POST", "/v1/sync/push", Some(token), Some(body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        for r in answer.body["results"].as_array().unwrap() {
            assert_eq!(r["outcome"]["result"], "accepted", "{r}");
        }
    }
}

/// An HLC stamp at `t`.
pub fn stamp(t: DateTime<Utc>) -> Hlc {
    Hlc { wall_ms: u64::try_from(t.timestamp_millis()).unwrap(), counter: 0, node: 9 }
}

/// Asserts the answer's status and error code.
pub fn refused(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(super::code(answer), code, "{}", answer.body);
    assert!(!answer.body["error"]["message"].as_str().unwrap().is_empty());
}
