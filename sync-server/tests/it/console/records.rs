//! Synced records for the office: list and filters, detail with blobs, tamper check and
//! amendments, the CSV exports.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use hearth_core::model::{ReportBody, Sha256, SignedReport};
use serde_json::json;
use uuid::Uuid;

use super::{household, refused};
use crate::server;

fn temperature_check(n: usize, author: Uuid) -> SignedReport {
    hearth_core::demo::signed_temperature_check(&household(n), author, Utc::now()).unwrap()
}

async fn raw_get(s: &crate::Server, uri: &str, token: &str) -> (StatusCode, Vec<u8>, String) {
    use tower::ServiceExt;
    let req =
        Request::get(uri).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    let resp = s.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let mime = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec(), mime)
}

#[tokio::test]
async fn reports_are_listed_by_receive_time_station_author_and_kind() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let (t2, tech2) = s.login_user("tech2").await;
    s.push_reports(&t1, &[temperature_check(0, tech1), temperature_check(4, tech1)]).await;
    let area = hearth_core::demo::report(
        ReportBody::AreaRemeasurement(hearth_core::demo::area_remeasurement(Utc::now(), 67.12)),
        household(1).id,
        tech2,
        Utc::now(),
    );
    let area = hearth_core::demo::sign(area, "张三", Utc::now()).unwrap();
    s.push_reports(&t2, std::slice::from_ref(&area)).await;

    let all = s.get("/v1/console/reports", &token).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["total"], 3);
    assert_eq!(all.body["reports"][0]["id"], json!(area.report().id), "newest first");
    let station1 = household(1).station_id;
    let by_station = s.get(&format!("/v1/console/reports?station_id={station1}"), &token).await;
    assert_eq!(by_station.body["total"], 1);
    let by_author =
        s.get(&format!("/v1/console/reports?author_id={tech1}&kind=temperature_check"), &token).await;
    assert_eq!(by_author.body["total"], 2);
    let by_kind = s.get("/v1/console/reports?kind=area_remeasurement", &token).await;
    assert_eq!(by_kind.body["reports"][0]["station_id"], json!(station1));
    let later = (Utc::now() + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    assert_eq!(s.get(&format!("/v1/console/reports?from={later}"), &token).await.body["total"], 0);
    assert_eq!(s.get(&format!("/v1/console/reports?to={later}"), &token).await.body["total"], 3);
    let paged = s.get("/v1/console/reports?limit=1&offset=2", &token).await;
    assert_eq!((paged.body["total"].clone(), paged.body["reports"].as_array().unwrap().len()), (json!(3), 1));
    refused(&s.get("/v1/console/reports?kind=diary", &token).await, StatusCode::BAD_REQUEST, "bad_request");
    refused(
        &s.get("/v1/console/reports?from=yesterday", &token).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &s.get(&format!("/v1/console/reports/{}", Uuid::now_v7()), &token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn a_report_shows_its_photos_its_tamper_check_and_its_amendments_both_ways() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let photo = b"\xFF\xD8 a photo of the radiator".to_vec();
    let sha = Sha256::of(&photo);
    let put = Request::put(format!("/v1/blobs/{sha}"))
        .header("authorization", format!("Bearer {t1}"))
        .body(Body::from(photo.clone()))
        .unwrap();
    assert_eq!(s.send(put).await.status, StatusCode::CREATED);
    let home = household(0);
    let mut report = hearth_core::demo::report(
        ReportBody::TemperatureCheck(hearth_core::demo::temperature_check(Utc::now())),
        home.id,
        tech1,
        Utc::now(),
    );
    report.attachments.push(hearth_core::demo::photo(&photo));
    let original = hearth_core::demo::sign(report, &home.owner_name, Utc::now()).unwrap();
    let correction = hearth_core::rules::signing::amend(&original, "客厅读数记错", Utc::now());
    let correction = hearth_core::demo::sign(correction, &home.owner_name, Utc::now()).unwrap();
    s.push_reports(&t1, &[original.clone(), correction.clone()]).await;

    let detail = s.get(&format!("/v1/console/reports/{}", original.report().id), &token).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(detail.body["tamper_check"]["matches"], true);
    assert_eq!(detail.body["record_hash"], original.record_hash().as_str());
    assert_eq!(detail.body["amended_by"], json!([correction.report().id]));
    assert_eq!(
        detail.body["blobs"],
        json!([{"sha256": sha.as_str(), "role": "photo", "mime_type": "image/jpeg",
        "url": format!("/v1/console/blobs/{sha}"), "stored": true}])
    );
    let corrected = s.get(&format!("/v1/console/reports/{}", correction.report().id), &token).await;
    assert_eq!(corrected.body["summary"]["amends"], json!(original.report().id));

    let (status, bytes, mime) = raw_get(&s, &format!("/v1/console/blobs/{sha}"), &token).await;
    assert_eq!((status, bytes, mime.as_str()), (StatusCode::OK, photo, "image/jpeg"));
    let missing = s.get(&format!("/v1/console/blobs/{}", "0".repeat(64)), &token).await;
    refused(&missing, StatusCode::NOT_FOUND, "not_found");
    refused(&s.get("/v1/console/blobs/photo.jpg", &token).await, StatusCode::BAD_REQUEST, "bad_request");

    // Someone edits the database file behind the server's back.
    s.sql(&format!(
        "UPDATE reports SET record = replace(record, '19.2', '21.2') WHERE id = '{}'",
        original.report().id
    ))
    .await;
    let tampered = s.get(&format!("/v1/console/reports/{}", original.report().id), &token).await;
    assert_eq!(tampered.body["tamper_check"]["matches"], false, "{}", tampered.body);
    assert!(tampered.body["tamper_check"]["message"].as_str().unwrap().contains("does not match"));
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM, for Excel");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[tokio::test]
async fn the_report_list_and_the_board_export_as_csv_with_chinese_headers_and_quoting() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let checks = [temperature_check(0, tech1), temperature_check(4, tech1)];
    s.push_reports(&t1, &checks).await;
    let (status, bytes, mime) = raw_get(&s, "/v1/console/reports.csv?kind=temperature_check", &token).await;
    assert_eq!((status, mime.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0], hearth_server::routes::console::records::REPORT_CSV_HEADER);
    assert_eq!(rows.len(), 3);
    let mut ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    ids.sort();
    let mut expected: Vec<String> = checks.iter().map(|c| c.report().id.to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(rows[1][2], "和平供热站");
    assert!(rows[1..].iter().all(|r| r[4] == household(0).account_no || r[4] == household(4).account_no));

    let home = household(0);
    let station_csv = format!("/v1/console/work-orders.csv?station_id={}", home.station_id);
    let demo_orders = csv_rows(&raw_get(&s, &station_csv, &token).await.1).len() - 1;
    let description = "他说\"暖气不热\",还漏水\n楼道也冷";
    let call = s
        .post(
            "/v1/console/calls",
            &token,
            json!({"caller_name": "王", "phone": home.phone, "household_id": home.id,
            "description": description, "outcome": "work_order",
            "work_order": {"kind": "repair", "priority": "urgent", "description": description}}),
        )
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{}", call.body);
    let station = home.station_id;
    let (_, bytes, _) = raw_get(
        &s,
        &format!("/v1/console/work-orders.csv?station_id={station}&priority_is_ignored=1"),
        &token,
    )
    .await;
    assert!(String::from_utf8(bytes).unwrap().contains("bad_request"), "unknown filters are refused");
    let (status, bytes, _) =
        raw_get(&s, &format!("/v1/console/work-orders.csv?station_id={station}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0], hearth_server::routes::console::board::BOARD_CSV_HEADER);
    let order = &call.body["work_order"];
    let ours = rows.iter().find(|r| r[16] == order["id"].as_str().unwrap()).unwrap();
    assert_eq!(ours[8], description, "commas, quotes and line breaks survive the quoting");
    assert_eq!(
        (ours[6].as_str(), ours[7].as_str(), ours[14].as_str()),
        (home.account_no.as_str(), home.address.as_str(), "否")
    );
    // The order's number, its kind, status and priority in words, both deadlines.
    assert_eq!(ours[0], order["number"].as_str().unwrap());
    assert_eq!((ours[1].as_str(), ours[2].as_str(), ours[3].as_str()), ("入户检修", "新建", "加急"));
    let when = |field: &str| {
        let t: chrono::DateTime<Utc> = order[field].as_str().unwrap().parse().unwrap();
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    assert!(ours[10].starts_with(&when("arrive_by")), "{} vs {}", ours[10], when("arrive_by"));
    assert!(ours[12].starts_with(&when("due_by")), "{} vs {}", ours[12], when("due_by"));
    assert_eq!(
        (ours[11].as_str(), ours[13].as_str(), ours[15].as_str()),
        ("", "", "0"),
        "not reached yet, no repeats"
    );
    assert_eq!(rows.len(), 1 + demo_orders + 1, "the station's demo orders and ours");
}

#[tokio::test]
async fn a_temperature_check_carries_its_verdict_under_the_thresholds_in_force() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let admin = s.login("admin").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let now = Utc::now();
    let check = |n: usize, celsius: f64, outdoor: f64, findings| {
        let mut body = hearth_core::demo::temperature_check(now);
        for r in &mut body.readings {
            r.celsius = celsius;
        }
        body.outdoor_celsius = Some(outdoor);
        body.findings = findings;
        let report =
            hearth_core::demo::report(ReportBody::TemperatureCheck(body), household(n).id, tech1, now);
        hearth_core::demo::sign(report, "张三", now).unwrap()
    };
    use hearth_core::model::UserCausedFinding::RadiatorsCovered;
    let warm = temperature_check(0, tech1);
    let cold = check(4, 16.5, -3.0, vec![]);
    let covered = check(8, 15.0, -3.0, vec![RadiatorsCovered]);
    let freezing = check(12, 16.0, -12.0, vec![]);
    let repair = hearth_core::demo::report(
        ReportBody::RepairVisit(hearth_core::demo::repair_visit(now)),
        household(16).id,
        tech1,
        now,
    );
    let repair = hearth_core::demo::sign(repair, "李四", now).unwrap();
    s.push_reports(&t1, &[warm.clone(), cold.clone(), covered.clone(), freezing.clone(), repair.clone()])
        .await;
    let detail = |r: &SignedReport| format!("/v1/console/reports/{}", r.report().id);

    let body = s.get(&detail(&warm), &token).await.body;
    assert_eq!(body["verdict"], json!({"verdict": "compliant", "lowest_c": 18.6, "indoor_standard_c": 18.0}));
    assert_eq!(body["company_name"], "供热服务有限公司", "the neutral default until the admin sets one");
    let body = s.get(&detail(&cold), &token).await.body;
    assert_eq!(body["verdict"]["verdict"], "non_compliant", "{body}");
    assert_eq!(body["verdict"]["lowest_c"], 16.5);
    let body = s.get(&detail(&covered), &token).await.body;
    assert_eq!(body["verdict"]["verdict"], "excused");
    assert_eq!(body["verdict"]["excuses"], json!([{"user_caused": "radiators_covered"}]));
    let body = s.get(&detail(&freezing), &token).await.body;
    assert_eq!(body["verdict"]["excuses"], json!(["below_design_weather"]));
    let body = s.get(&detail(&repair), &token).await.body;
    assert!(body.get("verdict").is_none(), "a repair has no temperature verdict: {body}");
    assert!(body.get("area").is_none(), "nor an area finding");
    let remeasured = hearth_core::demo::report(
        ReportBody::AreaRemeasurement(hearth_core::demo::area_remeasurement(now, 80.0)),
        household(20).id,
        tech1,
        now,
    );
    let remeasured = hearth_core::demo::sign(remeasured, "王五", now).unwrap();
    s.push_reports(&t1, std::slice::from_ref(&remeasured)).await;
    let body = s.get(&detail(&remeasured), &token).await.body;
    // 4.2 × 3.6 + 5.5 × 4.0 + 30 = 67.12 m² against 80 billed: 16.1 % under, outside 3 %.
    let area = &body["area"];
    assert!((area["total_m2"].as_f64().unwrap() - 67.12).abs() < 1e-9, "{body}");
    assert!((area["deviation_pct"].as_f64().unwrap() + 16.1).abs() < 0.01);
    assert_eq!(area["within_tolerance"], false);

    // The verdict and the printed name follow the profile the admin stores.
    let mut profile = s.get("/v1/console/admin/thresholds", &admin).await.body;
    profile["indoor_standard_c"] = json!(16.0);
    profile["company_name"] = json!("  和平热力有限公司 ");
    let put = s.call("PUT", "/v1/console/admin/thresholds", Some(&admin), Some(profile.to_string())).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let body = s.get(&detail(&cold), &token).await.body;
    assert_eq!(body["verdict"]["verdict"], "compliant");
    assert_eq!(body["verdict"]["indoor_standard_c"], 16.0);
    assert_eq!(body["company_name"], "和平热力有限公司", "kept trimmed");
}

#[tokio::test]
async fn the_records_list_and_its_csv_carry_each_checks_verdict_in_words() {
    let s = server().await;
    let token = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let now = Utc::now();
    let check = |n: usize, celsius: f64, outdoor: f64| {
        let mut body = hearth_core::demo::temperature_check(now);
        for r in &mut body.readings {
            r.celsius = celsius;
        }
        body.outdoor_celsius = Some(outdoor);
        let report =
            hearth_core::demo::report(ReportBody::TemperatureCheck(body), household(n).id, tech1, now);
        hearth_core::demo::sign(report, "张三", now).unwrap()
    };
    let warm = temperature_check(0, tech1);
    let cold = check(4, 15.2, -3.0);
    let freezing = check(8, 16.0, -12.0);
    let repair = hearth_core::demo::report(
        ReportBody::RepairVisit(hearth_core::demo::repair_visit(now)),
        household(12).id,
        tech1,
        now,
    );
    let repair = hearth_core::demo::sign(repair, "李四", now).unwrap();
    s.push_reports(&t1, &[warm.clone(), cold.clone(), freezing.clone(), repair.clone()]).await;

    let list = s.get("/v1/console/reports", &token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let line = |r: &SignedReport| {
        list.body["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(r.report().id))
            .unwrap()
            .clone()
    };
    assert_eq!(line(&warm)["verdict"]["verdict"], "compliant");
    assert_eq!(line(&cold)["verdict"]["verdict"], "non_compliant");
    assert_eq!(line(&cold)["verdict"]["lowest_c"], 15.2);
    assert_eq!(line(&freezing)["verdict"]["excuses"], json!(["below_design_weather"]));
    assert!(line(&repair).get("verdict").is_none(), "a repair has no temperature verdict");

    let (status, bytes, _) = raw_get(&s, "/v1/console/reports.csv", &token).await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0][7], "测温结论");
    let row = |r: &SignedReport| rows.iter().find(|x| x[0] == r.report().id.to_string()).unwrap().clone();
    assert_eq!(row(&warm)[7], "达标（最低 18.6 ℃）");
    assert_eq!(row(&cold)[7], "不达标（最低 15.2 ℃，低于标准 2.8 ℃）");
    assert_eq!(row(&freezing)[7], "免责（室外温度低于设计温度）");
    assert_eq!(row(&repair)[7], "");
    // The kinds in words, never `repair_visit`.
    assert_eq!((row(&warm)[1].as_str(), row(&repair)[1].as_str()), ("测温记录", "维修记录"));
    assert!(
        rows.iter()
            .flatten()
            .all(|cell| !cell.contains("repair_visit") && !cell.contains("temperature_check"))
    );
}
