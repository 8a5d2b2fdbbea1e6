// Every error code as a user of the example page sees it, and a desktop browser outside WeChat.
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS example, typed by use
import { startServer } from '../../examples/server/server.mjs';
import { HOST, JWEIXIN_VERSIONS, PLATFORMS_AND_VERSIONS, SHOTS, jweixinUrl, matching, statusOf, useChromium, type Session } from './browser';

type Running = { port: number; close: () => Promise<void> };
type Version = (typeof JWEIXIN_VERSIONS)[number];
type Name = 'wechat' | 'otherDomain' | 'plain';
// The WeChat servers once per jweixin version; `plain` (outside WeChat) loads none.
const servers: Partial<Record<`${Name}@${Version}`, Running>> = {};
const base = (name: Name, version: Version = '1.4.0') => `http://${HOST}:${servers[`${name}@${version}`]!.port}`;
const open = useChromium();

beforeAll(async () => {
  const common = { port: 0, host: '127.0.0.1', localJweixin: false, fakeLatency: 20 };
  for (const jweixinVersion of JWEIXIN_VERSIONS as Version[]) {
    const withVersion = { ...common, jweixinVersion };
    // These pages sign through the endpoint (no embedded signature), whose failures are tested here.
    servers[`wechat@${jweixinVersion}`] = await startServer({ ...withVersion, simulator: true, embedSignature: false });
    // A JS safe domain that is not the page's: WeChat answers "invalid url domain".
    servers[`otherDomain@${jweixinVersion}`] = await startServer({ ...withVersion, simulator: true, jsSafeDomains: ['other.example.org'] });
  }
  servers['plain@1.4.0'] = await startServer({ ...common, simulator: false });
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.close()));
});

const signingRoute = (s: Session, handle: (route: Route) => Promise<void>) => s.page.route('**/api/wechat/signature?**', handle);
const panelText = (s: Session) => s.page.textContent('wechat-share-simulator >> .status');

describe.each(PLATFORMS_AND_VERSIONS)('on %s, jweixin %s', (platform, version) => {
  const SDK_URL = jweixinUrl(version);
  // jweixin arrives (or fails) only once the page's own scripts have run: the page's setupShare,
  // made right after the script tag, then always finds the script tag's early start still before its
  // card and hands its card over (one attempt, reported once). Answered sooner (a fixed delay loses
  // to a slow stylesheet on a loaded machine), the early start could fail before the page's call,
  // which would then try again: correct too, but not one fixed sequence to test.
  it('SDK_LOAD_FAILED when both jweixin hosts fail', async () => {
    const s = await open({ platform, jweixin: 'fail', failAfter: 'after-dom' });
    await s.page.goto(`${base('wechat', version)}/h5/`);
    expect(await statusOf(s.page)).toMatch(/^SDK_LOAD_FAILED: Could not load jweixin/);
    // The script tag's early start tries both hosts once; the page's setupShare, made before the
    // early start applied a card, reports its outcome instead of trying again.
    expect(matching(s.requests, '.wx.qq.com/')).toEqual([`GET ${SDK_URL}`, `GET ${jweixinUrl(version, 'res2')}`]);
  });

  it('SIGN_REQUEST_FAILED when the endpoint answers 500', async () => {
    const s = await open({ platform });
    await signingRoute(s, (route) => route.fulfill({ status: 500, body: 'boom' }));
    await s.page.goto(`${base('wechat', version)}/h5/`);
    expect(await statusOf(s.page)).toMatch(/^SIGN_REQUEST_FAILED: .*HTTP 500 boom/);
  });

  it('SIGN_RESPONSE_INVALID when the endpoint answers without a signature', async () => {
    const s = await open({ platform });
    await signingRoute(s, (route) => route.fulfill({ json: { appId: 'wx1', timestamp: 1 } }));
    await s.page.goto(`${base('wechat', version)}/h5/`);
    expect(await statusOf(s.page)).toMatch(/^SIGN_RESPONSE_INVALID: Signing answer lacks nonceStr, signature/);
  });

  it('CONFIG_FAILED with invalid signature after one retry, shown in the panel with the URLs', async () => {
    const s = await open({ platform });
    await signingRoute(s, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      // The real signature, fetched from the server (by its address: Node has no host-resolver-rules), then spoilt.
      const body = await (await route.fetch({ url: route.request().url().replace(HOST, '127.0.0.1') })).json();
      await route.fulfill({ json: { ...body, signature: body.signature.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a')) } });
    });
    await s.page.goto(`${base('wechat', version)}/h5/?id=7`);
    expect(await statusOf(s.page)).toMatch(/^CONFIG_FAILED: wx\.config failed for .*: config:invalid signature/);
    // One signature, one retry with a fresh one, then the page's setupShare reports.
    expect(matching(s.requests, '/api/wechat/signature')).toHaveLength(2);
    expect(await panelText(s)).toContain('✗ config:invalid signature');
    expect(await panelText(s)).toContain(`WeChat checked: ${base('wechat', version)}/h5/?id=7`);
    await s.page.screenshot({ path: `${SHOTS}/h5-${platform}-${version}-invalid-signature.png` });
  });

  it('CONFIG_FAILED with invalid url domain when the page is not on the JS safe domain', async () => {
    const s = await open({ platform, jweixin: 'after-dom' });
    await s.page.goto(`${base('otherDomain', version)}/h5/`);
    expect(await statusOf(s.page)).toMatch(/^CONFIG_FAILED: .*invalid url domain/);
    expect(await panelText(s)).toContain('JS safe domain');
    // The page came with its signature, and invalid url domain is not retried.
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
  });

  it('SHARE_API_FAILED on a WeChat older than 6.7.2', async () => {
    const s = await open({ platform, version: '6.6.7' });
    await s.page.goto(`${base('wechat', version)}/h5/`);
    expect(await statusOf(s.page)).toMatch(/^SHARE_API_FAILED: Share API failed: updateAppMessageShareData:function not exist/);
  });

  it('INVALID_OPTIONS for a link that is not a URL', async () => {
    const s = await open({ platform });
    await s.page.goto(`${base('wechat', version)}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    const code = await s.page.evaluate(() =>
      (window as unknown as { WechatShare: typeof import('../../src/index') }).WechatShare.setupShare({ link: 'http://[bad' }).catch((e) => e.code),
    );
    expect(code).toBe('INVALID_OPTIONS');
  });
});

describe('outside WeChat', () => {
  it.each(['/h5/', '/spa/'])('%s resolves unsupported and requests neither jweixin nor a signature', async (path) => {
    const s = await open({ viewport: { width: 1280, height: 800 } });
    await s.page.goto(`${base('plain')}${path}`);
    expect(await statusOf(s.page)).toBe('unsupported');
    expect(matching(s.requests, 'jweixin')).toEqual([]);
    expect(matching(s.requests, '/api/')).toEqual([]);
    expect(s.refused).toEqual([]);
  });

  it('the simulator set to Browser says so and loads nothing', async () => {
    const s = await open({ platform: 'browser' });
    await s.page.goto(`${base('wechat')}/h5/`);
    expect(await statusOf(s.page)).toBe('unsupported');
    expect(await panelText(s)).toContain('not WeChat');
    expect(matching(s.requests, 'jweixin')).toEqual([]);
  });

  it('the panel switch changes the platform and stays readable on desktop', async () => {
    const s = await open({ viewport: { width: 1280, height: 800 } });
    await s.page.goto(`${base('wechat')}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    await s.page.click('wechat-share-simulator >> button[data-platform="android"]');
    await s.page.waitForLoadState('load');
    expect(await statusOf(s.page)).toBe('ready');
    expect(await s.page.getAttribute('wechat-share-simulator >> button[data-platform="android"]', 'aria-pressed')).toBe('true');
    await s.page.screenshot({ path: `${SHOTS}/desktop-android-verified.png` });
  });
});
