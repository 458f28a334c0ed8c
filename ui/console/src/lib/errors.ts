// An error as the dispatcher reads it: the table's words for the server's code, then the
// server's own message (it names the field or the reason).

import { ApiError } from './api';
import { type Locale, errorText, translate } from './i18n';

export function errorMessage(locale: Locale, e: unknown): string {
  if (e instanceof ApiError) {
    const words = errorText(locale, e.code);
    return e.message ? `${words}${sep(locale)}${e.message}` : words;
  }
  return `${translate(locale, 'error.other')}${sep(locale)}${String(e)}`;
}

function sep(locale: Locale): string {
  return locale === 'en' ? ': ' : '：';
}
