// @vitest-environment node
// Server-side rendering: no window, no document. Importing must not throw, and setupShare
// resolves instead of touching browser globals.
import { describe, expect, it } from 'vitest';

describe.each([
  ['src', '../src/index'],
  ['dist ESM', '../dist/wechat-share.mjs'],
])('%s under SSR', (_, entry) => {
  it('imports without throwing and resolves unsupported', async () => {
    expect(typeof window).toBe('undefined');
    const sdk = (await import(/* @vite-ignore */ entry)) as typeof import('../src/index');
    await expect(sdk.setupShare({ title: 'x' }, { endpoint: '/sign' })).resolves.toEqual({ status: 'unsupported', reason: 'no-window' });
  });
});
