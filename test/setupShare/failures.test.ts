import { describe, expect, it, vi } from 'vitest';
import { options, rejection, quietPage } from './common';
import { openPage, server, signed, signingEndpoint } from '../helpers/wechat';

quietPage();

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

  it('ignores the stale wx.error that jweixin replays when the page\'s own earlier config failed', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage();
    // The page configures jweixin itself first, with a bad signature and no wx.error callback.
    const { loadJweixin, DEFAULT_SDK_URLS } = await import('../../src/lib/loadJweixin');
    const wx = await loadJweixin(DEFAULT_SDK_URLS, 1000);
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
