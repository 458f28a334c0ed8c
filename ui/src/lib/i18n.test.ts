import { describe, expect, it } from 'vitest';
import { type Key, codeLabel, errorText, tables, translate } from './i18n';

describe('i18n', () => {
  it('has every label in both languages, with the same placeholders', () => {
    const zh = tables['zh-CN'];
    const en = tables.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(zh) as Key[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(holes(en[key]), key).toEqual(holes(zh[key]));
    }
  });

  it('speaks Chinese by default and fills placeholders', () => {
    expect(translate('zh-CN', 'bar.waiting', { n: 3 })).toBe('3 条待同步');
    expect(translate('en', 'bar.waiting', { n: 3 })).toBe('3 waiting to sync');
  });

  it('words backend codes, and unknown codes safely', () => {
    expect(codeLabel('zh-CN', 'status', 'on_site')).toBe('已到场');
    expect(codeLabel('en', 'status', 'future_status')).toBe('future_status');
    expect(errorText('zh-CN', 'unreachable')).toContain('无法连接服务器');
    expect(errorText('en', 'something_new')).toBe('Something went wrong');
    // A file the shell refuses as a photo (hearth-core's photo::Refusal codes) says why.
    expect(errorText('zh-CN', 'not_a_photo')).toContain('不是照片');
    expect(errorText('zh-CN', 'photo_format')).toContain('JPEG');
    expect(errorText('en', 'photo_too_large')).toContain('too many pixels');
  });
});
