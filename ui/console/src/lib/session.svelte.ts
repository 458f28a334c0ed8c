// Who is logged in: the token and user from POST /v1/auth/login, kept in sessionStorage: a
// reload keeps the dispatcher logged in, but closing the browser ends the session, and the
// server ends it too after an idle time (then `expired` makes the login page say so).
// Nothing that logs in is kept in localStorage, so an office PC left alone does not stay
// logged in for good. The browser is a "device" to the server: it has its own id, kept in
// localStorage (it is no secret), so logging in again replaces this browser's token instead
// of adding a device.

import type { User } from './types';

const SESSION_KEY = 'hearth.console.session';
const DEVICE_KEY = 'hearth.console.device';

function load(): { token: string | null; user: User | null; expired: boolean } {
  try {
    // An older console kept the session in localStorage: drop it.
    localStorage.removeItem(SESSION_KEY);
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as { token: string; user: User } | null;
    if (saved?.token && saved.user) return { ...saved, expired: false };
  } catch {
    // a damaged entry: start logged out
  }
  return { token: null, user: null, expired: false };
}

export const session = $state(load());

export function remember(token: string, user: User): void {
  session.token = token;
  session.user = user;
  session.expired = false;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, user }));
}

/** Logs out here; `expired`: because the server ended the session (the login page says so). */
export function forget(expired = false): void {
  session.token = null;
  session.user = null;
  session.expired = expired;
  sessionStorage.removeItem(SESSION_KEY);
}

/** This browser's device id for the server's device list. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
