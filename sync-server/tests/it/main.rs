//! hearth-server's integration tests: the real router on a fresh database, called with
//! `oneshot` (no socket), checked the way a device or the office would notice. The database is
//! SQLite in a temporary directory, or PostgreSQL with `HEARTH_TEST_BACKEND=postgres`
//! ([`backend`]); the tests read no database file.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test
mod api;
mod backend;
mod cli;
mod compression;
mod console;
mod events;
mod openapi;
mod security;
mod storage;
mod sync;
mod uploads;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::Database;
use hearth_server::storage::Storage;
use hearth_server::{AppState, app, demo};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;
use uuid::Uuid;

/// A server on a fresh demo city of 40 households (10 per station).
pub struct Server {
    pub app: Router,
    pub storage: Arc<dyn Storage>,
    /// Where its records are, for what no API reads.
    pub database: Database,
}

/// A cheap argon2 cost, so tests do not spend seconds hashing.
pub fn cheap() -> argon2::Params {
    argon2::Params::new(8, 1, 1, None).unwrap()
}

pub async fn server() -> Server {
    let (storage, database) = backend::fresh().await;
    demo::create(storage.as_ref(), 40, cheap()).await.unwrap();
    let app = app(AppState::new(Arc::clone(&storage)));
    Server { app, storage, database }
}

/// The same city without the demo's work orders, for tests that count every order.
pub async fn server_without_orders() -> Server {
    let (storage, database) = backend::fresh().await;
    demo::create_without_orders(storage.as_ref(), 40, cheap()).await.unwrap();
    let app = app(AppState::new(Arc::clone(&storage)));
    Server { app, storage, database }
}

/// An answer: status and JSON body (Null when empty).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Server {
    pub async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        Answer { status, body }
    }

    /// A request with an optional token and a raw body sent as JSON.
    pub async fn call(&self, method: &str, uri: &str, token: Option<&str>, body: Option<String>) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let req = match body {
            Some(body) => req.header("content-type", "application/json").body(Body::from(body)),
            None => req.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn login_on(&self, username: &str, device_id: Uuid) -> String {
        let body = json!({
            "username": username, "password": format!("demo-{username}"),
            "device_name": "3号车平板", "device_id": device_id,
        });
        let answer = self.call("POST", "/v1/auth/login", None, Some(body.to_string())).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_on(username, Uuid::now_v7()).await
    }

    /// Row counts of the tables a bad request must leave alone.
    pub async fn counts(&self) -> Vec<(String, i64)> {
        let tables =
            ["households", "work_orders", "reports", "push_log", "blobs", "conflicts", "changes", "devices"];
        self.database.counts(&tables).await
    }

    /// The row count of `table`.
    pub async fn count(&self, table: &str) -> i64 {
        self.database.counts(&[table]).await[0].1
    }

    /// Every change the caller sees, paging with `limit`.
    pub async fn pull_all(&self, token: &str, limit: u32) -> Vec<Value> {
        let (mut after, mut changes) = (0u64, Vec::new());
        loop {
            let answer = self
                .call("GET", &format!("/v1/sync/pull?after={after}&limit={limit}"), Some(token), None)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            changes.extend(answer.body["changes"].as_array().unwrap().iter().cloned());
            after = answer.body["next_cursor"].as_u64().unwrap();
            if !answer.body["more"].as_bool().unwrap() {
                return changes;
            }
        }
    }
}

/// The demo city's `n`th household (the server's demo seed).
pub fn household(n: usize) -> hearth_core::model::Household {
    hearth_core::demo::households(demo::SEED, n + 1).last().unwrap()
}

/// A signed temperature check of `household` by `author`, made now.
pub fn report_for(
    household: &hearth_core::model::Household,
    author: Uuid,
) -> hearth_core::model::SignedReport {
    hearth_core::demo::signed_temperature_check(household, author, chrono::Utc::now()).unwrap()
}

/// The error code of an answer.
pub fn code(answer: &Answer) -> &str {
    answer.body["error"]["code"].as_str().unwrap_or("<no error code>")
}
