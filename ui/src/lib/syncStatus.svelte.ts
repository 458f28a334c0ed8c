// The sync worker's latest status, shared by the status bar and the screens that depend on
// it (the order list waits for the first download before it says there is no work).
import { type SyncStatusEvent, call, commands, events } from './api';

export const sync = $state<{ status: SyncStatusEvent | null }>({ status: null });

let watching: Promise<void> | null = null;

/** Starts following the worker's status events (once; later calls share the first). */
export function watchSync(): Promise<void> {
  watching ??= (async () => {
    await events.syncStatusEvent.listen((e) => {
      sync.status = e.payload;
    });
    sync.status = await call(commands.syncStatus());
  })();
  return watching;
}

export { downloadShown, firstPullPending } from './download';
