// A work order's two deadlines as the board reads them (§74-75): the crew must be on site by
// `arrive_by` and the fault fixed by `due_by`. An arrival deadline has passed while the crew
// is not there yet; a completion deadline while the order is still open. The board puts what
// must be reached first at the top.

import type { BoardEntry, WorkOrder } from './types';

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

/** 0 arrival overdue, 1 completion overdue, 2 emergency or urgent, 3 the rest. */
function rank(order: WorkOrder, now: number): number {
  if (arrivalOverdue(order, now)) return 0;
  if (completionOverdue(order, now)) return 1;
  if (order.priority === 'emergency' || order.priority === 'urgent') return 2;
  return 3;
}

/** An instant for sorting: none sorts last. */
const key = (iso: string | undefined | null): number => {
  const t = at(iso);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/**
 * The board's rows in the order they must be reached: arrival overdue, then completion
 * overdue, then emergency and urgent, then the rest; within each, by arrival deadline, then
 * completion deadline (none last), then the order it was reported in.
 */
export function boardOrder(entries: BoardEntry[], now: number): BoardEntry[] {
  return entries
    .map((entry) => ({ entry, rank: rank(entry.order, now) }))
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        key(a.entry.order.arrive_by) - key(b.entry.order.arrive_by) ||
        key(a.entry.order.due_by) - key(b.entry.order.due_by) ||
        key(a.entry.order.reported_at) - key(b.entry.order.reported_at),
    )
    .map((x) => x.entry);
}
