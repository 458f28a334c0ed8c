// One word per concept across the tablet and the console: the labels of the domain's codes
// (work-order statuses, kinds, priorities and sources, report kinds, faults, violations,
// rooms, user-caused findings, satisfaction) in zh-CN and en. Both UIs' label tables spread
// these in, and the server's CSV exports and the app's system notifications read the same
// file (glossary.json, through hearth_core::glossary), so a dispatcher and a technician
// never see two words for one thing.

import words from './glossary.json';

export const glossary = { 'zh-CN': words['zh-CN'], en: words.en } as const;

export type GlossaryKey = keyof (typeof words)['zh-CN'];
