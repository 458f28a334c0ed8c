// Times as a technician reads them: "3 分钟前", dates and times in the app's language
// ("11月27日 14:05" / "Nov 27, 14:05", through Intl), and local date-times for inputs.
import { type Locale, translate } from './i18n';

/** How long ago `iso` was, in words ("3 分钟前" / "3 min ago"). */
export function ago(locale: Locale, iso: string, now: Date = new Date()): string {
  const ms = now.getTime() - new Date(iso).getTime();
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return translate(locale, 'ago.now');
  if (minutes < 60) return translate(locale, 'ago.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return translate(locale, 'ago.hours', { n: hours });
  return translate(locale, 'ago.days', { n: Math.floor(hours / 24) });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `iso` as the value of a `datetime-local` input, in the tablet's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value back to UTC ISO text; empty or unreadable gives null. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// Formatters are costly to make and are asked for on every list row: one per locale.
const shortFormats = new Map<Locale, Intl.DateTimeFormat>();
const dayFormats = new Map<Locale, Intl.DateTimeFormat>();

function format(cache: Map<Locale, Intl.DateTimeFormat>, locale: Locale, options: Intl.DateTimeFormatOptions) {
  let f = cache.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    cache.set(locale, f);
  }
  return f;
}

/** A short local date and time for lists, in `locale`: "11月27日 14:05" / "Nov 27, 14:05". */
export function shortTime(locale: Locale, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const options: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return format(shortFormats, locale, options).format(d);
}

/** A local calendar day ("2026-11-27") in words: "11月27日周五" / "Fri, November 27". */
export function longDay(locale: Locale, day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y, m - 1, d);
  if (Number.isNaN(date.getTime())) return day;
  return format(dayFormats, locale, { month: 'long', day: 'numeric', weekday: 'short' }).format(date);
}

const inputFormats = new Map<Locale, Intl.DateTimeFormat>();
const inputDayFormats = new Map<Locale, Intl.DateTimeFormat>();

/**
 * A date or date-time input's value in words of `locale`, shown under the input: the
 * webview draws its pickers in the system's format (often the US one), so the technician
 * reads the value back here as "2026年6月30日" / "June 30, 2026". Empty for an empty or
 * unreadable value.
 */
export function inputInWords(locale: Locale, value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    const options: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' };
    return format(inputDayFormats, locale, options).format(new Date(y, m - 1, d));
  }
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return '';
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric', month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  };
  return format(inputFormats, locale, options).format(d);
}
