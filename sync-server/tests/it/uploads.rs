//! Resumable blob uploads over HTTP (`HEAD`/`PATCH /v1/blobs/{sha256}`): a photo whose upload
//! broke off resumes from the server's offset, is stored only once whole and hashed to its
//! address, and is not a blob before that.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode};
use chrono::Utc;
use hearth_core::model::Sha256;
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest, PushResponse};
use http_body::Frame;
use tower::ServiceExt;
use uuid::Uuid;

use super::{Server, household, server};

/// A photo of `len` bytes and its address.
fn photo(len: usize) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let sha = Sha256::of(&bytes).to_string();
    (bytes, sha)
}

/// A request body that sends `sent` and then breaks off (the link dropped), or stalls forever.
struct Cut {
    sent: Option<Bytes>,
    stall: bool,
}

impl http_body::Body for Cut {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(bytes) = self.sent.take() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        if self.stall {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the link dropped"))))
    }
}

async fn send(s: &Server, req: Request<Body>) -> Response<Body> {
    s.app.clone().oneshot(req).await.unwrap()
}

fn offset_of(resp: &Response<Body>) -> Option<u64> {
    resp.headers().get("upload-offset").map(|v| v.to_str().unwrap().parse().unwrap())
}

async fn words(resp: Response<Body>) -> serde_json::Value {
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn head(token: &str, sha: &str) -> Request<Body> {
    Request::head(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

fn patch(token: &str, sha: &str, offset: u64, total: u64, body: Body) -> Request<Body> {
    Request::patch(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .header("upload-length", total.to_string())
        .body(body)
        .unwrap()
}

/// The server's offset for `sha`: None when the blob is stored.
async fn held(s: &Server, token: &str, sha: &str) -> Option<u64> {
    let resp = send(s, head(token, sha)).await;
    match resp.status() {
        StatusCode::OK => None,
        StatusCode::NOT_FOUND => Some(offset_of(&resp).expect("a 404 gives the offset")),
        other => panic!("HEAD answered {other}"),
    }
}

#[tokio::test]
async fn an_upload_cut_off_resumes_from_the_servers_offset_and_is_stored_whole() {
    let s = server().await;
    let token = s.login("tech1").await;
    let (bytes, sha) = photo(1_500_000);
    let total = bytes.len() as u64;
    assert_eq!(held(&s, &token, &sha).await, Some(0), "nothing held yet");

    let first = send(&s, patch(&token, &sha, 0, total, Body::from(bytes[..600_000].to_vec()))).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&first), Some(600_000));

    // The next part breaks off after 300 KB: none of it is kept, the offset stays.
    let cut = Cut { sent: Some(Bytes::copy_from_slice(&bytes[600_000..900_000])), stall: false };
    let broken = send(&s, patch(&token, &sha, 600_000, total, Body::new(cut))).await;
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(held(&s, &token, &sha).await, Some(600_000), "resumes where the server has it");

    let rest = send(&s, patch(&token, &sha, 600_000, total, Body::from(bytes[600_000..].to_vec()))).await;
    assert_eq!(rest.status(), StatusCode::CREATED);
    assert_eq!(held(&s, &token, &sha).await, None, "stored");
    assert_eq!(s.storage.blob(sha.clone()).await.unwrap().as_deref(), Some(&bytes[..]));

    // A whole PUT of the same blob (an older tablet) is a no-op, as is a PATCH of it.
    let put = Request::put(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(bytes.clone()))
        .unwrap();
    assert_eq!(send(&s, put).await.status(), StatusCode::OK);
    let again = send(&s, patch(&token, &sha, 0, total, Body::from(bytes[..10].to_vec()))).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_part_at_the_wrong_offset_gets_409_with_the_offset_held() {
    let s = server().await;
    let token = s.login("tech1").await;
    let (bytes, sha) = photo(100_000);
    let total = bytes.len() as u64;
    send(&s, patch(&token, &sha, 0, total, Body::from(bytes[..40_000].to_vec()))).await;

    let ahead = send(&s, patch(&token, &sha, 60_000, total, Body::from(bytes[60_000..].to_vec()))).await;
    assert_eq!(ahead.status(), StatusCode::CONFLICT);
    assert_eq!(offset_of(&ahead), Some(40_000));
    let body = words(ahead).await;
    assert_eq!(body["error"]["code"], "conflict");
    assert!(body["error"]["message"].as_str().unwrap().contains("40000"), "{body}");

    let other_length = send(&s, patch(&token, &sha, 40_000, total + 5, Body::from(vec![1; 10]))).await;
    assert_eq!(other_length.status(), StatusCode::CONFLICT);
    let too_long = send(&s, patch(&token, &sha, 40_000, total, Body::from(vec![1; 60_001]))).await;
    assert_eq!(too_long.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let no_length = Request::patch(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("upload-offset", "40000")
        .body(Body::from(vec![1; 10]))
        .unwrap();
    let no_length = send(&s, no_length).await;
    assert_eq!(no_length.status(), StatusCode::BAD_REQUEST);
    assert!(words(no_length).await["error"]["message"].as_str().unwrap().contains("upload-length"));
    let huge = send(&s, patch(&token, &sha, 0, 1 << 40, Body::from(vec![1; 10]))).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(held(&s, &token, &sha).await, Some(40_000), "none of these changed the partial");

    // While one PATCH of a blob is still sending, a second one is refused.
    let stalled = Cut { sent: Some(Bytes::copy_from_slice(&bytes[40_000..50_000])), stall: true };
    let app = s.app.clone();
    let first = tokio::spawn(app.oneshot(patch(&token, &sha, 40_000, total, Body::new(stalled))));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = send(&s, patch(&token, &sha, 40_000, total, Body::from(bytes[40_000..].to_vec()))).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    assert!(words(second).await["error"]["message"].as_str().unwrap().contains("in progress"));
    first.abort();
    let _ = first.await;
    let after = send(&s, patch(&token, &sha, 40_000, total, Body::from(bytes[40_000..].to_vec()))).await;
    assert_eq!(after.status(), StatusCode::CREATED, "the dropped upload let go of the blob");
}

#[tokio::test]
async fn a_corrupted_upload_is_refused_with_400_and_nothing_is_stored() {
    let s = server().await;
    let token = s.login("tech1").await;
    let (bytes, sha) = photo(200_000);
    let total = bytes.len() as u64;
    let before = s.counts().await;
    send(&s, patch(&token, &sha, 0, total, Body::from(bytes[..100_000].to_vec()))).await;
    let mut rest = bytes[100_000..].to_vec();
    rest[5] ^= 1;
    let resp = send(&s, patch(&token, &sha, 100_000, total, Body::from(rest))).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body = words(resp).await;
    assert_eq!(body["error"]["code"], "hash_mismatch");
    assert!(body["error"]["message"].as_str().unwrap().contains("nothing was stored"), "{body}");
    assert_eq!(held(&s, &token, &sha).await, Some(0), "the damaged partial was dropped");
    assert_eq!(s.counts().await, before, "no blob");
}

#[tokio::test]
async fn a_partial_upload_is_not_the_blob_a_report_needs() {
    let s = server().await;
    let (token, me) = s.login_user("tech1").await;
    let (bytes, sha) = photo(80_000);
    let total = bytes.len() as u64;
    let home = household(0);
    let mut report = hearth_core::demo::report(
        hearth_core::model::ReportBody::TemperatureCheck(hearth_core::demo::temperature_check(Utc::now())),
        home.id,
        me,
        Utc::now(),
    );
    report.attachments.push(hearth_core::demo::photo(&bytes));
    assert_eq!(report.attachments[0].sha256.as_str(), sha);
    let signed = hearth_core::demo::sign(report, &home.owner_name, Utc::now()).unwrap();
    let entry = PushEntry {
        id: Uuid::now_v7(),
        hlc: hearth_core::hlc::Hlc { wall_ms: 1, counter: 0, node: 7 },
        change: Outgoing::Report(Box::new(signed)),
    };
    let push = || async {
        let body = serde_json::to_string(&PushRequest { entries: vec![entry.clone()] }).unwrap();
        let answer = s.call("POST", "/v1/sync/push", Some(&token), Some(body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let response: PushResponse = serde_json::from_value(answer.body).unwrap();
        serde_json::to_value(&response.results[0].outcome).unwrap()
    };

    // All but the last byte: still not the blob.
    let most = send(&s, patch(&token, &sha, 0, total, Body::from(bytes[..79_999].to_vec()))).await;
    assert_eq!(most.status(), StatusCode::NO_CONTENT);
    assert_eq!(held(&s, &token, &sha).await, Some(79_999), "HEAD: 404, not stored");
    assert_eq!(push().await["code"], "blob_missing");

    let last = send(&s, patch(&token, &sha, 79_999, total, Body::from(bytes[79_999..].to_vec()))).await;
    assert_eq!(last.status(), StatusCode::CREATED);
    assert_eq!(push().await["result"], "accepted");
}
