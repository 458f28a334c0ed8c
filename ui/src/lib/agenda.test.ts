// The tablet is in Shanghai (UTC+8): "today" is its local day, not UTC's.
import { describe, expect, it, vi } from 'vitest';
import { addDays, localDay, ordersFor, startOfDay } from './agenda';
import type { WorkOrderDto } from './bindings';

vi.stubEnv('TZ', 'Asia/Shanghai');

function order(
  id: string, due_by: string | null, finished_at: string | null = null, more: Partial<WorkOrderDto> = {},
): WorkOrderDto {
  return {
    id, number: null, kind: 'repair', source: 'hotline', status: finished_at ? 'done' : 'assigned', priority: 'normal',
    description: '', reported_at: '2026-11-26T00:00:00Z', arrive_by: null, due_by, arrival_overdue: false,
    overdue: false, arrived_at: null, assigned_to_me: true, finished_at, status_note: null, household: null,
    next_statuses: [], reports: [], ...more,
  };
}

// Local times in Shanghai, written as UTC instants.
const orders = [
  order('overdue', '2026-11-25T02:00:00Z'), // 25th 10:00, still open
  order('due-today', '2026-11-27T06:00:00Z'), // 27th 14:00
  order('due-tonight', '2026-11-27T15:30:00Z'), // 27th 23:30 (UTC still says the 27th)
  order('due-after-midnight', '2026-11-27T16:30:00Z'), // 28th 00:30 (UTC says the 27th)
  order('no-deadline', null),
  order('done-today', '2026-11-26T06:00:00Z', '2026-11-27T01:00:00Z'), // finished 27th 09:00
  order('done-yesterday', '2026-11-26T06:00:00Z', '2026-11-26T15:00:00Z'), // finished 26th 23:00
];
const ids = (list: WorkOrderDto[]) => list.map((o) => o.id);
const today = '2026-11-27';

describe("the technician's order list", () => {
  it('shows today: due today, overdue and open, no deadline, finished today', () => {
    expect(ids(ordersFor(orders, { kind: 'today' }, today))).toEqual([
      'overdue', 'due-today', 'due-tonight', 'no-deadline', 'done-today',
    ]);
  });

  it("keeps tomorrow's orders (by the local clock) for tomorrow", () => {
    expect(ids(ordersFor(orders, { kind: 'day', day: '2026-11-28' }, today))).toEqual(['due-after-midnight']);
  });

  it('shows a past day with what was finished that day, not what is overdue now', () => {
    expect(ids(ordersFor(orders, { kind: 'day', day: '2026-11-26' }, today))).toEqual(['done-yesterday']);
    expect(ids(ordersFor(orders, { kind: 'day', day: '2026-11-25' }, today))).toEqual(['overdue']);
  });

  it('shows every open order, whatever its date, and nothing finished', () => {
    expect(ids(ordersFor(orders, { kind: 'open' }, today))).toEqual([
      'overdue', 'due-today', 'due-tonight', 'due-after-midnight', 'no-deadline',
    ]);
  });

  it('counts days by the local calendar, across months and at midnight', () => {
    expect(localDay(new Date('2026-11-27T16:00:00Z'))).toBe('2026-11-28');
    expect(localDay(new Date('2026-11-27T15:59:59Z'))).toBe('2026-11-27');
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(startOfDay('2026-11-27')).toBe('2026-11-26T16:00:00.000Z');
  });

  // The review's case: at 17:51 a 加急 leak is called in, to be reached by 19:51 and fixed
  // by 01:51 the next day. It belongs at the top of today's list, not under tomorrow.
  it('puts an urgent order at the top of today, by its arrival deadline, though due tomorrow', () => {
    const list = [
      order('normal-due-today', '2026-11-27T10:00:00Z', null, { arrive_by: '2026-11-27T04:00:00Z' }),
      order('urgent-leak', '2026-11-27T17:51:00Z', null, { priority: 'urgent', arrive_by: '2026-11-27T11:51:00Z' }),
      order('late-arrival', '2026-11-27T12:00:00Z', null, { arrive_by: '2026-11-27T03:00:00Z', arrival_overdue: true }),
      order('on-site-late', '2026-11-27T02:00:00Z', null, { status: 'on_site', overdue: true }),
      order('emergency', '2026-11-27T20:00:00Z', null, { priority: 'emergency', arrive_by: '2026-11-27T13:00:00Z' }),
    ];
    expect(ids(ordersFor(list, { kind: 'today' }, today))).toEqual([
      'late-arrival', 'on-site-late', 'emergency', 'urgent-leak', 'normal-due-today',
    ]);
    // Tomorrow lists the leak too (its completion deadline falls then), not the others.
    expect(ids(ordersFor(list, { kind: 'day', day: '2026-11-28' }, today))).toEqual(['emergency', 'urgent-leak']);
  });

  it('lists an order today when its arrival deadline is today, though completion is days away', () => {
    const planned = order('inspection', '2026-11-30T02:00:00Z', null, { arrive_by: '2026-11-27T08:00:00Z', priority: 'low' });
    expect(ids(ordersFor([planned], { kind: 'today' }, today))).toEqual(['inspection']);
    const arrived = { ...planned, status: 'on_site' };
    // On site: only the completion deadline counts, and it is days away.
    expect(ids(ordersFor([arrived], { kind: 'today' }, today))).toEqual([]);
  });

  // Called at 22:05: to be reached by 00:05 and fixed by 06:05, both tomorrow. Tonight's work.
  it("keeps a late-evening call to be reached after midnight on tonight's list", () => {
    const late = order('late-call', '2026-11-27T22:05:00Z', null, { priority: 'urgent', arrive_by: '2026-11-27T16:05:00Z' });
    const now = new Date('2026-11-27T14:05:00Z'); // 22:05 in Shanghai
    expect(ids(ordersFor([late], { kind: 'today' }, today, now))).toEqual(['late-call']);
    const planned = order('next-week', '2026-12-04T02:00:00Z', null, { arrive_by: '2026-12-04T01:00:00Z' });
    // A week ahead stays on its day.
    expect(ids(ordersFor([planned], { kind: 'today' }, today, now))).toEqual([]);
  });
});
