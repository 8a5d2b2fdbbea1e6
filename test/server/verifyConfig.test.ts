// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { jsapiSignature, verifyConfig } from '../../src/server/index';

const TICKET = 'ticket-1';
const sign = (url: string) => ({ url, appId: 'wx1', nonceStr: 'n', timestamp: 100, signature: jsapiSignature({ jsapi_ticket: TICKET, noncestr: 'n', timestamp: 100, url }) });
const options = { appId: 'wx1', jsapi_ticket: TICKET };

describe('verifyConfig', () => {
  it('passes a signature for the URL checked, hash ignored', () => {
    expect(verifyConfig({ ...sign('https://h5.example.com/a'), url: 'https://h5.example.com/a#x' }, options)).toEqual({ ok: true, expectedUrl: 'https://h5.example.com/a' });
  });

  it('says which URL was signed when it is not the one checked', () => {
    const signed = sign('https://h5.example.com/entry');
    const result = verifyConfig({ ...signed, url: 'https://h5.example.com/later' }, { ...options, signedUrlOf: (s) => (s === signed.signature ? signed.url : undefined) });
    expect(result).toMatchObject({ ok: false, errMsg: 'invalid signature', expectedUrl: 'https://h5.example.com/later', signedUrl: 'https://h5.example.com/entry' });
  });

  it('refuses another appId, whose ticket would not match', () => {
    expect(verifyConfig({ ...sign('https://h5.example.com/'), appId: 'wx2' }, options)).toMatchObject({ ok: false, errMsg: 'invalid signature', reason: expect.stringContaining('wx2') });
  });

  it('enforces the JS safe domains, subdomains included', () => {
    const domains = { ...options, jsSafeDomains: ['example.com'] };
    expect(verifyConfig(sign('https://h5.example.com/'), domains).ok).toBe(true);
    expect(verifyConfig(sign('https://example.com.evil.net/'), domains)).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
    expect(verifyConfig(sign('not a url'), domains)).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
  });
});
