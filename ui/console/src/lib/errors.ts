// An error as the dispatcher reads it: the table's words for the server's code. The server's
// own message is English, written for developers: it follows the words only in the English
// console, so the Chinese console never shows English. Where a screen knows what was being
// done, it passes its own words (`hint`) to say what to check.

import { ApiError } from './api';
import { type Locale, errorText, translate } from './i18n';

export function errorMessage(locale: Locale, e: unknown, hint?: string): string {
  const words = e instanceof ApiError ? errorText(locale, e.code) : translate(locale, 'error.other');
  const detail = locale === 'en' ? (e instanceof ApiError ? e.message : String(e)) : '';
  return [words, hint, detail].filter(Boolean).join(sep(locale));
}

function sep(locale: Locale): string {
  return locale === 'en' ? ': ' : '：';
}
