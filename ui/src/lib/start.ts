// Starting a form: a draft with a blank form for the household (and its work order), kept
// on the device from the first moment.
import { type AppInfo, type HouseholdDto, call, commands } from './api';
import { type FormState, type ReportKind, blankBody } from './report';

/** A blank form state of `kind`; `reportId` is filled in with the draft's id. */
export function newFormState(
  info: AppInfo,
  household: HouseholdDto,
  workOrderId: string | null,
  kind: ReportKind,
  arrivedAt: string | null = null,
): FormState {
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
    body: blankBody(kind, {
      now,
      billedArea: household.billed_area_m2 ?? 0,
      tolerancePct: info.profile.area_tolerance_pct ?? 0,
      arrivedAt,
    }),
  };
}

/** Opens a draft of `kind` and returns its id. `arrivedAt` is when the crew reached the
 *  household (the order's 已到场), which a repair's arrival time starts from. */
export async function startForm(
  info: AppInfo,
  household: HouseholdDto,
  workOrderId: string | null,
  kind: ReportKind,
  arrivedAt: string | null = null,
): Promise<string> {
  const state = newFormState(info, household, workOrderId, kind, arrivedAt);
  const draft = await call(commands.startDraft(kind, household.id, workOrderId, state as never));
  return draft.id;
}
