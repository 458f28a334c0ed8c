// What the status bar and the order list say about the device's first download, from the
// sync worker's status (pure, so it is tested without the app).
import type { SyncStatusEvent } from './bindings';

/** A later pull this large (a re-download, a big import) shows its progress too. */
export const LARGE_CATCH_UP = 1000;

/** Until the first download has finished (or while the status is not known yet), an empty
 *  list means "not here yet". */
export function firstPullPending(status: SyncStatusEvent | null): boolean {
  return status === null || !status.first_pull_done;
}

/** The running download's words, or null: shown while the first download runs (and for a
 *  large catch-up later), not for the few changes of an ordinary sync. */
export function downloadShown(status: SyncStatusEvent | null): { done: number; total: number | null } | null {
  const d = status?.download;
  if (!d) return null;
  return firstPullPending(status) || (d.total ?? 0) >= LARGE_CATCH_UP ? d : null;
}
