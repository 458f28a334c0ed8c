//! What every end-to-end test starts from: a demo server, a display, tauri-driver pointing
//! the app at a fresh data folder and that server, and helpers for the app's screens.

use std::path::{Path, PathBuf};

use hearth_tests::e2e::display::Display;
use hearth_tests::e2e::driver::{Driver, workspace};
use hearth_tests::e2e::webdriver::Session;
use hearth_tests::server::{self, Server};
use tempfile::TempDir;

/// The dispatcher the fixture adds to the demo city: the office reads synced records as them.
pub const DISPATCHER: &str = "e2e-dispatcher";
pub const DISPATCHER_PASSWORD: &str = "e2e-dispatcher-password";

/// A running server with the demo city, and a driver that opens the app against it.
pub struct Fixture {
    pub server: Server,
    pub driver: Driver,
    _display: Display,
    _dirs: (TempDir, TempDir),
}

impl Fixture {
    pub fn start() -> Fixture {
        Fixture::with_households(400)
    }

    /// [`Fixture::start`] with a demo city of `households` (spread over its four stations).
    pub fn with_households(households: usize) -> Fixture {
        let server_dir = tempfile::tempdir().expect("server dir");
        let app_dir = tempfile::tempdir().expect("app dir");
        let households = households.to_string();
        server::cli(server_dir.path(), &["demo", "--households", &households], None);
        server::add_user(server_dir.path(), DISPATCHER, "dispatcher", None, DISPATCHER_PASSWORD);
        let server = Server::start(server_dir.path());
        // Square, so the window fits both as a landscape and as a portrait tablet.
        let display = Display::start(1280, 1280);
        let app_data = app_dir.path().join("app");
        let driver = Driver::start(
            display.name(),
            &[
                ("HEARTH_DATA_DIR", app_data.display().to_string()),
                ("HEARTH_SERVER_URL", server.url()),
                // A short timer: the test waits for the worker to notice the server is back.
                ("HEARTH_SYNC_INTERVAL_SECS", "2".to_owned()),
            ],
        );
        let fx = Fixture { server, driver, _display: display, _dirs: (server_dir, app_dir) };
        // The inspector is off today: the office hands his inspections and re-measurements
        // to tech1, whose tablet the tests follow through every kind of work.
        crate::office::Office::login(&fx).hand_over("insp1", "tech1");
        fx
    }
}

/// Where the screenshots go.
pub fn screenshot_dir() -> PathBuf {
    workspace().join("target/e2e-screenshots")
}

/// Saves a screenshot named `{locale}-{name}.png`. A Chinese screen is read too: it may show
/// no English ([`latin_words`]).
pub fn shot(app: &Session, locale: &str, name: &str) {
    app.screenshot(&screenshot_dir().join(format!("{locale}-{name}.png")));
    if locale == "zh-CN" {
        let words = latin_words(app);
        assert!(words.is_empty(), "the Chinese screen {name} shows Latin words {words:?}");
    }
}

/// The Latin words the screen shows (its text, and its inputs' placeholders), outside what a
/// Chinese screen may show: the product's name Hearth, the language switch's "English",
/// units (°C, m², m after a number) and identifiers (a word with a digit in it: an account
/// or a thermometer's number, an id).
pub fn latin_words(app: &Session) -> Vec<String> {
    let script = r#"const root = document.querySelector('[data-testid=app]');
        if (!root) return [];
        const shown = root.innerText;
        const placeholders = [...root.querySelectorAll('[placeholder]')].map((e) => e.placeholder).join(' ');
        const lang = document.querySelector('[data-testid=lang-switch]')?.innerText;
        const text = (shown + ' ' + placeholders)
            .replace(lang || '\u0000', ' ')
            .replace(/°C|℃|m²|㎡/g, ' ')
            .replace(/(\d)\s*m\b/g, '$1 ');
        return (text.match(/[A-Za-z][A-Za-z0-9_.\-]*/g) ?? []).filter((w) => w !== 'Hearth' && !/\d/.test(w));"#;
    app.execute(script, serde_json::json!([]))
        .as_array()
        .map(|words| words.iter().filter_map(|w| w.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The text of `css` whether or not it is shown (inside a closed section, say).
pub fn text_content(app: &Session, css: &str) -> String {
    app.execute("return document.querySelector(arguments[0])?.textContent ?? ''", serde_json::json!([css]))
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The number of records the status bar says are waiting.
pub fn pending(app: &Session) -> u32 {
    app.attribute("[data-testid=pending]", "data-count").and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
}

/// Waits until the status bar shows `n` records waiting.
pub fn wait_pending(app: &Session, n: u32) {
    app.wait_until(&format!("{n} records waiting"), || pending(app) == n);
}

/// The language the app shows now.
pub fn locale(app: &Session) -> String {
    app.attribute("[data-testid=app]", "data-locale").unwrap_or_default()
}

/// Switches the app to `want` (zh-CN or en) if it shows the other one.
pub fn use_locale(app: &Session, want: &str) {
    app.wait_for("[data-testid=lang-switch]");
    if locale(app) != want {
        app.click("[data-testid=lang-switch]");
        app.wait_until(&format!("the UI in {want}"), || locale(app) == want);
    }
}

/// Logs in as `username` with the demo password.
pub fn login(app: &Session, username: &str) {
    app.type_into("[data-testid=login-username]", username);
    app.type_into("[data-testid=login-password]", &format!("demo-{username}"));
    app.click("[data-testid=login-submit]");
    // The order list's day choice: today's list itself may be empty in the evening.
    app.wait_for("[data-testid=orders-today]");
}

/// Shows every open order, whatever its due day (the demo's orders are due 8 hours after
/// the test starts, which is tomorrow when it runs in the evening).
pub fn all_open_orders(app: &Session) {
    app.click("[data-testid=nav-orders]");
    app.click("[data-testid=orders-open]");
    app.wait_for("[data-testid=order-list]");
}

/// The number of orders the list shows now.
pub fn orders_shown(app: &Session) -> usize {
    app.find_all("[data-testid=order]").len()
}

/// Opens the first open order of `kind`.
pub fn open_order(app: &Session, kind: &str) {
    all_open_orders(app);
    app.click(&format!("[data-testid=order][data-kind={kind}]"));
    app.wait_for("[data-testid=order-status]");
}

/// Opens the draft of the open order of `kind` being worked on (after a restart, say): the
/// order on site, its household, the draft, until its form shows.
pub fn reopen_draft(app: &Session, kind: &str) {
    all_open_orders(app);
    app.click(&format!("[data-testid=order][data-kind={kind}][data-status=on_site]"));
    app.wait_for("[data-testid=order-status]");
    app.click("[data-testid=open-household]");
    app.click("[data-testid=draft]");
    app.wait_for(&format!("[data-testid=report-form][data-kind={kind}]"));
}

/// Ticks the checkbox `css` and waits until the page shows it ticked, clicking again if a
/// click was lost (once in several runs, one landed while the form was still settling).
pub fn tick(app: &Session, css: &str) {
    let ticked = || {
        app.execute("return document.querySelector(arguments[0])?.checked === true", serde_json::json!([css]))
            == serde_json::Value::Bool(true)
    };
    for _ in 0..3 {
        if !ticked() {
            app.click(css);
        }
        for _ in 0..20 {
            if ticked() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    panic!("{css} is still not ticked after three clicks");
}

/// Fills the end of a form: satisfaction, the signer and a drawn signature.
pub fn sign_off(app: &Session) {
    app.type_into("[data-testid=opinion]", "服务很好");
    app.click("[data-testid=satisfaction-satisfied]");
    app.draw_signature("[data-testid=signature]");
    app.wait_until("the signature drawn", || {
        app.attribute("[data-testid=signature]", "data-empty").as_deref() == Some("false")
    });
}

/// Ends the form with the customer's refusal, noted with a witness who signs.
pub fn refusal(app: &Session) {
    app.click("[data-testid=refused]");
    app.type_into("[data-testid=refusal-reason]", "用户不认可违规事实");
    app.type_into("[data-testid=witness-name]", "物业 王师傅");
    app.draw_signature("[data-testid=witness-signature]");
    app.wait_until("the witness's signature drawn", || {
        app.attribute("[data-testid=witness-signature]", "data-empty").as_deref() == Some("false")
    });
}

/// Waits until the form on screen is saved as a draft.
pub fn wait_draft_saved(app: &Session) {
    app.wait_until("the draft saved", || {
        app.attribute("[data-testid=draft-state]", "data-unsaved").as_deref() == Some("false")
    });
}

/// A report the app shows as signed.
pub struct Signed {
    pub id: String,
    pub content_hash: String,
}

/// Signs the form and waits for the read-only view; returns the report's id and the content
/// hash it shows.
pub fn sign(app: &Session) -> Signed {
    app.click("[data-testid=sign]");
    app.wait_for("[data-testid=signed-view]");
    // The hash is for the crew, folded away under 核验信息.
    let content_hash = text_content(app, "[data-testid=content-hash]");
    assert_eq!(content_hash.len(), 64, "the signed view shows a SHA-256 content hash, not {content_hash:?}");
    let id = app.attribute("[data-testid=signed-view]", "data-report-id").expect("the signed report's id");
    Signed { id, content_hash }
}

/// A small real PNG photo (ImageMagick is one of the test tools).
pub fn photo(dir: &Path) -> PathBuf {
    let path = dir.join("violation.png");
    let ok = std::process::Command::new("convert")
        .args(["-size", "320x240", "gradient:#c0392b-#f39c12"])
        .arg(format!("PNG24:{}", path.display()))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ImageMagick's convert made no photo");
    path
}

/// Discards the draft on screen as a technician has to: discard, read the question (what
/// will be lost), confirm; waits until the form has gone.
pub fn discard_draft(app: &Session) {
    app.click("[data-testid=discard]");
    let question = app.text("[data-testid=discard-confirmation]");
    assert!(
        question.contains("放弃这份草稿？已填写的内容和照片将被删除")
            || question.contains("Discard this draft?"),
        "discarding asks first, saying what is lost; the dialog shows {question:?}"
    );
    app.click("[data-testid=discard-confirm]");
    app.wait_until("the form closed", || app.find_all("[data-testid=report-form]").is_empty());
}
