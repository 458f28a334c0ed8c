//! The field basics on a portrait tablet (800×1280), as a technician meets them: the order's
//! readable number; the customer's phone a tap away (`tel:`) and the address opening in the
//! map app chosen in 设置 (kept after a restart); a repair whose arrival time comes from the
//! 已到场 tap, with 「现在」, a time in the future refused once, and photos before and after
//! the work; a temperature check whose verdict (达标 / 不达标 / 免责) shows while the readings
//! are typed, with "below design weather" offered from a cold outdoor reading, and on the
//! signed record, whose hashes are folded away for the crew; a planned inspection, which
//! says when it was ordered (not 报修时间), and does not ask a household caught in a
//! violation how satisfied it is. Every Chinese screen photographed
//! shows no English (`fixture::shot`).

use chrono::{DateTime, Local, NaiveDateTime, TimeZone};
use hearth_tests::e2e::webdriver::Session;
use serde_json::{Value, json};

use crate::fixture::{self, Fixture, all_open_orders, open_order, shot, sign, sign_off, tick, wait_pending};
use crate::office::Office;

/// The height and width of the element `css` as laid out, in CSS pixels.
fn size(app: &Session, css: &str) -> (f64, f64) {
    let r = app.execute(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.height, r.width];",
        json!([css]),
    );
    (r[0].as_f64().unwrap_or(0.0), r[1].as_f64().unwrap_or(0.0))
}

/// Whether nothing on the page sticks out of the window sideways (cut off in portrait).
fn fits_the_width(app: &Session) -> bool {
    app.execute("return document.documentElement.scrollWidth <= window.innerWidth", json!([]))
        == Value::Bool(true)
}

/// `s` encoded as `encodeURIComponent` does it in the app.
fn encoded(app: &Session, s: &str) -> String {
    app.execute("return encodeURIComponent(arguments[0])", json!([s])).as_str().unwrap_or_default().to_owned()
}

/// How often `needle` is shown on the screen now.
fn shown_times(app: &Session, needle: &str) -> usize {
    let text = app.execute("return document.body.innerText", json!([]));
    text.as_str().unwrap_or_default().matches(needle).count()
}

/// A `datetime-local` value as the local time it names.
fn local_time(value: &str) -> DateTime<Local> {
    let naive =
        NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").unwrap_or_else(|e| panic!("{value:?}: {e}"));
    Local.from_local_datetime(&naive).single().expect("a local time")
}

/// Checks the phone and map links of the screen against the household.
fn links_of(app: &Session, household: &Value, map_prefix: &str) {
    let phone = household["phone"].as_str().expect("the household's phone");
    let address = household["address"].as_str().expect("the household's address");
    app.wait_for("[data-testid=phone-link]");
    assert_eq!(
        app.attribute("[data-testid=phone-link]", "href").as_deref(),
        Some(format!("tel:{phone}").as_str()),
        "a tap on the phone calls the customer"
    );
    assert!(app.text("[data-testid=phone-link]").contains(phone), "the number is shown on the link");
    let href = app.attribute("[data-testid=map-link]", "href").unwrap_or_default();
    let want = format!("{map_prefix}{}{}", encoded(app, address), map_suffix(map_prefix));
    assert_eq!(href, want, "a tap on the address opens it in the chosen map app");
    for link in ["[data-testid=phone-link]", "[data-testid=map-link]"] {
        let (height, _) = size(app, link);
        assert!(height >= 44.0, "{link} is a finger's target: {height} px high");
    }
}

/// What follows the address in each map app's link.
fn map_suffix(prefix: &str) -> &'static str {
    if prefix.starts_with("https://uri.amap.com") { "&src=hearth&callnative=1" } else { "" }
}

#[test]
fn field_basics_on_a_portrait_tablet() {
    let fx = Fixture::start();
    let app = fx.driver.open_app();
    app.set_window_size(800, 1280);
    app.wait_for("[data-testid=login-form]");
    fixture::login(&app, "tech1");
    let office = Office::login(&fx);

    // The list names each order by its number, as the office reads it over the phone.
    all_open_orders(&app);
    app.wait_for("[data-testid=order][data-kind=repair]");
    let repair_id =
        app.attribute("[data-testid=order][data-kind=repair]", "data-id").expect("the repair's id");
    let entry = office.work_order(&repair_id);
    let number = entry["order"]["number"].as_str().expect("the server numbers its orders").to_owned();
    assert!(
        app.text("[data-testid=order][data-kind=repair]").contains(&number),
        "the list shows the order's number {number}"
    );
    assert!(fits_the_width(&app), "the list fits an upright tablet");
    shot(&app, "zh-CN", "50-portrait-numbers");

    // The order: its number, the customer's phone to call and the address to navigate to.
    open_order(&app, "repair");
    assert!(
        app.text("[data-testid=order-number]").contains(&number),
        "the detail names the order by its number"
    );
    let household = office.household(entry["order"]["household_id"].as_str().expect("the order's household"));
    links_of(&app, &household, "geo:0,0?q=");
    assert!(fits_the_width(&app), "the order fits an upright tablet");
    shot(&app, "zh-CN", "51-order-links");

    // 设置: addresses open in 高德地图 from now on, also after the app is closed.
    app.click("[data-testid=nav-settings]");
    app.click("[data-testid=map-app-amap]");
    app.wait_for("[data-testid=settings-saved]");
    assert_eq!(app.attribute("[data-testid=map-app-amap]", "aria-checked").as_deref(), Some("true"));
    shot(&app, "zh-CN", "52-settings");
    drop(app);
    let app = fx.driver.open_app();
    app.set_window_size(800, 1280);
    open_order(&app, "repair");
    links_of(&app, &household, "https://uri.amap.com/search?keyword=");
    app.click("[data-testid=open-household]");
    app.wait_for("[data-testid=household-title]");
    links_of(&app, &household, "https://uri.amap.com/search?keyword=");
    shot(&app, "zh-CN", "53-household-links");
    app.click("[data-testid=back]");

    // On the way, then there: the arrival time of the repair is the 已到场 tap.
    app.wait_for("[data-testid=move-en_route]");
    assert_eq!(app.text("[data-testid=move-en_route]"), "前往中", "a word a technician uses, not 在途");
    app.click("[data-testid=move-en_route]");
    app.wait_until("the order on the way", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("en_route")
    });
    app.click("[data-testid=move-on_site]");
    let tapped = Local::now();
    app.wait_until("the order on site", || {
        app.attribute("[data-testid=order-status]", "data-status").as_deref() == Some("on_site")
    });
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=repair_visit]");
    let arrived = local_time(&app.value("[data-testid=arrived-at]"));
    assert!(
        (arrived - tapped).num_seconds().abs() <= 90,
        "the arrival is filled from the 已到场 tap at {tapped}, not {arrived}"
    );

    // A time in the future is refused, in words, once; 「现在」 sets it right.
    let later = (Local::now() + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M").to_string();
    app.set_value("[data-testid=arrived-at]", &later);
    app.wait_until("the future arrival refused", || shown_times(&app, "时间不能晚于现在") == 1);
    sign_off(&app);
    app.click("[data-testid=sign]");
    app.wait_for("[data-testid=sign-error]");
    assert_eq!(shown_times(&app, "时间不能晚于现在"), 1, "the refusal is printed once, not twice");
    app.execute(
        "document.querySelector('[data-testid=arrived-at]').scrollIntoView({block: 'center'})",
        json!([]),
    );
    shot(&app, "zh-CN", "54-future-arrival");
    app.click("[data-testid=arrived-now]");
    app.wait_until("the arrival now, accepted", || shown_times(&app, "时间不能晚于现在") == 0);
    assert!((local_time(&app.value("[data-testid=arrived-at]")) - Local::now()).num_seconds().abs() <= 90);

    // Photos before and after the work, the rest of the form, signed.
    let photo_dir = tempfile::tempdir().expect("photo dir");
    let photo = fixture::photo(photo_dir.path());
    app.choose_file("[data-testid=photos-before-input]", &photo);
    app.wait_until("the photo before", || {
        app.attribute("[data-testid=photos-before]", "data-count").as_deref() == Some("1")
    });
    let after_photo = photo_dir.path().join("after.png");
    let ok = std::process::Command::new("convert")
        .args(["-size", "200x150", "gradient:#1e8449-#f4f6f6"])
        .arg(format!("PNG24:{}", after_photo.display()))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ImageMagick made the second photo");
    app.choose_file("[data-testid=photos-after-input]", &after_photo);
    app.wait_until("the photo after", || {
        app.attribute("[data-testid=photos-after]", "data-count").as_deref() == Some("1")
    });
    assert_eq!(app.attribute("[data-testid=photos-before]", "data-count").as_deref(), Some("1"));
    app.type_into("[data-testid=cause]", "分户阀门锈死");
    app.type_into("[data-testid=work-done]", "更换分户阀门");
    app.click("[data-testid=finished-now]");
    assert!(fits_the_width(&app), "the repair form fits an upright tablet");
    shot(&app, "zh-CN", "55-repair-photos");
    let repair = sign(&app);
    assert!(
        app.text("[data-testid=record-order-number]").contains(&number),
        "the signed record names its order by number"
    );
    assert_eq!(app.find_all("[data-testid=signed-photo][data-stage=before]").len(), 1);
    assert_eq!(app.find_all("[data-testid=signed-photo][data-stage=after]").len(), 1);
    assert_eq!(shown_times(&app, &repair.content_hash), 0, "the customer's side shows no hash");
    assert_eq!(shown_times(&app, "哈希"), 0);
    shot(&app, "zh-CN", "56-repair-signed");
    wait_pending(&app, 0);
    let record = office.report(&repair.id)["record"].clone();
    let stages: Vec<&str> = record["report"]["attachments"]
        .as_array()
        .expect("the repair's photos")
        .iter()
        .filter_map(|a| a["stage"].as_str())
        .collect();
    assert_eq!(stages, ["before", "after"], "the office gets each photo with when it was taken");

    // A temperature check: the verdict as the readings are typed.
    open_order(&app, "temperature_check");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    app.type_into("[data-testid=thermometer-serial]", "2024118");
    app.type_into("[data-testid=certificate-no]", "55731");
    app.set_value("[data-testid=certificate-expires]", "2030-06-30");
    tick(&app, "[data-testid=checked-working]");
    app.type_into("[data-testid=doors-closed]", "45");
    app.type_into("[data-testid=probe-height]", "1.2");
    tick(&app, "[data-testid=at-centre]");
    app.type_into("[data-testid=room-name-0]", "卧室");
    app.type_into("[data-testid=celsius-0]", "15.2");
    app.wait_until("the verdict: not compliant, which room and why", || {
        app.attribute("[data-testid=verdict]", "data-verdict").as_deref() == Some("non_compliant")
    });
    let verdict = app.text("[data-testid=verdict]");
    assert!(
        verdict.contains("不达标") && verdict.contains("卧室 15.2 °C 低于 18 °C"),
        "the verdict in words: {verdict}"
    );
    shot(&app, "zh-CN", "57-verdict-live");

    // A cold day: the outdoor reading offers the design-weather waiver, ticked, saying why.
    let below_design = || {
        app.execute("return document.querySelector('[data-testid=below-design]').checked", json!([]))
            == Value::Bool(true)
    };
    assert!(!below_design());
    app.type_into("[data-testid=outdoor]", "-15");
    app.wait_until("the waiver offered", &below_design);
    assert!(app.text("[data-testid=below-design-note]").contains("低于本市设计室外温度"));
    app.wait_until("the verdict: excused, with the reason", || {
        app.attribute("[data-testid=verdict]", "data-verdict").as_deref() == Some("excused")
    });
    assert!(app.text("[data-testid=verdict]").contains("室外温度低于设计室外温度"));
    shot(&app, "zh-CN", "58-below-design");
    // The technician knows the day's mean was not that cold: unticked, it stays so.
    app.click("[data-testid=below-design]");
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert!(!below_design(), "an undone suggestion is not forced back");
    // A corrected, milder reading: no waiver, not compliant again.
    app.type_into("[data-testid=outdoor]", "-2");
    app.wait_until("the verdict: not compliant again", || {
        app.attribute("[data-testid=verdict]", "data-verdict").as_deref() == Some("non_compliant")
    });
    assert!(!below_design());
    assert!(fits_the_width(&app), "the temperature form fits an upright tablet");
    sign_off(&app);
    let check = sign(&app);
    app.wait_for("[data-testid=verdict]");
    let verdict = app.text("[data-testid=verdict]");
    assert!(
        verdict.contains("不达标") && verdict.contains("卧室 15.2 °C"),
        "the signed record's verdict: {verdict}"
    );
    assert_eq!(shown_times(&app, &check.content_hash), 0, "the customer's side shows no hash");
    // The crew can still unfold the check codes.
    app.click("[data-testid=verification] summary");
    app.wait_until("the check codes unfolded", || shown_times(&app, &check.content_hash) == 1);
    shot(&app, "zh-CN", "59-signed-verdict");

    // A planned inspection, made by the office: no call, so no 报修时间 (when it was ordered).
    let planned = office.post(
        "work-orders",
        &json!({"household_id": entry["order"]["household_id"], "kind": "inspection", "priority": "low",
                "description": "年度入户稽查", "assignee_id": record["report"]["author_id"]}),
    );
    let planned_id = planned["id"].as_str().expect("the planned order's id").to_owned();
    all_open_orders(&app);
    let planned_row = format!("[data-testid=order][data-id='{planned_id}']");
    app.wait_until("the planned inspection on the tablet", || !app.find_all(&planned_row).is_empty());
    app.click(&planned_row);
    app.wait_for("[data-testid=order-status]");
    let detail = app.text("main");
    assert!(
        detail.contains("下单时间") && !detail.contains("报修时间"),
        "a planned order was not reported: {detail}"
    );

    // The inspection: a household caught in a violation is not asked how satisfied it is.
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=inspection]");
    assert_eq!(app.find_all("[data-testid=satisfaction]").len(), 1, "asked while nothing is found");
    app.click("[data-testid=violation-unauthorized_connection]");
    app.wait_until("satisfaction no longer asked", || app.find_all("[data-testid=satisfaction]").is_empty());
    app.type_into("[data-testid=insp-description]", "楼道私接暖气管");
    app.type_into("[data-testid=insp-measures]", "拍照取证，告知限期恢复");
    app.choose_file("[data-testid=photos-input]", &photo);
    app.wait_until("the evidence photo", || {
        app.attribute("[data-testid=photos]", "data-count").as_deref() == Some("1")
    });
    app.type_into("[data-testid=opinion]", "知道了");
    app.draw_signature("[data-testid=signature]");
    app.wait_until("the signature drawn", || {
        app.attribute("[data-testid=signature]", "data-empty").as_deref() == Some("false")
    });
    shot(&app, "zh-CN", "60-inspection-no-satisfaction");
    let inspection = sign(&app);
    wait_pending(&app, 0);
    let record = office.report(&inspection.id)["record"].clone();
    assert!(record["report"]["feedback"].get("satisfaction").is_none(), "no satisfaction recorded: {record}");
}
