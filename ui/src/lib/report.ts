// A form as the technician fills it (text as typed, kept in the draft), and its conversion to
// the report JSON hearth-core reads. The rules are not here: the backend validates the
// converted report with hearth-core. The one thing decided here is whether typed text is a
// number or a date at all — the record cannot be built otherwise — and such fields get a
// local "not a number" / "required" problem instead of the backend's.
//
// The report's own types (`Report`, the four bodies, readings…) are hearth-core's, generated
// into bindings.ts: what is built here is checked against the Rust definition at compile time.

import type {
  AreaRemeasurement, AttachmentRef, CustomerFeedback, FaultCategory, Inspection, RepairVisit, Report,
  ReportBody, RoomType, Satisfaction, TemperatureCheck, UserCausedFinding, ViolationType,
} from './bindings';
import { fromLocalInput, toLocalInput } from './time';

export type ReportKind = ReportBody['kind'];

/** A photo kept on the device, as the report names it. */
export type Photo = AttachmentRef;

export interface TemperatureForm {
  serial: string;
  certificateNo: string;
  certificateExpires: string;
  checkedWorking: boolean;
  doorsClosedMinutes: string;
  atCentre: boolean;
  probeHeight: string;
  readings: { roomName: string; roomType: RoomType; celsius: string; measuredAt: string | null }[];
  outdoor: string;
  belowDesign: boolean;
  /** The outdoor reading (as typed) for which "below design weather" was suggested. */
  belowDesignSuggestedFor?: string;
  findings: UserCausedFinding[];
  findingsNote: string;
}

export interface RepairForm {
  arrivedAt: string;
  /** The arrival was filled in from the order's 已到场 (the technician may change it). */
  arrivedFromOrder?: boolean;
  faultCategory: FaultCategory;
  cause: string;
  workDone: string;
  parts: { name: string; quantity: string; unit: string }[];
  fixed: boolean;
  notFixedReason: string;
  finishedAt: string;
  damage: boolean;
  damageDescription: string;
  apologized: boolean;
  compensation: string;
}

export interface AreaForm {
  agreedAt: string;
  kept: boolean;
  note: string;
  rooms: { name: string; method: 'dimensions' | 'area'; length: string; width: string; area: string }[];
  billedArea: number;
  tolerancePct: number;
}

export interface InspectionForm {
  violations: ViolationType[];
  description: string;
  measuresTaken: string;
}

export type FormBody =
  | { kind: 'temperature_check'; form: TemperatureForm }
  | { kind: 'repair_visit'; form: RepairForm }
  | { kind: 'area_remeasurement'; form: AreaForm }
  | { kind: 'inspection'; form: InspectionForm };

/** Everything a draft keeps. `report` holds an amendment's original content until edited. */
export interface FormState {
  reportId: string;
  householdId: string;
  workOrderId: string | null;
  authorId: string;
  createdAt: string;
  amendment: { amends: string; reason: string } | null;
  photos: Photo[];
  opinion: string;
  satisfaction: Satisfaction | null;
  signerName: string;
  refused: boolean;
  refusalReason: string;
  witnessName: string;
  body: FormBody;
}

/** Problems found while reading typed text, by the report field's path. */
export type LocalProblems = Record<string, 'not_a_number' | 'required'>;

/** The report JSON hearth-core reads, and the fields whose text could not be read. */
export interface Converted {
  report: Report;
  local: LocalProblems;
}

class Reader {
  local: LocalProblems = {};

  /** A decimal number; a blank or unreadable one is noted and read as 0. */
  number(field: string, text: string): number {
    const value = Number(text.trim().replace(',', '.'));
    if (text.trim() === '' || !Number.isFinite(value)) {
      this.local[field] = 'not_a_number';
      return 0;
    }
    return value;
  }

  /** A whole number of at least 0. */
  count(field: string, text: string): number {
    const value = this.number(field, text);
    if (!Number.isInteger(value) || value < 0) {
      this.local[field] = 'not_a_number';
      return 0;
    }
    return value;
  }

  /** An optional number: blank is absent. */
  optional(field: string, text: string): number | undefined {
    return text.trim() === '' ? undefined : this.number(field, text);
  }

  /** A local date-time; blank is noted and read as `fallback`. */
  time(field: string, text: string, fallback: string): string {
    const iso = fromLocalInput(text);
    if (iso === null) {
      this.local[field] = 'required';
      return fallback;
    }
    return iso;
  }

  /** A calendar date (YYYY-MM-DD); blank is noted. */
  date(field: string, text: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      this.local[field] = 'required';
      return '1970-01-01';
    }
    return text;
  }
}

function temperatureData(f: TemperatureForm, r: Reader, createdAt: string): TemperatureCheck {
  const data: TemperatureCheck = {
    thermometer: {
      serial: f.serial,
      certificate_no: f.certificateNo,
      certificate_expires: r.date('thermometer.certificate_expires', f.certificateExpires),
      checked_working: f.checkedWorking,
    },
    conditions: {
      doors_windows_closed_minutes: r.count('conditions.doors_windows_closed_minutes', f.doorsClosedMinutes),
      probe_at_room_centre: f.atCentre,
      probe_height_m: r.number('conditions.probe_height_m', f.probeHeight),
    },
    readings: f.readings.map((x, i) => ({
      room_name: x.roomName,
      room_type: x.roomType,
      celsius: r.number(`readings[${i}].celsius`, x.celsius),
      measured_at: x.measuredAt ?? createdAt,
    })),
    below_design_weather: f.belowDesign,
    findings: f.findings,
    findings_note: f.findingsNote,
  };
  const outdoor = r.optional('outdoor_celsius', f.outdoor);
  if (outdoor !== undefined) data.outdoor_celsius = outdoor;
  return data;
}

function repairData(f: RepairForm, r: Reader, createdAt: string): RepairVisit {
  const arrived = r.time('arrived_at', f.arrivedAt, createdAt);
  const data: RepairVisit = {
    arrived_at: arrived,
    fault_category: f.faultCategory,
    cause: f.cause,
    work_done: f.workDone,
    parts: f.parts.map((p, i) => ({ name: p.name, quantity: r.number(`parts[${i}].quantity`, p.quantity), unit: p.unit })),
    outcome: f.fixed ? { status: 'fixed' } : { status: 'not_fixed', reason: f.notFixedReason },
    finished_at: r.time('finished_at', f.finishedAt, arrived),
  };
  if (f.damage) {
    const damage: NonNullable<RepairVisit['property_damage']> = { description: f.damageDescription, apologized: f.apologized };
    const compensation = r.optional('property_damage.compensation_yuan', f.compensation);
    if (compensation !== undefined) damage.compensation_yuan = compensation;
    data.property_damage = damage;
  }
  return data;
}

function areaData(f: AreaForm, r: Reader, createdAt: string): AreaRemeasurement {
  return {
    appointment: { agreed_at: r.time('appointment.agreed_at', f.agreedAt, createdAt), kept: f.kept, note: f.note },
    rooms: f.rooms.map((room, i) => ({
      name: room.name,
      measure:
        room.method === 'dimensions'
          ? {
              method: 'dimensions',
              length_m: r.number(`rooms[${i}].measure.length_m`, room.length),
              width_m: r.number(`rooms[${i}].measure.width_m`, room.width),
            }
          : { method: 'area', area_m2: r.number(`rooms[${i}].measure.area_m2`, room.area) },
    })),
    billed_area_m2: f.billedArea,
    tolerance_pct: f.tolerancePct,
  };
}

function inspectionData(f: InspectionForm): Inspection {
  return { violations: f.violations, description: f.description, measures_taken: f.measuresTaken };
}

/** Whether the form asks the customer's satisfaction: not of a household an inspection
 *  caught in a violation (hearth-core's `rules::asks_satisfaction` says the same). */
export function asksSatisfaction(body: FormBody): boolean {
  return !(body.kind === 'inspection' && body.form.violations.length > 0);
}

/** The photos of a repair taken at `stage`; every photo of the other forms for `null`. */
export function photosAt(photos: Photo[], stage: Photo['stage'] | null): Photo[] {
  return photos.filter((p) => (p.stage ?? null) === (stage ?? null));
}

/** Builds the report JSON from the form; unreadable text is listed in `local`. */
export function toReport(s: FormState): Converted {
  const r = new Reader();
  const b = s.body;
  const body: ReportBody =
    b.kind === 'temperature_check'
      ? { kind: b.kind, data: temperatureData(b.form, r, s.createdAt) }
      : b.kind === 'repair_visit'
        ? { kind: b.kind, data: repairData(b.form, r, s.createdAt) }
        : b.kind === 'area_remeasurement'
          ? { kind: b.kind, data: areaData(b.form, r, s.createdAt) }
          : { kind: b.kind, data: inspectionData(b.form) };
  const feedback: CustomerFeedback = { opinion: s.opinion };
  if (s.satisfaction && !s.refused && asksSatisfaction(s.body)) feedback.satisfaction = s.satisfaction;
  const report: Report = {
    id: s.reportId,
    household_id: s.householdId,
    author_id: s.authorId,
    created_at: s.createdAt,
    attachments: s.photos,
    feedback,
    body,
  };
  if (s.workOrderId) report.work_order_id = s.workOrderId;
  if (s.amendment) report.amendment = s.amendment;
  return { report, local: r.local };
}

/** The form of a new report of `kind`: blank where the technician must type, sensible
 *  where the city profile or the household says what is expected. */
export function blankBody(
  kind: ReportKind,
  ctx: { now: string; billedArea: number; tolerancePct: number; arrivedAt?: string | null },
): FormBody {
  switch (kind) {
    case 'temperature_check':
      return {
        kind,
        form: {
          serial: '',
          certificateNo: '',
          certificateExpires: '',
          checkedWorking: false,
          doorsClosedMinutes: '',
          atCentre: false,
          probeHeight: '',
          readings: [{ roomName: '', roomType: 'bedroom', celsius: '', measuredAt: null }],
          outdoor: '',
          belowDesign: false,
          findings: [],
          findingsNote: '',
        },
      };
    case 'repair_visit':
      return {
        kind,
        form: {
          arrivedAt: ctx.arrivedAt ? toLocalInput(ctx.arrivedAt) : '',
          arrivedFromOrder: Boolean(ctx.arrivedAt),
          faultCategory: 'no_heat',
          cause: '',
          workDone: '',
          parts: [],
          fixed: true,
          notFixedReason: '',
          finishedAt: '',
          damage: false,
          damageDescription: '',
          apologized: false,
          compensation: '',
        },
      };
    case 'area_remeasurement':
      return {
        kind,
        form: {
          agreedAt: '',
          kept: true,
          note: '',
          rooms: [{ name: '', method: 'dimensions', length: '', width: '', area: '' }],
          billedArea: ctx.billedArea,
          tolerancePct: ctx.tolerancePct,
        },
      };
    case 'inspection':
      return { kind, form: { violations: [], description: '', measuresTaken: '' } };
  }
}

/** The report a work order of `orderKind` calls for. */
export function reportKindFor(orderKind: string): ReportKind {
  switch (orderKind) {
    case 'repair':
      return 'repair_visit';
    case 'area_remeasure':
      return 'area_remeasurement';
    case 'inspection':
      return 'inspection';
    default:
      return 'temperature_check';
  }
}
