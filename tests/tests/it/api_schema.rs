//! The whole API fuzzed from its own description (issue 13, point 8): schemathesis (PyPI,
//! installed into `.tools/venv` by `scripts/setup.sh`) reads `/v1/openapi.json` from the real
//! `hearth-server` binary on a demo city and sends every operation valid and invalid requests
//! (the schema's examples, its boundary values, then random ones), with a logged-in token.
//! Any `5xx` fails the test with schemathesis' report, which names each request as a `curl`;
//! so does an answer the document does not describe (a status code, a content type or a body
//! that does not fit its schema), since the tablets and the console are written against it.
//!
//! Four runs, with tokens all logged in before any fuzzing (the login route is fuzzed too, so
//! the account and address throttles soon answer it `429`, which must not lock the test out
//! of its own tokens):
//! - a technician's token on the device routes (push, pull, blobs, login): the crew's scope;
//! - an admin's token on everything else but the routes that end a token (most of the API is
//!   the office's, and an admin may call all of it);
//! - the same token on the console's record routes with the ids of real records (a work
//!   order, its household, a report if the crew's run pushed one), so assigning, cancelling
//!   and the details run on real data instead of answering 404;
//! - a second admin token, last, on the routes that end a token (logout, revoke a device,
//!   disable a user): a case may revoke that very token or disable the admin, after which its
//!   answers are `401`s, still checked.
//!
//! Bounded by a number of examples per operation and without the stateful phase, so the test
//! takes about a minute on two cores. The seed is random and printed in the report
//! (`Seed: N`), so a failure can be replayed with `--seed N`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use hearth_tests::server::{Server, cli};

/// The project's schemathesis, or a failure saying how to install it.
fn schemathesis() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join(".tools/venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: run `make setup` (scripts/setup.sh installs schemathesis into .tools/venv)",
        bin.display()
    );
    bin
}

/// Logs `username` (a demo login, password `demo-USERNAME`) in on a new device; its token.
fn login(server: &Server, username: &str) -> String {
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/v1/auth/login", server.url()))
        .json(&serde_json::json!({
            "username": username, "password": format!("demo-{username}"),
            "device_name": "schemathesis", "device_id": hearth_core::new_id(),
        }))
        .send()
        .expect("login answered");
    assert!(answer.status().is_success(), "{username} could not log in: {}", answer.status());
    let body: serde_json::Value = answer.json().expect("login body");
    body["token"].as_str().expect("a token").to_owned()
}

/// What each answer is checked for: no 5xx, and a status, content type and body the document
/// describes for that operation.
const CHECKS: &str =
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// How a run's token must fare.
#[derive(PartialEq)]
enum Token {
    /// Let in throughout: every selected operation must get an answer other than 401/403
    /// (schemathesis warns "Authentication failed" otherwise), so a dead token cannot make the
    /// run pass on 401s alone.
    LetIn,
    /// May be ended by the run itself (logout, revoking its device).
    MayEnd,
}

/// One schemathesis run with `token` over the operations `filter` selects, at most
/// `examples` generated cases per operation; panics with its report if a check failed (or it
/// could not run).
fn fuzz(
    server: &Server,
    work: &Path,
    who: &str,
    (token, fate): (&str, Token),
    filter: &[&str],
    examples: u32,
) {
    let started = Instant::now();
    // An empty config file unless the run's own is there (so none is looked for elsewhere).
    let config = work.join(format!("{}.toml", who.replace(|c: char| !c.is_ascii_alphanumeric(), "-")));
    if !config.exists() {
        std::fs::write(&config, "").expect("write schemathesis' config");
    }
    let run = || {
        let out = Command::new(schemathesis())
            .current_dir(work)
            .arg("--config-file")
            .arg(&config)
            .args(["--no-color", "run", &format!("{}/v1/openapi.json", server.url())])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", CHECKS])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", &examples.to_string()])
            .args(["--workers", "2", "--request-timeout", "60", "--generation-database", "none"])
            .arg("--continue-on-failure")
            .args(filter)
            .output()
            .expect("start schemathesis");
        let report =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out, report)
    };
    let (mut out, mut report) = run();
    // A crash inside schemathesis itself (hypothesis' "AST constructor recursion depth
    // mismatch", seen once in ~15 runs), with no check failed: the run says nothing about the
    // server, so it is made once more.
    if !out.status.success() && report.contains("Runtime Error") && !report.contains("FAILURES") {
        eprintln!("api_schema: {who}: schemathesis crashed on its own; running it again");
        (out, report) = run();
    }
    assert!(
        out.status.success(),
        "schemathesis found server errors or undocumented answers (or could not run) with the {who}'s token ({}):\n{report}",
        out.status
    );
    assert!(
        fate == Token::MayEnd || !report.contains("Authentication failed"),
        "the {who}'s token was refused:\n{report}"
    );
    // Proof it ran: its summary counts the generated cases.
    let summary = report.lines().find(|l| l.contains(" generated, ")).unwrap_or("(no summary)");
    println!("api_schema: {who}: {} in {:.0?}", summary.trim(), started.elapsed());
    assert!(summary.contains("generated"), "schemathesis ran no case:\n{report}");
}

/// A schemathesis config that sends the `{id}` of real records (a work order, its household,
/// a report) to the console's record routes, so their handlers get past "not found": random
/// ids only ever reach the 404. Other parameters and bodies are still generated.
fn real_records(server: &Server, token: &str) -> String {
    let get = |path: &str| -> serde_json::Value {
        reqwest::blocking::Client::new()
            .get(format!("{}{path}", server.url()))
            .bearer_auth(token)
            .send()
            .and_then(reqwest::blocking::Response::json)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    };
    let board = get("/v1/console/work-orders?limit=1");
    let order = &board["orders"][0]["order"];
    let reports = get("/v1/console/reports?limit=1");
    let mut config = String::new();
    for (path, id) in [
        ("^/v1/console/work-orders/\\{id\\}", &order["id"]),
        ("^/v1/console/households/\\{id\\}", &order["household_id"]),
        // The demo city has no reports; the crew's run may have pushed some.
        ("^/v1/console/reports/\\{id\\}$", &reports["reports"][0]["id"]),
    ] {
        let Some(id) = id.as_str() else {
            assert!(!path.contains("work-orders"), "the demo city has no work order: {board}");
            continue;
        };
        config.push_str(&format!(
            "[[operations]]\ninclude-path-regex = '{path}'\nparameters = {{ id = \"{id}\" }}\n\n"
        ));
    }
    config
}

#[test]
fn every_request_gets_a_documented_answer_and_never_a_server_error() {
    let bin = schemathesis();
    let version = Command::new(&bin).arg("--version").output().expect("schemathesis --version");
    assert!(version.status.success(), "{} does not run: run `make setup`", bin.display());

    let dir = tempfile::tempdir().expect("server dir");
    let work = tempfile::tempdir().expect("schemathesis work dir");
    cli(dir.path(), &["demo", "--households", "200"], None);
    // A request for news is held at most a second, not 50: schemathesis sends hundreds.
    let server = Server::start_with(dir.path(), &["--events-max-wait", "1"]);
    let tech = login(&server, "tech1");
    let admin = login(&server, "admin");
    let last_admin = login(&server, "admin");

    // The routes that end the token they are called with (or the admin's account).
    let ends_a_token =
        "^/v1/(auth/logout|console/admin/devices/[^/]+/revoke|console/admin/users/[^/]+/disable)$";
    fuzz(
        &server,
        work.path(),
        "technician",
        (&tech, Token::LetIn),
        &["--include-path-regex", "^/v1/(sync/|blobs/|auth/login$)"],
        25,
    );
    fuzz(&server, work.path(), "admin", (&admin, Token::LetIn), &["--exclude-path-regex", ends_a_token], 25);
    std::fs::write(work.path().join("admin-on-real-records.toml"), real_records(&server, &admin))
        .expect("write schemathesis' config");
    fuzz(
        &server,
        work.path(),
        "admin on real records",
        (&admin, Token::LetIn),
        &["--include-path-regex", "^/v1/console/(work-orders|households|reports)/\\{id\\}"],
        15,
    );
    fuzz(
        &server,
        work.path(),
        "admin (last)",
        (&last_admin, Token::MayEnd),
        &["--include-path-regex", ends_a_token],
        25,
    );
}
