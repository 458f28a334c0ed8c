//! A technician's mistakes, and the app's answers in words: a mistyped password is called
//! one (not a revoked device), and a run of them is told how long to wait; one tap on
//! 放弃草稿 asks before it deletes a form, and 继续填写 keeps every word; a device the
//! office revokes is told so in the status bar.

use hearth_tests::server;

use crate::fixture::{
    self, Fixture, all_open_orders, discard_draft, open_order, reopen_draft, shot, wait_draft_saved,
};

const WRONG_PASSWORD: &str = "用户名或密码错误";
const THROTTLED: &str = "登录失败次数过多，请 ";
const REVOKED: &str = "本设备已被管理员停用";
const OPINION: &str = "暖气片上热下凉，已放气";

#[test]
fn mistakes_are_named_in_words_and_one_tap_destroys_nothing() {
    let fx = Fixture::start();
    let app = fx.driver.open_app();

    // A mistyped password is a wrong password, not a device the office has stopped.
    app.wait_for("[data-testid=login-form]");
    app.type_into("[data-testid=login-username]", "tech1");
    app.type_into("[data-testid=login-password]", "demo-tech2");
    app.click("[data-testid=login-submit]");
    let said = app.text("[data-testid=login-error]");
    assert!(said.contains(WRONG_PASSWORD), "a wrong password is called one: {said:?}");
    assert!(!said.contains("停用"), "a wrong password is not a revoked device: {said:?}");
    shot(&app, "zh-CN", "20-login-wrong-password");

    // Wrong passwords in a row for one account: after a few the server makes it wait, and
    // the screen says for how long (not once more that the password is wrong).
    app.type_into("[data-testid=login-username]", "tech2");
    app.type_into("[data-testid=login-password]", "guess");
    let mut said = String::new();
    for _ in 0..10 {
        app.click("[data-testid=login-submit]");
        for _ in 0..15 {
            said = app
                .find_all("[data-testid=login-error]")
                .first()
                .map(|_| app.text("[data-testid=login-error]"))
                .unwrap_or_default();
            if said.contains(THROTTLED) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        if said.contains(THROTTLED) {
            break;
        }
    }
    assert!(said.contains(THROTTLED) && said.contains("秒后再试"), "the wait in words: {said:?}");
    assert!(!said.contains(WRONG_PASSWORD), "a throttled login is not called a wrong password: {said:?}");
    assert_eq!(app.attribute("[data-testid=login-error]", "data-code").as_deref(), Some("too_many_attempts"));
    shot(&app, "zh-CN", "20-login-throttled");
    // Another account on this tablet is not held back by those guesses.
    fixture::login(&app, "tech1");

    // A temperature check's form, something typed: one tap on discard only asks.
    open_order(&app, "temperature_check");
    app.click("[data-testid=start-form]");
    app.wait_for("[data-testid=report-form][data-kind=temperature_check]");
    app.type_into("[data-testid=opinion]", OPINION);
    wait_draft_saved(&app);
    app.click("[data-testid=discard]");
    let question = app.text("[data-testid=discard-confirmation]");
    assert!(
        question.contains("放弃这份草稿？已填写的内容和照片将被删除"),
        "the question says what is lost: {question:?}"
    );
    assert_eq!(app.text("[data-testid=discard-keep]"), "继续填写");
    assert_eq!(app.text("[data-testid=discard-confirm]"), "放弃草稿");
    shot(&app, "zh-CN", "21-discard-confirmation");
    app.click("[data-testid=discard-keep]");
    app.wait_until("the question closed", || app.find_all("[data-testid=discard-confirmation]").is_empty());
    assert_eq!(app.value("[data-testid=opinion]"), OPINION, "继续填写 keeps what was typed");

    // The draft is still on the device: its household lists it, with what was typed.
    reopen_draft(&app, "temperature_check");
    assert_eq!(app.value("[data-testid=opinion]"), OPINION, "the kept draft reopens as it was");

    // Discarded for real, after the confirmation: the household lists no draft any more.
    discard_draft(&app);
    all_open_orders(&app);
    app.click("[data-testid=order][data-kind=temperature_check][data-status=on_site]");
    app.click("[data-testid=open-household]");
    app.wait_for("[data-testid=household-title]");
    // The screen loads its drafts just after its title: they would show within a moment.
    for _ in 0..15 {
        assert!(app.find_all("[data-testid=draft]").is_empty(), "the discarded draft is gone");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // The office revokes this tablet: the next sync says so in the status bar.
    let devices = server::cli(fx.server.data(), &["device", "list"], None);
    let tablet = devices
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some("tech1"))
        .and_then(|line| line.split_whitespace().next())
        .unwrap_or_else(|| panic!("tech1's tablet in the device list:\n{devices}"));
    server::cli(fx.server.data(), &["device", "revoke", tablet], None);
    app.wait_until("the status bar naming the revoked device", || {
        !app.find_all("[data-testid=last-error]").is_empty()
            && app.text("[data-testid=last-error]").contains(REVOKED)
    });
    shot(&app, "zh-CN", "22-device-revoked");
}
