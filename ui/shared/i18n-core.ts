// The label lookup both UIs share (the field app in ui/src, the console in ui/console/src):
// each UI keeps its own zh-CN and en table and gets translate, hasKey, codeLabel and
// errorText typed over that table's keys from `labels`. zh-CN is the default language and
// the fallback for a label missing in another one.

export type Locale = 'zh-CN' | 'en';

/** Values for a label's `{name}` placeholders. */
export type Params = Record<string, string | number>;

/** A UI's label table: every key in both languages; `error.other` words any error. */
export type Tables<K extends string> = Record<Locale, Record<K | 'error.other', string>>;

/** The lookups over one UI's table. */
export interface Labels<K extends string> {
  /** The label `key` in `locale`, with `{name}` placeholders filled from `params`. */
  translate(locale: Locale, key: K, params?: Params): string;
  /** Whether `key` is a label of the table (for labels built from codes, e.g. `status.done`). */
  hasKey(key: string): key is K;
  /** The label of a code from the backend (`status.`, `kind.`…), or the code itself. */
  codeLabel(locale: Locale, prefix: string, code: string): string;
  /** The UI's words for an error code from the backend (`error.<code>`, else `error.other`). */
  errorText(locale: Locale, code: string): string;
}

/** The lookups over `tables`: a label missing in a language falls back to zh-CN, then to its key. */
export function labels<K extends string>(tables: Tables<K>): Labels<K> {
  const translate = (locale: Locale, key: K | 'error.other', params: Params = {}): string => {
    const text = tables[locale][key] ?? tables['zh-CN'][key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
  const hasKey = (key: string): key is K => key in tables['zh-CN'];
  return {
    translate,
    hasKey,
    codeLabel(locale, prefix, code) {
      const key = `${prefix}.${code}`;
      return hasKey(key) ? translate(locale, key) : code;
    },
    errorText(locale, code) {
      const key = `error.${code}`;
      return translate(locale, hasKey(key) ? key : 'error.other');
    },
  };
}
