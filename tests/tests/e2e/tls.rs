//! The field app against a server whose HTTPS certificate the company issued itself: without
//! the company's certificate the login says the certificate cannot be verified (at once, no
//! retrying); a pasted text that is no certificate is called so; with it pasted at login the
//! technician logs in, and 设置 says a company certificate is set.

use hearth_tests::e2e::display::Display;
use hearth_tests::e2e::driver::Driver;
use hearth_tests::server::{self, Server};

use crate::fixture::{latin_words, shot};

#[path = "../it/certs.rs"]
mod certs;

const UNVERIFIED: &str = "服务器证书无法验证";
const NOT_A_CERTIFICATE: &str = "公司根证书内容无法识别";

#[test]
fn a_company_certificate_pasted_at_login_lets_the_tablet_in_over_https() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let app_dir = tempfile::tempdir().expect("app dir");
    server::cli(server_dir.path(), &["demo", "--households", "40"], None);
    let ca = certs::company_ca_and_server_certificate(server_dir.path(), false);
    let (cert, key) = (server_dir.path().join("cert.pem"), server_dir.path().join("key.pem"));
    let server = Server::start_with(
        server_dir.path(),
        &["--tls-cert", cert.to_str().expect("path"), "--tls-key", key.to_str().expect("path")],
    );
    let display = Display::start(1280, 1280);
    let driver = Driver::start(
        display.name(),
        &[
            ("HEARTH_DATA_DIR", app_dir.path().join("app").display().to_string()),
            ("HEARTH_SERVER_URL", server.url()),
            ("HEARTH_SYNC_INTERVAL_SECS", "2".to_owned()),
        ],
    );
    let app = driver.open_app();

    // No company certificate: the certificate is named as the problem, not the network.
    app.wait_for("[data-testid=login-form]");
    app.type_into("[data-testid=login-username]", "tech1");
    app.type_into("[data-testid=login-password]", "demo-tech1");
    app.click("[data-testid=login-submit]");
    let said = app.text("[data-testid=login-error]");
    assert!(said.contains(UNVERIFIED), "{said:?}");
    assert_eq!(app.attribute("[data-testid=login-error]", "data-code").as_deref(), Some("certificate"));

    // A pasted text that is not a certificate is called so.
    app.click("[data-testid=login-company-ca-show]");
    app.type_into("[data-testid=login-company-ca]", "这是公司的证书");
    app.click("[data-testid=login-submit]");
    app.wait_until("the pasted text is refused", || {
        app.text("[data-testid=login-error]").contains(NOT_A_CERTIFICATE)
    });
    assert!(latin_words(&app).is_empty(), "Latin words on the login screen: {:?}", latin_words(&app));
    shot(&app, "zh-CN", "23-login-company-certificate");

    // The company's certificate pasted: the technician is in, and it is kept.
    app.set_value("[data-testid=login-company-ca]", &ca);
    app.click("[data-testid=login-submit]");
    app.wait_for("[data-testid=orders-today]");
    app.click("[data-testid=nav-settings]");
    app.wait_until("设置 says a company certificate is set", || {
        app.text("[data-testid=company-ca-state]").contains("已设置公司根证书")
    });
    assert!(latin_words(&app).is_empty(), "Latin words in 设置: {:?}", latin_words(&app));
    shot(&app, "zh-CN", "53-settings-company-certificate");
    drop(app);
    drop(driver);
    drop(display);
}
