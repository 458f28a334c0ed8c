//! Signing tests: a signed record verifies, any change to it is caught, and corrections are
//! new records.

use serde_json::json;

use super::*;
use crate::demo;
use crate::model::*;
use crate::rules::CityProfile;

fn signed() -> SignedReport {
    let h = demo::households(7, 1).next().unwrap();
    demo::signed_temperature_check(&h, uuid::Uuid::nil(), demo::now()).unwrap()
}

#[test]
fn canonical_json_sorts_keys_at_every_level_and_has_no_spaces() {
    let v = json!({"b": 1, "a": [true, null, {"z": "长", "y": 1.5}], "c": "x\"y"});
    assert_eq!(canonical_json(&v), r#"{"a":[true,null,{"y":1.5,"z":"长"}],"b":1,"c":"x\"y"}"#);
}

#[test]
fn a_content_hash_does_not_depend_on_key_order() {
    let a: serde_json::Value = serde_json::from_str(r#"{"x":1,"y":{"p":2,"q":3}}"#).unwrap();
    let b: serde_json::Value = serde_json::from_str(r#"{"y":{"q":3,"p":2},"x":1}"#).unwrap();
    assert_eq!(canonical_json(&a), canonical_json(&b));
}

#[test]
fn a_signed_record_verifies_as_built_and_as_stored() {
    let s = signed();
    assert_eq!(s.content_hash(), &content_hash(s.report()));
    assert!(s.signatures().iter().all(|sig| &sig.content_hash == s.content_hash()));
    verify_parts(&s.clone().into_parts()).unwrap();
    let stored = serde_json::to_string(&s).unwrap();
    assert_eq!(verify_json(&stored).unwrap(), s);
    assert_eq!(serde_json::from_str::<SignedReport>(&stored).unwrap(), s);
}

/// Edits a signed record's parts and tries to make a signed record of them again.
fn tamper(edit: impl FnOnce(&mut SignedReportParts)) -> Result<SignedReport> {
    let mut parts = signed().into_parts();
    edit(&mut parts);
    let json = serde_json::to_string(&parts).unwrap();
    assert!(serde_json::from_str::<SignedReport>(&json).is_err(), "deserializing checks the hashes too");
    SignedReport::try_from(parts)
}

#[test]
fn a_changed_reading_no_longer_verifies() {
    let err = tamper(|p| {
        if let ReportBody::TemperatureCheck(c) = &mut p.report.body {
            c.readings[0].celsius = 25.0;
        }
    });
    assert_eq!(err.unwrap_err().code(), "tampered");
}

#[test]
fn a_changed_signature_no_longer_verifies() {
    let moved = |stroke: &mut Stroke| {
        let mut points = stroke.points();
        points[0].x += 1;
        *stroke = Stroke::new(&points);
    };
    assert_eq!(tamper(|p| moved(&mut p.signatures[0].strokes[0])).unwrap_err().code(), "tampered");
    assert!(tamper(|p| p.signatures[0].signer_name = "别人".into()).is_err());
    assert!(tamper(|p| p.signatures.clear()).is_err());
}

/// A record as a tablet signed it before strokes were packed: its points as flat integers.
fn signed_flat() -> SignedReport {
    let mut parts = signed().into_parts();
    for stroke in parts.signatures.iter_mut().flat_map(|s| s.strokes.iter_mut()) {
        *stroke = stroke.spelled(PointsSpelling::Flat);
    }
    let ctx = ValidationContext { profile: &CityProfile::default(), now: demo::now() };
    seal(parts.report, parts.signatures, parts.refusal, &ctx).unwrap()
}

#[test]
fn a_record_signed_with_flat_strokes_still_verifies_and_keeps_its_bytes() {
    let old = signed_flat();
    let stored = serde_json::to_string(&old).unwrap();
    assert!(
        stored.contains(r#""points":["#) && !stored.contains(r#""points":""#),
        "flat, not packed: {stored}"
    );
    assert_eq!(verify_json(&stored).unwrap(), old);
    let read: SignedReport = serde_json::from_str(&stored).unwrap();
    assert_eq!(serde_json::to_string(&read).unwrap(), stored);
}

#[test]
fn re_spelling_a_signed_records_strokes_is_caught() {
    let mut parts = signed_flat().into_parts();
    parts.signatures[0].strokes[0] = parts.signatures[0].strokes[0].spelled(PointsSpelling::Packed);
    assert_eq!(SignedReport::try_from(parts).unwrap_err().code(), "tampered");
}

#[test]
fn unchanged_parts_make_the_same_signed_record() {
    let s = signed();
    assert_eq!(SignedReport::try_from(s.clone().into_parts()).unwrap(), s);
}

#[test]
fn an_edit_of_the_stored_text_is_caught() {
    let s = signed();
    let stored = serde_json::to_string(&s).unwrap();
    assert!(stored.contains("19.2"));
    let edited = stored.replacen("19.2", "19.3", 1);
    assert_eq!(verify_json(&edited).unwrap_err().code(), "tampered");
}

#[test]
fn a_signature_made_over_other_content_is_refused() {
    let h = demo::households(7, 1).next().unwrap();
    let r = demo::report(
        ReportBody::TemperatureCheck(demo::temperature_check(demo::now())),
        h.id,
        h.id,
        demo::now(),
    );
    let stale = content_hash(&r);
    let mut changed = r.clone();
    changed.feedback.opinion = "后来改的意见".into();
    let sig = demo::signature("张伟", SignerRole::Customer, &stale, demo::now());
    let profile = CityProfile::default();
    let err = seal(changed, vec![sig], None, &ValidationContext { profile: &profile, now: demo::now() })
        .unwrap_err();
    let Error::Invalid(problems) = err else { panic!("{err:?}") };
    assert_eq!(problems.iter().map(|p| p.code()).collect::<Vec<_>>(), vec!["signature_for_other_content"]);
}

#[test]
fn an_invalid_report_is_not_signed() {
    let h = demo::households(7, 1).next().unwrap();
    let mut check = demo::temperature_check(demo::now());
    check.readings[0].celsius = 99.0;
    let r = demo::report(ReportBody::TemperatureCheck(check), h.id, h.id, demo::now());
    let err = demo::sign(r, "张伟", demo::now()).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("readings[0].celsius"), "{err}");
}

#[test]
fn a_correction_is_a_new_record_pointing_at_the_original() {
    let original = signed();
    let draft = amend(&original, "户主姓名写错", demo::now());
    assert_ne!(draft.id, original.report().id);
    assert_eq!(draft.amendment.as_ref().unwrap().amends, original.report().id);
    assert_eq!(draft.body, original.report().body);
    let correction = demo::sign(draft, "张伟", demo::now()).unwrap();
    verify_parts(&correction.clone().into_parts()).unwrap();
    assert_ne!(correction.content_hash(), original.content_hash());
}

/// Every kind of report, signed: with photos, an amendment, and a refusal's witness.
fn every_kind_of_record() -> Vec<SignedReportParts> {
    let h = demo::households(11, 1).next().unwrap();
    let now = demo::now();
    let bodies = vec![
        ReportBody::TemperatureCheck(demo::temperature_check(now)),
        ReportBody::RepairVisit(demo::repair_visit(now)),
        ReportBody::AreaRemeasurement(demo::area_remeasurement(now, h.billed_area_m2)),
        ReportBody::Inspection(demo::inspection()),
    ];
    let mut records = Vec::new();
    for body in bodies {
        let mut r = demo::report(body, h.id, uuid::Uuid::nil(), now);
        r.attachments.push(demo::photo(b"\xFF\xD8 a photo"));
        let signed = demo::sign(r, &h.owner_name, now).unwrap();
        let correction = amend(&signed, "误读温度计", now);
        records.push(signed.into_parts());
        records.push(demo::sign(correction, &h.owner_name, now).unwrap().into_parts());
    }
    let mut refused = records[0].clone();
    refused.refusal =
        Some(Refusal { reason: "用户拒签".into(), witness_name: "王\"见证\"人".into() });
    records.push(refused);
    records
}

#[test]
fn canonical_bytes_from_typed_records_equal_those_from_their_json_values() {
    for parts in every_kind_of_record() {
        let value = serde_json::to_value(&parts).unwrap();
        assert_eq!(
            String::from_utf8(canonical::to_canonical(&parts).unwrap()).unwrap(),
            canonical_json(&value),
            "{value}"
        );
        // And the record hash the typed route computes is the one the stored JSON gets.
        let serde_json::Value::Object(map) = &value else { panic!("not an object") };
        let report = canonical_json(&map["report"]);
        assert_eq!(parts_record_hash(&parts, report.as_bytes()), record_hash(map, report.as_bytes()));
    }
}

proptest::proptest! {
    #[test]
    fn canonical_bytes_of_any_json_equal_the_value_route(value in json_value()) {
        let typed = String::from_utf8(canonical::to_canonical(&value).unwrap()).unwrap();
        proptest::prop_assert_eq!(typed, canonical_json(&value));
    }
}

/// A value that serializes through `collect_str`, as dates do.
struct Shown(String);

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

proptest::proptest! {
    #[test]
    fn displayed_values_are_escaped_as_serde_json_escapes_strings(text in proptest::prelude::any::<String>()) {
        let typed = String::from_utf8(canonical::to_canonical(&Shown(text.clone())).unwrap()).unwrap();
        proptest::prop_assert_eq!(typed, serde_json::to_string(&text).unwrap());
    }
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "\\PC{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Found by the fuzz target `canonical_json` (fuzz/): serde_json's default float reader may
/// miss the nearest `f64` of a long decimal by one step, so a number written shortest (as
/// canonical JSON writes it) could read back as another: a record holding such a number no
/// longer matched its hashes when read back, on the server and on every device.
#[test]
fn a_signed_record_with_a_long_decimal_reads_back_as_signed() {
    let written = "2.2221999999999998e+129";
    let number: f64 = written.parse().unwrap();
    assert_eq!(serde_json::from_str::<f64>(written).unwrap(), number);
    let value: serde_json::Value = serde_json::from_str(written).unwrap();
    assert_eq!(canonical_json(&value), written);
    // A GPS fix's accuracy is stored as the device measured it.
    let h = demo::households(7, 1).next().unwrap();
    let mut report = demo::report(
        ReportBody::TemperatureCheck(demo::temperature_check(demo::now())),
        h.id,
        uuid::Uuid::nil(),
        demo::now(),
    );
    report.location = Some(GeoLocation { lat: 39.1256, lon: 117.1909, accuracy_m: number });
    let signed = demo::sign(report, &h.owner_name, demo::now()).unwrap();
    let stored = serde_json::to_string(&signed).unwrap();
    assert!(stored.contains(written), "{stored}");
    assert_eq!(verify_json(&stored).unwrap(), signed);
    assert_eq!(serde_json::from_str::<SignedReport>(&stored).unwrap(), signed);
}
