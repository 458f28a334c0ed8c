//! Fuzz target: canonical JSON written straight from a typed record
//! (`rules::signing::canonical::to_canonical`), which is promised to be the bytes of the
//! `serde_json::Value` route (`rules::signing::canonical_json`) that a device and the
//! console use to verify a stored record.
//!
//! Any bytes, read as each kind of record: when they read, the typed bytes equal the Value
//! route's, and reading the canonical bytes back as the same kind gives the same canonical
//! bytes (canonicalising is idempotent).
#![no_main]

use hearth_core::model::{
    Household, Refusal, Report, Signature, SignedReportParts, Station, Stroke, WorkOrder,
};
use hearth_core::protocol::WorkOrderEdit;
use hearth_core::rules::signing::canonical::to_canonical;
use hearth_core::rules::signing::canonical_json;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|json: &[u8]| {
    check::<SignedReportParts>(json);
    check::<Report>(json);
    check::<Signature>(json);
    check::<Refusal>(json);
    check::<Stroke>(json);
    check::<Household>(json);
    check::<Station>(json);
    check::<WorkOrder>(json);
    check::<WorkOrderEdit>(json);
    check::<serde_json::Value>(json);
});

fn check<T: Serialize + DeserializeOwned>(json: &[u8]) {
    let Ok(record) = serde_json::from_slice::<T>(json) else { return };
    let typed = to_canonical(&record).expect("a record has canonical JSON");
    let typed = String::from_utf8(typed).expect("canonical JSON is UTF-8");
    let value = serde_json::to_value(&record).expect("a record is a JSON value");
    assert_eq!(
        typed,
        canonical_json(&value),
        "typed and Value routes differ for {}",
        std::any::type_name::<T>()
    );
    let again: T = serde_json::from_str(&typed).unwrap_or_else(|e| {
        panic!("canonical bytes do not read back as {} ({e}): {typed}", std::any::type_name::<T>())
    });
    let again = String::from_utf8(to_canonical(&again).expect("a record has canonical JSON")).expect("UTF-8");
    assert_eq!(again, typed, "canonicalising {} twice changes the bytes", std::any::type_name::<T>());
}
