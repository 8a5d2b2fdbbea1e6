// The boot snippet (bootScript() of wechat-share/server) run in the page, and the SDK taking what it
// started: one jweixin request and one signing request whatever the order, nothing outside WeChat.
// The snippet is the exact text bootScript() returns, run as the browser runs an inline script.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { options, quietPage } from './common';
import { ENDPOINT, http, HttpResponse, JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';
import { bootScript, type BootScriptOptions } from '../../src/server/bootScript';

quietPage();

/** Runs the inline script of `bootScript(options)` in the page, as its first `<head>` script. */
function runBoot(bootOptions: Partial<BootScriptOptions> = {}) {
  const tag = bootScript({ endpoint: ENDPOINT, ...bootOptions });
  const code = /^<script[^>]*>([\s\S]*)<\/script>$/.exec(tag)![1];
  new Function(code)();
}

// Unhandled rejections of the page (a snippet whose promise rejected with nobody listening).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  expect(unhandled.splice(0)).toEqual([]);
  delete window.wechatShareBoot;
});

describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL, SDK_BACKUP_URL } = useJweixin(version);
  const boot = (more: Partial<BootScriptOptions> = {}) => runBoot({ jweixinVersion: version, ...more });

  it('snippet first: the SDK takes its jweixin and its signature, and requests neither again', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ path: '/shop?id=1' });
    boot();
    // Started by the snippet, before the SDK's first call.
    await vi.waitFor(() => expect(scriptRequests).toEqual([SDK_URL]));
    await vi.waitFor(() => expect(signed).toEqual([`${ORIGIN}/shop?id=1`]));
    await expect(sdk.setupShare({ title: 'Shop' }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/shop?id=1` });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([`${ORIGIN}/shop?id=1`]);
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok']);
    expect(bridge.state.appMessage?.title).toBe('Shop');
  });

  it('snippet first, the SDK called while both are still under way', async () => {
    server.use(signingEndpoint({ wait: 50 }));
    const { sdk, bridge } = await openPage({ platform: 'ios', path: '/p', routes: { [SDK_URL]: { wait: 80 } } });
    boot();
    await expect(sdk.setupShare({ title: 'P' }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/p` });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([`${ORIGIN}/p`]);
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok']);
  });

  it('a jweixin the snippet left hanging costs one time limit: the SDK moves on to the backup host, not to it again', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p', routes: { [SDK_URL]: { outcome: 'hang' }, [SDK_BACKUP_URL]: {} } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      boot();
      const result = sdk.setupShare({}, { ...options, timeout: 100 });
      // One time limit after the SDK began to wait, the backup host is asked (two limits before the fix).
      await vi.advanceTimersByTimeAsync(101);
      expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]);
      await vi.advanceTimersByTimeAsync(100);
      await expect(result).resolves.toMatchObject({ status: 'ready' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('both hosts failing after the snippet: SDK_LOAD_FAILED naming each, res.wx.qq.com not asked twice', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p', routes: { [SDK_URL]: { outcome: 'hang' }, [SDK_BACKUP_URL]: { outcome: 'error' } } });
    boot();
    const error = await sdk.setupShare({}, { ...options, timeout: 100 }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'SDK_LOAD_FAILED', message: `Could not load jweixin: ${SDK_URL}: timed out (100 ms); ${SDK_BACKUP_URL}: error` });
    expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]);
  });

  it('in WeCom: starts Tencent\'s WeCom JS-SDK (wwcdn, then its backup path) and the platform=wecom request, nothing of jweixin', async () => {
    const asked: string[] = [];
    server.use(http.get(ENDPOINT, ({ request }) => (asked.push(request.url), HttpResponse.json(signatureFor(ORIGIN + '/w')))));
    // No route serves anything: the first wwcdn path fails, the backup is tried.
    await openPage({ path: '/w', bridge: { client: 'wecom' }, routes: {} });
    boot();
    await vi.waitFor(() => expect(scriptRequests).toEqual(['open', 'wework/wwopen'].map((path) => `https://wwcdn.weixin.qq.com/node/${path}/js/wecom-jssdk-2.4.0.js`)));
    await vi.waitFor(() => expect(asked).toEqual([`${ENDPOINT}?platform=wecom&url=${encodeURIComponent(`${ORIGIN}/w`)}`]));
    // Handed over under the GET URL the SDK asks inside WeCom, and settled once both paths failed.
    expect(Object.keys(window.wechatShareBoot!).sort()).toEqual([`${ENDPOINT}?platform=wecom&url=${encodeURIComponent(`${ORIGIN}/w`)}`, 'ww']);
    await expect(window.wechatShareBoot!.ww).resolves.toBeUndefined();
  });

  it('SDK first (its call under way): the snippet after it starts nothing', async () => {
    server.use(signingEndpoint({ wait: 20 }));
    const { sdk, bridge } = await openPage({ path: '/p' });
    const result = sdk.setupShare({ title: 'P' }, options);
    boot();
    await expect(result).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([`${ORIGIN}/p`]);
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok']);
  });

  it('SDK evaluated first but not called yet: the snippet starts both, the first call takes them', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p' });
    boot();
    await vi.waitFor(() => expect(signed).toHaveLength(1));
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([`${ORIGIN}/p`]);
  });

  it('SDK never loaded: the snippet makes its two requests and leaves no unhandled rejection, even when both fail', async () => {
    server.use(http.get(ENDPOINT, () => HttpResponse.error()));
    await openPage({ path: '/p', routes: { [SDK_URL]: { outcome: 'error' }, [SDK_BACKUP_URL]: { outcome: 'error' } } });
    boot();
    await vi.waitFor(() => expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]));
    await expect(window.wechatShareBoot!.jweixin).resolves.toBeUndefined();
    await expect(window.wechatShareBoot![`${ENDPOINT}?url=${encodeURIComponent(`${ORIGIN}/p`)}`]).resolves.toBeUndefined();
  });

  it('outside WeChat it requests nothing and sets nothing', async () => {
    server.use(signingEndpoint());
    await openPage({ platform: null, path: '/p' });
    const started = [vi.spyOn(globalThis, 'fetch'), vi.spyOn(XMLHttpRequest.prototype, 'open'), vi.spyOn(document, 'createElement'), vi.spyOn(globalThis, 'setTimeout')];
    boot();
    // Nothing to wait for: nothing was started that could request later (no fetch, no XHR, no
    // element, no timer).
    for (const spy of started) expect(spy).not.toHaveBeenCalled();
    for (const spy of started) spy.mockRestore();
    expect(scriptRequests).toEqual([]);
    expect(signed).toEqual([]);
    expect(window.wechatShareBoot).toBeUndefined();
  });

  it('falls back to res2.wx.qq.com, and the SDK waits for that load instead of starting its own', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p', routes: { [SDK_URL]: { outcome: 'error' }, [SDK_BACKUP_URL]: { wait: 30 } } });
    boot();
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL]);
    expect(document.querySelectorAll('script')).toHaveLength(1);
  });

  it('after its network error the SDK signs itself; after its failed jweixin load the SDK loads it itself', async () => {
    let calls = 0;
    server.use(
      http.get(ENDPOINT, ({ request }) => {
        signed.push(new URL(request.url).searchParams.get('url')!);
        return ++calls === 1 ? HttpResponse.error() : HttpResponse.json(signatureFor(new URL(request.url).searchParams.get('url')!));
      }),
    );
    const routes = { [SDK_URL]: { outcome: 'error' as const }, [SDK_BACKUP_URL]: { outcome: 'error' as const } };
    const { sdk } = await openPage({ path: '/p', routes });
    boot();
    await vi.waitFor(() => expect(scriptRequests).toHaveLength(2));
    routes[SDK_URL] = {} as never;
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(signed).toEqual([`${ORIGIN}/p`, `${ORIGIN}/p`]);
    expect(scriptRequests).toEqual([SDK_URL, SDK_BACKUP_URL, SDK_URL]);
  });

  it('an HTTP error it got is the SDK\'s answer too: SIGN_REQUEST_FAILED, and the next call asks again', async () => {
    let calls = 0;
    server.use(
      http.get(ENDPOINT, ({ request }) => {
        const url = new URL(request.url).searchParams.get('url')!;
        signed.push(url);
        return ++calls === 1 ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json(signatureFor(url));
      }),
    );
    const { sdk } = await openPage({ path: '/p' });
    boot();
    await expect(sdk.setupShare({}, options)).rejects.toMatchObject({ code: 'SIGN_REQUEST_FAILED', message: `Signing failed (${ENDPOINT}): Error: HTTP 503 busy` });
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(signed).toEqual([`${ORIGIN}/p`, `${ORIGIN}/p`]);
  });

  it('the SDK asks for itself when its endpoint or its URL is not the snippet\'s', async () => {
    server.use(signingEndpoint(), http.get(`${ORIGIN}/other`, ({ request }) => {
      const url = new URL(request.url).searchParams.get('url')!;
      signed.push(`other ${url}`);
      return HttpResponse.json(signatureFor(url));
    }));
    const { sdk } = await openPage({ path: '/p' });
    boot();
    await expect(sdk.setupShare({}, { endpoint: `${ORIGIN}/other` })).resolves.toMatchObject({ status: 'ready' });
    expect(signed).toEqual([`${ORIGIN}/p`, `other ${ORIGIN}/p`]);

    const second = await openPage({ path: '/a' });
    boot();
    // Android signs the current URL: the app changed it before its first call.
    history.pushState(null, '', '/b');
    await expect(second.sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/b` });
    expect(signed).toEqual([`${ORIGIN}/a`, `${ORIGIN}/b`]);
  });

  it('follows the GET/POST rule: POST past 8,000 characters, or when method says so', async () => {
    const seen: string[] = [];
    server.use(http.post(ENDPOINT, async ({ request }) => {
      const url = new URLSearchParams(await request.text()).get('url')!;
      seen.push(`POST ${url.length}`);
      return HttpResponse.json(signatureFor(url));
    }), signingEndpoint());
    const long = `/p?q=${'%E4%B8%AD'.repeat(900)}`;
    const { sdk } = await openPage({ path: long });
    boot();
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(seen).toEqual([`POST ${ORIGIN.length + long.length}`]);
    expect(signed).toEqual([]);

    const second = await openPage({ path: '/p' });
    boot({ method: 'POST' });
    await expect(second.sdk.setupShare({}, { ...options, method: 'POST' })).resolves.toMatchObject({ status: 'ready' });
    expect(seen).toHaveLength(2);
    expect(signed).toEqual([]);
  });

  it('leaves a page opened from a shared link to the SDK, which redirects to the clean URL', async () => {
    server.use(signingEndpoint());
    await openPage({ path: '/p?id=1&from=singlemessage&isappinstalled=0' });
    boot();
    expect(window.wechatShareBoot).toBeUndefined();
    expect(scriptRequests).toEqual([]);
  });

  it('in a Mini Program\'s <web-view> it loads jweixin only: the SDK signs nothing there', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p', bridge: { miniProgram: true } });
    boot();
    await expect(sdk.setupShare({ title: 'MP' }, options)).resolves.toMatchObject({ status: 'miniprogram' });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([]);
  });

  it('loads no second jweixin when one is already on the page', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ path: '/p' });
    const { loadJweixin, jweixinUrls } = await import('../../src/lib/loadJweixin');
    await loadJweixin(jweixinUrls(version), 1000);
    delete window.wechatShareBoot;
    boot();
    (await import('../../src/lib/pageState')).resetPageState();
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(signed).toEqual([`${ORIGIN}/p`]);
  });
});
