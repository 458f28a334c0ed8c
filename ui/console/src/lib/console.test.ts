// The console's pure parts: the label table, times and ranges in Beijing time, signatures.
import { describe, expect, it } from 'vitest';
import { parseError } from './api';
import { dayEnd, dayStart, percent, short, time } from './format';
import { codeLabel, tables, translate } from './i18n';
import { signaturePaths, unpackPoints } from './strokes';

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

describe('times', () => {
  it('are shown in Beijing time', () => {
    expect(time('2026-11-27T16:30:00Z')).toBe('2026-11-28 00:30');
    expect(time(undefined)).toBe('');
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
