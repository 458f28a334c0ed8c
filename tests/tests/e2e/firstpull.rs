//! A technician's first login against a city of many households: while the first download
//! runs, the status bar says how far it has come (正在下载工单和用户资料 N/M) and the order list
//! says the orders are still coming (正在下载工单…) — never 今天没有待办工单 nor 已全部同步
//! before the download has finished; then the orders are there, announced by one summary.
//! An order the office assigns while the app is open arrives with an in-app notice after the
//! next sync, and the notice opens it.
//!
//! What the screen showed during the download is recorded by the page itself (a
//! MutationObserver installed before the login), so the test reads every state the
//! technician saw, however fast the download runs.

use hearth_tests::e2e::webdriver::Session;
use serde_json::{Value, json};

use crate::fixture::{self, Fixture, all_open_orders, orders_shown, shot};
use crate::office::Office;

/// Households in the city: a quarter of them (the first station's) reach tech1's tablet,
/// two pages and more of the pull.
const HOUSEHOLDS: usize = 40_000;

/// Starts recording, in the page, each distinct state of the status bar's sync words and of
/// the order list: `{bar, list}` in the order they were shown.
fn record_what_is_shown(app: &Session) {
    app.execute(
        "window.__shown = [];
         const text = (id) => document.querySelector(`[data-testid=${id}]`)?.textContent.trim() ?? null;
         const look = () => {
           const bar = text('download') ?? text('pending');
           const orders = document.querySelectorAll('[data-testid=order]').length;
           const list = text('orders-downloading') ?? text('orders-empty') ?? (orders > 0 ? `orders:${orders}` : null);
           const last = window.__shown[window.__shown.length - 1];
           if (!last || last.bar !== bar || last.list !== list) window.__shown.push({ bar, list });
         };
         look();
         new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });",
        json!([]),
    );
}

/// What [`record_what_is_shown`] recorded.
fn shown(app: &Session) -> Vec<(String, String)> {
    let states = app.execute("return window.__shown", json!([]));
    let field = |s: &Value, k: &str| s[k].as_str().unwrap_or_default().to_owned();
    states
        .as_array()
        .map(|a| a.iter().map(|s| (field(s, "bar"), field(s, "list"))).collect())
        .unwrap_or_default()
}

/// `(N, M)` of a status bar saying 正在下载工单和用户资料 N/M.
fn progress(bar: &str) -> Option<(u64, u64)> {
    let (done, total) = bar.strip_prefix("正在下载工单和用户资料 ")?.split_once('/')?;
    Some((done.parse().ok()?, total.parse().ok()?))
}

#[test]
fn a_first_login_shows_the_download_then_the_orders_and_a_new_order_is_announced() {
    let fx = Fixture::with_households(HOUSEHOLDS);
    let office = Office::login(&fx);
    let app = fx.driver.open_app();
    app.wait_for("[data-testid=login-form]");
    record_what_is_shown(&app);
    fixture::login(&app, "tech1");
    app.wait_until("the first download finished and everything synced", || {
        app.find_all("[data-testid=pending]").len() == 1 && app.text("[data-testid=pending]") == "已全部同步"
    });

    let states = shown(&app);
    let synced = states.iter().position(|(bar, _)| bar == "已全部同步").expect("已全部同步 at the end");
    let (before, after) = states.split_at(synced);
    let counted: Vec<(u64, u64)> = before.iter().filter_map(|(bar, _)| progress(bar)).collect();
    assert!(
        counted.iter().any(|(done, total)| done < total),
        "the status bar showed the download under way, N/M: {states:?}"
    );
    let total = counted.last().map(|c| c.1).unwrap_or_default();
    assert!(
        (HOUSEHOLDS as u64 / 4..HOUSEHOLDS as u64 / 2).contains(&total),
        "M counts the station's {HOUSEHOLDS}/4 households and its orders, not the city's: {total}"
    );
    assert!(counted.windows(2).all(|w| w[0].0 <= w[1].0), "N only grows: {counted:?}");
    assert!(
        before.iter().any(|(_, list)| list == "正在下载工单…"),
        "the list said the orders were still coming: {states:?}"
    );
    assert!(
        before.iter().all(|(_, list)| list != "今天没有待办工单。"),
        "no 'no work today' before the download finished: {states:?}"
    );
    if states.last().is_some_and(|(_, list)| list.starts_with("orders:")) {
        assert!(
            states.iter().all(|(_, list)| list != "今天没有待办工单。"),
            "today has work: 'no work today' never showed, not even for a moment: {states:?}"
        );
    }
    assert!(
        after.iter().all(|(bar, _)| progress(bar).is_none()),
        "已全部同步 only once the download is over: {states:?}"
    );

    // The orders are there, announced by one summary, not a notice each.
    all_open_orders(&app);
    let on_tablet = orders_shown(&app);
    assert_eq!(on_tablet, office.open_orders_for("tech1"), "every open order of tech1 and the pool");
    let notices = app.find_all("[data-testid=new-order-notice]");
    assert_eq!(notices.len(), 1, "one summary after the first download");
    let summary = app.text("[data-testid=new-order-notice]");
    let announced: usize = summary
        .strip_prefix("已下载 ")
        .and_then(|rest| rest.strip_suffix(" 张待办工单"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the summary says how many orders came: {summary:?}"));
    assert!((1..=on_tablet).contains(&announced), "{announced} of {on_tablet} open orders");
    app.click("[data-testid=new-order-close]");
    app.wait_until("the summary closed", || app.find_all("[data-testid=new-order-notice]").is_empty());

    // The office takes an urgent call for a household of tech1's station and gives it to him.
    let me = office.crew_id("tech1");
    let theirs = office.board(&format!("assignee_id={me}&limit=1"));
    let household_id =
        theirs[0]["order"]["household_id"].as_str().expect("a household of the station").to_owned();
    let address = office.household(&household_id)["address"].as_str().expect("its address").to_owned();
    let call = json!({
        "caller_name": "赵先生", "phone": "13900002222", "household_id": household_id,
        "description": "客厅暖气片漏水", "outcome": "work_order",
        "work_order": {"kind": "repair", "priority": "urgent", "description": "客厅暖气片漏水，需关阀",
                       "assignee_id": me},
    });
    let new_order =
        office.post("calls", &call)["work_order"]["id"].as_str().expect("the order made").to_owned();

    // The next sync brings it with a notice that names it; tapped, the notice opens it.
    let notice = format!("[data-testid=new-order-notice][data-id=\"{new_order}\"]");
    app.wait_for(&notice);
    let said = app.text(&notice);
    assert_eq!(said, format!("新工单：加急 入户检修 · {address}"), "what, how urgent and where");
    assert_eq!(app.find_all("[data-testid=new-order-notice]").len(), 1, "one notice for one order");
    shot(&app, "zh-CN", "30-new-order-notice");
    app.click(&notice);
    app.wait_for("[data-testid=order-status]");
    let detail = app.text("main");
    assert!(detail.contains("客厅暖气片漏水，需关阀"), "the notice opened the new order: {detail}");
    assert!(app.find_all("[data-testid=new-order-notice]").is_empty(), "a tapped notice is done");
}
