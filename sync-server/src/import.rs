//! The office's household export as a CSV file → households, every row checked.
//!
//! Columns, after one header row: account number, address, owner name, phone, billed area
//! (m²), station (name or id). UTF-8 with or without a BOM. A file with any bad row yields
//! the list of bad rows (by line number, with the reason) and no households, so nothing of
//! it is half-imported.

use std::collections::HashMap;

use hearth_core::Locale;
use hearth_core::model::{Household, HouseholdStatus, Station};
use hearth_core::rules::{CityProfile, validate_household};

/// The columns, in order.
pub const COLUMNS: [&str; 6] = ["account number", "address", "owner name", "phone", "billed area", "station"];

/// Reads the households of a CSV export, or every bad row as `line N: reason`.
pub fn parse_households(bytes: &[u8], stations: &[Station]) -> Result<Vec<Household>, Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let station_of: HashMap<String, &Station> =
        stations.iter().flat_map(|s| [(s.name.clone(), s), (s.id.to_string(), s)]).collect();
    let profile = CityProfile::default();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let mut households = Vec::new();
    let mut bad = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bad.push(format!("line {line}: not readable CSV ({e})"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != COLUMNS.len() {
            bad.push(format!(
                "line {line}: {} columns, expected {} ({})",
                record.len(),
                COLUMNS.len(),
                COLUMNS.join(", ")
            ));
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let Ok(area) = field(4).parse::<f64>() else {
            bad.push(format!("line {line}: billed area {:?} is not a number", field(4)));
            continue;
        };
        let Some(station) = station_of.get(&field(5)) else {
            bad.push(format!("line {line}: no station is named {:?}", field(5)));
            continue;
        };
        let household = Household {
            id: hearth_core::new_id(),
            account_no: field(0),
            address: field(1),
            owner_name: field(2),
            phone: field(3),
            billed_area_m2: area,
            station_id: station.id,
            status: HouseholdStatus::Connected,
        };
        let problems = validate_household(&household, &profile);
        if !problems.is_empty() {
            let reasons: Vec<String> =
                problems.iter().map(|p| format!("{}: {}", p.field, p.message(Locale::En))).collect();
            bad.push(format!("line {line}: {}", reasons.join("; ")));
            continue;
        }
        if let Some(first) = seen.insert(household.account_no.clone(), line) {
            bad.push(format!("line {line}: account number {} is also on line {first}", household.account_no));
            continue;
        }
        households.push(household);
    }
    if bad.is_empty() { Ok(households) } else { Err(bad) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "户号,地址,户主,电话,收费面积,供热站\n";

    #[test]
    fn a_file_with_a_bom_reads_like_one_without() {
        let stations = hearth_core::demo::stations();
        let body = format!("{HEADER}1000001,和平区友谊路1号,王伟,13800000000,88.5,和平供热站\n");
        let plain = parse_households(body.as_bytes(), &stations).unwrap();
        let with_bom = parse_households(format!("\u{feff}{body}").as_bytes(), &stations).unwrap();
        assert_eq!(plain.len(), 1);
        assert_eq!(with_bom[0].account_no, "1000001");
        assert_eq!(with_bom[0].station_id, stations[0].id);
    }

    #[test]
    fn every_bad_row_is_named_by_its_line_and_nothing_is_returned() {
        let stations = hearth_core::demo::stations();
        let body = format!(
            "{HEADER}1000001,和平区友谊路1号,王伟,13800000000,88.5,和平供热站\n\
             1000002,,李四,13800000001,70,和平供热站\n\
             1000003,河西区黄河道2号,张三,13800000002,abc,河西供热站\n\
             1000004,河西区黄河道3号,赵六,13800000003,60,月球供热站\n"
        );
        let bad = parse_households(body.as_bytes(), &stations).unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].starts_with("line 3: address"), "{bad:?}");
        assert!(bad[1].starts_with("line 4: billed area"), "{bad:?}");
        assert!(bad[2].starts_with("line 5: no station"), "{bad:?}");
    }
}
