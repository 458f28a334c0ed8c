// The current UI language as reactive state: switching it re-renders every label.
import { type Key, type Locale, codeLabel, errorText, translate } from './i18n';

export const ui = $state<{ locale: Locale }>({ locale: 'zh-CN' });

/** The label `key` in the current language. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  return translate(ui.locale, key, params);
}

/** The label of a backend code in the current language (`tc('status', 'done')`). */
export function tc(prefix: string, code: string): string {
  return codeLabel(ui.locale, prefix, code);
}

/** The current language's words for an error code. */
export function te(code: string): string {
  return errorText(ui.locale, code);
}
