// @vitest-environment node
// createSigner({ accessToken }): the access_token from the team's own provider, the jsapi_ticket
// still from WeChat (issue 14 item 4); and onUpstream's outcomes for every upstream call.
import { describe, expect, it, vi } from 'vitest';
import { createSigner, TokenRefreshError, WechatApiError, type UpstreamEvent } from '../../src/server/index';
import type { FakeWechatApi } from '../../src/dev/createFakeWechatApi';
import { API, APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';

const PAGE = 'https://h5.example.com/page?id=1';

// A token the fake WeChat API accepts, issued as a central token server would get it.
async function issueToken(api: FakeWechatApi, force = false): Promise<string> {
  const body = JSON.stringify({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, force_refresh: force });
  const answer = (await (await api.handle(new Request(`${API}/cgi-bin/stable_token`, { method: 'POST', body }))).json()) as { access_token: string };
  return answer.access_token;
}

function setup(provider: Parameters<typeof createSigner>[0]['accessToken'], options: Partial<Parameters<typeof createSigner>[0]> = {}) {
  const wechat = faultyWechat();
  const events: UpstreamEvent[] = [];
  const errors: string[] = [];
  const signer = createSigner({
    appId: APP_ID,
    accessToken: provider,
    fetch: wechat.fetch,
    onUpstream: (event) => events.push(event),
    onError: (event) => errors.push(event.message),
    ...options,
  });
  return { wechat, signer, events, errors };
}

describe('createSigner({ accessToken })', () => {
  it('takes exactly one of appSecret and accessToken, naming both', () => {
    expect(() => createSigner({ appId: APP_ID })).toThrow(/appSecret or accessToken is required/);
    expect(() => createSigner({ appId: APP_ID, appSecret: APP_SECRET, accessToken: async () => 'x' })).toThrow(/either appSecret or accessToken, not both/);
    expect(() => createSigner({ appId: APP_ID, accessToken: 'TOKEN' as never })).toThrow(/accessToken must be a function/);
  });

  it("a provider's TokenRefreshError (another central server's 503) keeps its code and wait through refreshAccessToken", async () => {
    let api!: FakeWechatApi;
    const { wechat, signer } = setup(async (context) => {
      if (context.stale) throw new TokenRefreshError('REFRESH_LIMITED', 30, 'accessToken', `limited, not ${context.stale}`);
      return issueToken(api);
    });
    api = wechat.api;
    const token = await signer.getAccessToken();
    const error = await signer.refreshAccessToken(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error).toMatchObject({ code: 'REFRESH_LIMITED', retryAfter: 30 });
    expect((error as Error).message).not.toContain(token);
  });

  it('signs with a ticket fetched with the provided token; a bare string is cached 60 s', async () => {
    const calls: { stale?: string }[] = [];
    let api!: FakeWechatApi;
    const { wechat, signer, events } = setup(async (context) => {
      calls.push(context);
      return issueToken(api);
    });
    api = wechat.api;
    await signer.sign(PAGE);
    await signer.sign(PAGE);
    expect(calls).toEqual([{}]);
    // The provider's own call above counts once; the signer never asked stable_token itself.
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    const { expires_in } = await signer.getAccessTokenInfo();
    expect(expires_in).toBeGreaterThan(55);
    expect(expires_in).toBeLessThanOrEqual(60);
    expect(events.map(({ api, outcome }) => `${api} ${outcome}`)).toEqual(['accessToken ok', '/cgi-bin/ticket/getticket ok']);
  });

  it('uses an object answer’s expires_in as is', async () => {
    let api!: FakeWechatApi;
    const { wechat, signer } = setup(async () => ({ access_token: await issueToken(api), expires_in: 1234 }));
    api = wechat.api;
    expect((await signer.getAccessTokenInfo()).expires_in).toBeGreaterThanOrEqual(1233);
  });

  it('asks the provider once more with { stale } when WeChat refuses its token with 40001', async () => {
    const calls: { stale?: string }[] = [];
    const refused = 'REFUSED_TOKEN_0123456789abcdef';
    let api!: FakeWechatApi;
    const { wechat, signer, events } = setup(async (context) => {
      calls.push(context);
      return calls.length === 1 ? refused : issueToken(api);
    });
    api = wechat.api;
    await expect(signer.sign(PAGE)).resolves.toMatchObject({ appId: APP_ID });
    expect(calls).toEqual([{}, { stale: refused }]);
    expect(events.map(({ api, outcome }) => `${api} ${outcome}`)).toEqual([
      'accessToken ok',
      '/cgi-bin/ticket/getticket 40001',
      'accessToken ok',
      '/cgi-bin/ticket/getticket ok',
    ]);
  });

  it.each([
    ['throws', () => Promise.reject(new Error(`GET https://tokens.internal/t?key=K failed: {"access_token=SECRET_TOKEN_abcdef123456"}`)), 'network'],
    ['throws, quoting its URL\'s credentials and its API key', () => Promise.reject(new Error('GET https://svc:key=K@tokens.internal/t with Bearer key=K failed')), 'network'],
    ['throws synchronously', (() => {
      throw new Error('boom');
    }) as never, 'network'],
    ['answers an empty string', async () => '', 'invalid'],
    ['answers expires_in 0', async () => ({ access_token: 'SECRET_TOKEN_abcdef123456', expires_in: 0 }), 'invalid'],
    ['answers null', async () => null as never, 'invalid'],
    ['never answers', () => new Promise<string>(() => undefined), 'timeout'],
  ])('rejects with a WechatApiError of api accessToken when the provider %s', async (_, provider, outcome) => {
    const { signer, events, errors } = setup(provider, { timeout: 50 });
    const error = await signer.sign(PAGE).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WechatApiError);
    expect((error as WechatApiError).api).toBe('accessToken');
    expect(events).toEqual([{ api: 'accessToken', outcome, durationMs: expect.any(Number) }]);
    const texts = JSON.stringify([(error as Error).message, errors, signer.status()]);
    expect(texts).not.toContain('SECRET_TOKEN_abcdef123456');
    expect(texts).not.toContain('key=K');
    // The provider's own error is not passed on as a cause: only the redacted message goes on.
    expect((error as Error).cause).toBeUndefined();
    expect(signer.status().lastError).toMatchObject({ api: 'accessToken' });
  });
});

describe('onUpstream', () => {
  it('reports ok, an errcode, timeout, network and invalid outcomes of WeChat calls', async () => {
    const wechat = faultyWechat();
    const events: UpstreamEvent[] = [];
    let fail: 'network' | undefined;
    const fetch = (async (input, init) => {
      if (fail === 'network') throw new TypeError(`fetch failed: ${String(input)}`);
      return wechat.fetch(input, init);
    }) as typeof globalThis.fetch;
    const signer = () =>
      createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch, timeout: 50, onUpstream: (event) => events.push(event), onError: () => undefined });
    const outcomes = async () => {
      await signer().getAccessToken().catch(() => undefined);
      return events.splice(0).map((event) => event.outcome);
    };
    expect(await outcomes()).toEqual(['ok']);
    wechat.state.fault = { errcode: 45009, errmsg: 'reach max api daily quota limit' };
    expect(await outcomes()).toEqual(['45009']);
    wechat.state.fault = 'hang';
    expect(await outcomes()).toEqual(['timeout']);
    wechat.state.fault = 'http500';
    expect(await outcomes()).toEqual(['invalid']);
    fail = 'network';
    expect(await outcomes()).toEqual(['network']);
    expect(events).toEqual([]);
  });

  it('ignores a hook that throws', async () => {
    const wechat = faultyWechat();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, onUpstream: () => {
      throw new Error('metrics down');
    } });
    await expect(signer.sign(PAGE)).resolves.toMatchObject({ appId: APP_ID });
  });
});

describe('without onError', () => {
  it('prints each failure once with console.warn, redacted, not once per request (issue 16 item 12)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const wechat = faultyWechat();
      wechat.state.fault = { errcode: 40164, errmsg: `invalid ip 203.0.113.7, not in whitelist, secret=${APP_SECRET}` };
      const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch });
      for (let i = 0; i < 10; i++) await signer.sign(PAGE).catch(() => undefined);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/^\[wechat-share\] wx_test_app_id: WeChat API \/cgi-bin\/stable_token failed: errcode 40164/);
      expect(String(warn.mock.calls[0][0])).not.toContain(APP_SECRET);
      const logged: string[] = [];
      const quiet = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, onError: (event) => logged.push(event.message) });
      await quiet.sign(PAGE).catch(() => undefined);
      expect(logged).toHaveLength(1);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
