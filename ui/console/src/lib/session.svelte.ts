// Who is logged in: the token and user from POST /v1/auth/login, kept in localStorage so a
// reload keeps the dispatcher logged in. The browser is a "device" to the server: it has its
// own id, kept too, so logging in again replaces this browser's token instead of adding one.

import type { User } from './types';

const SESSION_KEY = 'hearth.console.session';
const DEVICE_KEY = 'hearth.console.device';

function load(): { token: string | null; user: User | null } {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as { token: string; user: User } | null;
    if (saved?.token && saved.user) return saved;
  } catch {
    // a damaged entry: start logged out
  }
  return { token: null, user: null };
}

export const session = $state(load());

export function remember(token: string, user: User): void {
  session.token = token;
  session.user = user;
  localStorage.setItem(SESSION_KEY, JSON.stringify({ token, user }));
}

export function forget(): void {
  session.token = null;
  session.user = null;
  localStorage.removeItem(SESSION_KEY);
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
