//! The office's side of the end-to-end test: what a dispatcher reads through the console API
//! (`/v1/console/…`) once the tablet has synced — the signed record as the server stored it,
//! re-verified, its photos and signature images, a work order as merged — logged in as a dispatcher the fixture
//! created. The test reads the server only this way, as the office would.

use hearth_core::protocol::{LoginRequest, LoginResponse};
use reqwest::blocking::Client;
use serde_json::Value;

use crate::fixture::{DISPATCHER, DISPATCHER_PASSWORD, Fixture};

/// A dispatcher logged in to the console API.
pub struct Office {
    http: Client,
    url: String,
    token: String,
}

impl Office {
    /// Logs in as the fixture's dispatcher.
    pub fn login(fx: &Fixture) -> Office {
        let http = Client::new();
        let url = fx.server.url();
        let request = LoginRequest {
            username: DISPATCHER.into(),
            password: DISPATCHER_PASSWORD.into(),
            device_name: "调度台".into(),
            device_id: hearth_core::new_id(),
        };
        let answer: LoginResponse = http
            .post(format!("{url}/v1/auth/login"))
            .json(&request)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .expect("the dispatcher logs in to the API");
        Office { http, url, token: answer.token }
    }

    /// The bearer token, for the API's other calls.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `GET /v1/console/reports/{id}`: the record as stored, its tamper check and its blobs.
    pub fn report(&self, id: &str) -> Value {
        self.get(&format!("reports/{id}"), "report")
    }

    /// `GET /v1/console/work-orders/{id}`: the order as merged on the server.
    pub fn work_order(&self, id: &str) -> Value {
        self.get(&format!("work-orders/{id}"), "work order")
    }

    /// `GET /v1/console/households/{id}`: the household as the office keeps it.
    pub fn household(&self, id: &str) -> Value {
        self.get(&format!("households/{id}"), "household")
    }

    /// The id of the technician or inspector `username`, from the roster.
    pub fn crew_id(&self, username: &str) -> String {
        let roster = self.get("roster", "roster");
        let crew = roster["crew"].as_array().cloned().unwrap_or_default();
        let member = crew.iter().find(|c| c["username"] == username);
        member
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("{username} is not on the roster"))
            .to_owned()
    }

    /// Gives every open order of `from` to `to` on the board, as a dispatcher does when a
    /// crew member is off (the demo gives inspections and re-measurements to the inspector;
    /// the day's tests follow the technician through every kind of work).
    pub fn hand_over(&self, from: &str, to: &str) {
        let (from, to) = (self.crew_id(from), self.crew_id(to));
        for entry in self.board(&format!("assignee_id={from}&limit=100")) {
            let id = entry["order"]["id"].as_str().expect("an order's id");
            self.post(&format!("work-orders/{id}/assign"), &serde_json::json!({ "assignee_id": to }));
        }
    }

    /// `GET /v1/console/work-orders?{query}`: the board's entries (open orders unless the
    /// query names a status).
    pub fn board(&self, query: &str) -> Vec<Value> {
        self.get(&format!("work-orders?{query}"), "board")["orders"].as_array().cloned().unwrap_or_default()
    }

    /// The open orders a technician's tablet lists: theirs and their station's unassigned.
    pub fn open_orders_for(&self, username: &str) -> usize {
        let me = self.crew_id(username);
        let roster = self.get("roster", "roster");
        let crew = roster["crew"].as_array().cloned().unwrap_or_default();
        let station = crew.iter().find(|c| c["id"] == me.as_str()).map(|c| c["station_id"].clone());
        let station = station.and_then(|s| s.as_str().map(str::to_owned)).expect("a station");
        let orders = self.board(&format!("station_id={station}&limit=100"));
        orders
            .iter()
            .filter(|e| e["order"]["assignee_id"].is_null() || e["order"]["assignee_id"] == me.as_str())
            .count()
    }

    /// `GET /v1/console/{path}` as JSON; `what` names it if the server has none.
    fn get(&self, path: &str, what: &str) -> Value {
        self.http
            .get(format!("{}/v1/console/{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("the console API has no {what} at {path}: {e}"))
    }

    /// `POST /v1/console/{path}` with `body`, as JSON.
    pub fn post(&self, path: &str, body: &Value) -> Value {
        self.http
            .post(format!("{}/v1/console/{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("the console API refused POST {path}: {e}"))
    }

    /// The bytes of a blob (a photo, a signature image) as the office downloads them.
    pub fn blob(&self, path: &str) -> Vec<u8> {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.bytes())
            .unwrap_or_else(|e| panic!("the console API cannot give {path}: {e}"))
            .to_vec()
    }
}

/// The report `id` as the office reads it, checked the way the office relies on it: intact
/// (the server re-verifies both hashes), the content the customer signed (the hash the
/// tablet showed), every photo and signature image stored. Returns the signed record.
pub fn signed_record(office: &Office, id: &str, content_hash: &str) -> Value {
    let detail = office.report(id);
    assert_eq!(detail["summary"]["id"], id, "the console shows the report asked for");
    assert_eq!(
        detail["tamper_check"]["matches"], true,
        "the stored record verifies: {}",
        detail["tamper_check"]
    );
    let record = detail["record"].clone();
    assert_eq!(record["content_hash"], content_hash, "the server holds what the tablet showed as signed");
    let blobs = detail["blobs"].as_array().expect("the report's blobs");
    let signatures = blobs.iter().filter(|b| b["role"] == "signature").count();
    assert_eq!(
        signatures,
        record["signatures"].as_array().map_or(0, Vec::len),
        "every signature image is listed"
    );
    for blob in blobs {
        assert_eq!(blob["stored"], true, "the {} {} reached the server", blob["role"], blob["sha256"]);
        let bytes = office.blob(blob["url"].as_str().expect("a blob's URL"));
        // Photos as the device re-encodes them (JPEG), signatures as drawn (PNG).
        let (magic, format): (&[u8], _) =
            if blob["role"] == "photo" { (b"\xFF\xD8\xFF", "JPEG") } else { (b"\x89PNG", "PNG") };
        assert!(bytes.starts_with(magic), "the office downloads the {} as a {format}", blob["role"]);
    }
    record
}
