//! Fuzz target: the office's household CSV import (`hearth_server::import`).
//!
//! Any bytes: never a panic. Either every data row became a household that passes the
//! household rules, or the file is refused with at least one `line N: reason` in words.
#![no_main]

use std::sync::OnceLock;

use hearth_core::model::Station;
use hearth_core::rules::{CityProfile, validate_household};
use hearth_server::import::parse_households;
use libfuzzer_sys::fuzz_target;

fn stations() -> &'static [Station] {
    static STATIONS: OnceLock<Vec<Station>> = OnceLock::new();
    STATIONS.get_or_init(hearth_core::demo::stations)
}

fn data_rows(bytes: &[u8]) -> usize {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes).records().count()
}

fuzz_target!(|bytes: &[u8]| {
    match parse_households(bytes, stations()) {
        Ok(households) => {
            assert_eq!(households.len(), data_rows(bytes), "a row was neither a household nor an error");
            let profile = CityProfile::default();
            for household in &households {
                assert!(validate_household(household, &profile).is_empty(), "{household:?}");
                assert!(household.billed_area_m2.is_finite() && household.billed_area_m2 > 0.0);
            }
        }
        Err(bad) => {
            assert!(!bad.is_empty(), "a refused file names no bad row");
            for reason in &bad {
                let (line, words) = reason
                    .strip_prefix("line ")
                    .and_then(|rest| rest.split_once(": "))
                    .unwrap_or_else(|| panic!("not `line N: reason`: {reason:?}"));
                let line: u64 = line.parse().unwrap_or_else(|_| panic!("no line number: {reason:?}"));
                assert!(line >= 1, "a bad row without its line: {reason:?}");
                assert!(!words.trim().is_empty(), "a bad row without a reason: {reason:?}");
            }
        }
    }
});
