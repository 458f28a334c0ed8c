//! Compression both ways (issue 15): answers compressed as the client asks, pushes accepted
//! compressed, and a small compressed body that would inflate past the push limit refused in
//! words with nothing stored.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest};
use serde_json::Value;
use tower::ServiceExt;

use super::{code, household, report_for, server};

/// The raw answer to a pull with `Accept-Encoding: encoding`: its encoding and body bytes.
async fn pull_raw(s: &super::Server, token: &str, encoding: &str) -> (Option<String>, Vec<u8>) {
    let request = Request::get("/v1/sync/pull?after=0&limit=1000")
        .header("authorization", format!("Bearer {token}"))
        .header("accept-encoding", encoding)
        .body(Body::empty())
        .unwrap();
    let answer = s.app.clone().oneshot(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let encoding = answer.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
    (encoding, axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap().to_vec())
}

async fn push_encoded(s: &super::Server, token: &str, encoding: &str, body: Vec<u8>) -> super::Answer {
    let request = Request::post("/v1/sync/push")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("content-encoding", encoding)
        .body(Body::from(body))
        .unwrap();
    s.send(request).await
}

#[tokio::test]
async fn a_pull_comes_compressed_as_asked_and_reads_the_same() {
    let s = server().await;
    let token = s.login("tech1").await;
    let (plain_encoding, plain) = pull_raw(&s, &token, "identity").await;
    assert_eq!(plain_encoding, None);
    let plain: Value = serde_json::from_slice(&plain).unwrap();

    let (encoding, zstd_bytes) = pull_raw(&s, &token, "zstd").await;
    assert_eq!(encoding.as_deref(), Some("zstd"));
    let unpacked = zstd::stream::decode_all(&zstd_bytes[..]).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&unpacked).unwrap(), plain);
    assert!(
        zstd_bytes.len() * 3 < unpacked.len(),
        "{} bytes packed from {}",
        zstd_bytes.len(),
        unpacked.len()
    );

    let (encoding, gzip_bytes) = pull_raw(&s, &token, "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gzip_bytes[..]).read_to_end(&mut unpacked).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&unpacked).unwrap(), plain);
}

#[tokio::test]
async fn a_compressed_push_is_stored_and_a_compressed_bomb_is_refused_with_nothing_stored() {
    let s = server().await;
    let body = serde_json::json!({"username": "tech1", "password": "demo-tech1", "device_name": "平板",
                                  "device_id": hearth_core::new_id()});
    let login = s.call("POST", "/v1/auth/login", None, Some(body.to_string())).await;
    let token = login.body["token"].as_str().unwrap().to_owned();
    let me = login.body["user"]["id"].as_str().unwrap().parse().unwrap();
    let report = report_for(&household(0), me);
    let stamp =
        hearth_core::hlc::Hlc { wall_ms: chrono::Utc::now().timestamp_millis() as u64, counter: 0, node: 7 };
    let batch = PushRequest {
        entries: vec![PushEntry {
            id: hearth_core::new_id(),
            hlc: stamp,
            change: Outgoing::Report(Box::new(report)),
        }],
    };
    let json = serde_json::to_vec(&batch).unwrap();
    let answer = push_encoded(&s, &token, "zstd", zstd::bulk::compress(&json, 3).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["results"][0]["outcome"]["result"], "accepted", "{}", answer.body);

    // 64 MB of JSON whitespace in a few KB: past the 32 MB push limit once unpacked.
    let before = s.counts().await;
    let mut bomb = b"{\"entries\":[".to_vec();
    bomb.resize(64 * 1024 * 1024, b' ');
    let packed = zstd::bulk::compress(&bomb, 19).unwrap();
    assert!(packed.len() < 64 * 1024, "the bomb is small: {} bytes", packed.len());
    let answer = push_encoded(&s, &token, "zstd", packed).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    assert_eq!(code(&answer), "payload_too_large");
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("unpacked"), "{}", answer.body);
    assert_eq!(s.counts().await, before, "nothing was stored");

    // An encoding the server does not read is refused in words.
    let answer = push_encoded(&s, &token, "br", json).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", answer.body);
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("gzip or zstd"), "{}", answer.body);
}
