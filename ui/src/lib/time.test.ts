// The tablet is in Shanghai (UTC+8): times are shown in its local time.
import { describe, expect, it, vi } from 'vitest';
import { ago, fromLocalInput, inputInWords, longDay, shortTime, toLocalInput } from './time';

vi.stubEnv('TZ', 'Asia/Shanghai');

describe('time in words', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  it('says how long ago the last sync was', () => {
    expect(ago('zh-CN', '2026-11-27T09:59:40Z', now)).toBe('刚刚');
    expect(ago('zh-CN', '2026-11-27T09:57:00Z', now)).toBe('3 分钟前');
    expect(ago('en', '2026-11-27T09:57:00Z', now)).toBe('3 min ago');
    expect(ago('zh-CN', '2026-11-27T07:00:00Z', now)).toBe('3 小时前');
    expect(ago('en', '2026-11-24T09:00:00Z', now)).toBe('3 days ago');
  });

  it('round-trips date-time inputs through UTC', () => {
    const iso = '2026-11-27T10:30:00.000Z';
    expect(toLocalInput(iso)).toBe('2026-11-27T18:30');
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a time')).toBeNull();
  });
});

describe('dates in the language of the app', () => {
  it('writes list times in Chinese or English, in local time, 24-hour', () => {
    expect(shortTime('zh-CN', '2026-11-27T06:05:00Z')).toBe('11月27日 14:05');
    expect(shortTime('en', '2026-11-27T06:05:00Z')).toBe('Nov 27, 14:05');
    expect(shortTime('en', 'garbage')).toBe('');
  });

  it('names a day with its weekday', () => {
    expect(longDay('zh-CN', '2026-11-27')).toBe('11月27日周五');
    expect(longDay('en', '2026-11-27')).toBe('Fri, November 27');
  });

  it("reads a picker's value back in words, never in the US month/day order", () => {
    expect(inputInWords('zh-CN', '2030-06-30')).toBe('2030年6月30日周日');
    expect(inputInWords('en', '2030-06-30')).toBe('Sun, June 30, 2030');
    expect(inputInWords('zh-CN', '2026-11-27T08:05')).toBe('2026年11月27日周五 08:05');
    expect(inputInWords('en', '2026-11-27T20:05')).toBe('Fri, November 27, 2026 at 20:05');
    expect(inputInWords('en', '')).toBe('');
  });
});
