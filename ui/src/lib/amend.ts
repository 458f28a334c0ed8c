// A correction starts from the signed record's content: the report JSON (as hearth-core's
// `signing::amend` made it, with a new id and the amendment) back into a form to edit.
import type { AppInfo, SignedReportDto } from './bindings';
import type { FormBody, FormState, Photo } from './report';
import { toLocalInput } from './time';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const num = (v: unknown) => (typeof v === 'number' ? String(v) : '');
const local = (v: unknown) => (typeof v === 'string' ? toLocalInput(v) : '');

function body(kind: string, d: Json): FormBody {
  switch (kind) {
    case 'repair_visit':
      return {
        kind,
        form: {
          arrivedAt: local(d.arrived_at),
          faultCategory: d.fault_category,
          cause: d.cause ?? '',
          workDone: d.work_done ?? '',
          parts: (d.parts ?? []).map((p: Json) => ({ name: p.name, quantity: num(p.quantity), unit: p.unit })),
          fixed: d.outcome?.status === 'fixed',
          notFixedReason: d.outcome?.reason ?? '',
          finishedAt: local(d.finished_at),
          damage: Boolean(d.property_damage),
          damageDescription: d.property_damage?.description ?? '',
          apologized: Boolean(d.property_damage?.apologized),
          compensation: num(d.property_damage?.compensation_yuan),
        },
      };
    case 'area_remeasurement':
      return {
        kind,
        form: {
          agreedAt: local(d.appointment?.agreed_at),
          kept: Boolean(d.appointment?.kept),
          note: d.appointment?.note ?? '',
          rooms: (d.rooms ?? []).map((r: Json) => ({
            name: r.name,
            method: r.measure?.method === 'area' ? 'area' : 'dimensions',
            length: num(r.measure?.length_m),
            width: num(r.measure?.width_m),
            area: num(r.measure?.area_m2),
          })),
          billedArea: d.billed_area_m2,
          tolerancePct: d.tolerance_pct,
        },
      };
    case 'inspection':
      return { kind, form: { violations: d.violations ?? [], description: d.description ?? '', measuresTaken: d.measures_taken ?? '' } };
    default:
      return {
        kind: 'temperature_check',
        form: {
          serial: d.thermometer?.serial ?? '',
          certificateNo: d.thermometer?.certificate_no ?? '',
          certificateExpires: d.thermometer?.certificate_expires ?? '',
          checkedWorking: Boolean(d.thermometer?.checked_working),
          doorsClosedMinutes: num(d.conditions?.doors_windows_closed_minutes),
          atCentre: Boolean(d.conditions?.probe_at_room_centre),
          probeHeight: num(d.conditions?.probe_height_m),
          readings: (d.readings ?? []).map((r: Json) => ({
            roomName: r.room_name,
            roomType: r.room_type,
            celsius: num(r.celsius),
            measuredAt: r.measured_at ?? null,
          })),
          outdoor: num(d.outdoor_celsius),
          belowDesign: Boolean(d.below_design_weather),
          findings: d.findings ?? [],
          findingsNote: d.findings_note ?? '',
        },
      };
  }
}

/** The form of an amendment draft, from the amended report's JSON. */
export function fromReport(report: Json, info: AppInfo, original: SignedReportDto): FormState {
  const customer = original.signatures.find((s) => s.role === 'customer');
  return {
    reportId: report.id,
    householdId: report.household_id,
    workOrderId: report.work_order_id ?? null,
    authorId: info.user?.id ?? report.author_id,
    createdAt: report.created_at,
    amendment: report.amendment ?? null,
    photos: (report.attachments ?? []) as Photo[],
    opinion: report.feedback?.opinion ?? '',
    satisfaction: report.feedback?.satisfaction ?? null,
    signerName: customer?.signer_name ?? '',
    refused: false,
    refusalReason: '',
    witnessName: '',
    body: body(report.body?.kind, report.body?.data ?? {}),
  };
}

/** The record an amendment corrects, named as people know it: its kind and when it was
 *  signed ("维修记录", "12月3日 08:42"), not its id. Null when the device lacks it. */
export async function amendedRecord(
  id: string,
  read: (id: string) => Promise<SignedReportDto>,
): Promise<{ kind: string; signedAt: string } | null> {
  try {
    const original = await read(id);
    return { kind: original.kind, signedAt: original.signatures[0]?.signed_at ?? original.created_at };
  } catch {
    return null;
  }
}
