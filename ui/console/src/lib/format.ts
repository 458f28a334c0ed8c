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
