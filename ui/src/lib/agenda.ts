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

/** Statuses before the crew reaches the household: the arrival deadline still applies. */
const BEFORE_ARRIVAL = new Set(['new', 'assigned', 'en_route']);

/** The crew has not reached the household yet (hearth-core's `rules::status::before_arrival`). */
export function beforeArrival(status: string): boolean {
  return BEFORE_ARRIVAL.has(status);
}

/** Work still to do (hearth-core's `rules::status::is_open`). */
export function isOpen(status: string): boolean {
  return BEFORE_ARRIVAL.has(status) || status === 'on_site';
}

/** The deadline that matters next: arrival until the crew is on site, then completion. */
function nextDeadline(o: WorkOrderDto): string | null {
  return BEFORE_ARRIVAL.has(o.status) ? (o.arrive_by ?? o.due_by) : o.due_by;
}

/** What must be reached first comes first: arrivals already late, then completions already
 *  late, then emergency and urgent orders, then the rest; within each, by the next deadline
 *  (arrival, then completion), undated last. */
function rank(o: WorkOrderDto): number {
  if (o.arrival_overdue) return 0;
  if (o.overdue) return 1;
  if (o.priority === 'emergency') return 2;
  if (o.priority === 'urgent') return 3;
  return 4;
}

export function byUrgency(a: WorkOrderDto, b: WorkOrderDto): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  const [da, db] = [nextDeadline(a), nextDeadline(b)];
  if (da === null || db === null) return da === db ? 0 : da === null ? 1 : -1;
  return new Date(da).getTime() - new Date(db).getTime();
}

/** How far ahead today's list looks for orders still to be reached: a shift. */
const SHIFT_HOURS = 12;

/** Still to be reached, by a deadline within the next `SHIFT_HOURS`. */
function reachSoon(o: WorkOrderDto, now: Date): boolean {
  if (!BEFORE_ARRIVAL.has(o.status) || o.arrive_by === null) return false;
  return new Date(o.arrive_by).getTime() - now.getTime() <= SHIFT_HOURS * 3_600_000;
}

/** The local days of an order's deadlines (arrival while it is still awaited, completion). */
function deadlineDays(o: WorkOrderDto): string[] {
  const times = [BEFORE_ARRIVAL.has(o.status) ? o.arrive_by : null, o.due_by];
  return times.filter((t): t is string => t !== null).map(dayOf);
}

/**
 * The orders `view` shows, open ones first (what must be reached first at the top: see
 * `byUrgency`), then the finished ones in the order they were finished.
 * - a day: open orders with a deadline (arrival or completion) on that day, and the orders
 *   finished that day;
 * - today: also every open order with a deadline already passed, whatever day it was
 *   created; the open ones with no deadline; and those still to be reached within the next
 *   `SHIFT_HOURS` (an urgent call at 22:00, to be reached by midnight's other side, is
 *   tonight's work, not tomorrow's), so nothing open and pressing is out of sight on the
 *   default view;
 * - open: every open order.
 */
export function ordersFor(
  orders: WorkOrderDto[], view: OrderView, today: string, now: Date = new Date(),
): WorkOrderDto[] {
  const open = orders.filter((o) => o.finished_at === null).sort(byUrgency);
  if (view.kind === 'open') return open;
  const day = view.kind === 'today' ? today : view.day;
  const shown = open.filter((o) => {
    if (day === today && reachSoon(o, now)) return true;
    const days = deadlineDays(o);
    if (days.length === 0) return day === today;
    return days.some((d) => d === day || (day === today && d < day));
  });
  const finished = orders.filter((o) => o.finished_at !== null && dayOf(o.finished_at) === day);
  return [...shown, ...finished];
}

/** The day `view` shows (today for the open list too: its finished orders are today's). */
export function viewDay(view: OrderView, today: string): string {
  return view.kind === 'day' ? view.day : today;
}
