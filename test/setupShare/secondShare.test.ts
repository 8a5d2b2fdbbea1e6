import { describe, expect, it } from 'vitest';
import { options, quietPage } from './common';
import { ORIGIN, openPage, scriptRequests, server, signed, signingEndpoint } from '../helpers/wechat';

quietPage();

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
