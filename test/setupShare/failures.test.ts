import { describe, expect, it } from 'vitest';
import { options, rejection, quietPage } from './common';
import { openPage, server, signingEndpoint } from '../helpers/wechat';

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
});
