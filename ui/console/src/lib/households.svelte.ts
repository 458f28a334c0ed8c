// Households the screens name by id (board rows, records, waiting households), fetched once
// each, a page's worth in one request, and kept for the session.

import { get } from './api';
import type { Household } from './types';

export const households = $state<Record<string, Household>>({});
const asked = new Set<string>();

/** The most ids one request may name (the server's limit). */
const PER_REQUEST = 100;

/** Fetches the households among `ids` not known yet, a page's worth a request; a missing
 * one is left out. */
export async function needHouseholds(ids: (string | null | undefined)[]): Promise<void> {
  const unknown = [...new Set(ids.filter((id): id is string => !!id && !asked.has(id)))];
  for (const id of unknown) asked.add(id);
  const chunks: string[][] = [];
  for (let i = 0; i < unknown.length; i += PER_REQUEST) chunks.push(unknown.slice(i, i + PER_REQUEST));
  await Promise.all(
    chunks.map((chunk) =>
      get<Household[]>(`/v1/console/households/by-id?ids=${chunk.join(',')}`)
        .then((found) => {
          for (const h of found) households[h.id] = h;
        })
        .catch(() => {
          for (const id of chunk) asked.delete(id);
        }),
    ),
  );
}

/** `1000000040 · 何德明 · 红桥区…`, or '' until it is known. */
export function householdLine(id: string | null | undefined): string {
  const h = id ? households[id] : undefined;
  return h ? `${h.account_no} · ${h.owner_name} · ${h.address}` : '';
}
