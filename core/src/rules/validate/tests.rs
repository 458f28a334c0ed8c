//! Validation tests: each rule refuses what it must, in words, and accepts good records.

use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::Locale;
use crate::demo;
use crate::model::*;

fn ctx(profile: &CityProfile) -> ValidationContext<'_> {
    ValidationContext { profile, now: demo::now() + Duration::hours(1) }
}

fn report_of(body: ReportBody) -> Report {
    let mut r = demo::report(body, uuid::Uuid::nil(), uuid::Uuid::nil(), demo::now());
    r.attachments = vec![demo::photo(b"jpeg bytes")];
    r
}

fn temperature_report(edit: impl FnOnce(&mut TemperatureCheck)) -> Report {
    let mut check = demo::temperature_check(demo::now());
    edit(&mut check);
    report_of(ReportBody::TemperatureCheck(check))
}

fn codes(problems: &[Problem]) -> Vec<(&str, &'static str)> {
    problems.iter().map(|p| (p.field.as_str(), p.code())).collect()
}

#[test]
fn well_formed_reports_of_every_kind_pass() {
    let p = CityProfile::default();
    for body in [
        ReportBody::TemperatureCheck(demo::temperature_check(demo::now())),
        ReportBody::RepairVisit(demo::repair_visit(demo::now())),
        ReportBody::AreaRemeasurement(demo::area_remeasurement(demo::now(), 80.0)),
        ReportBody::Inspection(demo::inspection()),
    ] {
        let r = report_of(body);
        assert_eq!(validate_report(&r, &ctx(&p)), vec![], "{:?}", r.body.kind());
    }
}

#[test]
fn an_impossible_reading_is_refused_in_both_languages() {
    let p = CityProfile::default();
    let r = temperature_report(|c| c.readings[1].celsius = 61.0);
    let problems = validate_report(&r, &ctx(&p));
    assert_eq!(codes(&problems), vec![("readings[1].celsius", "temperature_out_of_range")]);
    assert!(
        problems[0].message(Locale::ZhCn).contains("61 °C 不可能"),
        "{}",
        problems[0].message(Locale::ZhCn)
    );
    assert!(problems[0].message(Locale::En).contains("61 °C is not possible"));
    let r = temperature_report(|c| c.readings[0].celsius = f64::NAN);
    assert_eq!(codes(&validate_report(&r, &ctx(&p))), vec![("readings[0].celsius", "not_a_number")]);
}

#[test]
fn a_check_without_rooms_or_without_deciding_rooms_is_refused() {
    let p = CityProfile::default();
    let r = temperature_report(|c| c.readings.clear());
    assert_eq!(codes(&validate_report(&r, &ctx(&p))), vec![("readings", "no_rooms")]);
    let r = temperature_report(|c| c.readings.retain(|r| r.room_type == RoomType::Other));
    assert_eq!(codes(&validate_report(&r, &ctx(&p))), vec![("readings", "no_deciding_room")]);
}

#[test]
fn the_thermometer_must_be_checked_and_verified() {
    let p = CityProfile::default();
    let r = temperature_report(|c| {
        c.thermometer.checked_working = false;
        c.thermometer.certificate_expires = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        c.thermometer.serial = " ".into();
    });
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![
            ("thermometer.serial", "missing"),
            ("thermometer.checked_working", "thermometer_not_checked"),
            ("thermometer.certificate_expires", "certificate_expired"),
        ]
    );
}

#[test]
fn the_measuring_conditions_follow_the_city_profile() {
    let p = CityProfile { min_doors_closed_minutes: 60, ..CityProfile::default() };
    let r = temperature_report(|c| {
        c.conditions.probe_height_m = 0.5;
        c.conditions.probe_at_room_centre = false;
    });
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![
            ("conditions.doors_windows_closed_minutes", "doors_not_closed_long_enough"),
            ("conditions.probe_at_room_centre", "probe_not_at_centre"),
            ("conditions.probe_height_m", "probe_height_out_of_range"),
        ]
    );
}

#[test]
fn a_reading_from_the_future_is_refused() {
    let p = CityProfile::default();
    let r = temperature_report(|c| c.readings[0].measured_at = demo::now() + Duration::days(1));
    assert_eq!(codes(&validate_report(&r, &ctx(&p))), vec![("readings[0].measured_at", "in_future")]);
}

#[test]
fn a_repair_that_finishes_before_it_starts_is_refused() {
    let p = CityProfile::default();
    let mut visit = demo::repair_visit(demo::now());
    visit.finished_at = visit.arrived_at - Duration::minutes(1);
    visit.outcome = RepairOutcome::NotFixed { reason: String::new() };
    visit.parts[0].quantity = 0.0;
    let r = report_of(ReportBody::RepairVisit(visit));
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![
            ("finished_at", "finished_before_arrival"),
            ("parts[0].quantity", "quantity_not_positive"),
            ("outcome.reason", "missing")
        ]
    );
}

#[test]
fn property_damage_needs_a_description_and_an_apology() {
    let p = CityProfile::default();
    let mut visit = demo::repair_visit(demo::now());
    visit.property_damage =
        Some(PropertyDamage { description: String::new(), apologized: false, compensation_yuan: Some(-5.0) });
    let r = report_of(ReportBody::RepairVisit(visit));
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![
            ("property_damage.description", "missing"),
            ("property_damage.apologized", "damage_without_apology"),
            ("property_damage.compensation_yuan", "compensation_negative"),
        ]
    );
}

#[test]
fn areas_must_be_positive_and_plausible() {
    let p = CityProfile::default();
    let mut m = demo::area_remeasurement(demo::now(), 0.0);
    m.rooms[0].measure = RoomMeasure::Dimensions { length_m: 0.0, width_m: 3.0 };
    m.rooms[1].measure = RoomMeasure::Dimensions { length_m: 250.0, width_m: 3.0 };
    m.rooms[2].measure = RoomMeasure::Area { area_m2: 5000.0 };
    let r = report_of(ReportBody::AreaRemeasurement(m));
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![
            ("rooms[0].measure.length_m", "area_not_positive"),
            ("rooms[1].measure.length_m", "length_implausible"),
            ("rooms[2].measure.area_m2", "area_implausible"),
            ("rooms", "area_implausible"),
            ("billed_area_m2", "area_not_positive"),
        ]
    );
    let mut m = demo::area_remeasurement(demo::now(), 80.0);
    m.rooms.clear();
    m.appointment.kept = false;
    let r = report_of(ReportBody::AreaRemeasurement(m));
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![("appointment.note", "missing"), ("rooms", "no_rooms")]
    );
}

#[test]
fn an_inspection_needs_a_type_and_a_photo() {
    let p = CityProfile::default();
    let mut insp = demo::inspection();
    insp.violations.clear();
    let mut r = report_of(ReportBody::Inspection(insp));
    r.attachments.clear();
    assert_eq!(
        codes(&validate_report(&r, &ctx(&p))),
        vec![("violations", "no_violation_type"), ("attachments", "no_photo")]
    );
    r.attachments = vec![AttachmentRef { mime_type: "application/pdf".into(), ..demo::photo(b"x") }];
    let problems = validate_report(&r, &ctx(&p));
    assert!(codes(&problems).contains(&("attachments[0].mime_type", "not_an_image")));
}

#[test]
fn a_refusal_needs_a_named_witness_who_signs() {
    let r = report_of(ReportBody::Inspection(demo::inspection()));
    let hash = crate::rules::signing::content_hash(&r);
    let refusal = Refusal { reason: "不认可违规认定".into(), witness_name: String::new() };
    let problems = validate_sign_off(&r, &[], Some(&refusal), &hash);
    assert_eq!(
        codes(&problems),
        vec![("refusal.witness_name", "missing"), ("signatures", "witness_signature_missing")]
    );
    assert!(problems[0].message(Locale::ZhCn).contains("见证人"));
    let refusal = Refusal { witness_name: "王建国".into(), ..refusal };
    let witness = demo::signature("王建国", SignerRole::Witness, &hash, demo::now());
    assert_eq!(validate_sign_off(&r, &[witness], Some(&refusal), &hash), vec![]);
}

#[test]
fn a_signature_needs_strokes_and_the_customers_satisfaction() {
    let mut r = report_of(ReportBody::RepairVisit(demo::repair_visit(demo::now())));
    r.feedback.satisfaction = None;
    let hash = crate::rules::signing::content_hash(&r);
    let mut sig = demo::signature("张伟", SignerRole::Customer, &hash, demo::now());
    sig.strokes.clear();
    assert_eq!(
        codes(&validate_sign_off(&r, &[sig], None, &hash)),
        vec![("signatures[0].strokes", "signature_without_strokes"), ("feedback.satisfaction", "missing")]
    );
    assert_eq!(
        codes(&validate_sign_off(&r, &[], None, &hash)),
        vec![("signatures", "customer_signature_missing"), ("feedback.satisfaction", "missing")]
    );
}

#[test]
fn a_household_caught_in_a_violation_is_not_asked_its_satisfaction() {
    let mut r = report_of(ReportBody::Inspection(demo::inspection()));
    r.attachments = vec![demo::photo(b"found")];
    r.feedback.satisfaction = None;
    let hash = crate::rules::signing::content_hash(&r);
    let sig = demo::signature("张伟", SignerRole::Customer, &hash, demo::now());
    assert!(!asks_satisfaction(&r));
    assert_eq!(validate_sign_off(&r, std::slice::from_ref(&sig), None, &hash), vec![]);
    // An inspection that found nothing wrong asks, as every other visit does.
    let ReportBody::Inspection(ref mut found) = r.body else { unreachable!() };
    found.violations.clear();
    let hash = crate::rules::signing::content_hash(&r);
    let sig = demo::signature("张伟", SignerRole::Customer, &hash, demo::now());
    assert!(asks_satisfaction(&r));
    assert_eq!(
        codes(&validate_sign_off(&r, &[sig], None, &hash)),
        vec![("feedback.satisfaction", "missing")]
    );
}

#[test]
fn a_household_needs_an_account_and_a_real_area() {
    let p = CityProfile::default();
    let mut h = demo::households(1, 1).next().unwrap();
    assert_eq!(validate_household(&h, &p), vec![]);
    h.account_no.clear();
    h.billed_area_m2 = 1e6;
    assert_eq!(
        codes(&validate_household(&h, &p)),
        vec![("account_no", "missing"), ("billed_area_m2", "area_implausible")]
    );
}

#[test]
fn every_message_is_worded_in_both_languages() {
    use ProblemKind::*;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let kinds = vec![
        Missing { what: Label::WitnessName },
        NotANumber,
        ThermometerNotChecked,
        CertificateExpired { expired_on: date },
        DoorsNotClosedLongEnough { minutes: 1, required: 30 },
        ProbeNotAtCentre,
        ProbeHeightOutOfRange { height_m: 2.0, min_m: 1.0, max_m: 1.4 },
        NoRooms,
        NoDecidingRoom,
        TemperatureOutOfRange { celsius: 70.0, min: -50.0, max: 60.0 },
        InFuture,
        AreaNotPositive,
        AreaImplausible { area_m2: 1.0, max_m2: 2.0 },
        LengthImplausible { metres: 1.0, max_m: 2.0 },
        ToleranceOutOfRange { pct: 0.0 },
        FinishedBeforeArrival,
        QuantityNotPositive,
        DamageWithoutApology,
        CompensationNegative,
        NoViolationType,
        DuplicateViolationType,
        NoPhoto,
        NotAnImage { mime_type: "x".into() },
        AttachmentSize { size_bytes: 0, max_bytes: 1 },
        LocationOutOfRange,
        CustomerSignatureMissing,
        WitnessSignatureMissing,
        SignedAndRefused,
        SignatureWithoutStrokes,
        SignatureForOtherContent,
    ];
    let mut seen = std::collections::HashSet::new();
    for kind in kinds {
        let p = Problem::new("f", kind);
        let (zh, en) = (p.message(Locale::ZhCn), p.message(Locale::En));
        let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(chinese(&zh), "{} has no Chinese: {zh}", p.code());
        assert!(!chinese(&en) && !en.is_empty(), "{} is not English: {en}", p.code());
        assert!(seen.insert(p.code()), "code {} used twice", p.code());
        assert_eq!(serde_json::to_value(&p).unwrap()["code"], p.code());
    }
}

proptest! {
    #[test]
    fn readings_are_refused_exactly_outside_minus_50_to_60(celsius in -200.0f64..200.0) {
        let p = CityProfile::default();
        let r = temperature_report(|c| c.readings[0].celsius = celsius);
        let problems = validate_report(&r, &ctx(&p));
        let possible = (TEMPERATURE_MIN_C..=TEMPERATURE_MAX_C).contains(&celsius);
        prop_assert_eq!(problems.is_empty(), possible, "{} °C: {:?}", celsius, problems);
        if !possible {
            prop_assert_eq!(codes(&problems), vec![("readings[0].celsius", "temperature_out_of_range")]);
        }
    }

    #[test]
    fn room_sides_are_refused_exactly_when_not_positive_or_too_long(
        length in -10.0f64..150.0, width in 0.1f64..20.0
    ) {
        let p = CityProfile::default();
        let mut m = demo::area_remeasurement(demo::now(), 80.0);
        m.rooms.truncate(1);
        m.rooms[0].measure = RoomMeasure::Dimensions { length_m: length, width_m: width };
        let problems = validate_report(&report_of(ReportBody::AreaRemeasurement(m)), &ctx(&p));
        let ok = length > 0.0 && length <= 100.0;
        prop_assert_eq!(problems.is_empty(), ok, "{} × {}: {:?}", length, width, problems);
    }

    #[test]
    fn a_repair_is_refused_exactly_when_it_ends_before_it_starts(minutes in -600i64..600) {
        let p = CityProfile::default();
        let mut visit = demo::repair_visit(demo::now() - Duration::hours(12));
        visit.finished_at = visit.arrived_at + Duration::minutes(minutes);
        let problems = validate_report(&report_of(ReportBody::RepairVisit(visit)), &ctx(&p));
        prop_assert_eq!(problems.is_empty(), minutes >= 0, "{:?}", problems);
    }

    #[test]
    fn validation_never_panics_on_any_numbers(
        celsius in any::<f64>(), height in any::<f64>(), area in any::<f64>(), lat in any::<f64>()
    ) {
        let p = CityProfile::default();
        let mut r = temperature_report(|c| { c.readings[0].celsius = celsius; c.conditions.probe_height_m = height; });
        r.location = Some(GeoLocation { lat, lon: 0.0, accuracy_m: 1.0 });
        let _ = validate_report(&r, &ctx(&p));
        let mut m = demo::area_remeasurement(demo::now(), area);
        m.rooms[2].measure = RoomMeasure::Area { area_m2: area };
        let _ = validate_report(&report_of(ReportBody::AreaRemeasurement(m)), &ctx(&p));
    }
}
