// The first download's words: the status bar never says "all synced" and the list never
// says "no work" before the first download has finished.
import { describe, expect, it } from 'vitest';
import type { SyncStatusEvent } from './bindings';
import { LARGE_CATCH_UP, downloadShown, firstPullPending } from './download';

const status = (over: Partial<SyncStatusEvent>): SyncStatusEvent => ({
  online: true,
  syncing: false,
  pending: 0,
  rejected: 0,
  last_success_at: null,
  last_error_code: null,
  last_error: null,
  first_pull_done: false,
  download: null,
  ...over,
});

describe('the first download', () => {
  it('is pending until the worker says it has finished, and while its status is unknown', () => {
    expect(firstPullPending(null)).toBe(true);
    expect(firstPullPending(status({ syncing: true }))).toBe(true);
    expect(firstPullPending(status({ first_pull_done: true, last_success_at: '2026-12-03T08:00:00Z' }))).toBe(false);
  });

  it('shows its progress; a later ordinary sync does not, a large catch-up does', () => {
    const running = { done: 5000, total: 20012 };
    expect(downloadShown(status({ syncing: true, download: running }))).toEqual(running);
    expect(downloadShown(status({ syncing: true, download: { done: 0, total: null } }))).toEqual({ done: 0, total: null });
    const later = (total: number) => status({ first_pull_done: true, syncing: true, download: { done: 0, total } });
    expect(downloadShown(later(3))).toBeNull();
    expect(downloadShown(later(LARGE_CATCH_UP))).toEqual({ done: 0, total: LARGE_CATCH_UP });
    expect(downloadShown(status({ first_pull_done: true }))).toBeNull();
  });
});
