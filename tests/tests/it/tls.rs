//! HTTPS end to end (issue 13, point 1): a company CA and a server certificate made in the
//! test (rcgen), the real `hearth-server serve --tls-cert --tls-key`, and a device store that
//! logs in and syncs a signed report trusting that CA; a device without the CA, and one
//! facing an expired certificate, get the certificate error, not a retry.

use std::path::Path;

use hearth_core::store::Store;
use hearth_core::sync::{self, client::Client};
use hearth_core::{Error, demo};
use hearth_tests::server::{Server, cli};

use crate::certs::company_ca_and_server_certificate;

/// A demo city served over HTTPS with a certificate from a fresh company CA.
fn https_city(expired: bool) -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().expect("server dir");
    cli(dir.path(), &["demo", "--households", "20"], None);
    let ca = company_ca_and_server_certificate(dir.path(), expired);
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let server = Server::start_with(
        dir.path(),
        &["--tls-cert", cert.to_str().expect("path"), "--tls-key", key.to_str().expect("path")],
    );
    assert!(server.url().starts_with("https://"), "{}", server.url());
    (dir, server, ca)
}

fn tablet(dir: &Path) -> Store {
    Store::open(dir.join("tablet.sqlite")).expect("open device store")
}

#[test]
fn a_device_trusting_the_company_ca_syncs_over_https_and_one_without_it_is_told_why() {
    let (_dir, server, ca) = https_city(false);
    let device_dir = tempfile::tempdir().expect("device dir");
    let mut store = tablet(device_dir.path());
    let client = Client::with_company_ca(&server.url(), Some(&ca)).expect("client");
    let user =
        sync::login(&mut store, &client, "tech1", "demo-tech1", "tablet over TLS").expect("login over HTTPS");
    sync::sync(&mut store, &client).expect("first sync over HTTPS");

    let id: String = store
        .conn()
        .query_row("SELECT id FROM households ORDER BY seq LIMIT 1", [], |r| r.get(0))
        .expect("a household arrived over HTTPS");
    let household = hearth_core::store::households::get(store.conn(), id.parse().expect("uuid"))
        .expect("read")
        .expect("household");
    let signed = demo::signed_temperature_check(&household, user.id, chrono::Utc::now()).expect("sign");
    store.save_signed_report(&signed).expect("save");
    let pushed = sync::sync(&mut store, &client).expect("push over HTTPS");
    assert_eq!((pushed.pushed, pushed.rejected), (1, 0), "{pushed:?}");
    let id = signed.report().id;
    let stored = server.query_one(&format!("SELECT count(*) FROM reports WHERE id = '{id}'"));
    assert_eq!(stored, "1", "the signed report reached the server over HTTPS");

    // The same server without the company CA: the certificate error, in words, at once.
    let outsider_dir = tempfile::tempdir().expect("device dir");
    let mut outsider = tablet(outsider_dir.path());
    let started = std::time::Instant::now();
    let refused =
        sync::login(&mut outsider, &Client::new(&server.url()).expect("client"), "tech1", "demo-tech1", "x");
    assert!(matches!(&refused, Err(Error::Certificate(why)) if why.contains("certificate")), "{refused:?}");
    assert!(refused.unwrap_err().to_string().contains("nothing was sent"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "no retry loop");
}

#[test]
fn an_expired_certificate_is_refused_even_from_the_company_ca() {
    let (_dir, server, ca) = https_city(true);
    let device_dir = tempfile::tempdir().expect("device dir");
    let mut store = tablet(device_dir.path());
    let client = Client::with_company_ca(&server.url(), Some(&ca)).expect("client");
    let refused = sync::login(&mut store, &client, "tech1", "demo-tech1", "tablet");
    assert!(
        matches!(&refused, Err(Error::Certificate(why)) if why.to_lowercase().contains("expired")),
        "{refused:?}"
    );
}

#[test]
fn plain_http_to_the_https_port_gets_no_answer() {
    let (_dir, server, _) = https_city(false);
    let client = Client::new(&server.url().replace("https://localhost", "http://127.0.0.1")).expect("client");
    let outcome = client.login(&hearth_core::protocol::LoginRequest {
        username: "tech1".into(),
        password: "demo-tech1".into(),
        device_name: "x".into(),
        device_id: hearth_core::new_id(),
    });
    assert!(matches!(outcome, Err(Error::Unreachable(_))), "{outcome:?}");
}
