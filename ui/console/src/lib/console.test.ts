// The console's pure parts: the label table, times and ranges in Beijing time, signatures.
import { describe, expect, it } from 'vitest';
import { ApiError, parseError } from './api';
import { errorMessage } from './errors';
import { arrivalOverdue, completionOverdue } from './deadlines';
import { dayEnd, dayStart, dayWords, longDate, longTime, num, orderName, percent, short, shortTime, time, yuan } from './format';
import { codeLabel, tables, translate } from './i18n';
// The tablet's own table: the console must use its words (issue 12, point 10).
import { codeLabel as tabletLabel } from '../../../src/lib/i18n';
import { signaturePaths, unpackPoints } from './strokes';
import type { WorkOrder } from './types';

describe('the label table', () => {
  it('has every key in both languages, none empty', () => {
    const zh = Object.keys(tables['zh-CN']).sort();
    expect(Object.keys(tables.en).sort()).toEqual(zh);
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const [key, text] of Object.entries(tables[locale])) expect(text, `${locale} ${key}`).not.toBe('');
    }
  });

  it('fills placeholders and labels server codes', () => {
    expect(translate('zh-CN', 'common.total', { n: 3 })).toBe('共 3 条');
    expect(codeLabel('zh-CN', 'status', 'assigned')).toBe('已派单');
    expect(codeLabel('en', 'kind', 'repair')).toBe('Repair');
    expect(codeLabel('en', 'kind', 'something_new')).toBe('something_new');
  });
});

describe('the values hearth-core writes into a record', () => {
  // Every value of the enums in core/src/model/ (repair.rs, temperature.rs, inspection.rs,
  // report.rs) and core/src/rules/compliance.rs: shown in words, never as snake_case.
  const values: Record<string, string[]> = {
    fault: ['no_heat', 'low_temperature', 'leak', 'valve_fault', 'pipe_fault', 'radiator_fault', 'air_lock', 'other'],
    room: ['bedroom', 'living_room', 'other'],
    finding: ['radiators_covered', 'installation_altered', 'system_water_drawn_off'],
    violation: [
      'unauthorized_connection', 'unauthorized_shut_off', 'unauthorized_modification', 'heated_area_changed',
      'heating_water_theft', 'meter_tampering', 'other',
    ],
    satisfaction: ['satisfied', 'fairly_satisfied', 'dissatisfied'],
    repairOutcome: ['fixed', 'not_fixed'],
    verdict: ['compliant', 'non_compliant', 'excused', 'undecided'],
    excuse: ['below_design_weather'],
    report: ['temperature_check', 'repair_visit', 'area_remeasurement', 'inspection'],
  };

  it('have words in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const [prefix, codes] of Object.entries(values)) {
        for (const code of codes) expect(codeLabel(locale, prefix, code), `${locale} ${prefix}.${code}`).not.toBe(code);
      }
    }
    expect(codeLabel('zh-CN', 'fault', 'air_lock')).toBe('气堵（需要排气）');
    expect(codeLabel('en', 'room', 'living_room')).toBe('Living room');
  });
});

describe('times', () => {
  it('are shown in Beijing time', () => {
    expect(time('2026-11-27T16:30:00Z')).toBe('2026-11-28 00:30');
    expect(time(undefined)).toBe('');
  });

  it('are written in words of the language, in Beijing time', () => {
    expect(shortTime('zh-CN', '2026-12-02T11:51:00Z')).toBe('12月2日 19:51');
    expect(shortTime('en', '2026-12-02T11:51:00Z')).toBe('Dec 2, 19:51');
    expect(longTime('zh-CN', '2026-12-02T16:05:00Z')).toBe('2026年12月3日 00:05');
    expect(longTime('en', '2026-12-02T11:51:00Z')).toBe('Dec 2, 2026, 19:51');
    expect(longDate('zh-CN', '2027-06-30')).toBe('2027年6月30日');
    expect(longDate('en', '2027-06-30')).toBe('Jun 30, 2027');
    expect(shortTime('zh-CN', undefined)).toBe('');
    expect([num(1.2), num(18), num(67.1200001), num(null)]).toEqual(['1.2', '18', '67.12', '—']);
  });

  it('a picked day is a whole Beijing day', () => {
    expect(dayStart('2026-11-28')).toBe('2026-11-27T16:00:00.000Z');
    expect(dayEnd('2026-11-28')).toBe('2026-11-28T16:00:00.000Z');
  });

  it('short ids tell apart orders made in the same millisecond', () => {
    expect(short('01a21f10-1f39-767a-85ff-87f427bdf2b4')).toBe('27bdf2b4');
    expect(short(null)).toBe('');
  });

  it('rates are percentages, and no data is a dash', () => {
    expect(percent(0.995)).toBe('99.5%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(null)).toBe('—');
  });
});

describe('server errors', () => {
  it('keep the code and message', () => {
    const e = parseError(400, '{"error":{"code":"bad_request","message":"description is empty"}}');
    expect([e.code, e.message, e.status]).toEqual(['bad_request', 'description is empty', 400]);
    expect(parseError(502, '<html>bad gateway</html>').code).toBe('other');
  });
});

describe('signatures', () => {
  it('draw each stroke in canvas pixels inside a padded box', () => {
    const { paths, viewBox } = signaturePaths([{ points: [100, 200, 0, 300, 400, 16] }, { points: [500, 500, 0] }]);
    expect(paths).toEqual(['M10 20L30 40', 'M50 50L50 50']);
    expect(viewBox).toBe('0 10 60 50');
  });

  it('read packed strokes as hearth-core writes them', () => {
    // The vector of core's a_new_stroke_travels_packed_and_reads_back_the_same.
    expect(unpackPoints('9gHwCAAOiQkg')).toEqual([123, 568, 0, 130, -13, 16]);
    // i32::MIN and MAX apart: deltas past JavaScript's 32-bit bit operators.
    expect(unpackPoints('_v___w______DwA')).toEqual([2147483647, -2147483648, 0]);
    const { paths } = signaturePaths([{ points: '9gHwCAAOiQkg' }, { points: [500, 500, 0] }]);
    expect(paths).toEqual(['M12.3 56.8L13 -1.3', 'M50 50L50 50']);
  });

  it('an empty signature still has a box', () => {
    expect(signaturePaths([]).viewBox).toBe('0 0 300 100');
  });
});

describe('the board', () => {
  const now = new Date('2026-12-02T12:00:00Z').getTime();
  const hours = (h: number) => new Date(now + h * 3_600_000).toISOString();
  const order = (id: string, o: Partial<WorkOrder>): WorkOrder => ({
    id, household_id: 'h', station_id: 's', kind: 'repair', source: 'hotline', status: 'assigned',
    priority: 'normal', description: '', reported_at: hours(-1), arrive_by: hours(1), due_by: hours(7), ...o,
  });

  it('an arrival deadline passes only while the crew is not on site', () => {
    const late = order('a', { arrive_by: hours(-0.5) });
    expect(arrivalOverdue(late, now)).toBe(true);
    expect(arrivalOverdue({ ...late, status: 'en_route' }, now)).toBe(true);
    expect(arrivalOverdue({ ...late, status: 'on_site' }, now)).toBe(false);
    expect(arrivalOverdue({ ...late, status: 'done' }, now)).toBe(false);
    expect(arrivalOverdue(order('b', {}), now)).toBe(false);
    expect(arrivalOverdue(order('c', { arrive_by: undefined }), now)).toBe(false);
  });

  it('a completion deadline passes only while the order is open', () => {
    const late = order('a', { due_by: hours(-0.5), status: 'on_site' });
    expect(completionOverdue(late, now)).toBe(true);
    expect(completionOverdue({ ...late, status: 'done' }, now)).toBe(false);
    expect(completionOverdue({ ...late, status: 'could_not_complete' }, now)).toBe(false);
    expect(completionOverdue({ ...late, status: 'cancelled' }, now)).toBe(false);
  });
});


describe('words a dispatcher reads', () => {
  it('repeats a picked day in Chinese form beside the date input', () => {
    expect(dayWords('zh-CN', '2026-12-03')).toBe('2026年12月03日');
    expect(dayWords('en', '2026-12-03')).toBe('Dec 3, 2026');
    expect(dayWords('zh-CN', '')).toBe('');
  });

  it('writes money in 元 and names an order by its number', () => {
    expect(yuan('zh-CN', 1234.5)).toBe('1,234.50 元');
    expect(yuan('en', 0)).toBe('¥0.00');
    expect(orderName({ id: '0193a1b2-0000-7000-8000-00000000abcd', number: '和平-1202-007' })).toBe('和平-1202-007');
    expect(orderName({ id: '0193a1b2-0000-7000-8000-00000000abcd' })).toBe('0000abcd');
  });

  it('shows a server refusal without its English message in the Chinese console', () => {
    const refusal = new ApiError(400, 'bad_request', 'the password needs at least 8 characters');
    expect(errorMessage('zh-CN', refusal)).toBe('输入有误');
    expect(errorMessage('zh-CN', refusal, '请检查初始密码')).toBe('输入有误：请检查初始密码');
    expect(errorMessage('en', refusal)).toBe('Check the input: the password needs at least 8 characters');
  });

  it('says priorities with the tablet\'s words', () => {
    expect(['emergency', 'urgent', 'normal', 'low'].map((p) => codeLabel('zh-CN', 'priority', p))).toEqual([
      '抢修', '加急', '一般', '计划',
    ]);
  });
});

describe('one word per concept', () => {
  it('names statuses, kinds, report kinds and priorities as the tablet does', () => {
    const codes: Record<string, string[]> = {
      status: ['new', 'assigned', 'en_route', 'on_site', 'done', 'could_not_complete', 'closed', 'cancelled'],
      kind: ['temperature_check', 'repair', 'area_remeasure', 'inspection', 'follow_up'],
      report: ['temperature_check', 'repair_visit', 'area_remeasurement', 'inspection'],
      priority: ['emergency', 'urgent', 'normal', 'low'],
    };
    for (const [prefix, values] of Object.entries(codes)) {
      for (const value of values) {
        expect(codeLabel('zh-CN', prefix, value), `${prefix}.${value}`).toBe(tabletLabel('zh-CN', prefix, value));
      }
    }
  });
});
