// The shapes of the console API's answers (see GET /v1/openapi.json), as the console reads them.

import type { StoredStroke } from './strokes';

export type Role = 'technician' | 'inspector' | 'dispatcher' | 'admin';

export interface User {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  station_id?: string | null;
}

export interface Station {
  id: string;
  name: string;
}

export interface CrewMember extends User {}

export interface Roster {
  stations: Station[];
  crew: CrewMember[];
}

export interface Household {
  id: string;
  account_no: string;
  address: string;
  owner_name: string;
  phone: string;
  billed_area_m2: number;
  station_id: string;
  status: string;
}

export interface WorkOrder {
  id: string;
  /** The number read over the phone (和平-1202-007); absent on orders made before numbers. */
  number?: string;
  household_id: string;
  station_id: string;
  kind: string;
  source: string;
  status: string;
  priority: string;
  description: string;
  reported_at: string;
  arrive_by?: string;
  due_by?: string;
  assignee_id?: string;
  status_note?: string;
  /** When the crew reached the household, as the server stamped it. */
  arrived_at?: string;
  /** When the order went done, as the server stamped it. */
  done_at?: string;
}

export interface BoardEntry {
  order: WorkOrder;
  overdue: boolean;
  due_soon: boolean;
  /** Later calls about the same fault, attached to this order (重复来电), oldest first. */
  repeat_calls: Call[];
}

/** A household's open orders and its calls of the last days, shown when it is picked at intake. */
export interface HouseholdActivity {
  open_orders: WorkOrder[];
  recent_calls: Call[];
  /** How many days back `recent_calls` reach. */
  call_days: number;
}

export interface Board {
  total: number;
  orders: BoardEntry[];
}

export interface Call {
  id: string;
  received_at: string;
  caller_name: string;
  phone: string;
  household_id?: string | null;
  description: string;
  outcome: string;
  work_order_id?: string | null;
  /** The number of that order (和平-1202-007), if it has one. */
  work_order_number?: string | null;
}

export interface ReportSummary {
  id: string;
  kind: string;
  station_id: string;
  author_id: string;
  household_id: string;
  work_order_id?: string | null;
  amends?: string | null;
  /** The number of the record's work order (和平-1202-007), if it has one. */
  work_order_number?: string | null;
  created_at: string;
  received_at: string;
}

/** A line of the records list: a temperature check carries its verdict. */
export interface ReportListEntry extends ReportSummary {
  verdict?: TemperatureVerdict;
}

export interface ReportList {
  total: number;
  reports: ReportListEntry[];
}

export interface BlobLink {
  sha256: string;
  role: string;
  mime_type: string;
  url: string;
  stored: boolean;
}

export interface Signature {
  signer_name: string;
  role: string;
  strokes: StoredStroke[];
  png?: { sha256: string } | null;
  signed_at: string;
  content_hash: string;
}

// The four report bodies, as hearth-core's model/ writes them (temperature.rs, repair.rs,
// area.rs, inspection.rs).

export interface RoomReading {
  room_name: string;
  room_type: string;
  celsius: number;
  measured_at: string;
}

export interface TemperatureCheck {
  thermometer: { serial: string; certificate_no: string; certificate_expires: string; checked_working: boolean };
  conditions: { doors_windows_closed_minutes: number; probe_at_room_centre: boolean; probe_height_m: number };
  readings: RoomReading[];
  outdoor_celsius?: number;
  below_design_weather?: boolean;
  findings?: string[];
  findings_note?: string;
}

export interface RepairVisit {
  arrived_at: string;
  fault_category: string;
  cause: string;
  work_done: string;
  parts?: { name: string; quantity: number; unit: string }[];
  outcome: { status: 'fixed' } | { status: 'not_fixed'; reason: string };
  finished_at: string;
  property_damage?: { description: string; apologized: boolean; compensation_yuan?: number };
}

export type RoomMeasure = { method: 'dimensions'; length_m: number; width_m: number } | { method: 'area'; area_m2: number };

export interface AreaRemeasurement {
  appointment: { agreed_at: string; kept: boolean; note?: string };
  rooms: { name: string; measure: RoomMeasure }[];
  billed_area_m2: number;
  tolerance_pct: number;
}

export interface Inspection {
  violations: string[];
  description: string;
  measures_taken: string;
}

export type ReportBody =
  | { kind: 'temperature_check'; data: TemperatureCheck }
  | { kind: 'repair_visit'; data: RepairVisit }
  | { kind: 'area_remeasurement'; data: AreaRemeasurement }
  | { kind: 'inspection'; data: Inspection };

/** hearth-core's `rules::compliance::Compliance`, judged by the server, and the standard. */
export interface TemperatureVerdict {
  verdict: 'compliant' | 'non_compliant' | 'excused' | 'undecided';
  lowest_c?: number;
  shortfall_c?: number;
  /** `below_design_weather`, or `{ user_caused: <finding> }`. */
  excuses?: (string | { user_caused: string })[];
  indoor_standard_c: number;
}

/** hearth-core's `rules::area::AreaFinding`. */
export interface AreaFinding {
  total_m2: number;
  billed_m2: number;
  deviation_m2: number;
  deviation_pct: number | null;
  within_tolerance: boolean;
}

export interface SignedRecord {
  report: {
    id: string;
    household_id: string;
    work_order_id?: string;
    author_id: string;
    created_at: string;
    location?: { lat: number; lon: number; accuracy_m: number };
    feedback?: { opinion?: string; satisfaction?: string };
    amendment?: { amends: string; reason: string };
    body: ReportBody;
  };
  signatures: Signature[];
  refusal?: { reason: string; witness_name: string };
  content_hash: string;
  record_hash: string;
}

export interface ReportDetail {
  summary: ReportSummary;
  record: SignedRecord;
  record_hash: string;
  device_id: string;
  tamper_check: { matches: boolean; message: string };
  blobs: BlobLink[];
  amended_by: string[];
  household?: Household | null;
  /** A temperature check's verdict under the thresholds in force. */
  verdict?: TemperatureVerdict;
  /** An area re-measurement's total and deviation. */
  area?: AreaFinding;
  /** The company's name, at the top of the printed report. */
  company_name: string;
}

export interface ConflictEntry {
  id: number;
  entity: string;
  entity_id: string;
  field: string;
  losing_value: unknown;
  winning_value: unknown;
  device_id: string;
  at: string;
  /** The work order's number (和平-1202-007), when the entity is a numbered order. */
  entity_number?: string | null;
}

export interface KpiCounts {
  repairs_with_deadline: number;
  repairs_arrived_on_time: number;
  repairs_fixed_in_time: number;
  orders: number;
  orders_closed: number;
  checks_compliant: number;
  checks_non_compliant: number;
  checks_excused: number;
  checks_undecided: number;
  area_remeasurements: number;
  area_outside_tolerance: number;
  satisfied: number;
  fairly_satisfied: number;
  dissatisfied: number;
  violations: Record<string, number>;
  refund_tiers: Record<string, { checks: number }>;
}

export interface Rates {
  repair_on_time: number | null;
  fixed_within_deadline: number | null;
  closure: number | null;
  temperature_compliance: number | null;
  satisfaction: number | null;
}

export interface Kpi {
  counts: KpiCounts;
  rates: Rates;
  refund_exposure: { checks: number; refund_weighted_area_m2: number; failing_days: number; yuan: number };
}

/** What the refund in 元 is computed from: the city profile's price and season. */
export interface RefundBasis {
  price_yuan_per_m2: number;
  season_days: number;
}

export interface KpiReport {
  from: string;
  to: string;
  overall: Kpi;
  refund_basis: RefundBasis;
  stations: { station_id: string; station_name: string; kpi: Kpi }[];
  crews: { user_id: string; display_name: string; kpi: Kpi }[];
}

export interface WaitingHousehold {
  household_id: string;
  station_id: string;
  report_id: string;
  checked_received_at: string;
  lowest_c: number;
  stage: string;
}

export interface LogEntry {
  id: number;
  at: string;
  author_id: string;
  /** The display name of the dispatcher who wrote it. */
  author_name: string;
  text: string;
}

export interface UserRow extends User {
  disabled_at?: string | null;
}

export interface DeviceRow {
  id: string;
  name: string;
  username: string;
  created_at: string;
  revoked_at?: string | null;
  /** The device's last contact with the server (a login counts); null if never recorded. */
  last_used_at?: string | null;
}

/** An office action the audit trail keeps (storage/console.rs `AuditAction`). */
export type AuditAction =
  | 'user_added'
  | 'user_disabled'
  | 'device_revoked'
  | 'thresholds_changed'
  | 'order_created'
  | 'order_from_call'
  | 'follow_up_created'
  | 'order_assigned'
  | 'order_reassigned'
  | 'order_cancelled';

export const AUDIT_ACTIONS: AuditAction[] = [
  'user_added', 'user_disabled', 'device_revoked', 'thresholds_changed', 'order_created', 'order_from_call',
  'follow_up_created', 'order_assigned', 'order_reassigned', 'order_cancelled',
];

/** A crew member as an audit entry names them. */
export interface AuditPerson {
  id: string;
  name: string | null;
}

/** One kept office action: who, when, from which device, what changed (`detail`). */
export interface AuditEntry {
  id: number;
  at: string;
  actor_id: string;
  actor_username: string;
  actor_name: string;
  device_id: string;
  action: AuditAction;
  subject_id: string | null;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  total: number;
  entries: AuditEntry[];
}
