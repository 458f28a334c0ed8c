//! A technician's day on the real app: log in online; lose the server; the app reopens
//! offline; a temperature check with an impossible reading is refused, then filled in,
//! signed and counted as waiting; the server comes back and the record reaches it, readable
//! through the server's API; then a repair visit and an inspection with a photo the same
//! way. Screens are photographed in zh-CN and en along the way.

use chrono::{Duration, Local};
use hearth_core::protocol::{LoginRequest, LoginResponse, PullResponse};
use hearth_tests::e2e::webdriver::Session;
use serde_json::Value;

use crate::fixture::{
    self, Fixture, open_order, pending, refusal, shot, sign, sign_off, use_locale, wait_draft_saved,
    wait_pending,
};

/// A signed report as the server stored it, found by the content hash the app showed.
fn server_report(fx: &Fixture, content_hash: &str) -> Option<Value> {
    let db = fx.server.database();
    let mut stmt = db.prepare("SELECT record FROM reports").expect("query reports");
    let records: Vec<String> =
        stmt.query_map([], |r| r.get(0)).expect("reports").collect::<Result<_, _>>().expect("rows");
    records
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(r).ok())
        .find(|r| r["content_hash"].as_str() == Some(content_hash))
}

/// Logs in to the server's API as the dispatcher and returns a token.
fn api_token(fx: &Fixture) -> String {
    let request = LoginRequest {
        username: "dispatcher".into(),
        password: "demo-dispatcher".into(),
        device_name: "e2e check".into(),
        device_id: hearth_core::new_id(),
    };
    let answer: LoginResponse = reqwest::blocking::Client::new()
        .post(format!("{}/v1/auth/login", fx.server.url()))
        .json(&request)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("log in to the API");
    answer.token
}

/// Whether the server's API has the blob `sha256` (a photo or a signature image).
fn api_has_blob(fx: &Fixture, token: &str, sha256: &str) -> bool {
    reqwest::blocking::Client::new()
        .head(format!("{}/v1/blobs/{sha256}", fx.server.url()))
        .bearer_auth(token)
        .send()
        .is_ok_and(|r| r.status().is_success())
}

/// Waits until the app has nothing waiting, then returns the record the server holds.
fn reached_server(fx: &Fixture, app: &Session, content_hash: &str) -> Value {
    wait_pending(app, 0);
    let record = server_report(fx, content_hash).expect("the server holds the signed record");
    let token = api_token(fx);
    for signature in record["signatures"].as_array().expect("signatures") {
        let png = signature["png"]["sha256"].as_str().expect("a signature image");
        assert!(api_has_blob(fx, &token, png), "the signature image {png} is on the server");
    }
    record
}

fn local_input(offset: Duration) -> String {
    (Local::now() + offset).format("%Y-%m-%dT%H:%M").to_string()
}

#[test]
fn a_days_work_done_offline_reaches_the_server() {
    let mut fx = Fixture::start();
    let app = fx.driver.open_app();

    // The first start: the login screen, in Chinese.
    app.wait_for("[data-testid=login-form]");
    assert_eq!(fixture::locale(&app), "zh-CN", "the app speaks Chinese by default");
    shot(&app, "zh-CN", "01-login");
    use_locale(&app, "en");
    shot(&app, "en", "01-login");
    use_locale(&app, "zh-CN");
    fixture::login(&app, "tech1");
    app.wait_until("today's orders pulled from the server", || {
        app.find_all("[data-testid=order]").len() >= 4
    });
    app.wait_until("the first sync recorded", || !app.text("[data-testid=last-sync]").contains("尚未同步"));
    shot(&app, "zh-CN", "02-orders");

    // No signal: the server is gone, and the app reopens without asking for a login.
    fx.server.kill();
    drop(app);
    let app = fx.driver.open_app();
    app.wait_for("[data-testid=order-list]");
    app.wait_until("the status bar showing offline", || app.text("[data-testid=online]").contains("离线"));

    // A temperature check: the order moves on site, the form checks as it is typed.
    open_order(&app, "temperature_check");
    shot(&app, "zh-CN", "03-order");
    app.click("[data-testid=move-on_site]");
    app.wait_until("the order on site", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("on_site")
    });
    wait_pending(&app, 1);
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    app.type_into("[data-testid=thermometer-serial]", "T-2024-118");
    app.type_into("[data-testid=certificate-no]", "JD-55731");

    // The battery dies mid-form: the draft is there when the app comes back.
    wait_draft_saved(&app);
    drop(app);
    let app = fx.driver.open_app();
    open_order(&app, "temperature_check");
    app.click("[data-testid=open-household]");
    app.click("[data-testid=draft]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    assert_eq!(app.value("[data-testid=thermometer-serial]"), "T-2024-118", "the draft kept what was typed");
    assert_eq!(app.value("[data-testid=certificate-no]"), "JD-55731");
    app.set_value("[data-testid=certificate-expires]", "2030-06-30");
    app.click("[data-testid=checked-working]");
    app.type_into("[data-testid=doors-closed]", "45");
    app.type_into("[data-testid=probe-height]", "1.2");
    app.click("[data-testid=at-centre]");
    app.type_into("[data-testid=room-name-0]", "主卧");
    app.type_into("[data-testid=celsius-0]", "99");
    app.wait_until("the impossible reading explained next to the field", || {
        app.find_all("[data-testid=field-error]").len() == 1
            && app.text("[data-testid=field-error]").contains("不可能")
    });
    shot(&app, "zh-CN", "04-form-error");
    sign_off(&app);
    app.click("[data-testid=sign]");
    app.wait_for("[data-testid=sign-error]");
    assert!(app.find_all("[data-testid=signed-view]").is_empty(), "an impossible reading is not signed");
    assert_eq!(pending(&app), 1, "nothing was saved for the server but the status move");

    app.type_into("[data-testid=celsius-0]", "19.5");
    app.wait_until("the reading accepted", || app.find_all("[data-testid=field-error]").is_empty());
    let temperature_hash = sign(&app);
    shot(&app, "zh-CN", "05-signed");
    wait_pending(&app, 2);
    assert!(app.text("[data-testid=pending]").contains("2 条待同步"), "the status bar counts what waits");
    shot(&app, "zh-CN", "06-waiting");

    // The server comes back: the worker notices and everything goes out.
    fx.server.restart();
    let record = reached_server(&fx, &app, &temperature_hash);
    assert_eq!(record["report"]["body"]["kind"], "temperature_check");
    assert_eq!(record["report"]["body"]["data"]["readings"][0]["celsius"], 19.5);
    assert_eq!(record["signatures"][0]["role"], "customer");
    let token = api_token(&fx);
    let pulled: PullResponse = reqwest::blocking::Client::new()
        .get(format!("{}/v1/sync/pull?after=0&limit=5000", fx.server.url()))
        .bearer_auth(&token)
        .send()
        .and_then(|r| r.json())
        .expect("pull through the API");
    let on_site = serde_json::to_value(&pulled).expect("json").to_string().matches("\"on_site\"").count();
    assert!(on_site >= 1, "the server's API shows the order moved on site");

    // A repair visit, online now.
    open_order(&app, "repair");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=repair_visit]");
    app.set_value("[data-testid=arrived-at]", &local_input(Duration::minutes(-50)));
    app.type_into("[data-testid=cause]", "卧室散热器气堵");
    app.type_into("[data-testid=work-done]", "排气，检查阀门");
    app.set_value("[data-testid=finished-at]", &local_input(Duration::minutes(-2)));
    sign_off(&app);
    let repair_hash = sign(&app);
    let record = reached_server(&fx, &app, &repair_hash);
    assert_eq!(record["report"]["body"]["kind"], "repair_visit");
    assert_eq!(record["report"]["body"]["data"]["cause"], "卧室散热器气堵");

    // The order could not be finished today: it says why, and the move reaches the server.
    app.click("[data-testid=back]");
    app.click("[data-testid=move-could_not_complete]");
    app.type_into("[data-testid=status-note]", "需更换立管，约定明日再来");
    app.click("[data-testid=confirm-could-not-complete]");
    app.wait_until("the order marked could not complete", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("could_not_complete")
    });
    app.wait_until("the server holding the order as could not complete, with the reason", || {
        let db = fx.server.database();
        let found: i64 = db
            .query_row(
                "SELECT count(*) FROM work_orders WHERE json_extract(record, '$.status') = 'could_not_complete'
                   AND json_extract(record, '$.status_note') = '需更换立管，约定明日再来'",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        found == 1
    });

    // An inspection with a photo from the file picker.
    open_order(&app, "inspection");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=inspection]");
    app.click("[data-testid=violation-unauthorized_connection]");
    app.type_into("[data-testid=insp-description]", "厨房私接暖气管一处");
    app.type_into("[data-testid=insp-measures]", "拍照取证，告知用户限期恢复");
    let photo_dir = tempfile::tempdir().expect("photo dir");
    app.choose_file("[data-testid=photo-input]", &fixture::photo(photo_dir.path()));
    app.wait_until("the photo attached", || {
        app.attribute("[data-testid=photos]", "data-count").as_deref() == Some("1")
    });
    shot(&app, "zh-CN", "07-inspection");
    refusal(&app);
    let inspection_hash = sign(&app);
    let record = reached_server(&fx, &app, &inspection_hash);
    let photo =
        record["report"]["attachments"][0]["sha256"].as_str().expect("the photo in the record").to_owned();
    assert!(api_has_blob(&fx, &api_token(&fx), &photo), "the photo is on the server");
    assert_eq!(record["refusal"]["witness_name"], "物业 王师傅");
    assert_eq!(record["signatures"][0]["role"], "witness");

    // A correction starts from the signed record, which stays as it was.
    app.click("[data-testid=amend]");
    app.type_into("[data-testid=amend-reason]", "违规类型记录有误");
    app.click("[data-testid=amend]");
    app.wait_for("[data-testid=report-form][data-kind=inspection]");
    assert_eq!(
        app.value("[data-testid=insp-description]"),
        "厨房私接暖气管一处",
        "the correction starts from the record"
    );
    app.click("[data-testid=discard]");

    // An area re-measurement: the rooms against the billed area, signed.
    open_order(&app, "area_remeasure");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=area_remeasurement]");
    app.set_value("[data-testid=agreed-at]", &local_input(Duration::minutes(-30)));
    app.type_into("[data-testid=area-room-0]", "客厅");
    app.type_into("[data-testid=length-0]", "5.2");
    app.type_into("[data-testid=width-0]", "4");
    app.wait_until("the live deviation", || app.text("[data-testid=area-finding]").contains("20.80"));
    sign_off(&app);
    let area_hash = sign(&app);
    let record = reached_server(&fx, &app, &area_hash);
    assert_eq!(record["report"]["body"]["data"]["rooms"][0]["measure"]["length_m"], 5.2);

    screens(&app, "zh-CN");
    use_locale(&app, "en");
    screens(&app, "en");
    assert!(app.text("[data-testid=pending]").contains("All synced"));

    // The same app held upright: an 800×1280 portrait tablet.
    use_locale(&app, "zh-CN");
    app.set_window_size(800, 1280);
    app.click("[data-testid=nav-orders]");
    app.wait_for("[data-testid=order-list]");
    shot(&app, "zh-CN", "20-portrait-orders");
    open_order(&app, "temperature_check");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    shot(&app, "zh-CN", "21-portrait-form");
}

/// Photographs the main screens in `locale`.
fn screens(app: &Session, locale: &str) {
    app.click("[data-testid=nav-orders]");
    app.wait_for("[data-testid=order-list]");
    shot(app, locale, "10-orders");
    open_order(app, "area_remeasure");
    shot(app, locale, "11-order");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=area_remeasurement]");
    app.type_into("[data-testid=area-room-0]", "客厅");
    app.type_into("[data-testid=length-0]", "5.2");
    app.type_into("[data-testid=width-0]", "4");
    app.wait_until("the live deviation", || {
        app.find_all("[data-testid=area-finding]").len() == 1
            && app.text("[data-testid=area-finding]").contains("20.80")
    });
    shot(app, locale, "12-area-form");
    app.click("[data-testid=discard]");
    app.click("[data-testid=nav-search]");
    app.type_into("[data-testid=search-input]", "1");
    app.wait_until("search results", || app.find_all("[data-testid=household-hit]").len() > 1);
    shot(app, locale, "13-search");
    app.click("[data-testid=nav-orders]");
    open_order(app, "inspection");
    app.click("[data-testid=open-household]");
    shot(app, locale, "14-household");
    app.click("[data-testid=signed-report]");
    app.wait_for("[data-testid=signed-view]");
    shot(app, locale, "15-signed");
}
