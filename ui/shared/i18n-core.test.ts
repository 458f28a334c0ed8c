// The shared label lookups, over a small table of their own (each UI's test checks its
// real table): fallbacks, placeholders, codes and error codes.
import { describe, expect, it } from 'vitest';
import { type Tables, labels } from './i18n-core';

type Key = 'greet' | 'only.zh' | 'status.done' | 'error.unreachable' | 'error.other';

const tables = {
  'zh-CN': {
    greet: '你好，{name}（{n}）',
    'only.zh': '只有中文',
    'status.done': '已完成',
    'error.unreachable': '无法连接服务器',
    'error.other': '出错了',
  },
  // A table typed as complete can still miss a label at run time (a key added in a hurry).
  en: {
    greet: 'Hello, {name} ({n})',
    'status.done': 'Done',
    'error.unreachable': 'Cannot reach the server',
    'error.other': 'Something went wrong',
  },
} as Tables<Key>;

const { translate, hasKey, codeLabel, errorText } = labels<Key>(tables);

describe('the shared label lookups', () => {
  it('fill placeholders, and leave a placeholder without a value as it is', () => {
    expect(translate('en', 'greet', { name: 'Li', n: 2 })).toBe('Hello, Li (2)');
    expect(translate('zh-CN', 'greet', { name: '李' })).toBe('你好，李（{n}）');
  });

  it('fall back to zh-CN for a label missing in another language, then to the key', () => {
    expect(translate('en', 'only.zh')).toBe('只有中文');
    expect(translate('en', 'not.there' as Key)).toBe('not.there');
  });

  it('know which keys the table has', () => {
    expect(hasKey('status.done')).toBe(true);
    expect(hasKey('status.future')).toBe(false);
  });

  it('word codes, and show an unknown code as it is', () => {
    expect(codeLabel('zh-CN', 'status', 'done')).toBe('已完成');
    expect(codeLabel('en', 'status', 'done')).toBe('Done');
    expect(codeLabel('en', 'status', 'future_status')).toBe('future_status');
  });

  it('word error codes, and an unknown one as "other"', () => {
    expect(errorText('en', 'unreachable')).toBe('Cannot reach the server');
    expect(errorText('zh-CN', 'something_new')).toBe('出错了');
    expect(errorText('en', 'something_new')).toBe('Something went wrong');
  });
});
