// Which screen is shown: a small stack, so "back" returns where the technician came from;
// and which orders the list shows, kept while the technician goes in and out of orders.
import type { OrderView } from './agenda';

export type Screen =
  | { name: 'orders' }
  | { name: 'search' }
  | { name: 'settings' }
  | { name: 'order'; id: string }
  | { name: 'household'; id: string }
  | { name: 'form'; draftId: string }
  | { name: 'report'; id: string };

export const nav = $state<{ stack: Screen[] }>({ stack: [{ name: 'orders' }] });

/** The order list's choice of day; each start of the app opens on today. */
export const listing = $state<{ view: OrderView }>({ view: { kind: 'today' } });

export function current(): Screen {
  return nav.stack[nav.stack.length - 1];
}

export function go(screen: Screen): void {
  nav.stack.push(screen);
}

/** Replaces the current screen (a signed form becomes its read-only view). */
export function replace(screen: Screen): void {
  nav.stack[nav.stack.length - 1] = screen;
}

export function back(): void {
  if (nav.stack.length > 1) nav.stack.pop();
}

/** Starts over at a top-level screen. */
export function home(screen: Screen): void {
  nav.stack = [screen];
}
