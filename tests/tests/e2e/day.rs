//! A technician's day on the real app: log in online; lose the server; the app reopens
//! offline; a temperature check with an impossible reading is refused, then filled in,
//! signed and counted as waiting; the server comes back and the record reaches the office,
//! read through the console API; then a repair visit and an inspection with a photo (whose
//! preview survives a restart) the same way. The order list shows a day's orders, today's
//! by default. Screens are photographed in zh-CN and en along the way.

use chrono::{Duration, Local};
use hearth_core::protocol::PullResponse;
use hearth_tests::e2e::webdriver::Session;
use serde_json::{Value, json};

use crate::fixture::{
    self, Fixture, Signed, all_open_orders, discard_draft, open_order, orders_shown, pending, refusal,
    reopen_draft, shot, sign, sign_off, tick, use_locale, wait_draft_saved, wait_pending,
};
use crate::office::{Office, signed_record};

/// Waits until the app has nothing waiting, then returns the record as the office reads it.
fn reached_office(app: &Session, office: &Office, signed: &Signed) -> Value {
    wait_pending(app, 0);
    signed_record(office, &signed.id, &signed.content_hash)
}

/// Signs the form on screen, waits until the app has synced it, and returns the signed
/// record as the office reads it through the console API.
fn sign_and_sync(app: &Session, office: &Office) -> Value {
    let signed = sign(app);
    reached_office(app, office, &signed)
}

fn local_input(offset: Duration) -> String {
    (Local::now() + offset).format("%Y-%m-%dT%H:%M").to_string()
}

fn local_day(offset: Duration) -> String {
    (Local::now() + offset).format("%Y-%m-%d").to_string()
}

/// Picks `day` in the order list's date picker.
fn pick_day(app: &Session, day: &str) {
    app.set_value("[data-testid=orders-day]", day);
    app.wait_until(&format!("the picker on {day}"), || app.value("[data-testid=orders-day]") == day);
}

/// The width of the image matching `css`, once it has loaded (0 before).
fn image_width(app: &Session, css: &str) -> u64 {
    let script = "const img = document.querySelector(arguments[0]);
        return img && img.complete ? img.naturalWidth : 0";
    app.execute(script, json!([css])).as_u64().unwrap_or(0)
}

/// The open order of `kind` given to `username` due last on the office's board, and its due
/// day by the tablet's clock.
fn last_due(office: &Office, kind: &str, username: &str) -> (String, String) {
    let orders = office.board(&format!("kind={kind}&assignee_id={}&limit=100", office.crew_id(username)));
    let last = orders.iter().filter(|e| e["order"]["due_by"].is_string()).max_by_key(|e| {
        chrono::DateTime::parse_from_rfc3339(e["order"]["due_by"].as_str().unwrap_or_default()).ok()
    });
    let order = &last.unwrap_or_else(|| panic!("no open {kind} with a deadline"))["order"];
    let due =
        chrono::DateTime::parse_from_rfc3339(order["due_by"].as_str().unwrap_or_default()).expect("a time");
    (
        order["id"].as_str().unwrap_or_default().to_owned(),
        due.with_timezone(&Local).format("%Y-%m-%d").to_string(),
    )
}

/// The orders listed above `id` (each with its priority, and whether it says a deadline
/// passed), or None while `id` is not listed.
fn orders_above(app: &Session, id: &str) -> Option<Vec<(String, bool)>> {
    let script = "return [...document.querySelectorAll('[data-testid=order]')].map((e) =>
        [e.dataset.id, e.dataset.priority, /超时/.test(e.innerText)])";
    let listed = app.execute(script, json!([]));
    let rows: Vec<(String, String, bool)> = serde_json::from_value(listed).unwrap_or_default();
    let at = rows.iter().position(|(listed, ..)| listed == id)?;
    Some(rows[..at].iter().map(|(_, priority, late)| (priority.clone(), *late)).collect())
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
    // The demo city's station has work of every kind called in over the last days: the
    // technician's tablet lists every open order that is his or not yet anyone's.
    let open = Office::login(&fx).open_orders_for("tech1");
    all_open_orders(&app);
    app.wait_until("the orders pulled from the server", || orders_shown(&app) == open);
    app.wait_until("the first sync recorded", || !app.text("[data-testid=last-sync]").contains("尚未同步"));
    shot(&app, "zh-CN", "02-orders");

    // The list shows a day's orders by the tablet's date: the day a planned inspection is
    // due lists it, a day with nothing due lists none.
    let (planned, due_day) = last_due(&Office::login(&fx), "inspection", "tech1");
    pick_day(&app, &due_day);
    app.wait_for(&format!("[data-testid=order][data-id=\"{planned}\"]"));
    let (month, day) = due_day[5..].split_once('-').expect("a YYYY-MM-DD day");
    let in_words = format!("{}月{}日", month.trim_start_matches('0'), day.trim_start_matches('0'));
    assert!(app.text("[data-testid=orders-day-in-words]").contains(&in_words), "the day picked, in Chinese");
    pick_day(&app, &local_day(Duration::days(10)));
    app.wait_for("[data-testid=orders-empty]");
    app.click("[data-testid=orders-today]");
    // Today opens on what is already late: the repair called in last night that nobody has
    // reached yet.
    app.wait_until("today's list, late work first", || {
        orders_shown(&app) > 0 && app.text("[data-testid=order]").contains("到场超时")
    });

    // No signal: the server is gone, and the app reopens without asking for a login.
    fx.server.kill();
    drop(app);
    let app = fx.driver.open_app();
    app.wait_for("[data-testid=orders-today]");
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
    reopen_draft(&app, "temperature_check");
    assert_eq!(app.value("[data-testid=thermometer-serial]"), "T-2024-118", "the draft kept what was typed");
    assert_eq!(app.value("[data-testid=certificate-no]"), "JD-55731");
    app.set_value("[data-testid=certificate-expires]", "2030-06-30");
    assert!(
        app.text("[data-testid=certificate-expires-in-words]").contains("2030年6月30日"),
        "the picked date is repeated in Chinese, whatever order the picker draws it in"
    );
    tick(&app, "[data-testid=checked-working]");
    app.type_into("[data-testid=doors-closed]", "45");
    app.type_into("[data-testid=probe-height]", "1.2");
    tick(&app, "[data-testid=at-centre]");
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
    let temperature = sign(&app);
    shot(&app, "zh-CN", "05-signed");
    // The on-site move, the record, and the order finished by signing it.
    wait_pending(&app, 3);
    assert!(app.text("[data-testid=pending]").contains("3 条待同步"), "the status bar counts what waits");
    shot(&app, "zh-CN", "06-waiting");

    // The server comes back: the worker notices and everything goes out; the office reads
    // the record through the console API.
    fx.server.restart();
    let office = Office::login(&fx);
    let record = reached_office(&app, &office, &temperature);
    assert_eq!(record["report"]["body"]["kind"], "temperature_check");
    assert_eq!(record["report"]["body"]["data"]["readings"][0]["celsius"], 19.5);
    assert_eq!(record["signatures"][0]["role"], "customer");
    let pulled: PullResponse = reqwest::blocking::Client::new()
        .get(format!("{}/v1/sync/pull?after=0&limit=5000", fx.server.url()))
        .bearer_auth(office.token())
        .send()
        .and_then(|r| r.json())
        .expect("pull through the API");
    // The order went on site offline and was finished by the signature: the server has it done,
    // with the arrival stamped from the 已到场 tap.
    let check_order = record["report"]["work_order_id"].as_str().expect("the check names its order");
    let entry = office.work_order(check_order);
    assert_eq!(entry["order"]["status"], "done", "signing finished the order");
    assert!(entry["order"]["arrived_at"].is_string(), "the arrival is stamped: {entry}");
    assert!(
        serde_json::to_value(&pulled).expect("json").to_string().contains("\"done\""),
        "the feed carries it"
    );

    // A hotline call: an urgent leak for this technician. It is due to be reached in 2 hours
    // and fixed in 8 (perhaps tomorrow), and goes to the top of today's list with both
    // deadlines in words.
    let report = &record["report"];
    let call = json!({
        "caller_name": "李女士", "phone": "13800001111", "household_id": report["household_id"],
        "description": "暖气管漏水", "outcome": "work_order",
        "work_order": {"kind": "repair", "priority": "urgent", "description": "暖气管漏水，地面有水",
                       "assignee_id": report["author_id"]},
    });
    let urgent = office.post("calls", &call)["work_order"]["id"].as_str().expect("the order made").to_owned();
    app.click("[data-testid=nav-orders]");
    app.click("[data-testid=orders-today]");
    app.wait_until("the urgent order at the top of today's list, under only what is late or urgent", || {
        let above = orders_above(&app, &urgent);
        above.is_some_and(|above| above.iter().all(|(priority, late)| *late || priority == "urgent"))
    });
    let top = app.text(&format!("[data-testid=order][data-id=\"{urgent}\"]"));
    assert!(top.contains("加急") && top.contains("派给我"), "urgent and assigned to me: {top}");
    assert!(
        top.contains("到场时限") && top.contains("完成时限") && top.contains("月"),
        "both deadlines in words: {top}"
    );
    shot(&app, "zh-CN", "02-urgent-on-top");

    // A repair visit, online now.
    open_order(&app, "repair");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=repair_visit]");
    app.set_value("[data-testid=arrived-at]", &local_input(Duration::minutes(-50)));
    app.type_into("[data-testid=cause]", "卧室散热器气堵");
    app.type_into("[data-testid=work-done]", "排气，检查阀门");
    app.set_value("[data-testid=finished-at]", &local_input(Duration::minutes(-2)));
    sign_off(&app);
    let record = sign_and_sync(&app, &office);
    assert_eq!(record["report"]["body"]["kind"], "repair_visit");
    assert_eq!(record["report"]["body"]["data"]["cause"], "卧室散热器气堵");

    // Signing finished the order: it is done, links its record, and offers no form again.
    let order_id = record["report"]["work_order_id"].as_str().expect("the repair names its order").to_owned();
    app.click("[data-testid=back]");
    app.wait_until("the order done by signing", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("done")
    });
    assert_eq!(app.text("[data-testid=order-status]"), "已完成");
    assert_eq!(app.attribute("[data-testid=order-records]", "data-count").as_deref(), Some("1"));
    assert!(app.find_all("[data-testid=start-form]").is_empty(), "a finished order offers no form again");
    app.execute(
        "document.querySelector('[data-testid=order-records]').scrollIntoView({block: 'center'})",
        json!([]),
    );
    shot(&app, "zh-CN", "08-order-done");
    app.wait_until("the office seeing the order done, with the arrival stamped", || {
        let entry = office.work_order(&order_id);
        entry["order"]["status"] == "done" && entry["order"]["arrived_at"].is_string()
    });
    app.click("[data-testid=order-record]");
    app.wait_for("[data-testid=signed-view]");

    // 已完成 without a record asks what was done and a confirmation; "keep it open" keeps it.
    open_order(&app, "temperature_check");
    app.click("[data-testid=move-done]");
    app.wait_for("[data-testid=done-ask]");
    assert!(app.text("[data-testid=done-ask]").contains("没有签字记录"), "the question says why it asks");
    app.click("[data-testid=confirm-done]");
    app.wait_for("[data-testid=move-error]");
    assert!(app.text("[data-testid=move-error]").contains("完成说明"), "a note is required, in words");
    app.click("[data-testid=keep-open]");
    assert!(app.find_all("[data-testid=done-ask]").is_empty());
    assert_ne!(app.attribute("[data-testid=order-status]", "data-status").as_deref(), Some("done"));

    // Another order could not be finished today: it says why, and the move reaches the server.
    open_order(&app, "follow_up");
    app.click("[data-testid=move-could_not_complete]");
    app.type_into("[data-testid=status-note]", "需更换立管，约定明日再来");
    app.click("[data-testid=confirm-could-not-complete]");
    app.wait_until("the order marked could not complete", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("could_not_complete")
    });
    let follow_up_id = app.attribute("[data-testid=order-status]", "data-order-id").expect("the order's id");
    app.wait_until("the office seeing the order as could not complete, with the reason", || {
        let entry = office.work_order(&follow_up_id);
        entry["order"]["status"] == "could_not_complete"
            && entry["order"]["status_note"] == "需更换立管，约定明日再来"
    });
    // Finished today: they leave the open orders and show on today's list as finished.
    all_open_orders(&app);
    app.click("[data-testid=orders-today]");
    app.wait_for("[data-testid=order][data-kind=follow_up][data-status=could_not_complete]");
    app.wait_for("[data-testid=order][data-kind=repair][data-status=done]");
    app.click("[data-testid=orders-open]");
    app.wait_until("the open orders without the finished ones", || {
        app.find_all("[data-testid=order][data-status=could_not_complete]").is_empty()
            && app.find_all("[data-testid=order][data-status=done]").is_empty()
            && orders_shown(&app) > 0
    });

    // An inspection with a photo from the file picker.
    open_order(&app, "inspection");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=inspection]");
    app.click("[data-testid=violation-unauthorized_connection]");
    app.type_into("[data-testid=insp-description]", "厨房私接暖气管一处");
    app.type_into("[data-testid=insp-measures]", "拍照取证，告知用户限期恢复");
    let photo_dir = tempfile::tempdir().expect("photo dir");
    // A file that is not a photo is refused in words, and nothing is attached.
    let not_a_photo = photo_dir.path().join("readings.txt");
    std::fs::write(&not_a_photo, "热表读数 1234.5 GJ").expect("a text file");
    app.choose_file("[data-testid=photos-input]", &not_a_photo);
    app.wait_until("the file refused in words", || {
        fixture::text_content(&app, "section:has([data-testid=photos-input]) p.error").contains("不是照片")
    });
    assert_eq!(app.attribute("[data-testid=photos]", "data-count").as_deref(), Some("0"));
    let photo_file = fixture::photo(photo_dir.path());
    app.choose_file("[data-testid=photos-input]", &photo_file);
    app.wait_until("the photo attached", || {
        app.attribute("[data-testid=photos]", "data-count").as_deref() == Some("1")
    });
    app.wait_until("the photo's preview shown", || image_width(&app, "[data-testid=photos-preview]") == 320);
    shot(&app, "zh-CN", "07-inspection");

    // The app is closed mid-form again: the photo's preview comes back from the device's
    // store, not from the closed webview's memory.
    wait_draft_saved(&app);
    drop(app);
    let app = fx.driver.open_app();
    reopen_draft(&app, "inspection");
    app.wait_until("the photo's preview shown after the restart", || {
        image_width(&app, "[data-testid=photos-preview]") == 320
    });
    assert_eq!(app.value("[data-testid=insp-description]"), "厨房私接暖气管一处", "the draft kept the text");

    refusal(&app);
    let record = sign_and_sync(&app, &office);
    let photo =
        record["report"]["attachments"][0]["sha256"].as_str().expect("the photo in the record").to_owned();
    let on_server = office.blob(&format!("/v1/console/blobs/{photo}"));
    // The device keeps (and sends) the picked PNG re-encoded as a JPEG of the same size
    // (hearth-core's photo): a small, clean JPEG, which hearth-core would keep as it is.
    let kept = hearth_core::photo::for_evidence(&on_server).expect("the office gets an image");
    assert!(
        on_server.starts_with(&[0xFF, 0xD8]) && kept.kept_as_is && (kept.width, kept.height) == (320, 240),
        "the office sees the photo as the device keeps it: a 320×240 JPEG"
    );
    assert_eq!(record["refusal"]["witness_name"], "物业 王师傅");
    assert_eq!(record["signatures"][0]["role"], "witness");

    // A correction starts from the signed record, which stays as it was.
    app.click("[data-testid=amend]");
    app.type_into("[data-testid=amend-reason]", "违规类型记录有误");
    app.click("[data-testid=amend]");
    app.wait_for("[data-testid=report-form][data-kind=inspection]");
    app.wait_until("the correction naming the record it corrects, in words", || {
        !app.find_all("[data-testid=amendment-of]").is_empty()
            && app.text("[data-testid=amendment-of]").contains("签字的稽查记录")
    });
    assert_eq!(
        app.value("[data-testid=insp-description]"),
        "厨房私接暖气管一处",
        "the correction starts from the record"
    );
    discard_draft(&app);

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
    let record = sign_and_sync(&app, &office);
    assert_eq!(record["report"]["body"]["data"]["rooms"][0]["measure"]["length_m"], 5.2);

    screens(&app, "zh-CN");
    use_locale(&app, "en");
    screens(&app, "en");
    assert!(app.text("[data-testid=pending]").contains("All synced"));

    // The same app held upright: an 800×1280 portrait tablet.
    use_locale(&app, "zh-CN");
    app.set_window_size(800, 1280);
    all_open_orders(&app);
    shot(&app, "zh-CN", "20-portrait-orders");
    open_order(&app, "temperature_check");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    shot(&app, "zh-CN", "21-portrait-form");
}

/// Photographs the main screens in `locale`.
fn screens(app: &Session, locale: &str) {
    all_open_orders(app);
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
    discard_draft(app);
    app.click("[data-testid=nav-search]");
    app.type_into("[data-testid=search-input]", "1");
    app.wait_until("search results", || app.find_all("[data-testid=household-hit]").len() > 1);
    shot(app, locale, "13-search");
    // The inspection signed today is finished: today's list has it, done, with its household.
    app.click("[data-testid=nav-orders]");
    app.click("[data-testid=orders-today]");
    app.click("[data-testid=order][data-kind=inspection][data-status=done]");
    app.wait_for("[data-testid=order-status]");
    app.click("[data-testid=open-household]");
    shot(app, locale, "14-household");
    app.click("[data-testid=signed-report]");
    app.wait_for("[data-testid=signed-view]");
    app.wait_until("the inspection's photo in the signed record, from the device store", || {
        image_width(app, "[data-testid=signed-photo]") == 320
    });
    shot(app, locale, "15-signed");
}
