//! A demo city: Tianjin's stations and households with realistic Chinese names and
//! addresses (each station serving its own districts: see [`CityMap`]), and well-formed reports,
//! for `make run`, benchmarks and tests. Generated from a seed, so the same seed always gives
//! the same city.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use crate::model::*;
use crate::rules::{CityProfile, ValidationContext, signing};

mod map;
#[cfg(test)]
mod tests;

pub use map::{Address, CityMap};

/// A fixed instant (2026-11-27 10:00 in Beijing time), so tests and demos repeat exactly.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).single().unwrap_or_default()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何",
    "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英",
    "华", "平", "刚", "桂英", "建国", "建华", "玉兰", "志强", "海燕", "淑珍", "国庆", "四", "红梅", "文",
    "斌", "宇", "浩", "欣怡", "子涵", "晨", "凤兰", "德明", "秀兰",
];
const STATION_NAMES: &[&str] = &["和平供热站", "河西供热站", "南开供热站", "河东供热站"];

/// The demo city's stations.
pub fn stations() -> Vec<Station> {
    STATION_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| Station { id: Uuid::from_u128(0x5747_0000 + i as u128), name: (*name).to_owned() })
        .collect()
}

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

/// A Chinese full name: about a third of them have two characters (李四), the rest three.
pub fn person_name(rng: &mut fastrand::Rng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

/// Household number `n` of the demo city, deterministic in `rng`'s state: it belongs to
/// station `n % stations`, and lives in a flat of that station's districts that no other
/// household of the station has (while the station has flats to spare: see
/// [`CityMap::flats`]). `offsets` (one per station, from the seed) say where each station's
/// households start on its map.
fn household(rng: &mut fastrand::Rng, stations: &[Station], offsets: &[u32], n: usize) -> Household {
    let s = n % stations.len();
    let (address, area_m2) = CityMap::tianjin().flat(s, (n / stations.len()) as u64, offsets[s]);
    Household {
        id: Uuid::from_u128(0x4848_0000_0000 + n as u128),
        account_no: format!("{:02}{:08}", s + 10, n),
        address: address.to_string(),
        owner_name: person_name(rng),
        phone: format!("1{}{:09}", rng.u8(3..10), rng.u32(0..1_000_000_000)),
        billed_area_m2: f64::from(rng.u32(area_m2.start * 100..area_m2.end * 100)) / 100.0,
        station_id: stations[s].id,
        status: if rng.u8(0..50) == 0 { HouseholdStatus::Suspended } else { HouseholdStatus::Connected },
    }
}

/// `count` households of the demo city generated from `seed`: the same seed gives the same
/// households, names, phones and flats.
pub fn households(seed: u64, count: usize) -> impl Iterator<Item = Household> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let stations = stations();
    let map = CityMap::tianjin();
    let offsets: Vec<u32> = (0..stations.len()).map(|s| rng.u32(..map.flats(s).max(1))).collect();
    (0..count).map(move |n| household(&mut rng, &stations, &offsets, n))
}

/// An open repair order reported at `at`.
pub fn work_order(at: DateTime<Utc>) -> WorkOrder {
    let deadlines = crate::rules::deadlines::repair_deadlines(at, None, &CityProfile::default());
    WorkOrder {
        id: crate::new_id(),
        household_id: Uuid::from_u128(0x4848_0000_0000),
        station_id: stations()[0].id,
        kind: WorkOrderKind::Repair,
        source: WorkOrderSource::Hotline,
        status: WorkOrderStatus::Assigned,
        priority: Priority::Normal,
        description: "卧室暖气不热".to_owned(),
        reported_at: at,
        appointment: None,
        arrive_by: Some(deadlines.arrive_by),
        due_by: Some(deadlines.fix_by),
        assignee_id: None,
        status_note: None,
        follows_up: None,
        arrived_at: None,
        done_at: None,
        number: None,
    }
}

/// A temperature check that meets every rule, measured at `at`.
pub fn temperature_check(at: DateTime<Utc>) -> TemperatureCheck {
    let reading = |room_name: &str, room_type, celsius| RoomReading {
        room_name: room_name.to_owned(),
        room_type,
        celsius,
        measured_at: at,
    };
    TemperatureCheck {
        thermometer: Thermometer {
            serial: "TM-2024-0173".to_owned(),
            certificate_no: "JD-2026-05512".to_owned(),
            certificate_expires: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap_or_default(),
            checked_working: true,
        },
        conditions: MeasuringConditions {
            doors_windows_closed_minutes: 30,
            probe_at_room_centre: true,
            probe_height_m: 1.2,
        },
        readings: vec![
            reading("主卧", RoomType::Bedroom, 19.2),
            reading("次卧", RoomType::Bedroom, 18.6),
            reading("客厅", RoomType::LivingRoom, 19.8),
            reading("厨房", RoomType::Other, 16.1),
        ],
        outdoor_celsius: Some(-3.5),
        below_design_weather: false,
        findings: Vec::new(),
        findings_note: String::new(),
    }
}

/// A repair visit that meets every rule and finished just before `at`, when it is signed.
pub fn repair_visit(at: DateTime<Utc>) -> RepairVisit {
    RepairVisit {
        arrived_at: at - Duration::minutes(50),
        fault_category: FaultCategory::AirLock,
        cause: "散热器气堵".to_owned(),
        work_done: "排气，检查阀门".to_owned(),
        parts: vec![PartUsed { name: "排气阀".to_owned(), quantity: 1.0, unit: "个".to_owned() }],
        outcome: RepairOutcome::Fixed,
        finished_at: at - Duration::minutes(10),
        property_damage: None,
    }
}

/// An area re-measurement of a 3-room flat billed at `billed_m2`.
pub fn area_remeasurement(at: DateTime<Utc>, billed_m2: f64) -> AreaRemeasurement {
    let room = |name: &str, measure| MeasuredRoom { name: name.to_owned(), measure };
    AreaRemeasurement {
        appointment: AppointmentRecord { agreed_at: at, kept: true, note: String::new() },
        rooms: vec![
            room("主卧", RoomMeasure::Dimensions { length_m: 4.2, width_m: 3.6 }),
            room("客厅", RoomMeasure::Dimensions { length_m: 5.5, width_m: 4.0 }),
            room("其他", RoomMeasure::Area { area_m2: 30.0 }),
        ],
        billed_area_m2: billed_m2,
        tolerance_pct: CityProfile::default().area_tolerance_pct,
    }
}

/// An inspection of an unauthorised connection.
pub fn inspection() -> Inspection {
    Inspection {
        violations: vec![ViolationType::UnauthorizedConnection],
        description: "用户在楼道私接供热管道至储藏室".to_owned(),
        measures_taken: "当场告知用户，拍照取证，下达整改通知".to_owned(),
    }
}

/// A photo reference as the camera would make it.
pub fn photo(bytes: &[u8]) -> AttachmentRef {
    AttachmentRef {
        sha256: Sha256::of(bytes),
        mime_type: "image/jpeg".to_owned(),
        size_bytes: bytes.len() as u64,
        stage: None,
    }
}

/// A report of `body` for `household_id`, made at `at`, with the customer's satisfaction.
pub fn report(body: ReportBody, household_id: Uuid, author_id: Uuid, at: DateTime<Utc>) -> Report {
    Report {
        id: crate::new_id(),
        household_id,
        work_order_id: None,
        author_id,
        created_at: at,
        location: Some(GeoLocation { lat: 39.1256, lon: 117.1909, accuracy_m: 8.0 }),
        attachments: Vec::new(),
        feedback: CustomerFeedback {
            opinion: "服务很好".to_owned(),
            satisfaction: Some(Satisfaction::Satisfied),
        },
        amendment: None,
        body,
    }
}

/// A signature drawn by `signer_name` over the report with `content_hash`: six strokes of
/// twenty points, about what signature_pad records for a name written in two seconds. Each
/// report's hand differs a little (a wobble seeded by its hash), as real ones do, so a batch
/// of them compresses as real signatures would, not as copies of one.
pub fn signature(signer_name: &str, role: SignerRole, content_hash: &Sha256, at: DateTime<Utc>) -> Signature {
    let seed = content_hash.as_str().bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut hand = fastrand::Rng::with_seed(seed);
    let stroke = |s: u32| {
        let points: Vec<_> = (0u32..20)
            .map(|i| {
                StrokePoint::from_canvas(
                    f64::from(40 * s + 2 * i) + 0.25 * f64::from(i % 4) + hand.f64() * 3.0,
                    60.0 + f64::from((i * 7 + s * 3) % 40) - 0.5 * f64::from(i % 3) + hand.f64() * 3.0,
                    f64::from(16 * i + hand.u32(0..8)),
                )
            })
            .collect();
        Stroke::new(&points)
    };
    Signature {
        signer_name: signer_name.to_owned(),
        role,
        strokes: (0..6).map(stroke).collect(),
        png: None,
        signed_at: at,
        content_hash: content_hash.clone(),
    }
}

/// Signs `report` with the customer's signature under the default city profile.
pub fn sign(report: Report, customer: &str, at: DateTime<Utc>) -> crate::Result<SignedReport> {
    let hash = signing::content_hash(&report);
    let signatures = vec![signature(customer, SignerRole::Customer, &hash, at)];
    let profile = CityProfile::default();
    signing::seal(report, signatures, None, &ValidationContext { profile: &profile, now: at })
}

/// A signed temperature check of `household`, made at `at`.
pub fn signed_temperature_check(
    household: &Household,
    author_id: Uuid,
    at: DateTime<Utc>,
) -> crate::Result<SignedReport> {
    let r = report(ReportBody::TemperatureCheck(temperature_check(at)), household.id, author_id, at);
    sign(r, &household.owner_name, at)
}
