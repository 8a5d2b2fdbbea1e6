import { describe, expect, it, vi } from 'vitest';
import { options, rejection, quietPage } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, server, signatureFor, signed, signingEndpoint, useJweixin, verifyIssued } from '../helpers/wechat';
import type { VerifyRequest } from '../../src/simulator/types';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('single-page apps', () => {
    it('on iOS signs the entry URL once and only re-applies the card after route changes', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ platform: 'ios', path: '/?utm=1' });
      history.pushState(null, '', '/list');
      await expect(sdk.setupShare({ title: 'List' }, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/?utm=1` });
      history.pushState(null, '', '/item/2');
      await expect(sdk.setupShare({ title: 'Item 2' }, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/?utm=1` });
      expect(signed).toEqual([`${ORIGIN}/?utm=1`]);
      expect(bridge.state.configs).toHaveLength(1);
      expect(bridge.state.appMessage?.title).toBe('Item 2');
      expect(bridge.state.appMessage?.link).toBe(`${ORIGIN}/item/2`);
    });

    it('on iOS signs the entry URL even when the SDK is loaded after pushState', async () => {
      server.use(signingEndpoint());
      // jsdom has no navigation entry; a browser's names the URL the document was loaded with.
      vi.spyOn(performance, 'getEntriesByType').mockImplementation((type) =>
        type === 'navigation' ? [{ name: `${ORIGIN}/landing?x=1` } as PerformanceEntry] : [],
      );
      history.replaceState(null, '', '/landing?x=1');
      const bridgeEntry = location.href;
      history.pushState(null, '', '/later');
      const { sdk, bridge } = await openPage({ platform: 'ios', path: '/later', bridge: { entryUrl: bridgeEntry } });
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/landing?x=1` });
      expect(bridge.state.configs[0].state).toBe('ok');
    });

    it('on Android signs each new route, reuses signatures for routes seen before, and resolves only when verified', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ platform: 'android', path: '/' });
      await sdk.setupShare({ title: 'Home' }, options);
      history.pushState(null, '', '/a');
      await expect(sdk.setupShare({ title: 'A' }, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/a` });
      // jweixin fired wx.ready at once for the second config; the first share calls met
      // "offline verifying", and the SDK resolved only after the client verified.
      expect(bridge.state.calls.some((c) => /offline verifying/.test(c.errMsg))).toBe(true);
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok', 'ok']);
      expect(bridge.state.appMessage?.title).toBe('A');
      history.pushState(null, '', '/');
      await sdk.setupShare({ title: 'Home again' }, options);
      expect(signed).toEqual([`${ORIGIN}/`, `${ORIGIN}/a`]);
      expect(bridge.state.configs).toHaveLength(3);
      expect(bridge.state.appMessage?.title).toBe('Home again');
    });

    it('while the client verifies a re-config, retries the share calls after 50, 100, 200, then every 400 ms', async () => {
      server.use(signingEndpoint());
      // The client answers calls after 1 ms; its verdict on a config takes `verdictAfter` ms more.
      let verdictAfter = 0;
      const verify = (request: VerifyRequest) => new Promise((wait) => setTimeout(wait, verdictAfter)).then(() => verifyIssued(request));
      const { sdk, bridge } = await openPage({ platform: 'android', bridge: { latency: 1, verify } });
      await sdk.setupShare({ title: 'Home' }, options);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        // When the SDK calls updateAppMessageShareData, on the fake clock.
        const wx = window.wx!;
        const update = wx.updateAppMessageShareData!;
        const calls: number[] = [];
        wx.updateAppMessageShareData = (args) => {
          calls.push(Date.now());
          update.call(wx, args);
        };
        verdictAfter = 1000;
        history.pushState(null, '', '/a');
        const result = sdk.setupShare({ title: 'A' }, options);
        await vi.advanceTimersByTimeAsync(2000);
        await expect(result).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/a` });
        // Each "offline verifying" answer comes 1 ms after its call, and the next call waits after
        // it; the sixth call, after the verdict, succeeds.
        expect(calls.slice(1).map((time, i) => time - calls[i])).toEqual([51, 101, 201, 401, 401]);
        expect(bridge.state.appMessage?.title).toBe('A');
      } finally {
        vi.useRealTimers();
      }
    });

    it('rejects a failed re-config although jweixin already fired wx.ready', async () => {
      server.use(signingEndpoint({ answer: (url) => (url.endsWith('/bad') ? { ...signatureFor(url), signature: '0'.repeat(40) } : signatureFor(url)) }));
      const { sdk, bridge } = await openPage({ platform: 'android' });
      await sdk.setupShare({}, options);
      history.pushState(null, '', '/bad');
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.code).toBe('CONFIG_FAILED');
      expect(error.errMsg).toBe('config:invalid signature');
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok', 'failed', 'failed']);
    });

    it('runs overlapping calls one after another; the last card wins', async () => {
      server.use(signingEndpoint({ wait: 20 }));
      const { sdk, bridge } = await openPage({ platform: 'android' });
      const first = sdk.setupShare({ title: 'one' }, options);
      history.pushState(null, '', '/two');
      const second = sdk.setupShare({ title: 'two' }, options);
      await expect(first).resolves.toMatchObject({ status: 'ready' });
      await expect(second).resolves.toMatchObject({ status: 'ready' });
      expect(bridge.state.appMessage?.title).toBe('two');
    });

    describe('a burst of calls (a router\'s)', () => {
      const rounds = (bridge: { state: { calls: { name: string }[] } }) => bridge.state.calls.filter((c) => c.name === 'updateAppMessageShareData').length;

      it('1,000 calls made at once cost one round of share calls; all settle with its outcome', async () => {
        server.use(signingEndpoint());
        const { sdk, bridge } = await openPage({ platform: 'android' });
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => sdk.setupShare({ title: `Route ${i}` }, options)));
        expect(new Set(results).size).toBe(1);
        expect(results[0]).toMatchObject({ status: 'ready' });
        expect([bridge.state.configs.length, rounds(bridge), bridge.state.appMessage?.title]).toEqual([1, 1, 'Route 999']);
      });

      it('calls queued behind one under way run once more, after it, with the last card', async () => {
        server.use(signingEndpoint({ wait: 20 }));
        const { sdk, bridge } = await openPage({ platform: 'android' });
        const first = sdk.setupShare({ title: 'First' }, options);
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        const rest = await Promise.all(Array.from({ length: 999 }, (_, i) => sdk.setupShare({ title: `Route ${i}` }, options)));
        await expect(first).resolves.toMatchObject({ status: 'ready' });
        expect(new Set(rest).size).toBe(1);
        expect([rounds(bridge), bridge.state.appMessage?.title]).toEqual([2, 'Route 998']);
      });

      it('when the call that ran fails, every call it stood for rejects with its error', async () => {
        server.use(signingEndpoint());
        const { sdk } = await openPage({ platform: 'android' });
        const calls = [sdk.setupShare({ title: 'ok' }, options), sdk.setupShare({ link: 'javascript:alert(1)' }, options)];
        const errors = await Promise.all(calls.map((call) => rejection(sdk, call)));
        expect(errors[0]).toBe(errors[1]);
        expect(errors[0].code).toBe('INVALID_OPTIONS');
      });
    });

    it('runs calls made at once one after another: the second reuses the first config instead of racing it', async () => {
      server.use(signingEndpoint({ wait: 20 }));
      const { sdk, bridge } = await openPage({ platform: 'android' });
      let mostPending = 0;
      bridge.subscribe((state) => (mostPending = Math.max(mostPending, state.configs.filter((c) => c.state === 'pending').length)));
      const results = await Promise.all([sdk.setupShare({ title: 'one' }, options), sdk.setupShare({ title: 'two' }, options)]);
      expect(results.map((r) => r.status)).toEqual(['ready', 'ready']);
      expect(bridge.state.configs).toHaveLength(1);
      expect(mostPending).toBe(1);
      expect(bridge.state.appMessage?.title).toBe('two');
    });
  });
});
