import { describe, expect, it } from 'vitest';
import { byField, messagesFor } from './problems';
import { type FormState, blankBody, photosAt, reportKindFor, toReport } from './report';
import { toLocalInput } from './time';
import { fromReport } from './amend';

function state(kind: Parameters<typeof blankBody>[0]): FormState {
  return {
    reportId: '0190a0a0-0000-7000-8000-000000000001',
    householdId: '0190a0a0-0000-7000-8000-000000000002',
    workOrderId: null,
    authorId: '0190a0a0-0000-7000-8000-000000000003',
    createdAt: '2026-11-27T10:00:00.000Z',
    amendment: null,
    photos: [],
    opinion: '',
    satisfaction: 'satisfied',
    signerName: '张三',
    refused: false,
    refusalReason: '',
    witnessName: '',
    body: blankBody(kind, { now: '2026-11-27T10:00:00.000Z', billedArea: 80, tolerancePct: 3 }),
  };
}

describe('forms to reports', () => {
  it('builds the temperature check hearth-core reads, numbers as numbers', () => {
    const s = state('temperature_check');
    if (s.body.kind !== 'temperature_check') throw new Error('kind');
    Object.assign(s.body.form, {
      serial: 'T-1', certificateNo: 'C-1', certificateExpires: '2027-06-30', checkedWorking: true,
      doorsClosedMinutes: '45', atCentre: true, probeHeight: '1,2', outdoor: '-5.5',
    });
    s.body.form.readings[0] = { roomName: '主卧', roomType: 'bedroom', celsius: '19.5', measuredAt: '2026-11-27T10:05:00.000Z' };
    const { report, local } = toReport(s);
    expect(local).toEqual({});
    expect(report.body).toEqual({
      kind: 'temperature_check',
      data: {
        thermometer: { serial: 'T-1', certificate_no: 'C-1', certificate_expires: '2027-06-30', checked_working: true },
        conditions: { doors_windows_closed_minutes: 45, probe_at_room_centre: true, probe_height_m: 1.2 },
        readings: [{ room_name: '主卧', room_type: 'bedroom', celsius: 19.5, measured_at: '2026-11-27T10:05:00.000Z' }],
        outdoor_celsius: -5.5,
        below_design_weather: false,
        findings: [],
        findings_note: '',
      },
    });
    expect(report.feedback).toEqual({ opinion: '', satisfaction: 'satisfied' });
    expect('work_order_id' in report).toBe(false);
  });

  it('marks text that is not a number instead of sending it', () => {
    const s = state('temperature_check');
    if (s.body.kind !== 'temperature_check') throw new Error('kind');
    s.body.form.readings[0].celsius = '十九';
    const { local } = toReport(s);
    expect(local['readings[0].celsius']).toBe('not_a_number');
    expect(local['conditions.probe_height_m']).toBe('not_a_number');
    const shown = byField(
      [{ field: 'readings[0].celsius', code: 'temperature_out_of_range', message: 'backend saw a placeholder' }],
      local,
      'zh-CN',
    );
    expect(messagesFor(shown, 'readings[0].celsius')).toEqual(['请输入有效的数字']);
  });

  it('a refusal sends no satisfaction', () => {
    const s = state('inspection');
    s.refused = true;
    expect(toReport(s).report.feedback).toEqual({ opinion: '' });
  });

  it('a household caught in a violation is not asked its satisfaction; one found in order is', () => {
    const s = state('inspection');
    if (s.body.kind !== 'inspection') throw new Error('kind');
    s.body.form.violations = ['unauthorized_connection'];
    expect(toReport(s).report.feedback).toEqual({ opinion: '' });
    s.body.form.violations = [];
    expect(toReport(s).report.feedback).toEqual({ opinion: '', satisfaction: 'satisfied' });
  });

  it("a repair's arrival starts from the order's 已到场, and a repair started elsewhere is blank", () => {
    const tapped = '2026-11-27T09:12:00.000Z';
    const body = blankBody('repair_visit', { now: tapped, billedArea: 0, tolerancePct: 3, arrivedAt: tapped });
    if (body.kind !== 'repair_visit') throw new Error('kind');
    expect(body.form.arrivedAt).toBe(toLocalInput(tapped));
    expect(body.form.arrivedFromOrder).toBe(true);
    const blank = blankBody('repair_visit', { now: tapped, billedArea: 0, tolerancePct: 3 });
    if (blank.kind !== 'repair_visit') throw new Error('kind');
    expect(blank.form.arrivedAt).toBe('');
  });

  it("a repair's photos keep whether they were taken before or after the work", () => {
    const s = state('repair_visit');
    const photo = (n: string, stage?: 'before' | 'after') => ({ sha256: n.repeat(64), mime_type: 'image/png', size_bytes: 10, ...(stage ? { stage } : {}) });
    s.photos = [photo('a', 'before'), photo('b', 'after'), photo('c', 'after')];
    expect(toReport(s).report.attachments?.map((p) => p.stage)).toEqual(['before', 'after', 'after']);
    expect(photosAt(s.photos, 'after').map((p) => p.sha256[0])).toEqual(['b', 'c']);
    expect(photosAt([photo('d')], null)).toHaveLength(1);
  });

  it('an amendment reads back into the same form', () => {
    const s = state('repair_visit');
    if (s.body.kind !== 'repair_visit') throw new Error('kind');
    Object.assign(s.body.form, { arrivedAt: '2026-11-27T09:00', finishedAt: '2026-11-27T09:45', cause: '阀门', workDone: '更换阀门' });
    s.body.form.parts.push({ name: '阀门', quantity: '1', unit: '个' });
    const { report } = toReport(s);
    const info = { user: { id: s.authorId } } as never;
    const again = fromReport(report, info, { signatures: [{ role: 'customer', signer_name: '张三' }] } as never);
    expect(toReport(again).report).toEqual(report);
  });

  it('picks the form a work order calls for', () => {
    expect(reportKindFor('repair')).toBe('repair_visit');
    expect(reportKindFor('follow_up')).toBe('temperature_check');
    expect(reportKindFor('area_remeasure')).toBe('area_remeasurement');
  });
});

describe('the read-only view', () => {
  it('words a signed inspection in either language, codes included', async () => {
    const { rows } = await import('./readonly');
    const body = { kind: 'inspection', data: { violations: ['unauthorized_connection', 'other'], description: '私接', measures_taken: '告知' } };
    expect(rows('zh-CN', body)[0]).toEqual({ label: '违规类型', value: '私接、其他' });
    expect(rows('en', body)[0]).toEqual({ label: 'Violations', value: 'Unauthorized connection, Other' });
  });
});
