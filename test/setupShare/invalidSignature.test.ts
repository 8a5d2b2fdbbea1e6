import { describe, expect, it } from 'vitest';
import { options, rejection, quietPage } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

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
      // The client checked the URL that was signed (realAuthUrl): one URL to name.
      expect([error.message, error.realAuthUrl]).toEqual([`wx.config failed for ${ORIGIN}/: config:invalid signature`, `${ORIGIN}/`]);
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
});
