// The boot snippet in Chromium (issue 23.1): the example server serving pages with bootScript()'s tag
// first in <head>, the real jweixin 1.4.0 at its official address (intercepted), the simulated
// client verifying the card. Whatever the order of the snippet and the SDK, the page makes exactly
// one jweixin request and one signing request; outside WeChat, none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS example, typed by use
import { startServer } from '../../examples/server/server.mjs';
import { bootScript } from '../../src/server/bootScript';
import { HOST, jweixinUrl, matching, statusOf, useChromium } from './browser';

const ENDPOINT = '/api/wechat/signature';
const BOOT = bootScript({ endpoint: ENDPOINT });
const SDK = `<script src="/dist/wechat-share.iife.js" data-endpoint="${ENDPOINT}"></script>`;
const SHARE = `<script>
  WechatShare.setupShare({ title: 'Boot' }).then(
    (r) => (document.getElementById('status').textContent = r.status === 'unsupported' ? r.reason : r.status),
    (e) => (document.getElementById('status').textContent = e.code),
  );
</script>`;
// Each page: what its <head> and <body> carry.
const PAGES: Record<string, [string, string]> = {
  'snippet-first.html': [BOOT, `${SDK}${SHARE}`],
  'sdk-first.html': [SDK, `${BOOT}${SHARE}`],
  'snippet-only.html': [BOOT, '<script>document.getElementById("status").textContent = "no sdk"</script>'],
};

const dir = mkdtempSync(join(tmpdir(), 'wechat-share-boot-'));
let server: { port: number; close: () => Promise<void> };
let base: string;
const open = useChromium();

beforeAll(async () => {
  for (const [name, [head, body]] of Object.entries(PAGES)) {
    writeFileSync(join(dir, name), `<!doctype html><html><head><meta charset="utf-8">${head}<title>Boot</title></head><body><p id="status">starting…</p>${body}</body></html>`);
  }
  server = await startServer({ port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 0, fixturesDir: dir, embedSignature: false });
  base = `http://${HOST}:${server.port}`;
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['ios', 'android'] as const)('on %s', (platform) => {
  it.each(['snippet-first.html', 'sdk-first.html'])('%s: the card verified with 1 jweixin request and 1 signing request', async (page) => {
    const s = await open({ platform, jweixin: 100, signingDelay: 100 });
    await s.page.goto(`${base}/fixtures/${page}`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.getAttribute('wechat-share-simulator >> .status', 'data-state')).toBe('ok');
    expect(matching(s.requests, 'jweixin-')).toEqual([`GET ${jweixinUrl('1.4.0')}`]);
    expect(s.signing).toEqual([`${base}/fixtures/${page}`]);
    // Who made them: the snippet (its jweixin left in the hand-over, its answer taken from it), or,
    // when the SDK ran first, the SDK (its claim, empty, made the snippet start nothing).
    expect(await s.page.evaluate(() => Object.keys(window.wechatShareBoot!))).toEqual(page === 'snippet-first.html' ? ['jweixin'] : []);
  });

  it('the SDK never loaded: the snippet\'s two requests, no page error', async () => {
    const s = await open({ platform });
    await s.page.goto(`${base}/fixtures/snippet-only.html`);
    expect(await statusOf(s.page)).toBe('no sdk');
    await s.page.waitForFunction(() => window.wechatShareBoot?.jweixin && typeof window.wx?.config == 'function');
    await expect.poll(() => s.signing.length).toBe(1);
    expect(matching(s.requests, 'jweixin-')).toHaveLength(1);
  });
});

it('outside WeChat: no jweixin and no signing request from either', async () => {
  const s = await open({ platform: 'browser' });
  await s.page.goto(`${base}/fixtures/snippet-first.html`);
  expect(await statusOf(s.page)).toBe('not-wechat');
  expect(matching(s.requests, 'jweixin-')).toEqual([]);
  expect(s.signing).toEqual([]);
  expect(await s.page.evaluate(() => window.wechatShareBoot)).toBeUndefined();
});
