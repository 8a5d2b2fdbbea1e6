// @vitest-environment node
// The WeCom signer against the fake qyapi (mounted by msw at qyapi.weixin.qq.com).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWecomSigner, jsapiSignature, memoryStore, wecomStoreKeys, WechatApiError, type Store, type WechatErrorEvent } from '../../src/server/index';
import { server } from '../helpers/msw';
import { AGENT_A, AGENT_B, CORP_ID, SECRET_A, SECRET_B, fakeWecom } from '../helpers/wecomApi';

const PAGE = 'https://h5.example.com/page?id=1';

afterEach(() => {
  vi.useRealTimers();
});

// A store that records every key written, over a memoryStore.
function recordingStore(): Store & { written: Map<string, string> } {
  const inner = memoryStore();
  const written = new Map<string, string>();
  return {
    ...inner,
    get: (key) => inner.get(key),
    async set(key, value, ttl) {
      written.set(key, value);
      return inner.set(key, value, ttl);
    },
    lock: (key, ttl) => inner.lock(key, ttl),
    unlock: (key, token) => inner.unlock(key, token),
    delete: (key) => inner.delete(key),
    written,
  };
}

const quiet = { onError: () => undefined };

describe('createWecomSigner', () => {
  it('answers the corp signature with the corpId as appId, and the agent signature with that agent ticket', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, ...quiet });
    const result = await signer.sign(`${PAGE}#hash`);
    expect(result.appId).toBe(CORP_ID);
    expect(result.url).toBe(PAGE);
    expect(result.agentId).toBe(AGENT_A);
    const corpTicket = api.currentCorpTicket()!;
    const agentTicket = api.currentAgentTicket(AGENT_A)!;
    expect(corpTicket).toBeTruthy();
    expect(agentTicket).toBeTruthy();
    expect(agentTicket).not.toBe(corpTicket);
    expect(result.signature).toBe(jsapiSignature({ jsapi_ticket: corpTicket, noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
    const agent = result.agentSignature!;
    expect(agent.signature).toBe(jsapiSignature({ jsapi_ticket: agentTicket, noncestr: agent.nonceStr, timestamp: agent.timestamp, url: PAGE }));
    expect(agent.signature).not.toBe(result.signature);
    expect(api.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
    // Warm: no further call.
    await signer.sign(PAGE);
    expect(api.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
    expect(await signer.corpTicket()).toBe(corpTicket);
    expect(await signer.agentTicket()).toBe(agentTicket);
    const status = signer.status();
    expect(status).toMatchObject({ corpId: CORP_ID, agentId: AGENT_A, store: { up: true } });
    expect(status.corpTicketExpiresAt).toBeGreaterThan(Date.now());
    expect(status.agentTicketExpiresAt).toBeGreaterThan(Date.now());
  });

  it('without an agentId answers the corp signature only, and agentTicket() rejects saying why', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_B, ...quiet });
    const result = await signer.sign(PAGE);
    expect(Object.keys(result).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp', 'url']);
    expect(result.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentCorpTicket()!, noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
    expect(api.calls.agentTicket).toBe(0);
    await expect(signer.agentTicket()).rejects.toThrow(/has no agentId/);
  });

  it('answers each credential with the whole seconds its cached entry has left, for a central token server', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-06T00:00:00Z'));
    const { api, handler } = fakeWecom();
    server.use(handler);
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, ...quiet });
    const [token, corp, agent] = [await signer.accessTokenInfo(), await signer.corpTicketInfo(), await signer.agentTicketInfo()];
    expect(token).toEqual({ access_token: await signer.accessToken(), expires_in: 7200 });
    expect(corp).toEqual({ ticket: api.currentCorpTicket(), expires_in: 7200 });
    expect(agent).toEqual({ ticket: api.currentAgentTicket(AGENT_A), expires_in: 7200 });
    // 100.5 s later, from the cache: rounded down, no new call.
    vi.setSystemTime(Date.now() + 100_500);
    expect((await signer.accessTokenInfo()).expires_in).toBe(7099);
    expect((await signer.corpTicketInfo()).expires_in).toBe(7099);
    expect((await signer.agentTicketInfo()).expires_in).toBe(7099);
    expect(api.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
    const corpOnly = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_B, ...quiet });
    await expect(corpOnly.agentTicketInfo()).rejects.toThrow(/has no agentId/);
  });

  it('fetches each agent ticket with that agent\'s token and keeps corp and agent tickets under their own keys', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const store = recordingStore();
    const a = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store, ...quiet });
    const b = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_B, agentId: AGENT_B, store, ...quiet });
    const [ra, rb] = await Promise.all([a.sign(PAGE), b.sign(PAGE)]);
    const ticketA = api.currentAgentTicket(AGENT_A)!;
    const ticketB = api.currentAgentTicket(AGENT_B)!;
    expect(ticketA).not.toBe(ticketB);
    const check = (ticket: string, s: { nonceStr: string; timestamp: number; signature: string }) =>
      jsapiSignature({ jsapi_ticket: ticket, noncestr: s.nonceStr, timestamp: s.timestamp, url: PAGE }) === s.signature;
    expect(check(ticketA, ra.agentSignature!)).toBe(true);
    expect(check(ticketB, rb.agentSignature!)).toBe(true);
    expect(check(ticketA, rb.agentSignature!)).toBe(false);
    // One corp ticket for the corp, one agent ticket per agent, one token per agent.
    expect(api.calls).toEqual({ gettoken: 2, corpTicket: 1, agentTicket: 2 });
    const keysA = wecomStoreKeys(CORP_ID, AGENT_A);
    const keysB = wecomStoreKeys(CORP_ID, AGENT_B);
    expect(keysA.corpTicket).toBe(keysB.corpTicket);
    expect(new Set([keysA.corpTicket, keysA.agentTicket, keysB.agentTicket, keysA.accessToken, keysB.accessToken]).size).toBe(5);
    const value = (key: string | undefined) => (JSON.parse(store.written.get(key!)!) as { value: string }).value;
    await vi.waitFor(() => expect(store.written.size).toBe(5));
    expect(value(keysA.corpTicket)).toBe(api.currentCorpTicket());
    expect(value(keysA.agentTicket)).toBe(ticketA);
    expect(value(keysB.agentTicket)).toBe(ticketB);
    expect(value(keysA.accessToken)).not.toBe(value(keysB.accessToken));
    expect([...store.written.keys()].every((key) => key.startsWith(`{${CORP_ID}}:wecom:`))).toBe(true);
  });

  it('two apps of one corp without an agentId keep their own access_token (the key names the app by a digest of its Secret, never the Secret)', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const store = recordingStore();
    const a = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, store, ...quiet });
    const b = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_B, store, ...quiet });
    const [tokenA, tokenB] = [await a.accessToken(), await b.accessToken()];
    expect(tokenA).not.toBe(tokenB);
    expect(api.calls.gettoken).toBe(2);
    const [keyA, keyB] = [wecomStoreKeys(CORP_ID, undefined, SECRET_A).accessToken, wecomStoreKeys(CORP_ID, undefined, SECRET_B).accessToken];
    expect(keyA).toMatch(new RegExp(`^\\{${CORP_ID}\\}:wecom:access_token:corp:[0-9a-f]{16}$`));
    expect(keyA).not.toBe(keyB);
    expect([...store.written.keys()].filter((key) => key.includes('access_token')).sort()).toEqual([keyA, keyB].sort());
    for (const key of store.written.keys()) expect(key).not.toContain(SECRET_A);
  });

  it('never signs with an empty cached ticket: it counts as a miss', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const store = memoryStore();
    const keys = wecomStoreKeys(CORP_ID, AGENT_A);
    const empty = JSON.stringify({ value: '', refreshAt: Date.now() + 3_600_000, expiresAt: Date.now() + 7_000_000 });
    await store.set(keys.corpTicket, empty, 7_000_000);
    await store.set(keys.agentTicket!, empty, 7_000_000);
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store, ...quiet });
    const result = await signer.sign(PAGE);
    expect(api.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
    expect(result.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentCorpTicket()!, noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
    expect(result.signature).not.toBe(jsapiSignature({ jsapi_ticket: '', noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
  });

  it('renews the token once when a ticket call answers 40014 (WeCom dropped the token early)', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const store = memoryStore();
    const first = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store, ...quiet });
    await first.sign(PAGE);
    const oldToken = await first.accessToken();
    api.revokeAccessTokens();
    // A second instance with the revoked token in the shared store, and no tickets yet.
    const keys = wecomStoreKeys(CORP_ID, AGENT_A);
    await store.delete(keys.corpTicket);
    await store.delete(keys.agentTicket!);
    const events: WechatErrorEvent[] = [];
    const second = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store, onError: (e) => events.push(e) });
    const result = await second.sign(PAGE);
    expect(result.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentCorpTicket()!, noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
    expect(await second.accessToken()).not.toBe(oldToken);
    // Both tickets met 40014 at first; the renewal was one gettoken call for both.
    expect(api.calls.gettoken).toBe(2);
    expect(events.map((e) => e.errcode)).toEqual([40014, 40014]);
    expect(JSON.stringify(events)).not.toContain(oldToken);
  });

  it('refreshAccessToken hands out a new token once WeCom dropped the old one, and the current one to a caller with an older stale token', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, ...quiet });
    const stale = await signer.accessToken();
    api.revokeAccessTokens();
    const renewed = await signer.refreshAccessToken(stale);
    expect(renewed.refreshed).toBe(true);
    expect(renewed.access_token).not.toBe(stale);
    expect(renewed.expires_in).toBeGreaterThan(7000);
    expect(await signer.refreshAccessToken(stale)).toMatchObject({ access_token: renewed.access_token, refreshed: false });
    expect(api.calls.gettoken).toBe(2);
    // WeCom still answers the token it considers valid: never handed back as "new".
    await expect(signer.refreshAccessToken(renewed.access_token)).rejects.toMatchObject({ name: 'TokenRefreshError', code: 'UPSTREAM_FAILED' });
    await expect(signer.refreshAccessToken('')).rejects.toThrow(TypeError);
  });

  it('rejects with WeCom hints and no secret: 60020 (trusted IPs), 40001 (corpSecret), 45009 (hourly limit)', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const events: WechatErrorEvent[] = [];
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, onError: (e) => events.push(e) });
    api.failNext('gettoken', 60020, 'not allow to access from your ip, from ip: 203.0.113.9');
    const error = await signer.sign(PAGE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ api: '/cgi-bin/gettoken', errcode: 60020, platform: 'wecom' });
    expect((error as WechatApiError).hint).toMatch(/trusted IPs/);
    expect((error as WechatApiError).message).toMatch(/^WeCom API \/cgi-bin\/gettoken failed: errcode 60020/);
    expect(signer.status().lastError).toMatchObject({ errcode: 60020 });
    expect(JSON.stringify([error, events, signer.status(), (error as Error).message])).not.toContain(SECRET_A);

    const hint = (errcode: number, api = '/cgi-bin/get_jsapi_ticket') => new WechatApiError(api, 'x', errcode).hint;
    expect(hint(40001, '/cgi-bin/gettoken')).toMatch(/corpSecret/);
    expect(hint(40013, '/cgi-bin/gettoken')).toMatch(/corpId/);
    expect(hint(40014)).toMatch(/access_token is not valid/);
    expect(hint(42001)).toMatch(/expired/);
    expect(hint(45009, '/cgi-bin/ticket/get')).toMatch(/400 an hour per corp and 100 an hour per app/);
    expect(hint(45011)).toMatch(/too frequent/);
    expect(hint(60020)).toMatch(/trusted IPs/);
    // WeChat's own APIs keep WeChat's hints.
    expect(new WechatApiError('/cgi-bin/ticket/getticket', 'x', 40001).hint).toMatch(/another server may be fetching tokens/);
  });

  it('a bad corpSecret answers 40001 with its hint, redacted', async () => {
    const { handler } = fakeWecom();
    server.use(handler);
    const wrong = 'WWSECRET_WRONG_0123456789abcdef0123456789ab';
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: wrong, agentId: AGENT_A, ...quiet });
    const error = (await signer.sign(PAGE).catch((e: unknown) => e)) as WechatApiError;
    expect(error.errcode).toBe(40001);
    expect(error.hint).toMatch(/corpSecret is not valid/);
    expect(JSON.stringify({ error, message: error.message, stack: error.stack })).not.toContain(wrong);
  });

  it('keeps serving a valid cached ticket while refreshes fail, and backs off', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { api, handler } = fakeWecom();
    server.use(handler);
    const events: WechatErrorEvent[] = [];
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, onError: (e) => events.push(e) });
    await signer.sign(PAGE);
    const corp = api.currentCorpTicket()!;
    // Past the refresh time (7200 s - 300 s), before expiry: the refresh fails, the ticket serves.
    vi.setSystemTime(Date.now() + 7000_000);
    for (let i = 0; i < 5; i++) api.failNext('corpTicket', 45009, 'api freq out of limit');
    for (let i = 0; i < 20; i++) {
      const result = await signer.sign(PAGE);
      expect(result.signature).toBe(jsapiSignature({ jsapi_ticket: corp, noncestr: result.nonceStr, timestamp: result.timestamp, url: PAGE }));
    }
    await vi.waitFor(() => expect(events).toMatchObject([{ api: '/cgi-bin/get_jsapi_ticket', errcode: 45009 }]));
    // One attempt, then backoff: 20 requests did not make 20 calls.
    expect(api.calls.corpTicket).toBe(2);
  });

  it('keeps the access_token and tickets out of errors, events and status when a ticket call fails quoting its URL', async () => {
    const { api } = fakeWecom();
    const upstream: { api: string; outcome: string }[] = [];
    const events: WechatErrorEvent[] = [];
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, ...quiet, fetch: (input, init) => api.handle(new Request(input, init)) });
    await signer.sign(PAGE);
    const token = await signer.accessToken();
    const tickets = [api.currentCorpTicket()!, api.currentAgentTicket(AGENT_A)!];
    // A second signer of the same app on its own store: the same token (WeCom answers it while valid), no tickets yet.
    const second = createWecomSigner({
      corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, onError: (e) => events.push(e), onUpstream: (e) => upstream.push(e),
      fetch: async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (!url.includes('/gettoken')) throw new Error(`connect ECONNRESET ${url} token=${new URL(url).searchParams.get('access_token')}`);
        return api.handle(new Request(input, init));
      },
    });
    const error = (await second.sign(PAGE).catch((e: unknown) => e)) as WechatApiError;
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error.errcode).toBeUndefined();
    expect(await second.accessToken()).toBe(token);
    const everything = JSON.stringify([error.message, error.stack, error, events, upstream, second.status(), signer.status()]);
    for (const secret of [SECRET_A, token, ...tickets]) expect(everything).not.toContain(secret);
    expect(events.some((e) => e.api === '/cgi-bin/get_jsapi_ticket' && /ECONNRESET/.test(e.message))).toBe(true);
    expect(upstream).toContainEqual(expect.objectContaining({ api: '/cgi-bin/ticket/get', outcome: 'network' }));
  });

  it('refuses bad options with a TypeError naming what to fix', () => {
    expect(() => createWecomSigner({ corpId: '', corpSecret: 's' })).toThrow(/corpId is required/);
    expect(() => createWecomSigner({ corpId: CORP_ID, corpSecret: '' })).toThrow(/corpSecret is required/);
    expect(() => createWecomSigner({ corpId: CORP_ID, corpSecret: 's', agentId: '1000002' as unknown as number })).toThrow(/positive integer/);
    expect(() => createWecomSigner({ corpId: CORP_ID, corpSecret: 's', agentId: 0 })).toThrow(/positive integer/);
    expect(() => createWecomSigner({ corpId: CORP_ID, corpSecret: 's', apiBase: 'qyapi.weixin.qq.com' })).toThrow(/apiBase/);
  });

  it('rejects a URL that is not absolute http(s)', async () => {
    const signer = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, ...quiet });
    await expect(signer.sign('/relative')).rejects.toThrow(TypeError);
  });
});
