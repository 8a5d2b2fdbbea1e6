import { describe, expect, it } from 'vitest';
import { options, rejection, quietPage } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL, SDK_BACKUP_URL } = useJweixin(version);

  describe('loading jweixin', () => {
    it('falls back to res2.wx.qq.com when res.wx.qq.com fails', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage({ routes: { [SDK_URL]: { outcome: 'error' }, [SDK_BACKUP_URL]: {} } });
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]);
      expect(document.querySelectorAll('script')).toHaveLength(1);
    });

    it('rejects SDK_LOAD_FAILED when both hosts fail or time out, and a later call tries again', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage({ routes: { [SDK_URL]: { outcome: 'hang' }, [SDK_BACKUP_URL]: { outcome: 'error' } } });
      const error = await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 100 }));
      expect(error.code).toBe('SDK_LOAD_FAILED');
      expect(error.message).toBe(`Could not load jweixin: ${SDK_URL}: timed out (100 ms); ${SDK_BACKUP_URL}: error`);
      await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 100 }));
      expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL, SDK_URL, SDK_BACKUP_URL]);
    });

    it('uses a custom sdkUrl without fallback', async () => {
      server.use(signingEndpoint());
      const custom = `${ORIGIN}/vendor/jweixin-1.4.0.js`;
      const { sdk } = await openPage({ routes: { [custom]: {} } });
      await expect(sdk.setupShare({}, { ...options, sdkUrl: custom })).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([custom]);
    });

    it('says so when the file loads but defines no window.wx (a wrong sdkUrl)', async () => {
      server.use(signingEndpoint());
      const custom = `${ORIGIN}/vendor/not-jweixin.js`;
      const { sdk } = await openPage({ routes: { [custom]: { outcome: 'empty' } } });
      const error = await rejection(sdk, sdk.setupShare({}, { ...options, sdkUrl: custom }));
      expect(error).toMatchObject({ code: 'SDK_LOAD_FAILED', message: 'Could not load jweixin: no window.wx' });
    });

    it('uses window.jWeixin when the page has taken the name wx for something else', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      const { loadJweixin, jweixinUrls } = await import('../../src/lib/loadJweixin');
      await loadJweixin(jweixinUrls(version), 1000);
      const { resetPageState } = await import('../../src/lib/pageState');
      resetPageState();
      delete (window as { wx?: unknown }).wx;
      await expect(sdk.setupShare({ title: 'via jWeixin' }, options)).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(bridge.state.appMessage?.title).toBe('via jWeixin');
    });

    // A browser exposes an element with an id or name as a window property (jsdom does not: set here
    // as the browser would, writable, so that jweixin's own assignment takes over).
    const namedElement = (html: string, name: string) => {
      document.body.innerHTML = html;
      Object.defineProperty(window, name, { value: document.body.firstElementChild, writable: true, configurable: true });
    };

    it.each(['<div id="wx"></div>', '<img name="wx">'])('loads jweixin when window.wx is an element, %s', async (html) => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      namedElement(html, 'wx');
      await expect(sdk.setupShare({ title: 'Shared' }, options)).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(bridge.state.appMessage?.title).toBe('Shared');
    });

    it('rejects SDK_LOAD_FAILED naming the element when window.jWeixin is taken, which stops jweixin from starting', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage();
      namedElement('<div id="jWeixin"></div>', 'jWeixin');
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error).toMatchObject({ code: 'SDK_LOAD_FAILED', message: 'An element with id or name jWeixin stops jweixin: rename it.' });
      expect(scriptRequests).toEqual([]);
    });

    it('shares one load between callers that ask at once', async () => {
      const { loadJweixin, jweixinUrls } = await import('../../src/lib/loadJweixin');
      await openPage({ routes: { [SDK_URL]: { wait: 20 } } });
      const [a, b] = await Promise.all([loadJweixin(jweixinUrls(version), 1000), loadJweixin(jweixinUrls(version), 1000)]);
      expect(a).toBe(window.wx);
      expect(b).toBe(a);
      expect(scriptRequests).toEqual([SDK_URL]);
    });

    it('shares one load between callers that ask at once, its fallback too: each host asked once', async () => {
      const { loadJweixin, jweixinUrls } = await import('../../src/lib/loadJweixin');
      await openPage({ routes: { [SDK_URL]: { outcome: 'error', wait: 20 }, [SDK_BACKUP_URL]: { wait: 20 } } });
      const [a, b] = await Promise.all([loadJweixin(jweixinUrls(version), 1000), loadJweixin(jweixinUrls(version), 1000)]);
      expect(b).toBe(a);
      expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]);
    });
  });
});
