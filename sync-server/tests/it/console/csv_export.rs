//! CSV injection (OWASP): what a caller types at the hotline reaches the board's CSV as text a
//! spreadsheet shows, never as a formula it runs.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use super::household;
use crate::server;

/// The cells of a CSV file as a spreadsheet reads them (BOM stripped, quotes undone).
async fn export(s: &crate::Server, uri: &str, token: &str) -> Vec<Vec<String>> {
    let req =
        Request::get(uri).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    let resp = s.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("UTF-8 with a BOM");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// A cell a spreadsheet would run as a formula: it starts with a formula character and is
/// not simply a number.
fn live_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err()
}

#[tokio::test]
async fn a_formula_typed_at_the_hotline_reaches_the_boards_csv_as_text() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let home = household(0);
    let formula = r#"=HYPERLINK("http://x","点击")"#;
    let call = s
        .post(
            "/v1/console/calls",
            &token,
            json!({"caller_name": "@王", "phone": home.phone, "household_id": home.id,
                   "description": formula, "outcome": "work_order",
                   "work_order": {"kind": "repair", "priority": "urgent", "description": formula}}),
        )
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{}", call.body);
    let order_id = call.body["work_order"]["id"].as_str().unwrap().to_owned();

    let rows =
        export(&s, &format!("/v1/console/work-orders.csv?station_id={}", home.station_id), &token).await;
    let ours = rows.iter().find(|r| r.last() == Some(&order_id)).expect("the order is exported");
    assert_eq!(ours[8], format!("'{formula}"), "shown as the text typed, behind a quote");
    let live: Vec<&String> = rows.iter().flatten().filter(|c| live_formula(c)).collect();
    assert!(live.is_empty(), "cells a spreadsheet would run: {live:?}");
    // The rest of the row is as before: readable words and times, not quoted.
    assert_eq!((ours[1].as_str(), ours[3].as_str()), ("入户检修", "加急"));
    assert!(ours[0].starts_with("和平-"), "{}", ours[0]);
}
