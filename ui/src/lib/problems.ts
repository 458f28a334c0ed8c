// Problems by field, for showing each message next to its field.
import type { ProblemDto } from './bindings';
import { type Locale, translate } from './i18n';
import type { LocalProblems } from './report';

export type ProblemsByField = Record<string, string[]>;

/** Groups hearth-core's problems by field; a field whose text could not be read shows the
 *  local problem instead (the backend saw a placeholder there). */
export function byField(problems: ProblemDto[], local: LocalProblems, locale: Locale): ProblemsByField {
  const out: ProblemsByField = {};
  for (const [field, code] of Object.entries(local)) {
    out[field] = [translate(locale, code === 'required' ? 'common.required' : 'form.notANumber')];
  }
  for (const p of problems) {
    if (field_in(local, p.field)) continue;
    (out[p.field] ??= []).push(p.message);
  }
  return out;
}

function field_in(local: LocalProblems, field: string): boolean {
  return field in local;
}

/** Messages for `field`, or for any field under it when `prefix` is true. */
export function messagesFor(problems: ProblemsByField, field: string, prefix = false): string[] {
  if (!prefix) return problems[field] ?? [];
  return Object.entries(problems)
    .filter(([f]) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`))
    .flatMap(([, m]) => m);
}
