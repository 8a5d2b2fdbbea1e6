import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WechatShareError } from '../src/index';
import {
  APP_ID, ENDPOINT, HttpResponse, JWEIXIN, ORIGIN, SDK_BACKUP_URL, SDK_URL, delay, http, openPage,
  scriptRequests, server, signatureFor, signed, signingEndpoint,
} from './helpers/wechat';

const SHARE_APIS = [
  'updateAppMessageShareData', 'updateTimelineShareData', 'onMenuShareTimeline', 'onMenuShareAppMessage',
  'onMenuShareQQ', 'onMenuShareWeibo', 'onMenuShareQZone',
];
const MENU_EVENTS = ['menu:share:timeline', 'menu:share:appmessage', 'menu:share:qq', 'menu:share:weiboApp', 'menu:share:QZone'];
const options = { endpoint: ENDPOINT };

// Each page imports the SDK anew, so its error class is that import's.
async function rejection(sdk: { WechatShareError: typeof WechatShareError }, promise: Promise<unknown>): Promise<WechatShareError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(sdk.WechatShareError);
  return error as WechatShareError;
}

let alertSpy: ReturnType<typeof vi.fn<(message?: unknown) => void>>;
beforeEach(() => {
  alertSpy = vi.fn<(message?: unknown) => void>();
  window.alert = alertSpy;
  vi.spyOn(console, 'log');
  vi.spyOn(console, 'info');
});
afterEach(() => {
  // Quiet by default: neither this SDK nor jweixin (debug off) may alert or log.
  expect(alertSpy).not.toHaveBeenCalled();
  expect(console.log).not.toHaveBeenCalled();
  expect(console.info).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe('setupShare on a plain page (Android)', () => {
  it('loads jweixin, signs the page URL, configures all seven share APIs and applies the card', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ path: '/promo?id=7&q=a%20b' });
    const result = await sdk.setupShare(
      { title: 'Spring sale', desc: 'Up to 50% off', link: '/promo?id=7', imgUrl: '/img/card.jpg' },
      options,
    );
    expect(result).toEqual({ status: 'ready', signedUrl: `${ORIGIN}/promo?id=7&q=a%20b`, jsApiList: SHARE_APIS });
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
    expect(result).toMatchObject({ jsApiList: [...SHARE_APIS, 'chooseImage'] });
    expect(bridge.state.configs[0].jsApiList).toEqual([...SHARE_APIS.slice(0, 2), ...MENU_EVENTS, 'chooseImage']);
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
    expect(alertSpy).toHaveBeenCalledWith(expect.stringContaining('config:ok'));
    alertSpy.mockClear();
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

describe('second share', () => {
  it('replaces the location with the URL without from/isappinstalled, keeping the rest, and signs nothing', async () => {
    const { sdk } = await openPage({ path: '/p?a=1&from=groupmessage&b=%E4%B8%AD&isappinstalled=0#/route?x=1' });
    await expect(sdk.setupShare({}, options)).resolves.toEqual({
      status: 'redirecting',
      to: `${ORIGIN}/p?a=1&b=%E4%B8%AD#/route?x=1`,
    });
    expect(signed).toEqual([]);
    expect(scriptRequests).toEqual([]);
  });

  it('keeps a from parameter that WeChat did not add', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p?from=newsletter' });
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/p?from=newsletter` });
  });
});

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
});

describe('invalid signature', () => {
  it('retries once with the other candidate URL and remembers which one the client checks', async () => {
    server.use(signingEndpoint());
    // An Android build that checks the entry URL, as iOS does.
    const { sdk, bridge } = await openPage({ platform: 'android', path: '/', bridge: { checks: 'entry' } });
    history.pushState(null, '', '/b');
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/` });
    expect(signed).toEqual([`${ORIGIN}/b`, `${ORIGIN}/`]);
    history.pushState(null, '', '/c');
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/` });
    expect(signed).toHaveLength(2);
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['failed', 'ok']);
  });

  it('retries once with a fresh signature, then rejects CONFIG_FAILED with the checklist hint', async () => {
    server.use(signingEndpoint({ answer: (url) => signatureFor(url, 'another-ticket') }));
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error.code).toBe('CONFIG_FAILED');
    expect(error.errMsg).toBe('config:invalid signature');
    expect(error.hint).toMatch(/location\.href\.split\("#"\)\[0\]/);
    expect(error.message).toContain(`${ORIGIN}/`);
    expect(signed).toEqual([`${ORIGIN}/`, `${ORIGIN}/`]);
  });

  it('does not retry invalid url domain, and names the JS safe domain', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ jsSafeDomains: ['other.example.org'] });
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error).toMatchObject({ code: 'CONFIG_FAILED', errMsg: 'config:invalid url domain' });
    expect(error.hint).toMatch(/JS safe domain/);
    expect(signed).toHaveLength(1);
  });
});

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
    expect(error.message).toContain(`${SDK_URL}: timed out (100 ms)`);
    expect(error.message).toContain(`${SDK_BACKUP_URL}: error`);
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
});

describe('signing request', () => {
  it('appends url with & when the endpoint has a query, and sends POST as a form', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${ORIGIN}/sign`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        seen.push(`GET token=${query.get('token')} url=${query.get('url')}`);
        return HttpResponse.json(signatureFor(query.get('url')!));
      }),
      http.post(`${ORIGIN}/sign`, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        seen.push(`POST ${request.headers.get('content-type')?.split(';')[0]} url=${form.get('url')}`);
        return HttpResponse.json(signatureFor(form.get('url')!));
      }),
    );
    const { sdk } = await openPage({ path: '/x?y=1', platform: 'android' });
    await sdk.setupShare({}, { endpoint: '/sign?token=t' });
    history.pushState(null, '', '/z');
    await sdk.setupShare({}, { endpoint: '/sign', method: 'POST' });
    expect(seen).toEqual([
      `GET token=t url=${ORIGIN}/x?y=1`,
      `POST application/x-www-form-urlencoded url=${ORIGIN}/z`,
    ]);
  });

  it('accepts appid, noncestr, a string timestamp, an envelope, and appId from options', async () => {
    server.use(signingEndpoint({
      answer: (url) => {
        const { timestamp, nonceStr, signature } = signatureFor(url);
        return { code: 0, data: { noncestr: nonceStr, timestamp: String(timestamp), signature } };
      },
    }));
    const { sdk, bridge } = await openPage();
    await expect(sdk.setupShare({}, { ...options, appId: APP_ID })).resolves.toMatchObject({ status: 'ready' });
    expect(bridge.state.configs[0].appId).toBe(APP_ID);
  });

  it.each([
    ['HTTP 500', () => new HttpResponse('upstream down', { status: 500 }), /HTTP 500 upstream down/],
    ['not JSON', () => new HttpResponse('<html>', { status: 200 }), /JSON/],
    ['a network error', () => HttpResponse.error(), /Failed to fetch|fetch failed|network/i],
  ])('rejects SIGN_REQUEST_FAILED on %s', async (_, reply, message) => {
    server.use(http.get(ENDPOINT, reply));
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error.code).toBe('SIGN_REQUEST_FAILED');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(ENDPOINT);
  });

  it('rejects SIGN_REQUEST_FAILED when the endpoint does not answer within timeout', async () => {
    server.use(signingEndpoint({ wait: 5000 }));
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 150 }));
    expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED' });
    expect(error.message).toMatch(/timed out \(150 ms\)/);
  });

  it('rejects SIGN_RESPONSE_INVALID naming what is missing', async () => {
    server.use(signingEndpoint({ answer: () => ({ appId: APP_ID, timestamp: 'soon', nonce: 'x' }) }));
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error.code).toBe('SIGN_RESPONSE_INVALID');
    expect(error.message).toMatch(/lacks timestamp, nonceStr, signature/);
  });

  it('lets sign() replace the request, and wraps its failures', async () => {
    const { sdk } = await openPage();
    const sign = vi.fn(async (url: string) => signatureFor(url));
    await expect(sdk.setupShare({}, { sign })).resolves.toMatchObject({ status: 'ready' });
    expect(sign).toHaveBeenCalledWith(`${ORIGIN}/`);
    history.pushState(null, '', '/next');
    const error = await rejection(sdk, sdk.setupShare({}, { sign: () => Promise.reject(new Error('401 login first')) }));
    expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED' });
    expect(error.message).toMatch(/401 login first/);
    expect((error.cause as Error).message).toBe('401 login first');
  });

  it('rejects INVALID_OPTIONS without an endpoint', async () => {
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(/endpoint/);
  });
});

describe('WeChat failures', () => {
  it('rejects CONFIG_FAILED when WeixinJSBridge never answers', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ bridge: { readyAfter: false } });
    const error = await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 200 }));
    expect(error.code).toBe('CONFIG_FAILED');
    expect(error.hint).toMatch(/WeixinJSBridge/);
  });

  it('rejects SHARE_API_FAILED on a client without the new share APIs', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ bridge: { version: '6.6.7' } });
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error).toMatchObject({ code: 'SHARE_API_FAILED', errMsg: 'updateAppMessageShareData:function not exist' });
    expect(error.hint).toMatch(/6\.7\.2/);
    // The legacy handlers are registered all the same.
    expect(bridge.state.menuHandlers).toHaveLength(5);
  });

  it('rejects INVALID_OPTIONS for a share that is not an object', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare(null as never, options));
    expect(error.code).toBe('INVALID_OPTIONS');
  });
});
