// The audit trail's entries in words: each action named in Chinese, what changed readable,
// no code or JSON key left on a zh-CN screen.
import { describe, expect, it } from 'vitest';
import { auditWords } from './audit';
import { codeLabel } from './i18n';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './types';

function entry(action: AuditAction, detail: Record<string, unknown>): AuditEntry {
  return {
    id: 1, at: '2026-12-03T01:00:00Z', actor_id: 'a', actor_username: 'dispatcher', actor_name: '调度员',
    device_id: 'd', action, subject_id: null, detail,
  };
}

const tech = { id: 't1', name: '张师傅' };
const insp = { id: 'i1', name: '李师傅' };
const samples: Record<AuditAction, Record<string, unknown>> = {
  user_added: { username: 'tech9', display_name: '王师傅', role: 'technician', station_id: 's' },
  user_disabled: { username: 'tech9' },
  device_revoked: { name: '3号车平板', username: 'tech1' },
  thresholds_changed: {
    price_yuan_per_m2: { from: 25, to: 31.5 },
    company_name: { from: '供热服务有限公司', to: '和平热力有限公司' },
    refund_tiers: { from: [{ shortfall_from_c: 1, refund_pct: 20 }], to: [] },
  },
  order_created: { number: '和平-1203-001', kind: 'inspection', assignee: null },
  order_from_call: { number: '和平-1203-002', kind: 'repair', assignee: tech },
  follow_up_created: { number: '和平-1203-003', kind: 'follow_up', assignee: null },
  order_assigned: { number: '和平-1203-001', from: null, to: tech },
  order_reassigned: { number: '和平-1203-001', from: tech, to: insp },
  order_cancelled: { number: '和平-1203-001', from_status: 'assigned', reason: '住户已搬走' },
};

describe('the audit trail in words', () => {
  it('names every action in Chinese', () => {
    for (const action of AUDIT_ACTIONS) {
      const name = codeLabel('zh-CN', 'audit.a', action);
      expect(name, action).not.toBe(action);
      expect(name, action).not.toMatch(/[A-Za-z]/);
    }
  });

  it('says what changed, with no codes or keys on a zh-CN screen', () => {
    for (const action of AUDIT_ACTIONS) {
      const words = auditWords('zh-CN', entry(action, samples[action]));
      // Only the demo usernames are Latin: data people typed, not words of the UI.
      expect(words.replace(/tech\d/g, ''), action).not.toMatch(/[A-Za-z]/);
    }
    expect(auditWords('zh-CN', entry('order_reassigned', samples.order_reassigned))).toBe(
      '工单 和平-1203-001 由 张师傅 改派给 李师傅',
    );
    expect(auditWords('zh-CN', entry('order_assigned', samples.order_assigned))).toBe('工单 和平-1203-001 派给 张师傅');
    expect(auditWords('zh-CN', entry('thresholds_changed', samples.thresholds_changed))).toBe(
      '采暖费单价（元/㎡）：25 → 31.5；公司名称：供热服务有限公司 → 和平热力有限公司；退费档次：低于标准 1 ℃ 起退 20% → —',
    );
    expect(auditWords('zh-CN', entry('user_added', samples.user_added))).toContain('维修');
    expect(auditWords('en', entry('order_cancelled', samples.order_cancelled))).toBe(
      'Order 和平-1203-001 cancelled (was Assigned), reason: 住户已搬走',
    );
  });
});
