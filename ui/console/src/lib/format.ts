// How the console writes times, rates and date ranges. Times are shown in Beijing time, as
// the CSV exports write them, whatever the browser's own zone; a date range picked on the
// page means whole Beijing days.

const BEIJING = 'Asia/Shanghai';

/** `2026-11-27 14:05` in Beijing time; empty for none. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: BEIJING,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** Today's date in Beijing, `YYYY-MM-DD`, shifted by `days`. */
export function beijingDate(days = 0, now: Date = new Date()): string {
  const shifted = new Date(now.getTime() + days * 86_400_000);
  return time(shifted.toISOString()).slice(0, 10);
}

/** The instant a Beijing day starts (`YYYY-MM-DD` → RFC 3339 UTC). */
export function dayStart(date: string): string {
  return new Date(`${date}T00:00:00+08:00`).toISOString();
}

/** The instant after a Beijing day ends: the exclusive end of a range that includes it. */
export function dayEnd(date: string): string {
  return new Date(new Date(`${date}T00:00:00+08:00`).getTime() + 86_400_000).toISOString();
}

/** A rate as a percentage with one decimal (`99.5%`), or `fallback` when nothing was measured. */
export function percent(rate: number | null | undefined, fallback = '—'): string {
  if (rate === null || rate === undefined) return fallback;
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** The last 8 characters of an id, as people read them out (ids made in the same
 * millisecond share their first characters: they are time-ordered UUIDs). */
export function short(id: string | null | undefined): string {
  return id ? id.slice(-8) : '';
}

// Formatters are costly to make and are asked for on every board row: one per locale and form.
const formats = new Map<string, Intl.DateTimeFormat>();

function beijing(locale: string, form: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${form}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: BEIJING, ...options });
    formats.set(key, f);
  }
  return f;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A time in words of `locale`, Beijing time, 24-hour: "12月2日 19:51" / "Dec 2, 19:51"
 * (the board's deadlines: this year's, so no year). Empty for none. */
export function shortTime(locale: string, iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return '';
  return beijing(locale, 'short', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** A time in words with its year, for records: "2026年12月2日 19:51" / "Dec 2, 2026, 19:51". */
export function longTime(locale: string, iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return '';
  return beijing(locale, 'long', {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(d);
}

/** A calendar day (`2027-06-30`) in words: "2027年6月30日" / "Jun 30, 2027". */
export function longDate(locale: string, day: string | null | undefined): string {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return day ?? '';
  // Noon UTC is the same calendar day in Beijing.
  return beijing(locale, 'day', { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(`${day}T12:00:00Z`));
}

/** A number with at most `digits` decimals, trailing zeros dropped (`1.2`, `18`). */
export function num(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return String(Math.round(n * 10 ** digits) / 10 ** digits);
}

/** A picked day (`2026-12-03`) as the date inputs repeat it beside themselves: "2026年12月03日"
 * / "Dec 3, 2026" (a browser draws the input itself in its own form, e.g. 12/03/2026). */
export function dayWords(locale: string, day: string | null | undefined): string {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return '';
  if (locale === 'zh-CN') {
    const [y, m, d] = day.split('-');
    return `${y}年${m}月${d}日`;
  }
  return longDate(locale, day);
}

/** How the console names an order: its number (和平-1202-007), or for an order made before
 * numbers the last characters of its id. */
export function orderName(order: { id: string; number?: string | null } | null | undefined): string {
  if (!order) return '';
  return order.number || short(order.id);
}

/** An amount of money in 元 with two decimals and grouped thousands: "1,234.50 元" / "¥1,234.50". */
export function yuan(locale: string, amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  const n = new Intl.NumberFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
  return locale === 'zh-CN' ? `${n} 元` : `¥${n}`;
}
