// Which work orders the list shows: a day's (today by default) or every open one. Days are
// the tablet's local calendar days, "YYYY-MM-DD", so "today" means what the technician's
// clock on the wall says, not UTC.

import type { WorkOrderDto } from './bindings';

/** The list's choice: today (whichever day that is when the list loads), one local day, or
 *  every open order whatever its date. */
export type OrderView = { kind: 'today' } | { kind: 'day'; day: string } | { kind: 'open' };

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of `d`, as a date input's value ("2026-11-27"). */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local day of an ISO instant. */
export function dayOf(iso: string): string {
  return localDay(new Date(iso));
}

/** The day `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y, m - 1, d + n));
}

/** The instant the local `day` starts, as UTC ISO text (what `my_work_orders` takes). */
export function startOfDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
}

/**
 * The orders `view` shows, open ones first (soonest due first, as the backend sorts them),
 * then the finished ones in the order they were finished.
 * - a day (today is one): open orders due that day, finished orders finished that day; and on today also
 *   the open orders still waiting from earlier days (overdue) and the open ones with no
 *   deadline, so nothing open is out of sight on the default view;
 * - open: every open order.
 */
export function ordersFor(orders: WorkOrderDto[], view: OrderView, today: string): WorkOrderDto[] {
  const open = orders.filter((o) => o.finished_at === null);
  if (view.kind === 'open') return open;
  const day = view.kind === 'today' ? today : view.day;
  const shown = open.filter((o) => {
    if (o.due_by === null) return day === today;
    const due = dayOf(o.due_by);
    return due === day || (day === today && due < day);
  });
  const finished = orders.filter((o) => o.finished_at !== null && dayOf(o.finished_at) === day);
  return [...shown, ...finished];
}

/** The day `view` shows (today for the open list too: its finished orders are today's). */
export function viewDay(view: OrderView, today: string): string {
  return view.kind === 'day' ? view.day : today;
}
