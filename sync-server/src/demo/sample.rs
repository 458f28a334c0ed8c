//! Sample records for the benchmarks' cities (`hearth-server sample`), drawn the same on every
//! backend: a seed makes the same records on SQLite and on PostgreSQL. A backend loads the
//! city (each household and crew member with their station), asks for the draws here, and
//! writes them its own way.

use chrono::{DateTime, Duration, Utc};
use hearth_core::model::{
    Priority, ViolationType, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus,
};
use uuid::Uuid;

/// A household or a crew member, with their station.
pub type OfStation = (Uuid, Uuid);

/// What one sample report found, beyond who, where and when: a fifth of them temperature
/// checks (about 1 in 20 excused), repair visits, area re-measurements and inspections.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDraw {
    pub kind: &'static str,
    pub lowest_c: Option<f64>,
    pub outdoor_c: Option<f64>,
    pub excused: bool,
    pub billed_area_m2: Option<f64>,
    pub arrived_on_time: Option<bool>,
    pub fixed_in_time: Option<bool>,
    pub area_within_tolerance: Option<bool>,
    /// An inspection's violation.
    pub violation: Option<ViolationType>,
}

impl ReportDraw {
    /// The next report's findings from `rng`.
    pub fn draw(rng: &mut fastrand::Rng) -> ReportDraw {
        let mut draw = ReportDraw {
            kind: "inspection",
            lowest_c: None,
            outdoor_c: None,
            excused: false,
            billed_area_m2: None,
            arrived_on_time: None,
            fixed_in_time: None,
            area_within_tolerance: None,
            violation: None,
        };
        match rng.u8(0..20) {
            0..8 => {
                draw.kind = "temperature_check";
                draw.lowest_c = Some(f64::from(rng.u16(140..215)) / 10.0);
                draw.outdoor_c = Some(f64::from(rng.i16(-120..60)) / 10.0);
                draw.excused = rng.u8(0..20) == 0;
                draw.billed_area_m2 = Some(f64::from(rng.u32(4000..16000)) / 100.0);
            }
            8..14 => {
                draw.kind = "repair_visit";
                draw.arrived_on_time = Some(rng.u8(0..100) != 0);
                draw.fixed_in_time = Some(rng.u8(0..20) != 0);
            }
            14..17 => {
                draw.kind = "area_remeasurement";
                draw.area_within_tolerance = Some(rng.u8(0..10) != 0);
            }
            _ => draw.violation = Some(ViolationType::ALL[rng.usize(..ViolationType::ALL.len())]),
        }
        draw
    }
}

/// `count` open sample work orders of `homes`, reported in the 12 hours before `now` and due 8
/// hours later; those past "new" assigned to a crew member of the household's station.
pub fn work_orders(
    homes: &[OfStation],
    crews: &[OfStation],
    count: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> Vec<WorkOrder> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let statuses =
        [WorkOrderStatus::New, WorkOrderStatus::Assigned, WorkOrderStatus::EnRoute, WorkOrderStatus::OnSite];
    (0..count)
        .map(|i| {
            let (home, station) = homes[rng.usize(..homes.len())];
            let reported_at = now - Duration::minutes(rng.i64(0..720));
            let status = statuses[rng.usize(..statuses.len())];
            let assignee_id = (status != WorkOrderStatus::New)
                .then(|| crews.iter().find(|c| c.1 == station).map(|c| c.0))
                .flatten();
            WorkOrder {
                id: Uuid::from_u64_pair(seed, i as u64),
                household_id: home,
                station_id: station,
                kind: WorkOrderKind::ALL[rng.usize(..WorkOrderKind::ALL.len())],
                source: WorkOrderSource::Hotline,
                status,
                priority: Priority::Normal,
                description: "卧室暖气不热".to_owned(),
                reported_at,
                appointment: None,
                arrive_by: Some(reported_at + Duration::hours(2)),
                due_by: Some(reported_at + Duration::hours(8)),
                assignee_id,
                status_note: None,
                follows_up: None,
                arrived_at: None,
                done_at: None,
                number: None,
            }
        })
        .collect()
}
