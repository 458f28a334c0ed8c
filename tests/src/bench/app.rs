//! The field app's figures, measured on the real app in a real webview (Xvfb, tauri-driver):
//! - `app_cold_start`: from launching the app to today's work-order list shown, with
//!   100,000 households in the device store (target ≤ 1.5 s);
//! - `app_search_keystroke`: from a keystroke in the household search to its results
//!   shown, measured inside the page (target p99 ≤ 100 ms).
//!
//! The device store is prepared the way a logged-in tablet has it (a saved user and token),
//! so the app opens offline without a login. The app binary is the release build when it
//! exists, else the debug build; the JSON line says which.

use std::path::Path;
use std::time::Instant;

use hearth_core::demo;
use hearth_core::model::{Role, User, WorkOrderStatus};
use hearth_core::store::{Store, settings};
use serde_json::{Value, json};

use super::Samples;
use crate::e2e::display::Display;
use crate::e2e::driver::{Driver, app_binary};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A logged-in tablet's store with `households` households and a day's work orders.
fn prepare_store(dir: &Path, households: usize) -> BenchResult<()> {
    std::fs::create_dir_all(dir)?;
    let mut store = Store::open(dir.join("device.sqlite"))?;
    let homes: Vec<_> = demo::households(2026, households).collect();
    store.put_households(&homes)?;
    let user = User {
        id: hearth_core::new_id(),
        username: "tech1".into(),
        display_name: "唐宇".into(),
        role: Role::Technician,
        station_id: Some(homes[0].station_id),
    };
    // Due through today by the tablet's clock (08:00 to 13:30), so today's list, the one the
    // app opens on, shows them all whatever the hour the bench runs (earlier ones overdue).
    let day_start = chrono::Local::now().date_naive().and_hms_opt(8, 0, 0).ok_or("08:00")?;
    for (i, home) in homes.iter().step_by(households / 12).take(12).enumerate() {
        let due = (day_start + chrono::Duration::minutes(i as i64 * 30))
            .and_local_timezone(chrono::Local)
            .earliest()
            .ok_or("a local time")?
            .with_timezone(&chrono::Utc);
        let mut order = demo::work_order(due - chrono::Duration::hours(8));
        order.due_by = Some(due);
        order.household_id = home.id;
        order.station_id = home.station_id;
        order.assignee_id = Some(user.id);
        order.status = WorkOrderStatus::Assigned;
        store.put_work_order(&order)?;
    }
    store.set_setting(settings::USER, &serde_json::to_string(&user)?)?;
    store.set_setting(settings::TOKEN, "bench-token")?;
    Ok(())
}

fn build_name() -> &'static str {
    if app_binary().components().any(|c| c.as_os_str() == "release") { "release" } else { "debug" }
}

/// `app_cold_start` and `app_search_keystroke`, as two JSON lines.
pub fn app(dir: &Path, households: usize, starts: usize, keystrokes: usize) -> BenchResult<Vec<String>> {
    let data = dir.join("app-bench");
    prepare_store(&data, households)?;
    let display = Display::start(1280, 800);
    // Nothing listens on port 9: the app opens offline, as in a basement.
    let env =
        [("HEARTH_DATA_DIR", data.display().to_string()), ("HEARTH_SERVER_URL", "http://127.0.0.1:9".into())];
    let driver = Driver::start(display.name(), &env);

    let mut cold = Samples::default();
    for _ in 0..starts {
        let start = Instant::now();
        let app = driver.open_app();
        app.wait_for("[data-testid=order] ");
        cold.0.push(start.elapsed());
    }

    let app = driver.open_app();
    app.click("[data-testid=nav-search]");
    app.wait_for("[data-testid=search-input]");
    let homes: Vec<_> = demo::households(2026, households).step_by(households / 50).take(50).collect();
    let mut typed = Samples::default();
    let script = "const [query, done] = arguments;
        const input = document.querySelector('[data-testid=search-input]');
        const count = document.querySelector('[data-testid=search-count]');
        const t0 = performance.now();
        const finish = () => requestAnimationFrame(() => done(performance.now() - t0));
        const seen = new MutationObserver(() => { seen.disconnect(); clearTimeout(late); finish(); });
        seen.observe(document.querySelector('main'), {childList: true, subtree: true, characterData: true, attributes: true});
        const late = setTimeout(() => { seen.disconnect(); done(-1); }, 5000);
        input.value = query;
        input.dispatchEvent(new Event('input', {bubbles: true}));";
    let mut unchanged = 0;
    for i in 0..keystrokes {
        // Type a household's address one more character at a time, as a technician would.
        let address: Vec<char> = homes[i % homes.len()].address.chars().collect();
        let query: String = address[..(2 + i % 6).min(address.len())].iter().collect();
        let ms = app.execute_async(script, json!([query])).as_f64().unwrap_or(-1.0);
        if ms < 0.0 {
            unchanged += 1;
        } else {
            typed.0.push(std::time::Duration::from_secs_f64(ms / 1000.0));
        }
    }
    // The same queries through the IPC alone, without drawing: how much of a keystroke is the
    // round trip to the store and back.
    let mut ipc = Samples::default();
    let invoke = "const [query, done] = arguments; const t0 = performance.now();
        window.__TAURI_INTERNALS__.invoke('search_households', {query, limit: 20}).then(() => done(performance.now() - t0), () => done(-1));";
    for i in 0..keystrokes {
        let address: Vec<char> = homes[i % homes.len()].address.chars().collect();
        let query: String = address[..(2 + i % 6).min(address.len())].iter().collect();
        let ms = app.execute_async(invoke, json!([query])).as_f64().unwrap_or(-1.0);
        if ms >= 0.0 {
            ipc.0.push(std::time::Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let extra = |target: &str| json!({"households": households, "app_build": build_name(), "target": target});
    let mut keystroke = extra("p99_ms <= 100");
    keystroke["unchanged_results"] = Value::from(unchanged);
    keystroke["ipc_p50_ms"] = Value::from(super::round3(ipc.quantile_ms(0.5)));
    keystroke["ipc_p99_ms"] = Value::from(super::round3(ipc.quantile_ms(0.99)));
    Ok(vec![
        cold.line("app_cold_start", extra("p50_ms <= 1500")),
        typed.line("app_search_keystroke", keystroke),
    ])
}
