import { describe, expect, it } from 'vitest';
import { options, quietPage, rejection } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL } = useJweixin(version);

  describe('in a Mini Program <web-view>', () => {
    it.each(['ios', 'android'] as const)('on %s, posts the card to the hosting page through the real jweixin, with no signing and no wx.config', async (platform) => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ platform, path: '/h5?id=3', bridge: { miniProgram: true } });
      await expect(sdk.setupShare({ title: 'In the Mini Program', desc: 'D', imgUrl: '/card.png' }, options)).resolves.toEqual({ status: 'miniprogram' });
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(signed).toEqual([]);
      expect(bridge.state.configs).toEqual([]);
      expect(bridge.state.miniProgramMessages).toEqual([
        { type: 'wechat-share', title: 'In the Mini Program', desc: 'D', link: `${ORIGIN}/h5?id=3`, imgUrl: `${ORIGIN}/card.png` },
      ]);
    });

    it('needs no endpoint, and posts each new card after a route change', async () => {
      const { sdk, bridge } = await openPage({ bridge: { miniProgram: true } });
      await sdk.setupShare({ title: 'One' });
      history.pushState(null, '', '/two');
      await sdk.setupShare({ title: 'Two' });
      expect((bridge.state.miniProgramMessages as { title: string; link: string }[]).map((m) => [m.title, m.link])).toEqual([
        ['One', `${ORIGIN}/`],
        ['Two', `${ORIGIN}/two`],
      ]);
    });

    it('is recognised by window.__wxjs_environment alone, too', async () => {
      const { sdk, bridge } = await openPage({ bridge: { readyAfter: 0 } });
      (window as { __wxjs_environment?: string }).__wxjs_environment = 'miniprogram';
      try {
        // This client is not a web-view: it answers the message with a failure, but the SDK took
        // the Mini Program path (no config).
        await expect(sdk.setupShare({ title: 'x' })).resolves.toEqual({ status: 'miniprogram' });
        expect(bridge.state.configs).toEqual([]);
      } finally {
        delete (window as { __wxjs_environment?: string }).__wxjs_environment;
      }
    });

    it('rejects SDK_LOAD_FAILED with what to do when the jweixin has no wx.miniProgram', async () => {
      const custom = `${ORIGIN}/old-jweixin.js`;
      const { sdk } = await openPage({ bridge: { miniProgram: true }, routes: { [custom]: {} } });
      // As jweixin older than 1.3.2 would be.
      const { loadJweixin } = await import('../../src/lib/loadJweixin');
      const wx = await loadJweixin([custom], 1000);
      delete (wx as { miniProgram?: unknown }).miniProgram;
      const error = await rejection(sdk, sdk.setupShare({}, { sdkUrl: custom }));
      expect(error).toMatchObject({ code: 'SDK_LOAD_FAILED', message: 'wx.miniProgram needs jweixin 1.3.2+.' });
    });
  });
});
