// The console's one way to the server: JSON over fetch with the session's bearer token.
// A refusal becomes an `ApiError` with the server's code (a closed set; screens branch on
// it) and its message (shown after the table's words for the code).

import { session, forget } from './session.svelte';

export class ApiError extends Error {
  code: string;
  status: number;

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
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'unreachable', String(e));
  }
  if (!response.ok) {
    const error = parseError(response.status, await response.text());
    // A token the server no longer knows (logged out elsewhere, device revoked): log in again.
    if (response.status === 401 && session.token && path !== '/v1/auth/login') forget();
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
