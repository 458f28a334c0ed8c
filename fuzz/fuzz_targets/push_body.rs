//! Fuzz target: the body of `POST /v1/sync/push`, read and checked as the server does
//! (`Json::<ArrivingPush>::parse`, the batch size limit, then `check_all`: each change kept
//! raw, read as its kind, and a report verified against its hashes).
//!
//! Any bytes: never a panic. An entry that is accepted re-serialises and re-parses to the
//! same value, and an accepted report's JSON, stored byte for byte, verifies again the way a
//! device and the console read it back (`signing::verify_json`) as the same record.
//!
//! Random bytes almost never carry the right SHA-256 hashes, so every input is also tried
//! with its reports' hashes recomputed (as a tablet would have written them): the fuzzer
//! then explores what a *signed* report may contain.
#![no_main]

use hearth_core::model::{Refusal, Report, Sha256, Signature, SignedReportParts};
use hearth_core::protocol::{MAX_PUSH_ENTRIES, Outcome, Outgoing, PushEntry};
use hearth_core::rules::signing::canonical::to_canonical;
use hearth_core::rules::signing::verify_json;
use hearth_server::extract::Json;
use hearth_server::routes::sync::{ArrivingPush, check_all};
use hearth_server::storage::CheckedEntry;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|body: &[u8]| {
    check_body(body);
    if let Some(resealed) = with_hashes_recomputed(body) {
        check_body(&resealed);
    }
});

/// What the push handler does with a body before it stores anything.
fn check_body(body: &[u8]) {
    let push = match Json::<ArrivingPush>::parse(body) {
        Ok(Json(push)) => push,
        Err(refused) => return assert!(!refused.message.trim().is_empty(), "a refusal without words"),
    };
    if push.entries.len() > MAX_PUSH_ENTRIES {
        return;
    }
    let checked = match check_all(push.entries) {
        Ok(checked) => checked,
        Err(refused) => return assert!(!refused.message.trim().is_empty(), "a refusal without words"),
    };
    for entry in checked {
        match entry {
            Ok(CheckedEntry { entry, report_json }) => accepted(entry, report_json),
            Err(rejected) => match rejected.outcome {
                Outcome::Rejected { message, .. } => assert!(!message.trim().is_empty()),
                other => panic!("a rejected entry with outcome {other:?}"),
            },
        }
    }
}

fn accepted(entry: PushEntry, report_json: Option<String>) {
    let json = serde_json::to_string(&entry).expect("an accepted entry serialises");
    let again: PushEntry = serde_json::from_str(&json).expect("an accepted entry re-parses");
    assert_eq!(again, entry, "re-parsed from {json}");
    if let Outgoing::Report(report) = &entry.change {
        let stored = report_json.expect("an accepted report keeps the JSON it came as");
        let read_back = verify_json(&stored)
            .unwrap_or_else(|e| panic!("the server accepted a report its readers refuse ({e}): {stored}"));
        assert_eq!(&read_back, report.as_ref(), "the stored JSON reads as another record: {stored}");
    }
}

/// The body with each report's `content_hash` (its own and its signatures') and
/// `record_hash` recomputed, the rest as it came; `None` when no report reads as one.
fn with_hashes_recomputed(body: &[u8]) -> Option<Vec<u8>> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    let mut resealed = false;
    for entry in body.get_mut("entries")?.as_array_mut()? {
        let Some(change) = entry.get_mut("change") else { continue };
        if change.get("entity").and_then(Value::as_str) != Some("report") {
            continue;
        }
        let Some(data) = change.get_mut("data") else { continue };
        resealed |= reseal(data).is_some();
    }
    if resealed { serde_json::to_vec(&body).ok() } else { None }
}

/// The parts of a signed record without `record_hash`: what `record_hash` is the hash of.
#[derive(serde::Serialize)]
struct Unhashed<'a> {
    content_hash: &'a Sha256,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: &'a Option<Refusal>,
    report: &'a Report,
    signatures: &'a [Signature],
}

fn reseal(data: &mut Value) -> Option<()> {
    let parts: SignedReportParts = serde_json::from_value(data.clone()).ok()?;
    let content = Sha256::of(&to_canonical(&parts.report).ok()?);
    let record = data.as_object_mut()?;
    record.insert("content_hash".into(), content.as_str().into());
    for signature in record.get_mut("signatures")?.as_array_mut()? {
        signature.as_object_mut()?.insert("content_hash".into(), content.as_str().into());
    }
    let parts: SignedReportParts = serde_json::from_value(data.clone()).ok()?;
    let SignedReportParts { report, signatures, refusal, content_hash, record_hash: _ } = &parts;
    let unhashed = Unhashed { content_hash, refusal, report, signatures };
    let record_hash = Sha256::of(&to_canonical(&unhashed).ok()?);
    data.as_object_mut()?.insert("record_hash".into(), record_hash.as_str().into());
    Some(())
}
