// Starting a form: a draft with a blank form for the household (and its work order), kept
// on the device from the first moment.
import { type AppInfo, type HouseholdDto, call, commands } from './api';
import { type FormState, type ReportKind, blankBody } from './report';

/** A blank form state of `kind`; `reportId` is filled in with the draft's id. */
export function newFormState(info: AppInfo, household: HouseholdDto, workOrderId: string | null, kind: ReportKind): FormState {
  const now = new Date().toISOString();
  return {
    reportId: '',
    householdId: household.id,
    workOrderId,
    authorId: info.user?.id ?? '',
    createdAt: now,
    amendment: null,
    photos: [],
    opinion: '',
    satisfaction: null,
    signerName: household.owner_name,
    refused: false,
    refusalReason: '',
    witnessName: '',
    // A number the backend could not send as JSON arrives as null; 0 lets hearth-core's rules
    // name the problem on the form.
    body: blankBody(kind, { now, billedArea: household.billed_area_m2 ?? 0, tolerancePct: info.profile.area_tolerance_pct ?? 0 }),
  };
}

/** Opens a draft of `kind` and returns its id. */
export async function startForm(
  info: AppInfo,
  household: HouseholdDto,
  workOrderId: string | null,
  kind: ReportKind,
): Promise<string> {
  const state = newFormState(info, household, workOrderId, kind);
  const draft = await call(commands.startDraft(kind, household.id, workOrderId, state as never));
  return draft.id;
}
