// The current console language as reactive state (kept in localStorage): switching it
// re-renders every label.
import { type Key, type Locale, codeLabel, translate } from './i18n';

const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem('hearth.console.locale');

export const ui = $state<{ locale: Locale }>({ locale: saved === 'en' ? 'en' : 'zh-CN' });

export function setLocale(locale: Locale): void {
  ui.locale = locale;
  localStorage.setItem('hearth.console.locale', locale);
  document.documentElement.lang = locale;
}

/** The label `key` in the current language. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  return translate(ui.locale, key, params);
}

/** The label of a server code in the current language (`tc('status', 'done')`). */
export function tc(prefix: string, code: string): string {
  return codeLabel(ui.locale, prefix, code);
}
