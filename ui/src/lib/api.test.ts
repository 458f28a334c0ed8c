import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, call, commands, errorCode } from './api';

beforeAll(() => {
  // The mocks install Tauri's IPC on `window`; Node has none.
  (globalThis as { window?: unknown }).window ??= globalThis;
});
afterEach(() => clearMocks());

describe('calling the backend', () => {
  it('passes arguments by their Rust names and returns the value', async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === 'search_households') return [{ id: 'h1', owner_name: '李四' }];
      return null;
    });
    const hits = await call(commands.searchHouseholds('李四', 20));
    expect(hits).toEqual([{ id: 'h1', owner_name: '李四' }]);
    expect(seen).toEqual([['search_households', { query: '李四', limit: 20 }]]);
  });

  it('throws errors as codes with their problems', async () => {
    mockIPC(() => {
      throw { code: 'invalid', message: 'the record has 1 problem(s)', problems: [{ field: 'cause', code: 'missing', message: '请填写故障原因' }] };
    });
    const failure = await call(commands.validateReport({} as never)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(errorCode(failure)).toBe('invalid');
    expect((failure as ApiError).problems[0].message).toBe('请填写故障原因');
    expect(errorCode(new Error('boom'))).toBe('other');
  });
});
