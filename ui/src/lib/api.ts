// The one way the UI reaches the backend: the generated bindings, with errors thrown as
// `ApiError` (code + message + problems) so screens can `try/catch` and branch on the code.

import { commands, events } from './bindings';
import type { IpcError, ProblemDto } from './bindings';

export { commands, events };
export type * from './bindings';

/** An error from a command: `code` is from a closed set; never branch on `message`. */
export class ApiError extends Error {
  code: string;
  problems: ProblemDto[];

  constructor(e: IpcError) {
    super(e.message);
    this.code = e.code;
    this.problems = e.problems;
  }
}

type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: IpcError };

/** The command's value, or an `ApiError`. */
export async function call<T>(pending: Promise<Outcome<T>>): Promise<T> {
  const outcome = await pending;
  if (outcome.status === 'error') throw new ApiError(outcome.error);
  return outcome.data;
}

/** The code of any thrown value (`other` when it is not from the backend). */
export function errorCode(e: unknown): string {
  return e instanceof ApiError ? e.code : 'other';
}
