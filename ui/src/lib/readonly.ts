// A signed report's content as rows of label and value, in the user's language, for the
// read-only view. Pure presentation of hearth-core's JSON: no rule is applied here.
import { type Key, type Locale, codeLabel, translate } from './i18n';
import { inputInWords, shortTime } from './time';

export interface Row {
  label: string;
  value: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The rows of a report's body (`report.body`), in `locale`. */
export function rows(locale: Locale, body: Json | undefined): Row[] {
  const t = (key: Key, params: Record<string, string | number> = {}) => translate(locale, key, params);
  const yes = (b: unknown) => (b ? t('common.yes') : t('common.no'));
  const text = (s: unknown) => (typeof s === 'string' && s.trim() ? s : '—');
  const d: Json = body?.data ?? {};
  const list = (items: string[]) => items.join(locale === 'en' ? ', ' : '、');
  const out: Row[] = [];
  const row = (key: Key, value: string) => out.push({ label: t(key), value });
  switch (body?.kind) {
    case 'temperature_check':
      row('temp.serial', text(d.thermometer?.serial));
      row('temp.certificate', `${text(d.thermometer?.certificate_no)} · ${inputInWords(locale, d.thermometer?.certificate_expires ?? '') || '—'}`);
      row('temp.checked', yes(d.thermometer?.checked_working));
      row('temp.doorsClosed', String(d.conditions?.doors_windows_closed_minutes ?? '—'));
      row('temp.atCentre', yes(d.conditions?.probe_at_room_centre));
      row('temp.height', String(d.conditions?.probe_height_m ?? '—'));
      for (const r of d.readings ?? []) {
        out.push({ label: locale === 'en' ? `${r.room_name} (${codeLabel(locale, 'room', r.room_type)})` : `${r.room_name}（${codeLabel(locale, 'room', r.room_type)}）`, value: `${r.celsius} °C · ${shortTime(locale, r.measured_at)}` });
      }
      if (d.outdoor_celsius !== undefined) row('temp.outdoor', `${d.outdoor_celsius} °C`);
      row('temp.belowDesign', yes(d.below_design_weather));
      if ((d.findings ?? []).length) row('temp.findings', list(d.findings.map((f: string) => codeLabel(locale, 'finding', f))));
      if (d.findings_note) row('temp.findingsNote', d.findings_note);
      break;
    case 'repair_visit':
      row('repair.arrived', shortTime(locale, d.arrived_at));
      row('repair.category', codeLabel(locale, 'fault', d.fault_category));
      row('repair.cause', text(d.cause));
      row('repair.workDone', text(d.work_done));
      for (const p of d.parts ?? []) out.push({ label: t('repair.parts'), value: `${p.name} × ${p.quantity} ${p.unit}` });
      row(d.outcome?.status === 'fixed' ? 'repair.fixed' : 'repair.notFixed', d.outcome?.reason ?? t('common.yes'));
      row('repair.finished', shortTime(locale, d.finished_at));
      if (d.property_damage) {
        row('repair.damageDescription', text(d.property_damage.description));
        row('repair.apologized', yes(d.property_damage.apologized));
        if (d.property_damage.compensation_yuan !== undefined) row('repair.compensation', String(d.property_damage.compensation_yuan));
      }
      break;
    case 'area_remeasurement':
      row('area.appointment', `${shortTime(locale, d.appointment?.agreed_at)} · ${t('area.kept')}: ${yes(d.appointment?.kept)}`);
      if (d.appointment?.note) row('area.note', d.appointment.note);
      for (const r of d.rooms ?? []) {
        const m = r.measure ?? {};
        out.push({ label: r.name, value: m.method === 'area' ? `${m.area_m2} m²` : `${m.length_m} × ${m.width_m} m` });
      }
      row('area.billed', `${d.billed_area_m2} m²`);
      out.push({ label: t('area.tolerance', { pct: d.tolerance_pct }), value: '' });
      break;
    case 'inspection':
      row('insp.violations', list((d.violations ?? []).map((v: string) => codeLabel(locale, 'violation', v))));
      row('insp.description', text(d.description));
      row('insp.measures', text(d.measures_taken));
      break;
  }
  return out;
}

/** The customer's feedback rows. */
export function feedbackRows(locale: Locale, report: Json | undefined): Row[] {
  const f: Json = report?.feedback ?? {};
  const out: Row[] = [{ label: translate(locale, 'sign.opinion'), value: f.opinion?.trim() ? f.opinion : '—' }];
  if (f.satisfaction) out.push({ label: translate(locale, 'sign.satisfaction'), value: codeLabel(locale, 'satisfaction', f.satisfaction) });
  return out;
}
