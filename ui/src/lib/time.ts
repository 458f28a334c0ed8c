// Times as a technician reads them: "3 分钟前", and local date-times for inputs.
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

/** A short local date and time for lists: "11-27 14:05". */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
