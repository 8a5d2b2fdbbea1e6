// `npm run demo` as a person uses it: the server with --demo (simulator on, jweixin served from
// the npm copy, fake WeChat API), both examples verified on iOS and Android, no request leaving.
import { utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS script, typed by use
import { staleReason } from '../../scripts/demo.mjs';
// @ts-expect-error plain JS example, typed by use
import { optionsFromEnv, startServer } from '../../examples/server/server.mjs';
import { HOST, matching, statusOf, useChromium } from './browser';

type Running = { port: number; close: () => Promise<void> };
// The demo as it starts, and the same demo serving its pages for jweixin 1.6.0.
const servers: Running[] = [];
let base: string;
let base16: string;
const open = useChromium();

beforeAll(async () => {
  const options = optionsFromEnv({ PORT: '0' }, ['--demo']);
  expect(options).toMatchObject({ simulator: true, localJweixin: true });
  servers.push(await startServer(options), await startServer({ ...options, jweixinVersion: '1.6.0' }));
  [base, base16] = servers.map((s) => `http://${HOST}:${s.port}`);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe.each(['ios', 'android'] as const)('the demo on %s', (platform) => {
  // The open-tags page asks for open tags, which need jweixin 1.6.0: a 1.4.0 would make it reject.
  it.each([
    ['/h5/', '1.4.0', () => base],
    ['/spa/', '1.4.0', () => base],
    ['/open-tags/', '1.6.0', () => base],
    ['/h5/', '1.6.0', () => base16],
    ['/spa/', '1.6.0', () => base16],
  ])('%s shows a verified card with jweixin %s from the npm copy', async (path, version, baseOf) => {
    const s = await open({ platform });
    await s.page.goto(`${baseOf()}${path}`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.getAttribute('wechat-share-simulator >> .status', 'data-state')).toBe('ok');
    expect(matching(s.requests, `/vendor/jweixin-${version}.js`)).toHaveLength(1);
    expect(matching(s.requests, '/vendor/jweixin-')).toHaveLength(1);
    expect(matching(s.requests, 'res.wx.qq.com')).toEqual([]);
  });
});

// The demo opened as WeCom (the panel's WeCom buttons, here through the session): Tencent's
// @wecom/jssdk from the npm copy, WeCom signatures from the demo server, the card on 微信.
describe.each(['wecom-ios', 'wecom-android'] as const)('the demo as %s', (platform) => {
  it('/h5/ shows a verified WeCom config and sends the card to WeChat, offline, with no jweixin', async () => {
    const s = await open({ platform });
    await s.page.goto(`${base}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.getAttribute('wechat-share-simulator >> .status', 'data-state')).toBe('ok');
    await s.page.click('wechat-share-simulator >> button[data-tap="wechat"]');
    await expect.poll(() => s.page.textContent('wechat-share-simulator >> [data-result]')).toMatch(/shareWechat:ok/);
    expect(await s.page.textContent('wechat-share-simulator >> [data-card="wechat"] .title')).toBeTruthy();
    expect(matching(s.requests, '/vendor/wecom-jssdk-2.4.0.js')).toHaveLength(1);
    expect(matching(s.requests, 'jweixin'), s.requests.join('\n')).toEqual([]);
    expect(matching(s.requests, 'platform=wecom')).toHaveLength(1);
    expect(s.refused).toEqual([]);
  });
});

// `npm install` on a built clone writes package-lock.json again, same content, new mtime: the demo
// must still start at once (issue 23.5; it rebuilt for 45 s when it compared mtimes). This
// repository's dist/ was just built and stamped by `npm run build`.
it('needs no build after package-lock.json is touched', () => {
  const now = new Date();
  utimesSync('package-lock.json', now, now);
  expect(staleReason()).toBeUndefined();
});
