//! The HTTP client of the sync protocol ([`crate::protocol`]): reqwest with rustls,
//! blocking (the app runs it on a worker thread; rusqlite blocks anyway). Errors come back
//! as [`Error::Unreachable`] (try again later) or [`Error::Server`] with the server's code.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};

use crate::model::Sha256;
use crate::protocol::{
    ErrorBody, LoginRequest, LoginResponse, MAX_PUSH_ENTRIES, PullResponse, PushRequest, PushResponse,
};
use crate::{Error, Result};

/// A connection to one hearth-server.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    base_url: String,
    push_batch: usize,
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: &str) -> Result<Client> {
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        Ok(Client { http, base_url: base_url.trim_end_matches('/').to_owned(), push_batch: MAX_PUSH_ENTRIES })
    }

    /// Pushes at most `entries` outbox entries a request (1 to [`MAX_PUSH_ENTRIES`], the
    /// default): smaller batches suit a slow link, whose requests may time out.
    #[must_use]
    pub fn with_push_batch(mut self, entries: usize) -> Client {
        self.push_batch = entries.clamp(1, MAX_PUSH_ENTRIES);
        self
    }

    /// The most outbox entries one push carries.
    pub fn push_batch(&self) -> usize {
        self.push_batch
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base_url)
    }

    /// `POST /v1/auth/login`.
    pub fn login(&self, request: &LoginRequest) -> Result<LoginResponse> {
        json(send(self.http.post(self.url("auth/login")).json(request))?)
    }

    /// `POST /v1/sync/push`.
    pub fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse> {
        json(send(self.http.post(self.url("sync/push")).bearer_auth(token).json(request))?)
    }

    /// `POST /v1/sync/push` with a body already serialized ([`super::apply::push_body`]).
    pub fn push_raw(&self, token: &str, body: Vec<u8>) -> Result<PushResponse> {
        let request = self.http.post(self.url("sync/push")).bearer_auth(token);
        json(send(request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body))?)
    }

    /// `GET /v1/sync/pull`.
    pub fn pull(&self, token: &str, after: u64, limit: u32) -> Result<PullResponse> {
        let url = format!("{}?after={after}&limit={limit}", self.url("sync/pull"));
        json(send(self.http.get(url).bearer_auth(token))?)
    }

    /// `HEAD /v1/blobs/{sha256}`: whether the server has the blob.
    pub fn has_blob(&self, token: &str, sha256: &Sha256) -> Result<bool> {
        let response = self
            .http
            .head(self.url(&format!("blobs/{sha256}")))
            .bearer_auth(token)
            .send()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(false),
            s if s.is_success() => Ok(true),
            s => Err(Error::Server { status: s.as_u16(), code: "blob_check".into(), message: s.to_string() }),
        }
    }

    /// `PUT /v1/blobs/{sha256}`.
    pub fn put_blob(&self, token: &str, sha256: &Sha256, bytes: Vec<u8>) -> Result<()> {
        send(self.http.put(self.url(&format!("blobs/{sha256}"))).bearer_auth(token).body(bytes)).map(drop)
    }
}

/// Sends a request; a non-2xx answer becomes [`Error::Server`] with the server's code.
fn send(request: RequestBuilder) -> Result<Response> {
    let response = request.send().map_err(|e| Error::Unreachable(e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => ("http".to_owned(), format!("{status}: {}", text.chars().take(200).collect::<String>())),
    };
    Err(Error::Server { status: status.as_u16(), code, message })
}

fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T> {
    let bytes = response.bytes().map_err(|e| Error::Unreachable(e.to_string()))?;
    Ok(serde_json::from_slice(&bytes)?)
}
