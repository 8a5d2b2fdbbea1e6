// The examples in real Chromium with the simulated WeChat client and the real jweixin, 1.4.0 and
// 1.6.0 (the example server serves the same pages for either).
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
    servers[jweixinVersion as Version] = await startServer({ port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 20, jweixinVersion });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.close()));
});

const useBaseOf = (version: Version) => useBase(() => servers[version]!);

const panel = (s: Session) => ({
  state: () => s.page.getAttribute('wechat-share-simulator >> .status', 'data-state'),
  text: () => s.page.textContent('wechat-share-simulator >> .status'),
  chatTitle: () => s.page.textContent('wechat-share-simulator >> [data-card="chat"] .title'),
});

describe.each(PLATFORMS_AND_VERSIONS)('on %s, jweixin %s', (platform, version) => {
  const at = useBaseOf(version);
  const SDK_URL = jweixinUrl(version);
  it('the script-tag page gets a verified card with one jweixin load (preloaded) and the signature the server embedded', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await panel(s).state()).toBe('ok');
    expect(await panel(s).chatTitle()).toBe('Spring sale');
    expect(matching(s.requests, SDK_URL)).toHaveLength(1);
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
    await s.page.screenshot({ path: `${SHOTS}/h5-${platform}-${version}-verified.png` });
  });

  it('the SPA, loading the SDK lazily after a pushState, re-shares on every route change and signs as the platform requires', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/spa/`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(s.page.url()).toBe(`${at.url}/spa/home`);
    expect(await panel(s).state()).toBe('ok');
    // The npm-import SDK loaded the server's jweixin version, once.
    expect(matching(s.requests, '.wx.qq.com/')).toEqual([`GET ${SDK_URL}`]);
    for (const [link, title] of [['Product 42', 'Product 42'], ['About', 'About us'], ['Home', 'Shop']]) {
      await s.page.click(`nav >> text=${link}`);
      expect(await statusOf(s.page)).toBe('ready');
      await expect.poll(() => panel(s).chatTitle()).toBe(title);
      expect(await panel(s).state()).toBe('ok');
    }
    const signed = matching(s.requests, '/api/wechat/signature').map((r) => decodeURIComponent(r.split('url=')[1]));
    // iOS checks the entry URL, /spa/, whose signature the server embedded: no request all session.
    // Android checks each distinct URL once (Home again reuses its signature).
    expect(signed).toEqual(
      platform === 'ios' ? [] : [`${at.url}/spa/home`, `${at.url}/spa/products/42?color=green`, `${at.url}/spa/about`],
    );
    await s.page.screenshot({ path: `${SHOTS}/spa-${platform}-${version}-verified.png` });
  });

  it('a shared link comes back to the clean URL with no extra history entry, signed clean', async () => {
    const s = await open({ platform });
    // The history length of a tab that opened one page, for comparison.
    const control = await s.context.newPage();
    await control.goto(`${at.url}/h5/?utm=x#top`);
    const oneEntry = await control.evaluate(() => history.length);
    await control.close();
    s.requests.length = 0;
    await s.page.goto(`${at.url}/h5/?utm=x&from=singlemessage&isappinstalled=0#top`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(s.page.url()).toBe(`${at.url}/h5/?utm=x#top`);
    expect(await s.page.evaluate(() => history.length)).toBe(oneEntry);
    // The clean page came with its own signature.
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
    expect(await panel(s).state()).toBe('ok');
  });

  it('"Open as shared link" in the panel plays the second share round trip', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    await s.page.click('wechat-share-simulator >> text=Open as shared link');
    await s.page.waitForURL(`${at.url}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await panel(s).state()).toBe('ok');
    const pages = matching(s.requests, `GET ${at.url}/h5/`);
    expect(pages).toEqual([`GET ${at.url}/h5/`, `GET ${at.url}/h5/?from=singlemessage&isappinstalled=0`, `GET ${at.url}/h5/`]);
    // The panel says what happened across the reloads.
    const note = await s.page.textContent('wechat-share-simulator >> [data-shared-link]');
    expect(note).toContain('WeChat appended from=singlemessage&isappinstalled=0');
    expect(note).toContain(`The page removed them (now ${at.url}/h5/)`);
  });

  // The open-tag page loads 1.6.0 whatever the server's version: once per platform is enough.
  it.skipIf(version !== '1.4.0')('the open-tag page (data-jweixin="1.6.0") gets its tag ready and its card verified, the signature reused', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/open-tags/`);
    expect(await statusOf(s.page)).toBe('ready');
    await expect.poll(() => s.page.textContent('#tag-status')).toBe('ready');
    expect(await panel(s).state()).toBe('ok');
    expect(await panel(s).chatTitle()).toBe('Open our Mini Program');
    expect(matching(s.requests, jweixinUrl('1.6.0'))).toHaveLength(1);
    // The early start's config and the page's (with the tag) used the signature the server embedded.
    expect(matching(s.requests, '/api/wechat/signature')).toEqual([]);
    // WeChat draws the template in the tag's Shadow DOM.
    expect(await s.page.evaluate(() => document.getElementById('launch')?.shadowRoot?.textContent)).toContain('Open the Mini Program');
    await s.page.screenshot({ path: `${SHOTS}/open-tags-${platform}-ready.png` });
  });

  it('tapping share runs the legacy handlers with the same card', async () => {
    const s = await open({ platform });
    await s.page.goto(`${at.url}/h5/`);
    expect(await statusOf(s.page)).toBe('ready');
    await s.page.click('wechat-share-simulator >> text=Tap share to chat');
    await expect.poll(() => s.page.textContent('wechat-share-simulator >> [data-result]')).toContain('sendAppMessage:ok');
    await s.page.click('wechat-share-simulator >> text=Tap share to Moments');
    await expect.poll(() => s.page.textContent('wechat-share-simulator >> [data-result]')).toContain('shareTimeline:ok');
  });
});

describe.each(JWEIXIN_VERSIONS)('the script-tag page with an element named wx or jWeixin (issue 16 item 1), in Chromium, jweixin %s', (version) => {
  const at = useBaseOf(version as Version);
  // The element is in the document before any of the page's scripts runs, as markup would be.
  const openWith = async (html: string) => {
    const s = await open({ platform: 'android' });
    await s.page.addInitScript((markup) => {
      // Put into <head> as soon as the parser made it, before its first script runs.
      const observer = new MutationObserver(() => {
        if (!document.head) return;
        observer.disconnect();
        const holder = document.createElement('div');
        holder.innerHTML = markup;
        document.head.appendChild(holder.firstElementChild!);
      });
      observer.observe(document, { childList: true, subtree: true });
    }, html);
    await s.page.goto(`${at.url}/h5/`);
    return s;
  };

  it.each(['<div id="wx"></div>', '<img name="wx" alt="">'])('shares although window.wx is the element %s', async (html) => {
    const s = await openWith(html);
    expect(await s.page.evaluate(() => typeof (window as unknown as { wx: { config?: unknown } }).wx.config)).toBe('function');
    expect(await statusOf(s.page)).toBe('ready');
    expect(await panel(s).chatTitle()).toBe('Spring sale');
  });

  it('names the element when one is called jWeixin, which stops jweixin from starting', async () => {
    const s = await openWith('<div id="jWeixin"></div>');
    expect(await statusOf(s.page)).toBe('SDK_LOAD_FAILED: An element with id or name jWeixin stops jweixin: rename it.');
  });
});
