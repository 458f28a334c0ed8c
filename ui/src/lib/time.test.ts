import { describe, expect, it } from 'vitest';
import { ago, fromLocalInput, toLocalInput } from './time';

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
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a time')).toBeNull();
  });
});
