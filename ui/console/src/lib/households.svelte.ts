// Households the screens name by id (board rows, records, waiting households), fetched once
// each and kept for the session.

import { get } from './api';
import type { Household } from './types';

export const households = $state<Record<string, Household>>({});
const asked = new Set<string>();

/** Fetches the households among `ids` not known yet; a missing one is left out. */
export async function needHouseholds(ids: (string | null | undefined)[]): Promise<void> {
  const unknown = [...new Set(ids.filter((id): id is string => !!id && !asked.has(id)))];
  for (const id of unknown) asked.add(id);
  await Promise.all(
    unknown.map((id) =>
      get<Household>(`/v1/console/households/${id}`)
        .then((h) => (households[id] = h))
        .catch(() => asked.delete(id)),
    ),
  );
}

/** `1000000040 · 何德明 · 红桥区…`, or '' until it is known. */
export function householdLine(id: string | null | undefined): string {
  const h = id ? households[id] : undefined;
  return h ? `${h.account_no} · ${h.owner_name} · ${h.address}` : '';
}
