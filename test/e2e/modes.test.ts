// The ways to start beyond one setupShare call, in Chromium with the real jweixin 1.4.0 and 1.6.0: the
// script tag's early start, the Open Graph auto mode, a Mini Program web-view, and the
// server-embedded signature across an iOS session.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS example, typed by use
import { startServer } from '../../examples/server/server.mjs';
import { JWEIXIN_VERSIONS, PLATFORMS_AND_VERSIONS, SHOTS, jweixinUrl, matching, statusOf, useBase, useChromium, type Session } from './browser';

type Running = { port: number; close: () => Promise<void> };
type Version = (typeof JWEIXIN_VERSIONS)[number];
// One example server per jweixin version.
const servers: Partial<Record<Version, Running>> = {};
const open = useChromium();

beforeAll(async () => {
  for (const jweixinVersion of JWEIXIN_VERSIONS) {
    servers[jweixinVersion as Version] = await startServer({
      port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 20, jweixinVersion,
      // The bench's pages: the same late app, timed there, checked here.
      fixturesDir: fileURLToPath(new URL('../../bench/fixtures/', import.meta.url)),
    });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.close()));
});

const useBaseOf = (version: Version) => useBase(() => servers[version]!);

const panel = (s: Session) => ({
  state: () => s.page.getAttribute('wechat-share-simulator >> .status', 'data-state'),
  chatTitle: () => s.page.textContent('wechat-share-simulator >> [data-card="chat"] .title'),
});

describe.each(PLATFORMS_AND_VERSIONS)('on %s, jweixin %s', (platform, version) => {
  const at = useBaseOf(version);
  const SDK_URL = jweixinUrl(version);
  it('the script tag starts early: wx.config is verified before the app calls setupShare 600 ms after load', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/fixtures/late.html`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.evaluate(() => (window as unknown as { configsAtCall: string[] }).configsAtCall)).toEqual(['ok']);
    expect(await panel(s).chatTitle()).toBe('Booted');
    expect(matching(s.requests, SDK_URL)).toHaveLength(1);
    // The server embedded the page's signature.
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
  });

  it('with data-preload="false", nothing starts before setupShare', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/fixtures/late-no-preload.html`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.evaluate(() => (window as unknown as { configsAtCall: string[] }).configsAtCall)).toEqual([]);
  });

  it('the auto-mode example takes its card from the Open Graph tags and follows an SPA navigation, with no code', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/auto/`);
    await expect.poll(() => panel(s).chatTitle()).toBe('Spring journal');
    expect(await panel(s).state()).toBe('ok');
    expect(await s.page.textContent('wechat-share-simulator >> [data-card="chat"] .desc')).toBe('Notes from the season, one page a day.');
    await s.page.click('#next');
    await expect.poll(() => panel(s).chatTitle()).toBe('Spring journal, day 2');
    expect(await panel(s).state()).toBe('ok');
    expect(await s.page.textContent('wechat-share-simulator >> [data-card="chat"] .link')).toBe(`${at.url}/auto/day/2`);
    await s.page.screenshot({ path: `${SHOTS}/auto-${platform}-${version}.png` });
  });

  it('a session that starts on a server-rendered page uses its embedded signature (iOS: no signing request at all)', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/spa/`);
    expect(await statusOf(s.page)).toBe('ready');
    await s.page.click('nav >> text=About');
    await expect.poll(() => panel(s).chatTitle()).toBe('About us');
    // iOS checks the entry URL for the whole session: the embedded signature is all it needs.
    const requests = matching(s.requests, '/api/wechat/signature');
    if (platform === 'ios') expect(requests).toEqual([]);
    else expect(requests.length).toBeGreaterThan(0);
  });
});

describe.each(JWEIXIN_VERSIONS)('in a Mini Program web-view, jweixin %s', (version) => {
  const at = useBaseOf(version as Version);
  it('the script-tag page posts its card to the Mini Program, with no signing request and no wx.config', async () => {
    const s = await open({ platform: 'miniprogram' });
    await s.page.goto(`${at.url}/h5/`);
    expect(await statusOf(s.page)).toBe('miniprogram');
    await expect.poll(() => s.page.textContent('wechat-share-simulator >> [data-card="miniprogram"] .title')).toBe('Spring sale');
    expect(await s.page.getAttribute('wechat-share-simulator >> .status', 'data-state')).toBe('posted');
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
    expect(await s.page.evaluate(() => (window as unknown as { WechatSimulator: { bridge: { state: { configs: unknown[] } } } }).WechatSimulator.bridge.state.configs)).toEqual([]);
    await s.page.screenshot({ path: `${SHOTS}/h5-miniprogram-${version}.png` });
  });
});
