import { describe, expect, it } from 'vitest';
import { options, quietPage, spyOnLocationReplace } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, scriptRequests, server, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('second share', () => {
    it('replaces the location with the URL without from/isappinstalled, keeping the rest, and signs nothing', async () => {
      const { sdk } = await openPage({ path: '/p?a=1&from=groupmessage&b=%E4%B8%AD&isappinstalled=0#/route?x=1' });
      const replace = spyOnLocationReplace();
      await expect(sdk.setupShare({}, options)).resolves.toEqual({
        status: 'redirecting',
        to: `${ORIGIN}/p?a=1&b=%E4%B8%AD#/route?x=1`,
      });
      expect(replace.mock.calls).toEqual([[`${ORIGIN}/p?a=1&b=%E4%B8%AD#/route?x=1`]]);
      expect(signed).toEqual([]);
      expect(scriptRequests).toEqual([]);
    });

    it('keeps a from parameter that WeChat did not add', async () => {
      server.use(signingEndpoint());
      const { sdk } = await openPage({ path: '/p?from=newsletter' });
      const replace = spyOnLocationReplace();
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/p?from=newsletter` });
      expect(replace).not.toHaveBeenCalled();
    });
  });
});
