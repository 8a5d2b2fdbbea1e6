import { describe, expect, it, vi } from 'vitest';
import { SHARE_APIS, MENU_EVENTS, options, spies, quietPage } from './common';
import { APP_ID, delay, ENDPOINT, http, HttpResponse, JWEIXIN, JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL } = useJweixin(version);

  describe('setupShare on a plain page (Android)', () => {
    it('loads jweixin, signs the page URL, configures all seven share APIs and applies the card', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/promo?id=7&q=a%20b' });
      const result = await sdk.setupShare(
        { title: 'Spring sale', desc: 'Up to 50% off', link: '/promo?id=7', imgUrl: '/img/card.jpg' },
        options,
      );
      expect(result).toEqual({ status: 'ready', signedUrl: `${ORIGIN}/promo?id=7&q=a%20b`, jsApiList: SHARE_APIS, openTagList: [] });
      expect(signed).toEqual([`${ORIGIN}/promo?id=7&q=a%20b`]);
      expect(scriptRequests).toEqual([SDK_URL]);
      const [config] = bridge.state.configs;
      expect(config).toMatchObject({ state: 'ok', appId: APP_ID, url: `${ORIGIN}/promo?id=7&q=a%20b` });
      // jweixin sends the legacy APIs under their bridge event names.
      expect(config.jsApiList).toEqual([...SHARE_APIS.slice(0, 2), ...MENU_EVENTS]);
      const card = { title: 'Spring sale', link: `${ORIGIN}/promo?id=7`, imgUrl: `${ORIGIN}/img/card.jpg` };
      expect(bridge.state.appMessage).toEqual({ ...card, desc: 'Up to 50% off' });
      expect(bridge.state.timeline).toEqual({ ...card, desc: undefined });
      expect(bridge.state.menuHandlers.sort()).toEqual([...MENU_EVENTS].sort());
    });

    it('gives the legacy handlers the same card, desc included, and they send it when the user shares', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      await sdk.setupShare({ title: 'T', desc: 'D', link: `${ORIGIN}/x`, imgUrl: `${ORIGIN}/i.png` }, options);
      expect(await bridge.tapShare('appmessage')).toBe('sendAppMessage:ok');
      expect(await bridge.tapShare('timeline')).toBe('shareTimeline:ok');
      expect(await bridge.tapShare('qq')).toBe('shareQQ:ok');
      expect(bridge.state.sent.map((s) => [s.api, s.card])).toEqual([
        ['sendAppMessage', { title: 'T', desc: 'D', link: `${ORIGIN}/x`, imgUrl: `${ORIGIN}/i.png` }],
        ['shareTimeline', { title: 'T', desc: 'T', link: `${ORIGIN}/x`, imgUrl: `${ORIGIN}/i.png` }],
        ['shareQQ', { title: 'T', desc: 'D', link: `${ORIGIN}/x`, imgUrl: `${ORIGIN}/i.png` }],
      ]);
    });

    it('takes title, desc and image from the page and links to the page without share parameters', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({
        path: '/article?id=3&from=singlemessage#comments',
        html: '<meta name="description" content="From the meta tag"><meta property="og:image" content="/og.png">',
      });
      await sdk.setupShare(undefined, { ...options, stripShareParams: false });
      expect(bridge.state.appMessage).toEqual({
        title: 'Test page',
        desc: 'From the meta tag',
        link: `${ORIGIN}/article?id=3#comments`,
        imgUrl: `${ORIGIN}/og.png`,
      });
      // stripShareParams: false signs the URL as it is.
      expect(signed).toEqual([`${ORIGIN}/article?id=3&from=singlemessage`]);
    });

    it('starts the jweixin load and the signing request together', async () => {
      let atSigning: { scripts: number; wx: boolean } | undefined;
      server.use(
        http.get(ENDPOINT, async ({ request }) => {
          atSigning = { scripts: scriptRequests.length, wx: 'wx' in window };
          await delay(200);
          return HttpResponse.json(signatureFor(new URL(request.url).searchParams.get('url')!));
        }),
      );
      const { sdk } = await openPage({ routes: { [SDK_URL]: { wait: 200 } } });
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      // When the signing request arrived, the script was already requested and not yet loaded.
      expect(atSigning).toEqual({ scripts: 1, wx: false });
    });

    it('injects jweixin once per page', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage();
      await Promise.all([sdk.setupShare({ title: 'a' }, options), sdk.setupShare({ title: 'b' }, options)]);
      await sdk.setupShare({ title: 'c' }, options);
      expect(scriptRequests).toEqual([SDK_URL]);
    });

    it('reuses a window.wx that is already on the page', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      new Function(JWEIXIN).call(window);
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([]);
      expect(bridge.state.configs).toHaveLength(1);
    });

    it('waits for a jweixin <script> already on the page instead of adding one', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ html: `<script src="${SDK_URL}"></script>` });
      setTimeout(() => {
        new Function(JWEIXIN).call(window);
        document.querySelector('script')!.dispatchEvent(new Event('load'));
      }, 30);
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(scriptRequests).toEqual([]);
      expect(bridge.state.configs[0].state).toBe('ok');
    });

    it('merges jsApiList and openTagList without duplicates', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      const result = await sdk.setupShare({}, {
        ...options,
        jsApiList: ['chooseImage', 'updateTimelineShareData', 'chooseImage'],
        openTagList: ['wx-open-launch-weapp', 'wx-open-launch-weapp'],
      });
      expect(result).toMatchObject({ jsApiList: [...SHARE_APIS, 'chooseImage'], openTagList: ['wx-open-launch-weapp'] });
      expect(bridge.state.configs[0].jsApiList).toEqual([...SHARE_APIS.slice(0, 2), ...MENU_EVENTS, 'chooseImage']);
    });

    it('configures again, with the same signature, when a call asks for other APIs on the same URL', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      await sdk.setupShare({}, options);
      await sdk.setupShare({}, options);
      await sdk.setupShare({}, { ...options, jsApiList: ['chooseImage'] });
      expect(bridge.state.configs.map((c) => [c.state, c.jsApiList.includes('chooseImage')])).toEqual([['ok', false], ['ok', true]]);
      expect(signed).toHaveLength(1);
    });

    it('takes its defaults from configure()', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage();
      sdk.configure({ endpoint: ENDPOINT });
      await expect(sdk.setupShare({ title: 'x' })).resolves.toMatchObject({ status: 'ready' });
    });

    it('passes debug to wx.config, where jweixin alerts every result', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage();
      await sdk.setupShare({}, { ...options, debug: true });
      expect(spies.alert).toHaveBeenCalledWith(expect.stringContaining('config:ok'));
      spies.alert.mockClear();
      (console.log as unknown as ReturnType<typeof vi.fn>).mockClear();
    });
  });

  describe('outside WeChat', () => {
    it('resolves unsupported without loading or requesting anything', async () => {
      const { sdk } = await openPage({ platform: null });
      await expect(sdk.setupShare({ title: 'x' }, options)).resolves.toEqual({ status: 'unsupported', reason: 'not-wechat' });
      expect(scriptRequests).toEqual([]);
      expect(signed).toEqual([]);
    });
  });
});
