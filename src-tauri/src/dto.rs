//! The shapes that cross IPC, with the TypeScript types generated from them. They are views
//! of hearth-core's records, converted field by field; times are RFC 3339 text, ids are
//! UUID text, counts fit in 32 bits (TypeScript numbers). A report's own content travels as
//! the JSON hearth-core reads and writes, so it has exactly one definition: the Rust one.

use hearth_core::Locale;
use hearth_core::model::{AttachmentRef, Household, SignedReport, User, WorkOrder};
use hearth_core::rules::Problem;
use hearth_core::rules::area::AreaFinding;
use hearth_core::rules::compliance::{Compliance, Excuse};
use hearth_core::rules::status;
use hearth_core::rules::verdict::Verdict;
use hearth_core::store::Draft;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::commands::settings::MapApp;

/// The logged-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// technician, inspector, dispatcher or admin.
    pub role: String,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
        }
    }
}

/// The thresholds of the city profile a form shows.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ProfileDto {
    pub indoor_standard_c: f64,
    pub min_doors_closed_minutes: u32,
    pub probe_height_min_m: f64,
    pub probe_height_max_m: f64,
    pub area_tolerance_pct: f64,
}

/// What the UI needs at start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AppInfo {
    pub server_url: String,
    /// "zh-CN" or "en".
    pub locale: String,
    /// Present when someone logged in on this device: the app then opens offline.
    pub user: Option<UserDto>,
    pub device_id: String,
    pub profile: ProfileDto,
    /// The map app an address opens in (设置).
    pub map_app: MapApp,
    /// Whether a company CA is saved (设置: 公司根证书).
    pub has_company_ca: bool,
}

/// A household, as the search and the work orders show it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct HouseholdDto {
    pub id: String,
    pub account_no: String,
    pub address: String,
    pub owner_name: String,
    pub phone: String,
    pub billed_area_m2: f64,
    /// connected or suspended.
    pub status: String,
}

impl From<&Household> for HouseholdDto {
    fn from(h: &Household) -> Self {
        HouseholdDto {
            id: h.id.to_string(),
            account_no: h.account_no.clone(),
            address: h.address.clone(),
            owner_name: h.owner_name.clone(),
            phone: h.phone.clone(),
            billed_area_m2: h.billed_area_m2,
            status: h.status.as_str().to_owned(),
        }
    }
}

/// A work order with its household, for the list and the detail screen.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct WorkOrderDto {
    pub id: String,
    /// The number read over the phone (和平-1202-007); None for orders made before numbers.
    pub number: Option<String>,
    /// temperature_check, repair, area_remeasure, inspection, follow_up.
    pub kind: String,
    /// hotline, complaint, planned, follow_up.
    pub source: String,
    pub status: String,
    pub priority: String,
    /// The reason: what the caller reported or the office wants done.
    pub description: String,
    pub reported_at: String,
    /// 到场时限: the crew must be on site by then (§74).
    pub arrive_by: Option<String>,
    /// 完成时限: the job must be done by then (8 hours for an ordinary fault, §74).
    pub due_by: Option<String>,
    /// Not on site yet, and the arrival deadline has passed.
    pub arrival_overdue: bool,
    /// Still open, and the completion deadline has passed.
    pub overdue: bool,
    /// When the crew arrived: the server's stamp, or until it comes, this device's 已到场 tap.
    pub arrived_at: Option<String>,
    /// Assigned to the logged-in user (else the station's pool, for whoever takes it).
    pub assigned_to_me: bool,
    /// When a finished order (done, could not complete, closed) was finished; None while open.
    pub finished_at: Option<String>,
    pub status_note: Option<String>,
    pub household: Option<HouseholdDto>,
    /// The statuses a technician may move the order to now (hearth-core's forward-only rule).
    pub next_statuses: Vec<String>,
    /// The signed records made for this order on this device, oldest first.
    pub reports: Vec<OrderReportDto>,
}

/// A signed record of an order, as its detail links it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct OrderReportDto {
    pub id: String,
    /// temperature_check, repair_visit, area_remeasurement, inspection.
    pub kind: String,
    pub created_at: String,
    /// The report this one corrects.
    pub amends: Option<String>,
}

impl From<&SignedReport> for OrderReportDto {
    fn from(signed: &SignedReport) -> Self {
        let r = signed.report();
        OrderReportDto {
            id: r.id.to_string(),
            kind: r.body.kind().as_str().to_owned(),
            created_at: r.created_at.to_rfc3339(),
            amends: r.amendment.as_ref().map(|a| a.amends.to_string()),
        }
    }
}

/// Where an order stands against its deadlines at some instant (§74).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderFacts {
    pub arrival_overdue: bool,
    pub overdue: bool,
    pub assigned_to_me: bool,
}

impl WorkOrderDto {
    pub fn new(
        order: &WorkOrder,
        household: Option<&Household>,
        facts: OrderFacts,
        reports: &[SignedReport],
    ) -> Self {
        WorkOrderDto {
            id: order.id.to_string(),
            number: order.number.clone(),
            kind: order.kind.as_str().to_owned(),
            source: order.source.as_str().to_owned(),
            status: order.status.as_str().to_owned(),
            priority: order.priority.as_str().to_owned(),
            description: order.description.clone(),
            reported_at: order.reported_at.to_rfc3339(),
            arrive_by: order.arrive_by.map(|t| t.to_rfc3339()),
            due_by: order.due_by.map(|t| t.to_rfc3339()),
            arrival_overdue: facts.arrival_overdue,
            overdue: facts.overdue,
            arrived_at: order.arrived_at.map(|t| t.to_rfc3339()),
            assigned_to_me: facts.assigned_to_me,
            finished_at: None,
            status_note: order.status_note.clone(),
            household: household.map(HouseholdDto::from),
            // The crew's moves only (hearth-core's rule): closing and cancelling are the office's.
            next_statuses: status::crew_moves(order.status).map(|to| to.as_str().to_owned()).collect(),
            reports: reports.iter().map(OrderReportDto::from).collect(),
        }
    }
}

/// A form in progress; `data` is the form's state as the UI keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct DraftDto {
    pub id: String,
    /// temperature_check, repair_visit, area_remeasurement, inspection.
    pub kind: String,
    pub household_id: String,
    pub work_order_id: Option<String>,
    pub data: serde_json::Value,
    pub updated_at: String,
}

impl From<&Draft> for DraftDto {
    fn from(d: &Draft) -> Self {
        DraftDto {
            id: d.id.to_string(),
            kind: d.kind.as_str().to_owned(),
            household_id: d.household_id.to_string(),
            work_order_id: d.work_order_id.map(|id| id.to_string()),
            data: d.data.clone(),
            updated_at: d.updated_at.to_rfc3339(),
        }
    }
}

/// One problem with one field, worded in the UI's language.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ProblemDto {
    /// The field's path in the report's JSON (body fields without `body.data.`).
    pub field: String,
    pub code: String,
    pub message: String,
}

impl ProblemDto {
    pub fn new(p: &Problem, locale: Locale) -> Self {
        ProblemDto { field: p.field.clone(), code: p.code().to_owned(), message: p.message(locale) }
    }
}

/// The live result of an area re-measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AreaFindingDto {
    pub total_m2: f64,
    pub billed_m2: f64,
    pub deviation_m2: f64,
    /// Null when the billed area is zero.
    pub deviation_pct: Option<f64>,
    pub tolerance_pct: f64,
    pub within_tolerance: bool,
}

impl AreaFindingDto {
    pub fn new(f: &AreaFinding, tolerance_pct: f64) -> Self {
        AreaFindingDto {
            total_m2: f.total_m2,
            billed_m2: f.billed_m2,
            deviation_m2: f.deviation_m2,
            deviation_pct: f.deviation_pct.is_finite().then_some(f.deviation_pct),
            tolerance_pct,
            within_tolerance: f.within_tolerance,
        }
    }
}

/// A temperature check's verdict (hearth-core's `rules::verdict`), live on the form and on
/// the signed record; the UI words it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct VerdictDto {
    /// compliant, non_compliant, excused or undecided.
    pub verdict: String,
    /// The lowest bedroom or living-room reading, °C.
    pub lowest_c: Option<f64>,
    /// How far it is below the standard, °C.
    pub shortfall_c: Option<f64>,
    /// Why a shortfall is excused: below_design_weather, or what the user did
    /// (radiators_covered, installation_altered, system_water_drawn_off).
    pub excuses: Vec<String>,
    /// The room whose reading decided.
    pub deciding_room: Option<String>,
    pub indoor_standard_c: f64,
    pub design_outdoor_c: f64,
    /// The outdoor reading is below the design temperature: the form offers the waiver ticked.
    pub suggest_below_design: bool,
}

impl From<&Verdict> for VerdictDto {
    fn from(v: &Verdict) -> Self {
        let (verdict, lowest_c, shortfall_c, excuses) = match &v.compliance {
            Compliance::Compliant { lowest_c } => ("compliant", Some(*lowest_c), None, Vec::new()),
            Compliance::NonCompliant { lowest_c, shortfall_c } => {
                ("non_compliant", Some(*lowest_c), Some(*shortfall_c), Vec::new())
            }
            Compliance::Excused { lowest_c, shortfall_c, excuses } => (
                "excused",
                Some(*lowest_c),
                Some(*shortfall_c),
                excuses
                    .iter()
                    .map(|e| match e {
                        Excuse::BelowDesignWeather => "below_design_weather".to_owned(),
                        Excuse::UserCaused(finding) => finding.as_str().to_owned(),
                    })
                    .collect(),
            ),
            Compliance::Undecided => ("undecided", None, None, Vec::new()),
        };
        VerdictDto {
            verdict: verdict.to_owned(),
            lowest_c,
            shortfall_c,
            excuses,
            deciding_room: v.deciding_room.clone(),
            indoor_standard_c: v.indoor_standard_c,
            design_outdoor_c: v.design_outdoor_c,
            suggest_below_design: v.suggest_below_design,
        }
    }
}

/// A photo or signature image kept on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AttachmentDto {
    pub sha256: String,
    pub mime_type: String,
    pub size_bytes: u32,
}

impl From<&AttachmentRef> for AttachmentDto {
    fn from(a: &AttachmentRef) -> Self {
        AttachmentDto {
            sha256: a.sha256.to_string(),
            mime_type: a.mime_type.clone(),
            size_bytes: u32::try_from(a.size_bytes).unwrap_or(u32::MAX),
        }
    }
}

/// A signature as drawn: its strokes as `[x, y, t_ms]` points (x, y in tenths of a canvas
/// CSS pixel) and the rendered PNG.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
pub struct SignatureInput {
    pub signer_name: String,
    /// customer, witness or technician.
    pub role: String,
    pub strokes: Vec<Vec<[i32; 3]>>,
    pub png: Vec<u8>,
}

/// A customer who would not sign, and the witness.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
pub struct RefusalInput {
    pub reason: String,
    pub witness_name: String,
}

/// A signature as the read-only view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SignatureView {
    pub signer_name: String,
    pub role: String,
    pub signed_at: String,
    /// The signature image as a `data:` URL, when the device has it.
    pub image: Option<String>,
}

/// A signed record, read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SignedReportDto {
    pub id: String,
    pub kind: String,
    pub household_id: String,
    pub work_order_id: Option<String>,
    pub created_at: String,
    pub content_hash: String,
    pub record_hash: String,
    /// The report's content as hearth-core serializes it.
    pub report: serde_json::Value,
    pub signatures: Vec<SignatureView>,
    pub refusal_reason: Option<String>,
    pub refusal_witness: Option<String>,
    /// The report this one corrects.
    pub amends: Option<String>,
}

impl SignedReportDto {
    pub fn new(signed: &SignedReport, image: impl Fn(&AttachmentRef) -> Option<String>) -> Self {
        let r = signed.report();
        SignedReportDto {
            id: r.id.to_string(),
            kind: r.body.kind().as_str().to_owned(),
            household_id: r.household_id.to_string(),
            work_order_id: r.work_order_id.map(|id| id.to_string()),
            created_at: r.created_at.to_rfc3339(),
            content_hash: signed.content_hash().to_string(),
            record_hash: signed.record_hash().to_string(),
            report: serde_json::to_value(r).unwrap_or_default(),
            signatures: signed
                .signatures()
                .iter()
                .map(|s| SignatureView {
                    signer_name: s.signer_name.clone(),
                    role: s.role.as_str().to_owned(),
                    signed_at: s.signed_at.to_rfc3339(),
                    image: s.png.as_ref().and_then(&image),
                })
                .collect(),
            refusal_reason: signed.refusal().map(|r| r.reason.clone()),
            refusal_witness: signed.refusal().map(|r| r.witness_name.clone()),
            amends: r.amendment.as_ref().map(|a| a.amends.to_string()),
        }
    }
}

/// What the status bar shows; sent as an event whenever it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SyncStatusEvent {
    /// The server answered the last probe.
    pub online: bool,
    pub syncing: bool,
    /// Records waiting to reach the office.
    pub pending: u32,
    /// Records the office refused.
    pub rejected: u32,
    pub last_success_at: Option<String>,
    /// The code of the last sync error (the UI words it), if the last sync failed.
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    /// The device has finished its first download of orders and households: until then
    /// an empty list means "not here yet", not "no work".
    pub first_pull_done: bool,
    /// How far the running pull has come, while one runs.
    pub download: Option<DownloadProgress>,
}

/// A running pull: changes applied so far out of all it will apply.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Type)]
pub struct DownloadProgress {
    pub done: u32,
    /// None until the server has counted (or from a server that does not count).
    pub total: Option<u32>,
}

/// Work orders a sync brought that are news to the technician; sent after the sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct NewOrdersEvent {
    /// The device's first download: one summary of `count` orders, not a notice each.
    pub first_pull: bool,
    /// How many orders are news (all of them, even when `orders` holds fewer).
    pub count: u32,
    /// The orders to announce one by one, in the order they arrived (empty after a first
    /// download).
    pub orders: Vec<NewOrderNotice>,
}

/// One order to announce: what it is and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NewOrderNotice {
    pub id: String,
    pub number: Option<String>,
    /// temperature_check, repair, area_remeasure, inspection, follow_up.
    pub kind: String,
    /// emergency, urgent, normal or low.
    pub priority: String,
    /// The household's address, when the device holds the household.
    pub address: Option<String>,
    /// Assigned to the technician (else new in the station's pool).
    pub assigned_to_me: bool,
}
