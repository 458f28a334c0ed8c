//! The office's side of a run, through the console API as a dispatcher's or admin's browser
//! calls it: the admin logs in, reads the stations, creates the run's technicians, makes and
//! assigns work orders, and lists the reports for the final check. Each call is timed and
//! counted in [`Metrics`] under its own endpoint (`console_…`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use hearth_core::model::{Role, Station, User, WorkOrder, WorkOrderKind};
use hearth_core::protocol::{ErrorBody, LoginResponse};
use reqwest::blocking::{Client as Http, RequestBuilder};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

use crate::metrics::Metrics;

/// The console's longest page of reports.
pub const REPORT_PAGE: u32 = 1000;

/// An HTTP client with the device client's timeouts, trusting `company_ca` (PEM) besides the
/// system's roots.
pub fn http(company_ca: Option<&str>) -> Result<Http> {
    let mut builder = Http::builder()
        .connect_timeout(hearth_core::sync::client::CONNECT_TIMEOUT)
        .timeout(hearth_core::sync::client::REQUEST_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(10));
    if let Some(pem) = company_ca {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .context("the --ca file is not a PEM certificate")?;
        builder = builder.tls_certs_merge(certs);
    }
    Ok(builder.build()?)
}

/// The office logged in at one server.
#[derive(Clone)]
pub struct Office {
    http: Http,
    base: String,
    token: String,
    metrics: Arc<Metrics>,
}

/// A line of the console's report list (the fields the check needs).
#[derive(Debug, Deserialize)]
pub struct ReportLine {
    pub id: Uuid,
    pub author_id: Uuid,
}

/// A page of the console's report list.
#[derive(Debug, Deserialize)]
pub struct ReportPage {
    pub total: u64,
    pub reports: Vec<ReportLine>,
}

#[derive(Debug, Deserialize)]
struct UserRow {
    id: Uuid,
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    station_id: Option<Uuid>,
    #[serde(default)]
    disabled_at: Option<serde_json::Value>,
}

impl Office {
    /// Logs the admin in at `base` (`POST /v1/auth/login`, as the console does) and checks the
    /// login is an admin's.
    pub fn login(
        http: Http,
        base: &str,
        username: &str,
        password: &str,
        metrics: Arc<Metrics>,
    ) -> Result<Office> {
        let mut office = Office { http, base: base.to_owned(), token: String::new(), metrics };
        let body = json!({
            "username": username,
            "password": password,
            "device_name": "hearth-load (office)",
            "device_id": hearth_core::new_id(),
        });
        let request = office.http.post(office.url("auth/login")).json(&body);
        let login: LoginResponse = office
            .call("console_login", request)
            .with_context(|| format!("the admin {username} could not log in at {base}"))?;
        if login.user.role != Role::Admin {
            return Err(anyhow!(
                "{username} is a {} at {base}, not an admin: --admin needs an admin's login (it adds users)",
                login.user.role.as_str()
            ));
        }
        office.token = login.token;
        Ok(office)
    }

    /// The same login, calling another instance of the same deployment.
    pub fn at(&self, base: &str) -> Office {
        Office { base: base.to_owned(), ..self.clone() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base)
    }

    /// Sends `request`, counts it under `endpoint` and reads its JSON answer; an error answer
    /// comes back in the server's words.
    fn call<T: DeserializeOwned>(&self, endpoint: &'static str, request: RequestBuilder) -> Result<T> {
        let started = Instant::now();
        let request = if self.token.is_empty() { request } else { request.bearer_auth(&self.token) };
        let request = request.build()?;
        let what = format!("{} {}", request.method(), request.url().path());
        let sent = request.body().and_then(|b| b.as_bytes()).map_or(0, |b| b.len() as u64);
        let response = match self.http.execute(request) {
            Ok(response) => response,
            Err(e) => {
                self.metrics.record(endpoint, None, Some("unreachable"), (sent, 0), started.elapsed());
                return Err(anyhow!("{what}: {}", no_answer(&e)));
            }
        };
        let status = response.status();
        let body = response.bytes();
        let received = body.as_ref().map_or(0, |b| b.len() as u64);
        let elapsed = started.elapsed();
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                self.metrics.record(
                    endpoint,
                    Some(status.as_u16()),
                    Some("unreachable"),
                    (sent, received),
                    elapsed,
                );
                return Err(anyhow!("{what}: the answer was cut off ({e})"));
            }
        };
        if !status.is_success() {
            let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => (e.error.code, e.error.message),
                Err(_) => ("http".to_owned(), String::from_utf8_lossy(&body).chars().take(200).collect()),
            };
            self.metrics.record(endpoint, Some(status.as_u16()), Some(&code), (sent, received), elapsed);
            return Err(anyhow!("{what}: {status} {code}: {message}"));
        }
        match serde_json::from_slice(&body) {
            Ok(value) => {
                self.metrics.record(endpoint, Some(status.as_u16()), None, (sent, received), elapsed);
                Ok(value)
            }
            Err(e) => {
                self.metrics.record(
                    endpoint,
                    Some(status.as_u16()),
                    Some("malformed"),
                    (sent, received),
                    elapsed,
                );
                Err(anyhow!("{what}: an answer that is not what the console API describes ({e})"))
            }
        }
    }

    /// `GET /v1/console/admin/stations`.
    pub fn stations(&self) -> Result<Vec<Station>> {
        self.call("console_stations", self.http.get(self.url("console/admin/stations")))
    }

    /// The stations crews work at: those of the enabled technicians and inspectors
    /// (`GET /v1/console/admin/users`), a former run's `load-` technicians left out.
    pub fn crewed_stations(&self) -> Result<std::collections::BTreeSet<Uuid>> {
        let users: Vec<UserRow> =
            self.call("console_users", self.http.get(self.url("console/admin/users")))?;
        Ok(users
            .into_iter()
            .filter(|u| matches!(u.role, Some(Role::Technician | Role::Inspector)))
            .filter(|u| {
                u.disabled_at.as_ref().is_none_or(serde_json::Value::is_null)
                    && !u.username.starts_with("load-")
            })
            .filter_map(|u| u.station_id)
            .collect())
    }

    /// `POST /v1/console/admin/users`: a technician of `station`; returns their id.
    pub fn add_technician(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        station: Uuid,
    ) -> Result<Uuid> {
        let body = json!({
            "username": username,
            "password": password,
            "display_name": display_name,
            "role": "technician",
            "station_id": station,
        });
        let row: UserRow =
            self.call("console_add_user", self.http.post(self.url("console/admin/users")).json(&body))?;
        Ok(row.id)
    }

    /// `POST /v1/console/work-orders`: a planned order for `household`, not yet assigned.
    pub fn create_order(&self, household: Uuid, kind: WorkOrderKind, description: &str) -> Result<WorkOrder> {
        let body = json!({
            "household_id": household,
            "kind": kind,
            "priority": "normal",
            "description": description,
        });
        self.call("console_create_order", self.http.post(self.url("console/work-orders")).json(&body))
    }

    /// `POST /v1/console/work-orders/{id}/assign`.
    pub fn assign(&self, order: Uuid, to: &User) -> Result<()> {
        let url = self.url(&format!("console/work-orders/{order}/assign"));
        let _: serde_json::Value =
            self.call("console_assign", self.http.post(url).json(&json!({ "assignee_id": to.id })))?;
        Ok(())
    }

    /// `GET /v1/console/reports?author_id=…`: a page of the reports `author` made, newest
    /// first.
    pub fn reports_by(&self, author: Uuid, offset: u32) -> Result<ReportPage> {
        let url =
            format!("{}?author_id={author}&limit={REPORT_PAGE}&offset={offset}", self.url("console/reports"));
        self.call("console_reports", self.http.get(url))
    }
}

/// Why a request got no answer, in words: the whole chain of causes (reqwest's own message
/// leaves them out), and what to do about an untrusted certificate.
fn no_answer(error: &reqwest::Error) -> String {
    let mut causes = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let causes = causes.join(": ");
    if causes.contains("certificate") {
        format!(
            "the server's certificate is not trusted ({causes}); if the company runs its own certificate \
             authority, give its certificate with --ca FILE"
        )
    } else {
        format!("the server did not answer ({causes})")
    }
}
