import { describe, expect, it, vi } from 'vitest';
import { quietPage, rejection } from './common';
import { ENDPOINT, http, HttpResponse, JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL } = useJweixin(version);

  // The signing endpoint, answering 503 the first time and signing after.
  function downOnce() {
    let answers = 0;
    return http.get(ENDPOINT, ({ request }) => {
      const url = new URL(request.url).searchParams.get('url')!;
      signed.push(url);
      return ++answers === 1 ? new HttpResponse('down', { status: 503 }) : HttpResponse.json(signatureFor(url));
    });
  }

  // The signing endpoint, holding its answers until release(): the early start is then under way.
  function held() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = http.get(ENDPOINT, async ({ request }) => {
      const url = new URL(request.url).searchParams.get('url')!;
      signed.push(url);
      await gate;
      return HttpResponse.json(signatureFor(url));
    });
    return { handler, release };
  }

  describe('preloadShare (early start)', () => {
    it('loads jweixin, signs and configures before any setupShare, which then only applies its card', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/p', html: '<meta property="og:title" content="Page title">' });
      sdk.preloadShare({ endpoint: ENDPOINT });
      await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(signed).toEqual([`${ORIGIN}/p`]);
      // Until the app sets its card, the page's default one.
      await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Page title'));
      // The endpoint became a default: setupShare needs no options.
      await expect(sdk.setupShare({ title: 'App card' })).resolves.toMatchObject({ status: 'ready' });
      expect(bridge.state.configs).toHaveLength(1);
      expect(signed).toHaveLength(1);
      expect(bridge.state.appMessage?.title).toBe('App card');
    });

    it('lets a setupShare made while it runs wait for it instead of starting again', async () => {
      server.use(signingEndpoint({ wait: 50 }));
      const { sdk, bridge } = await openPage();
      sdk.preloadShare({ endpoint: ENDPOINT });
      await expect(sdk.setupShare({ title: 'Soon' })).resolves.toMatchObject({ status: 'ready' });
      expect(signed).toHaveLength(1);
      expect(bridge.state.configs).toHaveLength(1);
    });

    it('requests nothing outside WeChat', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage({ platform: null });
      sdk.preloadShare({ endpoint: ENDPOINT });
      await expect(sdk.setupShare({})).resolves.toEqual({ status: 'unsupported', reason: 'not-wechat' });
      expect(scriptRequests).toEqual([]);
      expect(signed).toEqual([]);
    });

    it('never rejects; what failed is tried again, and reported, by the next setupShare', async () => {
      server.use(downOnce());
      const { sdk } = await openPage();
      const unhandled = vi.fn();
      process.on('unhandledRejection', unhandled);
      try {
        sdk.preloadShare({ endpoint: ENDPOINT });
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        await expect(sdk.setupShare({})).resolves.toMatchObject({ status: 'ready' });
        expect(signed).toHaveLength(2);
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });

    it('with a bad endpoint, leaves the error to setupShare', async () => {
      server.use(http.get(ENDPOINT, () => new HttpResponse('nope', { status: 500 })));
      const { sdk } = await openPage();
      sdk.preloadShare({ endpoint: ENDPOINT });
      const error = await rejection(sdk, sdk.setupShare({}));
      expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED', message: expect.stringMatching(/HTTP 500 nope/) });
    });

    describe('a setupShare made before the early start applied a card', () => {
      const rounds = (bridge: { state: { calls: { name: string }[] } }) => bridge.state.calls.filter((c) => c.name === 'updateAppMessageShareData').length;

      it('hands its card over while it signs: one config, one round of share calls, its card', async () => {
        const endpoint = held();
        server.use(endpoint.handler);
        const { sdk, bridge } = await openPage();
        sdk.preloadShare({ endpoint: ENDPOINT });
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        const result = sdk.setupShare({ title: 'Handed over' });
        endpoint.release();
        await expect(result).resolves.toMatchObject({ status: 'ready' });
        expect(bridge.state.appMessage?.title).toBe('Handed over');
        expect([bridge.state.configs.length, signed.length, rounds(bridge)]).toEqual([1, 1, 1]);
      });

      it('takes null options as none: no synchronous throw, the card handed over', async () => {
        server.use(signingEndpoint({ wait: 30 }));
        const { sdk, bridge } = await openPage();
        sdk.preloadShare({ endpoint: ENDPOINT });
        let result: Promise<unknown> | undefined;
        expect(() => (result = sdk.setupShare({ title: 'Null options' }, null as never))).not.toThrow();
        await expect(result).resolves.toMatchObject({ status: 'ready' });
        expect(bridge.state.appMessage?.title).toBe('Null options');
        expect(signed).toHaveLength(1);
      });

      it('reports the early start\'s failure once, without trying it all again, and the next call tries again', async () => {
        server.use(downOnce());
        const { sdk } = await openPage();
        sdk.preloadShare({ endpoint: ENDPOINT });
        const error = await rejection(sdk, sdk.setupShare({ title: 'x' }));
        expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED', message: expect.stringMatching(/HTTP 503 down/) });
        expect(signed).toHaveLength(1);
        await expect(sdk.setupShare({ title: 'y' })).resolves.toMatchObject({ status: 'ready' });
        expect(signed).toHaveLength(2);
      });

      it('does not hand over with options of its own, a share that is not an object, or as the second call', async () => {
        const endpoint = held();
        server.use(endpoint.handler);
        const { sdk, bridge } = await openPage();
        sdk.preloadShare({ endpoint: ENDPOINT });
        // Under way (a call made in the same tick would be merged with it: see below).
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        const withOptions = sdk.setupShare({ title: 'With options' }, { jsApiList: ['chooseImage'] });
        endpoint.release();
        await expect(withOptions).resolves.toMatchObject({ status: 'ready', jsApiList: expect.arrayContaining(['chooseImage']) });
        // The early start configured and applied the default card; this call's list differs, so it
        // configures again (with the same signature) before applying its card.
        expect([bridge.state.configs.map((c) => c.jsApiList.includes('chooseImage')), signed.length]).toEqual([[false, true], 1]);

        const { sdk: again } = await openPage();
        again.preloadShare({ endpoint: ENDPOINT });
        await expect(rejection(again, again.setupShare(null as never))).resolves.toMatchObject({ code: 'INVALID_OPTIONS' });

        // A string for a share, under way: a call of its own after the early start (a second round
        // of share calls), not a card merged into the early start's.
        const late = held();
        server.use(late.handler);
        const { sdk: text, bridge: textBridge } = await openPage();
        text.preloadShare({ endpoint: ENDPOINT });
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        const own = text.setupShare('Spring sale' as never);
        late.release();
        await expect(own).resolves.toMatchObject({ status: 'ready' });
        expect([textBridge.state.configs.length, rounds(textBridge)]).toEqual([1, 2]);

        const { sdk: third, bridge: thirdBridge } = await openPage();
        third.preloadShare({ endpoint: ENDPOINT });
        const first = third.setupShare({ title: 'First' });
        await vi.waitFor(() => expect(signed).toHaveLength(1));
        const second = third.setupShare({ title: 'Second' });
        await Promise.all([first, second]);
        expect(thirdBridge.state.appMessage?.title).toBe('Second');
        expect(rounds(thirdBridge)).toBe(2);
      });

      it('merges with calls made before it began: one round, the last call\'s card and options, one outcome for all', async () => {
        server.use(signingEndpoint({ wait: 30 }));
        const { sdk, bridge } = await openPage();
        sdk.preloadShare({ endpoint: ENDPOINT });
        const handedOver = sdk.setupShare({ title: 'Handed over' });
        const withOptions = sdk.setupShare({ title: 'With options' }, { jsApiList: ['chooseImage'] });
        const [a, b] = await Promise.all([handedOver, withOptions]);
        expect(a).toBe(b);
        expect(bridge.state.appMessage?.title).toBe('With options');
        expect([bridge.state.configs.map((c) => c.jsApiList.includes('chooseImage')), signed.length, rounds(bridge)]).toEqual([[true], 1, 1]);
        // The skipped early start takes no more cards: the next call runs on its own.
        await expect(sdk.setupShare({ title: 'Later' })).resolves.toMatchObject({ status: 'ready' });
        expect([bridge.state.appMessage?.title, bridge.state.configs.length]).toEqual(['Later', 2]);
      });
    });
  });
});
