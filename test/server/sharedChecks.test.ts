// @vitest-environment node
// The request rules shared by createSignatureHandler and the signing service: one place each.
import { describe, expect, it } from 'vitest';
import { checkSigningRequest, corsHeaders, createHostMatcher, createSignatureHandler, createSigner, signingErrorAnswer, WechatApiError } from '../../src/server/index';
import { APP_ID, APP_SECRET } from '../helpers/wechatApi';
import { queryParam } from '../../src/server/checkSigningRequest';

const PAGE = 'https://h5.example.com/page?id=1';

describe('createHostMatcher', () => {
  it('normalises what can be: spaces, case, IDN to punycode as URL does', () => {
    const allowed = createHostMatcher([' H5.Example.com ', 'bücher.example', '*.Shop.example.com']);
    expect(allowed('h5.example.com')).toBe(true);
    expect(allowed(new URL('https://bücher.example/').hostname)).toBe(true);
    expect(allowed('m.shop.example.com')).toBe(true);
    expect(allowed('a.b.shop.example.com')).toBe(true);
    expect(allowed('shop.example.com')).toBe(false);
    expect(allowed('shop.example.com.evil.net')).toBe(false);
    expect(allowed('evilshop.example.com')).toBe(false);
    expect(createHostMatcher([])('h5.example.com')).toBe(false);
    // Normalised, for finding a host listed twice (the service refuses that).
    expect(allowed.patterns).toEqual(['h5.example.com', 'xn--bcher-kva.example', '*.shop.example.com']);
    expect(createHostMatcher(['A.com', 'a.com ', '*.a.com', '*.A.com']).patterns).toEqual(['a.com', '*.a.com']);
  });

  it('throws one TypeError naming every entry that can never match, with what was meant', () => {
    const bad = ['h5.example.com:443', 'https://h5.example.com', '::1', '', 'h5.example.com/path', '*.', '*', 'a b.com', '[::1]'];
    let error: unknown;
    try {
      createHostMatcher(['ok.example.com', ...bad], 'ALLOWED_HOSTS');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    const message = (error as Error).message;
    expect(message).toMatch(/^ALLOWED_HOSTS takes hostnames/);
    for (const entry of bad) expect(message).toContain(JSON.stringify(entry));
    expect(message).toContain('"h5.example.com:443" (write "h5.example.com")');
    expect(message).toContain('"https://h5.example.com" (write "h5.example.com")');
    expect(message).not.toContain('ok.example.com');
    expect(() => createHostMatcher([42 as never])).toThrow(/allowedHosts .*42/);
    expect(() => createHostMatcher('h5.example.com' as never)).toThrow(/must be an array/);
  });

  it('makes createSignatureHandler throw at creation for a bad allowedHosts (issue 16 item 5)', () => {
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    expect(() => createSignatureHandler(signer, { allowedHosts: ['https://h5.example.com'] })).toThrow(TypeError);
    expect(() => createSignatureHandler(signer, { allowedHosts: [' H5.example.com'] })).not.toThrow();
  });
});

describe('checkSigningRequest', () => {
  it('reads GET, form and JSON POST, with the optional appId', () => {
    const q = `url=${encodeURIComponent(PAGE + '#x')}`;
    expect(checkSigningRequest({ method: 'GET', search: `?${q}` })).toEqual({ ok: true, url: PAGE, parsedUrl: new URL(PAGE + '#x'), hostname: 'h5.example.com' });
    expect(checkSigningRequest({ method: 'GET', search: `${q}&appId=wx1` }, { appIdParameter: true })).toEqual({ ok: true, url: PAGE, parsedUrl: new URL(PAGE + '#x'), hostname: 'h5.example.com', appId: 'wx1' });
    expect(checkSigningRequest({ method: 'POST', search: '', contentType: 'application/x-www-form-urlencoded', body: `${q}&appId=wx2` }, { appIdParameter: true })).toMatchObject({ ok: true, appId: 'wx2' });
    expect(checkSigningRequest({ method: 'POST', search: '', contentType: 'application/json; charset=utf-8', body: JSON.stringify({ url: PAGE, appId: 'wx3' }) }, { appIdParameter: true })).toMatchObject({ ok: true, url: PAGE, appId: 'wx3' });
  });

  it.each([
    [{ method: 'PUT', search: '' }, 405, 'METHOD_NOT_ALLOWED'],
    [{ method: 'TRACE', search: '' }, 405, 'METHOD_NOT_ALLOWED'],
    [{ method: 'GET', search: '' }, 400, 'MISSING_URL'],
    [{ method: 'POST', search: `url=${encodeURIComponent(PAGE)}`, body: '' }, 400, 'MISSING_URL'],
    [{ method: 'POST', search: '', contentType: 'application/json', body: '{"url":1}' }, 400, 'MISSING_URL'],
    [{ method: 'GET', search: 'url=%2Fpage' }, 400, 'INVALID_URL'],
    [{ method: 'GET', search: `url=${encodeURIComponent('https://H5.example.com')}` }, 400, 'INVALID_URL'],
    [{ method: 'GET', search: `url=${encodeURIComponent('https://h5.example.com/?' + 'a'.repeat(5000))}` }, 400, 'URL_TOO_LONG'],
    [{ method: 'POST', search: '', contentType: 'application/json', body: JSON.stringify({ url: PAGE, appId: 7 }) }, 400, 'INVALID_APP_ID'],
    [{ method: 'GET', search: `url=${encodeURIComponent(PAGE)}&appId=` }, 400, 'INVALID_APP_ID'],
  ])('refuses %j with %i %s', (input, status, code) => {
    const check = checkSigningRequest(input, { appIdParameter: true });
    expect(check).toMatchObject({ ok: false, status, code, message: expect.any(String) });
    if (status === 405) expect(check).toMatchObject({ headers: { Allow: 'GET, HEAD, POST, OPTIONS' } });
  });

  it('ignores the appId parameter unless asked to read it (createSignatureHandler serves one signer)', () => {
    const input = { method: 'GET', search: `url=${encodeURIComponent(PAGE)}&appId=` };
    expect(checkSigningRequest(input)).toEqual({ ok: true, url: PAGE, parsedUrl: new URL(PAGE), hostname: 'h5.example.com' });
    expect(checkSigningRequest({ method: 'GET', search: `url=${encodeURIComponent(PAGE)}&appId=wx1` }, { appIdParameter: true })).toMatchObject({ ok: true, appId: 'wx1' });
  });

  it('takes maxUrlLength', () => {
    expect(checkSigningRequest({ method: 'GET', search: `url=${encodeURIComponent(PAGE)}` }, { maxUrlLength: 10 })).toMatchObject({ code: 'URL_TOO_LONG' });
  });
});

describe('corsHeaders', () => {
  it('answers allowed origins only, with Vary: Origin and the preflight headers', () => {
    expect(corsHeaders('https://a.example', undefined)).toEqual({});
    expect(corsHeaders(null, ['*'])).toEqual({});
    expect(corsHeaders('https://b.example', ['https://a.example'], true)).toEqual({});
    expect(corsHeaders('https://a.example', ['https://a.example'])).toEqual({ 'Access-Control-Allow-Origin': 'https://a.example', Vary: 'Origin' });
    expect(corsHeaders('https://a.example', ['*'], true)).toEqual({
      'Access-Control-Allow-Origin': '*',
      Vary: 'Origin',
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type',
      'Access-Control-Max-Age': '600',
    });
  });
});

describe('signingErrorAnswer', () => {
  it('answers 502 with errcode and hint but no errmsg, and 500 for anything else', () => {
    const answer = signingErrorAnswer(new WechatApiError('/cgi-bin/ticket/getticket', 'invalid ip 1.2.3.4', 40164));
    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 40164, hint: expect.stringMatching(/whitelist/) });
    expect(JSON.stringify(answer)).not.toContain('1.2.3.4');
    expect(signingErrorAnswer(new Error('SECRET'))).toEqual({ status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'Signing failed: the store or the signer threw.' } } });
  });
});

describe('queryParam', () => {
  it('reads a parameter exactly as URLSearchParams does, malformed escapes and fuzz included', () => {
    const queries = [
      '', '?', '?url=', 'url', 'url&url=2', '&&url=a&', 'a=1&url=x%20y+z', 'u%72l=enc-key', 'url=%E4%B8%AD', 'url=%zz%', 'url=%E4%B8',
      'url=a=b=c', '?url=https%3A%2F%2Fh5.example.com%2F%3Fa%3D1%26b%3D2', 'URL=upper&url=lower', 'ur+l=space-key', 'url+=x', '%=1&url=%',
    ];
    const alphabet = ['u', 'r', 'l', '=', '&', '%', '2', '0', 'E', '+', '?', 'a', '%E4', '%B8', '%AD'];
    for (let i = 0; i < 3000; i++) {
      let query = '';
      for (let n = Math.floor(Math.random() * 12); n > 0; n--) query += alphabet[Math.floor(Math.random() * alphabet.length)];
      queries.push(query);
    }
    for (const query of queries) expect([query, queryParam(query, 'url')]).toEqual([query, new URLSearchParams(query).get('url')]);
  });
});
