//! The console API as the office uses it, for the system tests that set up or check around
//! a device: a dispatcher's (or admin's) session, blocking.

use reqwest::blocking::{Client as Http, Response};
use serde_json::{Value, json};
use uuid::Uuid;

/// A logged-in session on the console API.
pub struct Office {
    http: Http,
    url: String,
    token: String,
}

impl Office {
    /// Logs in as `username` at the server `url` (`http://IP:PORT`); panics if refused.
    pub fn login(url: &str, username: &str, password: &str) -> Office {
        let http = Http::new();
        let answer: Value = http
            .post(format!("{url}/v1/auth/login"))
            .json(&json!({"username": username, "password": password, "device_name": "调度台",
                          "device_id": hearth_core::new_id()}))
            .send()
            .and_then(Response::error_for_status)
            .and_then(Response::json)
            .unwrap_or_else(|e| panic!("{username} logs in to the console API: {e}"));
        let token = answer["token"].as_str().expect("a token").to_owned();
        Office { http, url: url.to_owned(), token }
    }

    /// `METHOD /v1/console/PATH` with a JSON body: the answer's JSON, or its status and words.
    pub fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request =
            self.http.request(method, format!("{}/v1/console/{path}", self.url)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().map_err(|e| e.to_string())?;
        let status = answer.status();
        let body: Value = answer.json().map_err(|e| e.to_string())?;
        if status.is_success() { Ok(body) } else { Err(format!("{status}: {body}")) }
    }

    /// Like [`Office::try_call`]; panics if refused.
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).unwrap_or_else(|e| panic!("the console API refused {path}: {e}"))
    }

    /// `GET /v1/console/PATH`'s body as bytes (a photo); `None` if the server answers 404.
    pub fn get_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let answer = self
            .http
            .get(format!("{}/v1/console/{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        if answer.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        let answer = answer.error_for_status().unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Some(answer.bytes().unwrap_or_else(|e| panic!("GET {path}: {e}")).to_vec())
    }

    pub fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    /// A planned repair order for `household`, assigned to `assignee` if given; its id.
    pub fn order(&self, household: Uuid, description: &str, assignee: Option<Uuid>) -> Uuid {
        let answer = self.post(
            "work-orders",
            json!({"household_id": household, "kind": "repair", "priority": "normal",
                   "description": description, "assignee_id": assignee}),
        );
        answer["id"].as_str().and_then(|id| id.parse().ok()).expect("the order's id")
    }
}
