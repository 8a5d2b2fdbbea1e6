import { describe, expect, it, vi } from 'vitest';
import { options, rejection, quietPage, SHARE_APIS } from './common';
import { JWEIXIN_SOURCES, JWEIXIN_VERSIONS, openPage, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('WeChat failures', () => {
    it('rejects CONFIG_FAILED when WeixinJSBridge never answers', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage({ bridge: { readyAfter: false } });
      const error = await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 200 }));
      expect(error).toMatchObject({ name: 'WechatShareError', code: 'CONFIG_FAILED', errMsg: undefined });
      expect(error.message).toBe('wx.config failed for https://h5.example.com/: timed out (200 ms)');
      expect(error.hint).toMatch(/WeixinJSBridge/);
    });

    it('after timing out, leaves the share menu alone when the client\'s verdict comes late', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ bridge: { latency: 300 } });
      const error = await rejection(sdk, sdk.setupShare({ title: 'Late' }, { ...options, timeout: 100 }));
      expect(error.message).toBe('wx.config failed for https://h5.example.com/: timed out (100 ms)');
      // The verdict: jweixin now runs the wx.ready callbacks it kept, this call's among them.
      await vi.waitFor(() => expect(bridge.state.calls.map((c) => c.errMsg)).toContain('config:ok'));
      expect([bridge.state.appMessage, bridge.state.menuHandlers]).toEqual([undefined, []]);
    });

    it('sets the card through the new APIs on a jweixin without the legacy onMenuShare* ones', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      // The page's own jweixin, as one that dropped the legacy APIs would be.
      new Function(JWEIXIN_SOURCES[version]).call(window);
      for (const name of SHARE_APIS.slice(2)) delete window.wx![name as 'onMenuShareQQ'];
      await expect(sdk.setupShare({ title: 'New APIs' }, options)).resolves.toMatchObject({ status: 'ready' });
      expect([bridge.state.appMessage?.title, bridge.state.timeline?.title, bridge.state.menuHandlers]).toEqual(['New APIs', 'New APIs', []]);
    });

    it('rejects SHARE_API_FAILED on a client without the new share APIs', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ bridge: { version: '6.6.7' } });
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error).toMatchObject({
        code: 'SHARE_API_FAILED',
        errMsg: 'updateAppMessageShareData:function not exist',
        message: 'Share API failed: updateAppMessageShareData:function not exist',
      });
      expect(error.hint).toMatch(/6\.7\.2/);
      // The legacy handlers are registered all the same.
      expect(bridge.state.menuHandlers).toHaveLength(5);
    });

    it('rejects INVALID_OPTIONS for a share that is not an object', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare(null as never, options));
      expect(error.code).toBe('INVALID_OPTIONS');
      // What went wrong underneath stays reachable.
      expect((error.cause as Error).name).toBe('TypeError');
    });

    it('after the page\'s own failed wx.config, signs and configures again instead of trusting the config it had', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      await expect(sdk.setupShare({ title: 'one' }, options)).resolves.toMatchObject({ status: 'ready' });
      window.wx!.config({ appId: 'wx1234567890abcdef', timestamp: 1, nonceStr: 'n', signature: 'bad', jsApiList: ['updateAppMessageShareData'] });
      await vi.waitFor(() => expect(bridge.state.configs[1]?.state).toBe('failed'));
      // Same URL: the config in force would do, but the share calls now answer "permission denied".
      await expect(sdk.setupShare({ title: 'two' }, options)).resolves.toMatchObject({ status: 'ready' });
      // The cached signature is still good: configured again with it, no new signing request.
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok', 'failed', 'ok']);
      expect(signed).toHaveLength(1);
      expect(bridge.state.appMessage?.title).toBe('two');
    });

    it('leaves a wx.error callback the page sets afterwards in place, and learns a failed config from the share calls', async () => {
      server.use(signingEndpoint({ answer: (url) => (url.endsWith('/bad') ? { ...signatureFor(url), signature: '0'.repeat(40) } : signatureFor(url)) }));
      const { sdk } = await openPage({ platform: 'android' });
      await sdk.setupShare({}, options);
      const pageErrors: string[] = [];
      window.wx!.error((res) => pageErrors.push(res.errMsg));
      history.pushState(null, '', '/bad');
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(pageErrors).toEqual(['config:invalid signature']);
      expect(error).toMatchObject({ code: 'CONFIG_FAILED', errMsg: expect.stringMatching(/permission denied/) });
      expect(error.hint).toMatch(/verified account/);
    });

    it('ignores the stale wx.error that jweixin replays when the page\'s own earlier config failed', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      // The page configures jweixin itself first, with a bad signature and no wx.error callback.
      const { loadJweixin, jweixinUrls } = await import('../../src/lib/loadJweixin');
      const wx = await loadJweixin(jweixinUrls(version), 1000);
      wx.config({ appId: 'wx1234567890abcdef', timestamp: 1, nonceStr: 'n', signature: 'bad', jsApiList: ['updateAppMessageShareData'] });
      await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('failed'));
      // jweixin now calls the next wx.error callback at once with that old failure.
      await expect(sdk.setupShare({ title: 'mine' }, options)).resolves.toMatchObject({ status: 'ready' });
      expect(bridge.state.appMessage?.title).toBe('mine');
      // Taken for its own failure, the stale call would have cost a retry: a second signature and config.
      expect(signed).toHaveLength(1);
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['failed', 'ok']);
    });
  });
});
