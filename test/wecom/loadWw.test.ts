// Loading Tencent's WeCom JS-SDK (ww) after the boot snippet: a wwcdn path the snippet left hanging
// costs one time limit, not two (the SDK goes on to the backup path, and does not ask the hanging
// one again). jsdom loads no scripts: every <script> here stays pending, as a hanging CDN does.
import { afterEach, expect, it, vi } from 'vitest';
import { page, resetPageState } from '../../src/lib/pageState';
import { loadWw, WECOM_SDK_URLS } from '../../src/wecom/shareInWecom';

afterEach(() => {
  vi.useRealTimers();
  resetPageState();
  delete window.wechatShareBoot;
  document.head.innerHTML = '';
});

const added: string[] = [];
new MutationObserver((mutations) => {
  for (const mutation of mutations) for (const node of mutation.addedNodes) if (node instanceof HTMLScriptElement) added.push(node.src);
}).observe(document.head, { childList: true });

it('waits one time limit for the snippet\'s ww, then asks the backup path, not the hanging one again', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  // What the snippet left: its script for the first path, pending, and its promise, never settling.
  const hanging = document.createElement('script');
  hanging.src = WECOM_SDK_URLS[0];
  document.head.appendChild(hanging);
  window.wechatShareBoot = { ww: new Promise(() => undefined) };
  await Promise.resolve();
  added.length = 0;
  const loaded = loadWw(WECOM_SDK_URLS, 1000).catch((error: Error) => error);
  await vi.advanceTimersByTimeAsync(999);
  expect(added).toEqual([]);
  await vi.advanceTimersByTimeAsync(2);
  expect(added).toEqual([WECOM_SDK_URLS[1]]);
  await vi.advanceTimersByTimeAsync(1000);
  expect(await loaded).toMatchObject({ code: 'SDK_LOAD_FAILED', message: `Could not load the WeCom JS-SDK: ${WECOM_SDK_URLS[0]}: timed out (1000 ms); ${WECOM_SDK_URLS[1]}: timed out (1000 ms)` });
  // A failed load is forgotten: the next call tries again.
  expect(page.wwLoading).toBeUndefined();
});
