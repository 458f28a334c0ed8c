// The console's one way to the server: JSON over fetch with the session's bearer token.
// A refusal becomes an `ApiError` with the server's code (a closed set; screens branch on
// it) and its message (shown after the table's words for the code). The login says it comes
// from the console, so the server lets its session expire when idle.

import { session, forget } from './session.svelte';

export class ApiError extends Error {
  code: string;
  status: number;
  /** Seconds to wait before trying again (`Retry-After` of a 429), if the server said. */
  retryAfter: number | null = null;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The error body every refusal carries: `{"error":{"code","message"}}`. */
export function parseError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return new ApiError(status, body.error.code, body.error.message ?? '');
  } catch {
    // not JSON: a proxy's page, say
  }
  return new ApiError(status, 'other', text.slice(0, 200));
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // The server keeps a browser's login as a console session, which expires when left idle.
  if (path === '/v1/auth/login') headers['x-hearth-client'] = 'console';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'unreachable', String(e));
  }
  if (!response.ok) {
    const error = parseError(response.status, await response.text());
    const retry = Number(response.headers.get('retry-after'));
    if (response.headers.has('retry-after') && Number.isFinite(retry)) error.retryAfter = retry;
    // A token the server no longer knows (logged out elsewhere, device revoked) or a session
    // left idle too long (the login page then says it expired): log in again.
    if (response.status === 401 && session.token && path !== '/v1/auth/login') forget(error.code === 'session_expired');
    throw error;
  }
  return response;
}

/** A JSON answer (or `undefined` for 204). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);
export const put = <T>(path: string, body?: unknown) => api<T>('PUT', path, body);

/** Bytes the server sends for download or display (CSV files, images). */
export async function fetchBlob(path: string): Promise<Blob> {
  return (await send('GET', path)).blob();
}

/** Downloads a CSV export under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await fetchBlob(path));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A query string of the filled-in parameters. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
