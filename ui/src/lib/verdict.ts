// A temperature check's verdict in words (达标 / 不达标 / 免责 with the room and the reason),
// from the verdict hearth-core judged (the `assess_temperature` command): nothing is
// decided here, only worded.
import type { VerdictDto } from './bindings';
import { type Locale, codeLabel, translate } from './i18n';

export interface VerdictWords {
  /** compliant, non_compliant, excused or undecided: the badge's colour. */
  tone: VerdictDto['verdict'] | string;
  /** 达标 / 不达标 / 免责 / 尚无法判定. */
  label: string;
  /** Which room, how cold, against which standard, and why excused. */
  detail: string;
}

/** A temperature as read: one decimal at most ("15.2", "18"); a dash when unknown. */
export function celsius(c: number | null): string {
  return c === null || !Number.isFinite(c) ? '—' : String(Math.round(c * 10) / 10);
}

/** Why a shortfall is excused, in words. */
function excuse(locale: Locale, code: string): string {
  return code === 'below_design_weather' ? translate(locale, 'verdict.coldWeather') : codeLabel(locale, 'finding', code);
}

export function verdictWords(locale: Locale, v: VerdictDto): VerdictWords {
  const label = translate(locale, `verdict.${v.verdict}` as 'verdict.compliant');
  const standard = celsius(v.indoor_standard_c);
  if (v.verdict === 'undecided' || v.lowest_c === null) {
    return { tone: 'undecided', label, detail: translate(locale, 'verdict.noRooms') };
  }
  const params = { room: v.deciding_room ?? '', c: celsius(v.lowest_c), standard };
  if (v.verdict === 'compliant') return { tone: v.verdict, label, detail: translate(locale, 'verdict.lowest', params) };
  let detail = translate(locale, 'verdict.below', params);
  if (v.excuses.length > 0) {
    const sep = locale === 'en' ? ', ' : '、';
    detail += translate(locale, 'verdict.because', { reasons: v.excuses.map((e) => excuse(locale, e)).join(sep) });
  }
  return { tone: v.verdict, label, detail };
}
