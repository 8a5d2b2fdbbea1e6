import { describe, expect, it } from 'vitest';
import { options, rejection, quietPage } from './common';
import { ORIGIN, SDK_BACKUP_URL, SDK_URL, openPage, scriptRequests, server, signingEndpoint } from '../helpers/wechat';

quietPage();

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
    const { loadJweixin, DEFAULT_SDK_URLS } = await import('../../src/lib/loadJweixin');
    await loadJweixin(DEFAULT_SDK_URLS, 1000);
    const { resetPageState } = await import('../../src/lib/pageState');
    resetPageState();
    delete (window as { wx?: unknown }).wx;
    await expect(sdk.setupShare({ title: 'via jWeixin' }, options)).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([SDK_URL]);
    expect(bridge.state.appMessage?.title).toBe('via jWeixin');
  });

  it('shares one load between callers that ask at once', async () => {
    const { loadJweixin, DEFAULT_SDK_URLS } = await import('../../src/lib/loadJweixin');
    await openPage({ routes: { [SDK_URL]: { wait: 20 } } });
    const [a, b] = [loadJweixin(DEFAULT_SDK_URLS, 1000), loadJweixin(DEFAULT_SDK_URLS, 1000)];
    expect(a).toBe(b);
    expect(await a).toBe(window.wx);
    expect(scriptRequests).toEqual([SDK_URL]);
  });
});
