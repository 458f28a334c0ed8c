//! KPIs: a known set of orders and signed reports, and every number the console shows
//! checked against it; the waiting households and the follow-up action.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::*;
use hearth_core::protocol::WorkOrderFields;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{household, refused, stamp};
use crate::{Server, server_without_orders};

fn hours_ago(h: f64) -> DateTime<Utc> {
    Utc::now() - Duration::minutes((h * 60.0) as i64)
}

fn sign(mut report: Report, satisfaction: Satisfaction) -> SignedReport {
    report.feedback.satisfaction = Some(satisfaction);
    hearth_core::demo::sign(report, "客户", Utc::now()).unwrap()
}

/// A temperature check of household `n` whose bedroom read `bedroom_c`.
fn check(n: usize, author: Uuid, bedroom_c: f64, satisfaction: Satisfaction) -> SignedReport {
    let mut r = hearth_core::demo::report(
        ReportBody::TemperatureCheck(hearth_core::demo::temperature_check(Utc::now())),
        household(n).id,
        author,
        Utc::now(),
    );
    if let ReportBody::TemperatureCheck(c) = &mut r.body {
        c.readings[0].celsius = bedroom_c;
    }
    sign(r, satisfaction)
}

/// An open repair order of household `n` assigned to `tech`, reported 10 hours ago: on site
/// by 8 hours ago, fixed by 2 hours ago.
async fn old_order(s: &Server, n: usize, tech: Uuid) -> WorkOrder {
    let mut order = hearth_core::demo::work_order(hours_ago(10.0));
    order.household_id = household(n).id;
    order.station_id = household(n).station_id;
    order.assignee_id = Some(tech);
    s.storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();
    order
}

fn visit(order: &WorkOrder, author: Uuid, arrived_h: f64, finished_h: f64, fixed: bool) -> SignedReport {
    let mut v = hearth_core::demo::repair_visit(Utc::now());
    v.arrived_at = hours_ago(arrived_h);
    v.finished_at = hours_ago(finished_h);
    v.outcome =
        if fixed { RepairOutcome::Fixed } else { RepairOutcome::NotFixed { reason: "缺配件".into() } };
    let mut r = hearth_core::demo::report(ReportBody::RepairVisit(v), order.household_id, author, Utc::now());
    r.work_order_id = Some(order.id);
    sign(r, Satisfaction::Satisfied)
}

async fn upload(s: &Server, token: &str, bytes: &[u8]) -> AttachmentRef {
    let photo = hearth_core::demo::photo(bytes);
    let put = Request::put(format!("/v1/blobs/{}", photo.sha256))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    assert_eq!(s.send(put).await.status, StatusCode::CREATED);
    photo
}

fn inspection(n: usize, author: Uuid, violations: Vec<ViolationType>, photo: &AttachmentRef) -> SignedReport {
    let mut body = hearth_core::demo::inspection();
    body.violations = violations;
    let mut r = hearth_core::demo::report(ReportBody::Inspection(body), household(n).id, author, Utc::now());
    r.attachments.push(photo.clone());
    sign(r, Satisfaction::Satisfied)
}

fn area(n: usize, author: Uuid, billed: f64) -> SignedReport {
    let body = hearth_core::demo::area_remeasurement(Utc::now(), billed);
    sign(
        hearth_core::demo::report(ReportBody::AreaRemeasurement(body), household(n).id, author, Utc::now()),
        Satisfaction::Satisfied,
    )
}

/// The city the KPI tests measure (see the test for the expected numbers).
struct City {
    s: Server,
    office: String,
    tech1: (String, Uuid),
    tech2: Uuid,
    checks: Vec<SignedReport>,
}

async fn city() -> City {
    let s = server_without_orders().await;
    let office = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let (t2, tech2) = s.login_user("tech2").await;
    // Station 0, tech1: three repairs reported 10 h ago, a fourth cancelled.
    let a = old_order(&s, 0, tech1).await;
    let b = old_order(&s, 4, tech1).await;
    let c = old_order(&s, 8, tech1).await;
    let d = old_order(&s, 36, tech1).await;
    s.push_reports(
        &t1,
        &[
            visit(&a, tech1, 9.5, 3.0, true),  // on site in time, fixed in time
            visit(&b, tech1, 7.0, 1.0, true),  // late on site, fixed late
            visit(&c, tech1, 9.0, 8.5, false), // on site in time, not fixed
        ],
    )
    .await;
    // The tablet's status taps, stamped when they were made: the server's arrival and done
    // stamps, against the orders' deadlines (on site by -8 h, done by -2 h), decide on time.
    let move_to = |status| WorkOrderFields { status: Some(status), ..Default::default() };
    let on_site = move_to(WorkOrderStatus::OnSite);
    let done = move_to(WorkOrderStatus::Done);
    s.push_edit(&t1, a.id, stamp(hours_ago(9.5)), on_site.clone()).await; // in time
    s.push_edit(&t1, a.id, stamp(hours_ago(3.0)), done.clone()).await; // in time
    s.push_edit(&t1, b.id, stamp(hours_ago(7.0)), on_site.clone()).await; // late
    s.push_edit(&t1, b.id, stamp(hours_ago(1.0)), done.clone()).await; // late
    s.push_edit(&t1, c.id, stamp(hours_ago(9.0)), on_site).await; // in time
    let failed = WorkOrderFields {
        status: Some(WorkOrderStatus::CouldNotComplete),
        status_note: Some("缺配件".into()),
        ..Default::default()
    };
    s.push_edit(&t1, c.id, stamp(Utc::now()), failed).await;
    let cancel =
        s.post(&format!("/v1/console/work-orders/{}/cancel", d.id), &office, json!({"reason": "重复"})).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);

    let mut covered = check(24, tech1, 15.5, Satisfaction::Satisfied);
    let mut parts = covered.into_parts();
    if let ReportBody::TemperatureCheck(c) = &mut parts.report.body {
        c.findings = vec![UserCausedFinding::RadiatorsCovered];
    }
    covered = sign(parts.report, Satisfaction::Satisfied);
    let checks = vec![
        check(12, tech1, 18.6, Satisfaction::Satisfied),    // compliant
        check(16, tech1, 16.5, Satisfaction::Dissatisfied), // 1.5 short: 20 %
        check(20, tech1, 15.0, Satisfaction::FairlySatisfied), // 3.0 short: 50 %
        covered,                                            // excused
        check(32, tech1, 13.0, Satisfaction::Satisfied),    // 5.0 short: 100 %
    ];
    s.push_reports(&t1, &checks).await;

    // Station 1, tech2: two re-measurements (one outside tolerance), two inspections.
    let photo = upload(&s, &t2, b"\xFF\xD8 pipe tapped in the stairwell").await;
    s.push_reports(
        &t2,
        &[
            area(1, tech2, 67.12),
            area(5, tech2, 80.0),
            inspection(
                9,
                tech2,
                vec![ViolationType::UnauthorizedConnection, ViolationType::HeatingWaterTheft],
                &photo,
            ),
            inspection(13, tech2, vec![ViolationType::UnauthorizedConnection], &photo),
        ],
    )
    .await;
    City { s, office, tech1: (t1, tech1), tech2, checks }
}

async fn kpis(c: &City) -> Value {
    let from = (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let to = (Utc::now() + Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let answer = c.s.get(&format!("/v1/console/kpis?from={from}&to={to}"), &c.office).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

fn close(v: &Value, expected: f64) {
    assert!((v.as_f64().unwrap() - expected).abs() < 1e-9, "{v} ≠ {expected}");
}

#[tokio::test]
async fn every_kpi_number_matches_the_records_made() {
    let c = city().await;
    let k = kpis(&c).await;
    let area = |n: usize| household(n).billed_area_m2;
    let overall = &k["overall"];
    assert_eq!(
        overall["counts"],
        json!({
            "repairs_with_deadline": 3, "repairs_arrived_on_time": 2, "repairs_fixed_in_time": 1,
            "repairs_on_time": 1,
            // a, b, c (d was cancelled); a, b done, c ended with a reason.
            "orders": 3, "orders_closed": 3,
            "checks_compliant": 1, "checks_non_compliant": 3, "checks_excused": 1, "checks_undecided": 0,
            "area_remeasurements": 2, "area_outside_tolerance": 1,
            "satisfied": 10, "fairly_satisfied": 1, "dissatisfied": 1,
            "violations": {"heating_water_theft": 1, "unauthorized_connection": 2},
            "refund_tiers": {
                "20": {"checks": 1, "billed_area_m2": area(16)},
                "50": {"checks": 1, "billed_area_m2": area(20)},
                "100": {"checks": 1, "billed_area_m2": area(32)},
            },
        })
    );
    assert_eq!(
        overall["rates"],
        json!({
            "repair_on_time": 1.0 / 3.0, "arrived_on_time": 2.0 / 3.0, "fixed_within_deadline": 1.0 / 3.0,
            "closure": 1.0,
            "temperature_compliance": 2.0 / 5.0, "satisfaction": 11.0 / 12.0,
        })
    );
    assert_eq!(overall["refund_exposure"]["checks"], 3);
    close(&overall["refund_exposure"]["refund_weighted_area_m2"], 0.2 * area(16) + 0.5 * area(20) + area(32));
    // In 元: each check is one failing day of a 121-day season priced 25 元/m² (Tianjin).
    assert_eq!(k["refund_basis"], json!({"price_yuan_per_m2": 25.0, "season_days": 121}));
    assert_eq!(overall["refund_exposure"]["failing_days"], 3);
    let yuan = |weighted: f64| (weighted * 25.0 / 121.0 * 100.0).round() / 100.0;
    close(&overall["refund_exposure"]["yuan"], yuan(0.2 * area(16) + 0.5 * area(20) + area(32)));

    let station = |id: Uuid| {
        k["stations"].as_array().unwrap().iter().find(|s| s["station_id"] == json!(id)).unwrap().clone()
    };
    let s0 = station(household(0).station_id);
    assert_eq!(s0["station_name"], "和平供热站");
    assert_eq!(
        (s0["kpi"]["counts"]["orders"].clone(), s0["kpi"]["counts"]["orders_closed"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(s0["kpi"]["rates"]["repair_on_time"], json!(1.0 / 3.0), "only a was on site and done in time");
    assert_eq!(s0["kpi"]["rates"]["temperature_compliance"], json!(0.4));
    assert_eq!(s0["kpi"]["counts"]["violations"], json!({}));
    close(&s0["kpi"]["refund_exposure"]["yuan"], yuan(0.2 * area(16) + 0.5 * area(20) + area(32)));
    let s1 = station(household(1).station_id);
    assert_eq!(s1["kpi"]["refund_exposure"]["yuan"], json!(0.0), "no failing check at station 1");
    assert_eq!(s1["kpi"]["counts"]["area_outside_tolerance"], 1);
    assert_eq!(s1["kpi"]["counts"]["violations"]["unauthorized_connection"], 2);
    assert_eq!(s1["kpi"]["rates"]["closure"], Value::Null, "no order at station 1");
    assert_eq!(s1["kpi"]["rates"]["repair_on_time"], Value::Null, "no repair to judge");
    assert_eq!(s1["kpi"]["rates"]["satisfaction"], json!(1.0));
    assert_eq!(k["stations"].as_array().unwrap().len(), 2, "the two stations with work in the range");

    let crew =
        |id: Uuid| k["crews"].as_array().unwrap().iter().find(|s| s["user_id"] == json!(id)).unwrap().clone();
    let t1 = crew(c.tech1.1);
    assert_eq!(
        (t1["kpi"]["counts"]["orders"].clone(), t1["kpi"]["counts"]["orders_closed"].clone()),
        (json!(3), json!(3)),
        "a, b, c"
    );
    assert_eq!(t1["kpi"]["counts"]["checks_non_compliant"], 3);
    assert_eq!(t1["kpi"]["rates"]["satisfaction"], json!(7.0 / 8.0), "one dissatisfied customer of 8");
    let t2 = crew(c.tech2);
    assert_eq!(t2["kpi"]["counts"]["area_remeasurements"], 2);
    assert_eq!(t2["kpi"]["counts"]["violations"]["heating_water_theft"], 1);
    assert_eq!(t2["kpi"]["counts"]["orders"], 0);
    assert!(!t2["display_name"].as_str().unwrap().is_empty());

    // A range before any of it: nothing to measure.
    let empty =
        c.s.get("/v1/console/kpis?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z", &c.office).await;
    assert_eq!(empty.body["overall"]["rates"]["closure"], Value::Null);
    assert_eq!(empty.body["stations"], json!([]));
    refused(
        &c.s.get("/v1/console/kpis?from=2020-02-01T00:00:00Z&to=2020-01-01T00:00:00Z", &c.office).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(&c.s.get("/v1/console/kpis", &c.office).await, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn the_thresholds_decide_compliance_and_refund_tiers() {
    let c = city().await;
    let admin = c.s.login("admin").await;
    let profile = hearth_core::rules::CityProfile { indoor_standard_c: 16.0, ..Default::default() };
    let put =
        c.s.call(
            "PUT",
            "/v1/console/admin/thresholds",
            Some(&admin),
            Some(serde_json::to_string(&profile).unwrap()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let k = kpis(&c).await;
    let counts = &k["overall"]["counts"];
    // 16.5 and 18.6 now comply; 15.0 (1.0 short: 20 %) and 13.0 (3.0 short: 50 %) do not.
    assert_eq!(
        (counts["checks_compliant"].clone(), counts["checks_non_compliant"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(counts["refund_tiers"]["20"]["checks"], 1);
    assert_eq!(counts["refund_tiers"]["50"]["checks"], 1);
    assert!(counts["refund_tiers"].get("100").is_none());
}

#[tokio::test]
async fn non_compliant_households_wait_until_their_follow_up_is_done() {
    let c = city().await;
    let (t1, tech1) = c.tech1.clone();
    let waiting = c.s.get("/v1/console/kpis/waiting", &c.office).await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
    let ids: Vec<Value> =
        waiting.body.as_array().unwrap().iter().map(|w| w["household_id"].clone()).collect();
    assert_eq!(ids, vec![json!(household(16).id), json!(household(20).id), json!(household(32).id)]);
    assert!(waiting.body.as_array().unwrap().iter().all(|w| w["stage"] == "awaiting_repair"));
    assert_eq!(waiting.body[0]["lowest_c"], 16.5);

    // Household 20 gets its repair: it now waits for the follow-up visit.
    let repair =
        c.s.post(
            "/v1/console/work-orders",
            &c.office,
            json!({"household_id": household(20).id,
        "kind": "repair", "priority": "urgent", "description": "不达标维修", "assignee_id": tech1}),
        )
        .await;
    assert_eq!(repair.status, StatusCode::CREATED, "{}", repair.body);
    let done = WorkOrderFields { status: Some(WorkOrderStatus::Done), ..Default::default() };
    let repair_id: Uuid = repair.body["id"].as_str().unwrap().parse().unwrap();
    c.s.push_edit(&t1, repair_id, stamp(Utc::now()), done.clone()).await;

    // Household 16's follow-up, in one action.
    let before = c.s.all_counts().await;
    let compliant =
        c.s.post("/v1/console/follow-ups", &c.office, json!({"report_id": c.checks[0].report().id})).await;
    refused(&compliant, StatusCode::BAD_REQUEST, "bad_request");
    let not_crew =
        c.s.post(
            "/v1/console/follow-ups",
            &c.office,
            json!({"report_id": c.checks[1].report().id, "assignee_id": Uuid::now_v7()}),
        )
        .await;
    refused(&not_crew, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(c.s.all_counts().await, before);
    let follow_up =
        c.s.post(
            "/v1/console/follow-ups",
            &c.office,
            json!({"report_id": c.checks[1].report().id, "assignee_id": tech1}),
        )
        .await;
    assert_eq!(follow_up.status, StatusCode::CREATED, "{}", follow_up.body);
    assert_eq!(
        (follow_up.body["kind"].clone(), follow_up.body["follows_up"].clone()),
        (json!("follow_up"), json!(c.checks[1].report().id))
    );
    let twice =
        c.s.post("/v1/console/follow-ups", &c.office, json!({"report_id": c.checks[1].report().id})).await;
    refused(&twice, StatusCode::CONFLICT, "conflict");

    let stages = |body: &Value| -> Vec<(Value, Value)> {
        body.as_array().unwrap().iter().map(|w| (w["household_id"].clone(), w["stage"].clone())).collect()
    };
    let waiting = c.s.get("/v1/console/kpis/waiting", &c.office).await;
    assert_eq!(
        stages(&waiting.body),
        vec![
            (json!(household(16).id), json!("follow_up_scheduled")),
            (json!(household(20).id), json!("awaiting_follow_up")),
            (json!(household(32).id), json!("awaiting_repair")),
        ]
    );
    let follow_up_id: Uuid = follow_up.body["id"].as_str().unwrap().parse().unwrap();
    c.s.push_edit(&t1, follow_up_id, stamp(Utc::now()), done).await;
    let waiting = c.s.get("/v1/console/kpis/waiting", &c.office).await;
    assert_eq!(waiting.body.as_array().unwrap().len(), 2, "household 16 was followed up");
}

#[tokio::test]
async fn a_tablet_whose_clock_runs_a_day_ahead_is_judged_by_when_its_record_arrived() {
    let s = server_without_orders().await;
    let office = s.login("dispatcher").await;
    let (t1, tech1) = s.login_user("tech1").await;
    let mut order = hearth_core::demo::work_order(hours_ago(1.0)); // on site by +1 h, fixed by +7 h
    order.household_id = household(0).id;
    order.assignee_id = Some(tech1);
    s.storage.add_work_orders(vec![order.clone()], Hlc::ZERO).await.unwrap();
    // The tablet believes it is tomorrow: its 已到场 and the signed visit are stamped then.
    let tomorrow = Utc::now() + Duration::days(1);
    let mut v = hearth_core::demo::repair_visit(tomorrow);
    v.arrived_at = tomorrow - Duration::hours(1);
    v.finished_at = tomorrow - Duration::minutes(30);
    let mut r = hearth_core::demo::report(ReportBody::RepairVisit(v), order.household_id, tech1, tomorrow);
    r.work_order_id = Some(order.id);
    r.feedback.satisfaction = Some(Satisfaction::Satisfied);
    let signed = hearth_core::demo::sign(r, "客户", tomorrow).unwrap();
    let on_site = WorkOrderFields { status: Some(WorkOrderStatus::OnSite), ..Default::default() };
    s.push_edit(&t1, order.id, stamp(tomorrow - Duration::hours(1)), on_site).await;
    s.push_reports(&t1, &[signed]).await;
    let done = WorkOrderFields { status: Some(WorkOrderStatus::Done), ..Default::default() };
    s.push_edit(&t1, order.id, stamp(tomorrow - Duration::minutes(30)), done).await;
    let from = (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let to = (Utc::now() + Duration::days(3)).format("%Y-%m-%dT%H:%M:%SZ");
    let k = s.get(&format!("/v1/console/kpis?from={from}&to={to}"), &office).await;
    let counts = &k.body["overall"]["counts"];
    assert_eq!(
        (
            counts["repairs_with_deadline"].clone(),
            counts["repairs_arrived_on_time"].clone(),
            counts["repairs_fixed_in_time"].clone(),
            counts["repairs_on_time"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(1)),
        "the moves reached the office within the deadlines, whatever the tablet's clock said"
    );
}

/// The report-derived counts of a KPI answer (orders, repair timeliness among them, are
/// counted by when they were reported).
fn report_counts(k: &Value) -> Value {
    let mut counts = k["overall"]["counts"].clone();
    let map = counts.as_object_mut().unwrap();
    map.retain(|key, _| !key.starts_with("orders") && !key.starts_with("repairs"));
    counts
}

#[tokio::test]
async fn a_range_that_cuts_hours_counts_the_same_reports_as_whole_hours() {
    let c = city().await;
    let wide = kpis(&c).await;
    // Both ends in the hour the reports arrived in: counted from their facts, not the sums.
    let from = (Utc::now() - Duration::minutes(2)).format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let to = (Utc::now() + Duration::seconds(1)).format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let narrow = c.s.get(&format!("/v1/console/kpis?from={from}&to={to}"), &c.office).await;
    assert_eq!(narrow.status, StatusCode::OK, "{}", narrow.body);
    assert_eq!(report_counts(&narrow.body), report_counts(&wide));
    assert_eq!(wide["overall"]["counts"]["checks_non_compliant"], 3, "the city's reports are there");
}

#[tokio::test]
async fn an_amended_check_counts_once_in_its_corrected_form() {
    let c = city().await;
    let (t1, _) = c.tech1.clone();
    // The 16.5 °C check of household 16 is corrected: the bedroom read 18.5 °C.
    let mut draft = hearth_core::rules::signing::amend(&c.checks[1], "误读温度计", Utc::now());
    if let ReportBody::TemperatureCheck(check) = &mut draft.body {
        check.readings[0].celsius = 18.5;
    }
    let corrected = sign(draft, Satisfaction::Satisfied);
    c.s.push_reports(&t1, &[corrected]).await;
    let counts = kpis(&c).await["overall"]["counts"].clone();
    assert_eq!(
        (
            counts["checks_compliant"].clone(),
            counts["checks_non_compliant"].clone(),
            counts["satisfied"].clone(),
            counts["dissatisfied"].clone()
        ),
        (json!(2), json!(2), json!(11), json!(0)),
        "the original left the counts, its amendment came in: {counts}"
    );
    assert!(counts["refund_tiers"].get("20").is_none(), "{counts}");
    let waiting = c.s.get("/v1/console/kpis/waiting", &c.office).await;
    let ids: Vec<Value> =
        waiting.body.as_array().unwrap().iter().map(|w| w["household_id"].clone()).collect();
    assert_eq!(ids, vec![json!(household(20).id), json!(household(32).id)]);
}

#[tokio::test]
async fn the_refund_is_priced_in_yuan_from_the_profile_and_an_older_profile_reads_tianjins_price() {
    let c = city().await;
    let admin = c.s.login("admin").await;
    let area = |n: usize| household(n).billed_area_m2;
    let weighted = 0.2 * area(16) + 0.5 * area(20) + area(32);
    // A profile stored before the price and season existed: Tianjin's are used.
    let mut old = serde_json::to_value(hearth_core::rules::CityProfile::default()).unwrap();
    let fields = old.as_object_mut().unwrap();
    fields.remove("price_yuan_per_m2");
    fields.remove("season_days");
    c.s.sql(&format!(
        "INSERT INTO settings (key, value) VALUES ('city_profile', '{old}')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    ))
    .await;
    let stored = c.s.get("/v1/console/admin/thresholds", &admin).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    assert_eq!(
        (stored.body["price_yuan_per_m2"].clone(), stored.body["season_days"].clone()),
        (json!(25.0), json!(121))
    );
    assert_eq!(stored.body["design_outdoor_c"], json!(-7.0), "Tianjin's design temperature");
    close(
        &kpis(&c).await["overall"]["refund_exposure"]["yuan"],
        (weighted * 25.0 / 121.0 * 100.0).round() / 100.0,
    );

    // The admin's price and season change the amount.
    let mut profile = stored.body.clone();
    profile["price_yuan_per_m2"] = json!(30.0);
    profile["season_days"] = json!(150);
    let put = c.s.call("PUT", "/v1/console/admin/thresholds", Some(&admin), Some(profile.to_string())).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let k = kpis(&c).await;
    assert_eq!(k["refund_basis"], json!({"price_yuan_per_m2": 30.0, "season_days": 150}));
    close(&k["overall"]["refund_exposure"]["yuan"], (weighted * 30.0 / 150.0 * 100.0).round() / 100.0);
    for (field, value) in
        [("price_yuan_per_m2", json!(-1.0)), ("season_days", json!(0)), ("season_days", json!(400))]
    {
        let mut bad = profile.clone();
        bad[field] = value;
        let answer =
            c.s.call("PUT", "/v1/console/admin/thresholds", Some(&admin), Some(bad.to_string())).await;
        refused(&answer, StatusCode::BAD_REQUEST, "bad_request");
        assert!(answer.body["error"]["message"].as_str().unwrap().contains(field), "{}", answer.body);
    }
}
