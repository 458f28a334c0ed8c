// The audit trail's entries in words (审计日志): what each office action changed, from the
// short JSON the server keeps with it (routes/console/audit.rs and the routes that act).
import { codeLabel, hasKey, translate, type Locale } from './i18n';
import type { AuditEntry, AuditPerson } from './types';

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function person(locale: Locale, p: unknown): string {
  const who = p as AuditPerson | null | undefined;
  return who ? (who.name ?? who.id) : translate(locale, 'audit.nobody');
}

/** A threshold's name: its label on the thresholds tab, or "another setting". */
function setting(locale: Locale, key: string): string {
  if (key === 'company_name') return translate(locale, 'audit.companyName');
  const label = `th.${key}`;
  return hasKey(label) ? translate(locale, label) : translate(locale, 'audit.otherSetting');
}

/** Refund tiers in words (they are JSON objects of hearth-core's `RefundTier`). */
function tiers(locale: Locale, value: unknown): string {
  if (!Array.isArray(value)) return text(value);
  const list = value as { shortfall_from_c?: number; refund_pct?: number }[];
  if (!list.length) return '—';
  return list
    .map((t) => translate(locale, 'audit.w.tier', { c: text(t.shortfall_from_c), pct: text(t.refund_pct) }))
    .join(translate(locale, 'audit.w.sep'));
}

/** What the entry's action changed, in `locale`'s words. */
export function auditWords(locale: Locale, entry: AuditEntry): string {
  const d = entry.detail ?? {};
  const number = text(d.number);
  const tr = (key: Parameters<typeof translate>[1], params: Record<string, string | number> = {}) =>
    translate(locale, key, params);
  switch (entry.action) {
    case 'user_added':
      return tr('audit.w.userAdded', {
        name: text(d.display_name),
        username: text(d.username),
        role: codeLabel(locale, 'role', text(d.role)),
      });
    case 'user_disabled':
      return tr('audit.w.user', { username: text(d.username) });
    case 'device_revoked':
      return tr('audit.w.device', { name: text(d.name), username: text(d.username) });
    case 'thresholds_changed': {
      const changes = Object.entries(d).map(([key, change]) => {
        const c = change as { from?: unknown; to?: unknown };
        const value = key === 'refund_tiers' ? (v: unknown) => tiers(locale, v) : text;
        return tr('audit.w.change', { field: setting(locale, key), from: value(c.from), to: value(c.to) });
      });
      return changes.length ? changes.join(tr('audit.w.sep')) : tr('audit.w.nothingChanged');
    }
    case 'order_created':
    case 'order_from_call':
    case 'follow_up_created':
      return tr('audit.w.order', {
        number,
        kind: codeLabel(locale, 'kind', text(d.kind)),
        assignee: person(locale, d.assignee),
      });
    case 'order_assigned':
      return tr('audit.w.assigned', { number, to: person(locale, d.to) });
    case 'order_reassigned':
      return tr('audit.w.reassigned', { number, from: person(locale, d.from), to: person(locale, d.to) });
    case 'order_cancelled':
      return tr('audit.w.cancelled', {
        number,
        status: codeLabel(locale, 'status', text(d.from_status)),
        reason: text(d.reason),
      });
    default:
      return text(d);
  }
}
