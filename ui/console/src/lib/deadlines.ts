// A work order's two deadlines as the board reads them (§74-75): the crew must be on site by
// `arrive_by` and the fault fixed by `due_by`. An arrival deadline has passed while the crew
// is not there yet; a completion deadline while the order is still open. What must be reached
// first comes first in the server's own order (storage/sqlite/console/board.rs), across pages.

import type { WorkOrder } from './types';

/** Statuses before the crew is on site. */
const NOT_ON_SITE = new Set(['new', 'assigned', 'en_route']);
/** Statuses of an order still to be finished. */
const OPEN = new Set([...NOT_ON_SITE, 'on_site']);

const at = (iso: string | undefined | null): number => (iso ? new Date(iso).getTime() : Number.NaN);

/** The crew is not on site yet and the arrival deadline is behind `now`. */
export function arrivalOverdue(order: WorkOrder, now: number): boolean {
  return NOT_ON_SITE.has(order.status) && at(order.arrive_by) < now;
}

/** The order is still open and the completion deadline is behind `now`. */
export function completionOverdue(order: WorkOrder, now: number): boolean {
  return OPEN.has(order.status) && at(order.due_by) < now;
}

/** Whether the order is still to be finished. */
export function isOpen(order: WorkOrder): boolean {
  return OPEN.has(order.status);
}
