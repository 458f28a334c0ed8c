import { describe, expect, it } from 'vitest';
import type { VerdictDto } from './bindings';
import { verdictWords } from './verdict';

const base: VerdictDto = {
  verdict: 'non_compliant', lowest_c: 15.2, shortfall_c: 2.8, excuses: [], deciding_room: '卧室',
  indoor_standard_c: 18, design_outdoor_c: -7.6, suggest_below_design: false,
};

describe('the verdict in words', () => {
  it('names the cold room against the standard', () => {
    expect(verdictWords('zh-CN', base)).toEqual({ tone: 'non_compliant', label: '不达标', detail: '卧室 15.2 °C 低于 18 °C' });
    expect(verdictWords('en', base).label).toBe('Below standard');
  });

  it('says why a shortfall is excused', () => {
    const v = { ...base, verdict: 'excused', excuses: ['below_design_weather', 'radiators_covered'] };
    const w = verdictWords('zh-CN', v);
    expect(w.label).toBe('免责');
    expect(w.detail).toContain('卧室 15.2 °C 低于 18 °C');
    expect(w.detail).toContain('室外温度低于设计室外温度');
    expect(w.detail).toContain('暖气片');
  });

  it('a compliant home and one without a deciding room', () => {
    expect(verdictWords('zh-CN', { ...base, verdict: 'compliant', lowest_c: 19.5, shortfall_c: null }).label).toBe('达标');
    const none = verdictWords('zh-CN', { ...base, verdict: 'undecided', lowest_c: null, deciding_room: null });
    expect(none.label).toBe('尚无法判定');
    expect(none.detail).not.toMatch(/[A-Za-z]/);
  });
});
