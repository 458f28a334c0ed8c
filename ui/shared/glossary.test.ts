// One word per concept: the tablet and the console name every status, kind, priority,
// fault, violation… with the glossary's word, in both languages.
import { describe, expect, it } from 'vitest';
import { tables as consoleTables } from '../console/src/lib/i18n';
import { tables as tabletTables } from '../src/lib/i18n';
import { type GlossaryKey, glossary } from './glossary';

describe('glossary', () => {
  it('has every word in both languages', () => {
    expect(Object.keys(glossary.en).sort()).toEqual(Object.keys(glossary['zh-CN']).sort());
    for (const [key, word] of Object.entries(glossary.en)) expect(word.trim(), key).not.toBe('');
  });

  it('is what the tablet and the console both say, in each language', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of Object.keys(glossary[locale]) as GlossaryKey[]) {
        const word = glossary[locale][key];
        expect((tabletTables[locale] as Record<string, string>)[key], `tablet ${locale} ${key}`).toBe(word);
        expect((consoleTables[locale] as Record<string, string>)[key], `console ${locale} ${key}`).toBe(word);
      }
    }
  });

  it('names each open status, kind and priority once in Chinese, with no English', () => {
    const zh = glossary['zh-CN'];
    for (const prefix of ['status.', 'kind.', 'priority.']) {
      const words = Object.entries(zh).filter(([k]) => k.startsWith(prefix)).map(([, w]) => w);
      expect(new Set(words).size, prefix).toBe(words.length);
    }
    for (const [key, word] of Object.entries(zh)) expect(word, key).not.toMatch(/[A-Za-z]/);
  });
});
