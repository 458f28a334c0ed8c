// An error as the dispatcher reads it: the table's words for the server's code, then the
// server's own message (it names the field or the reason).

import { ApiError } from './api';
import { type Key, hasKey, translate, type Locale } from './i18n';

export function errorMessage(locale: Locale, e: unknown): string {
  if (e instanceof ApiError) {
    const key = `error.${e.code}`;
    const words = translate(locale, hasKey(key) ? (key as Key) : 'error.other');
    return e.message ? `${words}${sep(locale)}${e.message}` : words;
  }
  return `${translate(locale, 'error.other')}${sep(locale)}${String(e)}`;
}

function sep(locale: Locale): string {
  return locale === 'en' ? ': ' : '：';
}
