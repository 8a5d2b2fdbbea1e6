// @vitest-environment node
// No appSecret, access_token or jsapi_ticket in any error, onError event or handler answer,
// whatever the fetch puts in its own errors (node-fetch and some undici agents quote the URL).
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSignatureHandler, createSigner, WechatApiError, type WechatErrorEvent } from '../../src/server/index';
import { APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';

const PAGE = 'https://h5.example.com/page';

afterEach(() => {
  vi.useRealTimers();
});

// Everything a logger or a careless handler could print of an error.
function everything(error: unknown): string {
  const e = error as Error;
  let text = `${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${inspect(e, { depth: Infinity, showHidden: true })}\n${String(e)}`;
  for (let cause = e.cause as Error | undefined; cause; cause = cause.cause as Error | undefined) text += `\n${inspect(cause, { depth: Infinity, showHidden: true })}`;
  return text;
}

// A fetch that fails the way node-fetch does for `failing` paths: its error names the full URL,
// and its cause carries the request too.
function leakyFetch(wechat: ReturnType<typeof faultyWechat>, failing: RegExp) {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (failing.test(new URL(url).pathname)) {
      const cause = Object.assign(new Error(`connect ECONNRESET for ${url}`), { code: 'ECONNRESET', url, body: init?.body });
      throw Object.assign(new TypeError(`request to ${url} failed, reason: socket hang up`, { cause }), { url });
    }
    return wechat.fetch(input, init);
  }) as typeof fetch;
}

describe('secrets stay inside', () => {
  it.each(['classic', 'stable'] as const)('a fetch that quotes the URL leaks neither the appSecret nor the token (%s)', async (tokenMode) => {
    const wechat = faultyWechat();
    const events: WechatErrorEvent[] = [];
    const onError = (event: WechatErrorEvent) => events.push(event);
    // Every call takes 250 ms of a faked clock, which each event's durationMs must show.
    vi.useFakeTimers({ toFake: ['Date'] });
    const slow = (fetch: typeof globalThis.fetch) => ((input, init) => (vi.advanceTimersByTime(250), fetch(input, init))) as typeof globalThis.fetch;
    // The token call fails: in classic mode its URL has &secret=.
    const tokenFails = createSigner({ appId: APP_ID, appSecret: APP_SECRET, tokenMode, fetch: slow(leakyFetch(wechat, /token$/)), onError });
    const first = await tokenFails.sign(PAGE).catch((e) => e);
    // The ticket call fails: its URL has access_token=.
    const ticketFails = createSigner({ appId: APP_ID, appSecret: APP_SECRET, tokenMode, fetch: slow(leakyFetch(wechat, /getticket$/)), onError });
    const token = await ticketFails.getAccessToken();
    const second = await ticketFails.sign(PAGE).catch((e) => e);
    for (const error of [first, second]) {
      expect(error).toBeInstanceOf(WechatApiError);
      expect(error.cause).toBeUndefined();
      expect(error.message).toMatch(/request failed: .*socket hang up \(ECONNRESET\)/);
      const text = everything(error);
      for (const secret of [APP_SECRET, token]) expect(text).not.toContain(secret);
    }
    expect(events.map((e) => e.api)).toEqual([tokenMode === 'classic' ? '/cgi-bin/token' : '/cgi-bin/stable_token', '/cgi-bin/ticket/getticket']);
    for (const event of events) {
      expect(event.durationMs).toBe(250);
      for (const secret of [APP_SECRET, token]) expect(JSON.stringify(event)).not.toContain(secret);
    }
  });

  it('keeps them out of refreshAccessToken errors, onUpstream events, status() and the default console.warn', async () => {
    const wechat = faultyWechat();
    const texts: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void texts.push(args.join(' ')));
    try {
      const leaky = leakyFetch(wechat, /stable_token$/);
      let leak = false;
      const fetch = ((input, init) => (leak ? leaky(input, init) : wechat.fetch(input, init))) as typeof globalThis.fetch;
      const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch, onUpstream: (event) => void texts.push(JSON.stringify(event)) });
      const token = await signer.getAccessToken();
      await signer.sign(PAGE);
      leak = true;
      const error = await signer.refreshAccessToken(token).catch((e) => e);
      expect(error).toBeInstanceOf(WechatApiError);
      texts.push(everything(error), JSON.stringify(signer.status()));
      expect(signer.status().lastError).toMatchObject({ api: '/cgi-bin/stable_token' });
      expect(texts.some((text) => text.includes('socket hang up'))).toBe(true);
      for (const secret of [APP_SECRET, token, wechat.api.currentTicket()!]) for (const text of texts) expect(text).not.toContain(secret);
    } finally {
      warn.mockRestore();
    }
  });

  it('redacts a token or ticket that WeChat echoes in its errmsg', async () => {
    const wechat = faultyWechat();
    const events: WechatErrorEvent[] = [];
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, onError: (e) => events.push(e) });
    const token = await signer.getAccessToken();
    wechat.state.fault = { errcode: 40097, errmsg: `invalid args access_token ${token} secret ${APP_SECRET}` };
    const error = await signer.sign(PAGE).catch((e) => e);
    expect(error).toMatchObject({ errcode: 40097 });
    for (const text of [everything(error), JSON.stringify(events)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(APP_SECRET);
      expect(text).toContain('[redacted]');
    }
    expect(events.at(-1)).toMatchObject({ api: '/cgi-bin/ticket/getticket', errcode: 40097, errmsg: expect.stringContaining('invalid args') });
  });

  it('refuses a mistyped apiBase at once, naming it, instead of failing per request', () => {
    expect(() => createSigner({ appId: APP_ID, appSecret: APP_SECRET, apiBase: 'api.weixin.qq.com' })).toThrow(/apiBase must be an absolute http\(s\) URL/);
  });

  it('says which option is wrong, quoting at most 100 characters of it', async () => {
    expect(() => createSigner({ appId: APP_ID, appSecret: '' })).toThrow('createSigner: appSecret or accessToken is required (the Official Account AppSecret, or a provider of its access_token).');
    expect(() => createSigner({ appId: APP_ID, appSecret: 42 as never })).toThrow('createSigner: appSecret or accessToken is required (the Official Account AppSecret, or a provider of its access_token).');
    const long = 'ftp://' + 'x'.repeat(200);
    expect(() => createSigner({ appId: APP_ID, appSecret: APP_SECRET, apiBase: long })).toThrow(
      `createSigner: apiBase must be an absolute http(s) URL such as https://api.weixin.qq.com, got ${JSON.stringify(long).slice(0, 100)}.`,
    );
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: faultyWechat().fetch });
    await expect(signer.sign(undefined as never)).rejects.toThrow('sign: expected an absolute http(s) URL, got undefined');
    await expect(signer.sign('/relative/' + 'y'.repeat(200))).rejects.toThrow(`sign: expected an absolute http(s) URL, got ${JSON.stringify('/relative/' + 'y'.repeat(200)).slice(0, 100)}`);
  });

  it('drops the trailing slashes of apiBase', async () => {
    const wechat = faultyWechat();
    const seen: string[] = [];
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, apiBase: 'https://api.example.test///', fetch: (url, init) => (seen.push(String(url).split('?')[0]), wechat.fetch(url, init)) });
    await signer.sign(PAGE);
    expect(seen).toEqual(['https://api.example.test/cgi-bin/stable_token', 'https://api.example.test/cgi-bin/ticket/getticket']);
  });

  it('a store whose errors quote the command, values included (as Redis clients do), leaks neither token nor ticket', async () => {
    const wechat = faultyWechat();
    const events: WechatErrorEvent[] = [];
    // Reads find nothing; writes fail, quoting the command and the value being written.
    const quoting = {
      get: async () => undefined,
      set: async (key: string, value: string) => { throw Object.assign(new Error(`Command timed out: SET ${key} ${value}`), { command: { name: 'set', args: [key, value] } }); },
      delete: async () => undefined,
      lock: async () => 'held',
      unlock: async () => undefined,
    };
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, store: quoting, storeTimeout: 200, onError: (event) => events.push(event) });
    await signer.sign(PAGE);
    const token = await signer.getAccessToken();
    const ticket = await signer.getJsapiTicket();
    // The writes fail off the request path: wait for the report (the first failure pauses the
    // store's later calls, unreported).
    await vi.waitFor(() => expect(events.some((e) => e.api === 'store.set')).toBe(true));
    const printed = JSON.stringify(events) + events.map((e) => inspect(e, { depth: Infinity })).join('\n');
    for (const secret of [APP_SECRET, token, ticket]) expect(printed).not.toContain(secret);
  });

  it('a logger that throws does not break signing', async () => {
    const wechat = faultyWechat();
    wechat.api.failNext('ticket', -1, 'system error');
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, onError: () => { throw new Error('logger down'); } });
    await expect(signer.sign(PAGE)).rejects.toMatchObject({ errcode: -1 });
  });
});

describe('the handler answers visitors without upstream detail', () => {
  it('502 carries code, message, errcode and hint: no errmsg, no IP, no secret', async () => {
    const wechat = faultyWechat();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch });
    const handler = createSignatureHandler(signer);
    wechat.state.fault = { errcode: 40164, errmsg: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1' };
    const response = await handler(new Request(`http://localhost/s?url=${encodeURIComponent(PAGE)}`));
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(Object.keys(body.error).sort()).toEqual(['code', 'errcode', 'hint', 'message']);
    expect(body.error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 40164, hint: expect.stringMatching(/whitelist/) });
    expect(JSON.stringify(body)).not.toContain('203.0.113.7');
    expect(JSON.stringify(body)).not.toContain(APP_SECRET);
  });

  it.each([
    ['JSON null', () => Response.json(null)],
    ['a JSON array', () => Response.json([])],
    ['HTML', () => new Response('<html>busy</html>')],
    ['no ticket', () => Response.json({ errcode: 0, errmsg: 'ok' })],
    ['expires_in 0', () => Response.json({ access_token: 'x'.repeat(40), expires_in: 0 })],
  ])('an upstream answering %s is a 502, not a 500', async (_, answer) => {
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: (async () => answer()) as typeof fetch });
    const response = await createSignatureHandler(signer)(new Request(`http://localhost/s?url=${encodeURIComponent(PAGE)}`));
    expect(response.status).toBe(502);
    expect((await response.json()).error.code).toBe('WECHAT_API_ERROR');
  });

  it.each([
    ['no trailing slash', 'https://h5.example.com'],
    ['an upper-case host', 'https://H5.example.com/page'],
    ['a raw space', 'https://h5.example.com/a b'],
    ['a default port', 'https://h5.example.com:443/page'],
    ['a backslash', 'https://h5.example.com\\@evil.example.net/'],
  ])('signs only the serialized form location.href has: %s is 400 INVALID_URL', async (_, url) => {
    const wechat = faultyWechat();
    const handler = createSignatureHandler(createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch }), { allowedHosts: ['h5.example.com'] });
    const response = await handler(new Request(`http://localhost/s?url=${encodeURIComponent(url)}`));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'INVALID_URL', message: expect.stringContaining(new URL(url).href) });
    expect(wechat.state.upstream).toBe(0);
  });
});
