// The token API on the internal listener (WeChat's central-server pattern): two instances on one
// real redis-server, keys checked in constant time, one refresh for twenty callers, the 30 s rule;
// and a third service reading its token from the first through accessTokenUrl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyCheck } from '../src/createKeyCheck';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';
import { startTwoInstances, type TwoInstances } from './helpers/twoInstances';

const A = { appId: 'wx_tokens_a', appSecret: 'SECRET_tokens_a_0c4e1d' };
const KEY = 'key_backend_one_5f0e7c1a9b2d4e6f';
const OTHER_KEY = 'key_backend_two_a8b7c6d5e4f3a2b1';
const WRONG_KEY = 'key_nobody_gave_out_3d9c1f7a';
let setup: TwoInstances;

beforeAll(async () => {
  setup = await startTwoInstances(A, { API_KEYS: `${KEY},${OTHER_KEY}` });
});
afterAll(() => setup?.stop());

const api = (instance: ServiceProcess, path: string, init: RequestInit = {}, key: string | undefined = KEY) =>
  fetch(`${instance.internalUrl}/v1/accounts/${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });
const refresh = (instance: ServiceProcess, stale: string) => api(instance, `${A.appId}/access_token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stale }) });

describe('the token API', () => {
  it('answers 401 without a known key, and 403 for an appId not served here', async () => {
    const [first] = setup.instances;
    for (const authorization of [undefined, `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY}x`, `Basic ${KEY}`, 'Bearer ', `Bearer ${A.appSecret}`]) {
      const response = await fetch(`${first.internalUrl}/v1/accounts/${A.appId}/access_token`, { headers: authorization ? { authorization } : {} });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await api(first, `${A.appId}/access_token`, {}, OTHER_KEY)).status).toBe(200);
    const unknown = await api(first, 'wx_somebody_else/access_token');
    expect(unknown.status).toBe(403);
    expect((await unknown.json()).error.code).toBe('UNKNOWN_APP_ID');
    expect((await api(first, `${A.appId}/access_token`, { method: 'POST' })).status).toBe(405);
    expect((await api(first, `${A.appId}/access_token/refresh`, { method: 'POST', body: '{}' })).status).toBe(400);
    const large = await api(first, `${A.appId}/access_token/refresh`, { method: 'POST', body: JSON.stringify({ stale: 'x'.repeat(70_000) }) });
    expect(large.status).toBe(413);
    expect(large.headers.get('connection')).toBe('close');
  });

  it('gives every instance the same access_token and jsapi_ticket, with seconds left', async () => {
    const tokens = await Promise.all(setup.instances.map(async (instance) => (await api(instance, `${A.appId}/access_token`)).json()));
    expect(tokens[0]).toEqual({ access_token: expect.stringMatching(/^STABLE_/), expires_in: expect.any(Number) });
    expect(tokens[0].expires_in).toBeGreaterThan(7000);
    expect(tokens[1].access_token).toBe(tokens[0].access_token);
    const ticket = await (await api(setup.instances[1], `${A.appId}/jsapi_ticket`)).json();
    expect(ticket).toEqual({ ticket: setup.wechat.fakes[A.appId].currentTicket(), expires_in: expect.any(Number) });
    expect((await api(setup.instances[0], `${A.appId}/access_token`)).headers.get('cache-control')).toBe('no-store');
  });

  it('20 concurrent refresh calls with the same stale token, on two instances, cause one normal and one forced call; the next within 30 s is refused with 503', async () => {
    const { access_token: stale } = await (await api(setup.instances[0], `${A.appId}/access_token`)).json();
    const before = setup.wechat.fakes[A.appId].calls.stableToken;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(setup.instances[i % 2], stale).then((response) => response.json())));
    // WeChat answered the stale token to the normal call; then one forced refresh.
    expect(setup.wechat.fakes[A.appId].calls.stableToken - before).toBe(2);
    expect(setup.wechat.controls.forced).toBe(1);
    const fresh = answers[0].access_token;
    expect(fresh).not.toBe(stale);
    for (const answer of answers) expect(answer).toEqual({ access_token: fresh, expires_in: expect.any(Number), refreshed: expect.any(Boolean) });
    expect(answers.some((answer) => answer.refreshed)).toBe(true);

    // WeChat allows a forced refresh every 30 s at most: inside the window, after a normal call
    // that answers the same token, a 503 that says when to come back, never that token.
    const again = await refresh(setup.instances[1], fresh);
    expect(again.status).toBe(503);
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await again.json()).toEqual({ error: { code: 'REFRESH_LIMITED', message: expect.stringContaining('retry after'), retryAfter } });
    expect(setup.wechat.fakes[A.appId].calls.stableToken - before).toBe(3);
    expect(setup.wechat.controls.forced).toBe(1);
  });

  it('answers HEAD wherever it answers GET, without the body', async () => {
    const [first] = setup.instances;
    for (const resource of ['access_token', 'jsapi_ticket']) {
      const get = await api(first, `${A.appId}/${resource}`);
      const head = await api(first, `${A.appId}/${resource}`, { method: 'HEAD' });
      expect(head.status, resource).toBe(200);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.headers.get('cache-control')).toBe('no-store');
      expect(await head.text()).toBe('');
      expect((await api(first, `${A.appId}/${resource}`, { method: 'HEAD' }, '')).status).toBe(401);
    }
    const post = await api(first, `${A.appId}/access_token`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const headRefresh = await api(first, `${A.appId}/access_token/refresh`, { method: 'HEAD' });
    expect(headRefresh.status).toBe(405);
    expect(headRefresh.headers.get('allow')).toBe('POST');
  });

  it('lets another service read its token through accessTokenUrl, and sign with it', async () => {
    const reader = await startServiceProcess({
      WECHAT_ACCOUNTS: JSON.stringify([
        { appId: A.appId, accessTokenUrl: setup.instances[0].internalUrl, accessTokenKey: KEY, hosts: ['h5.a.com'] },
        { appId: 'wx_tokens_wrong_key', accessTokenUrl: setup.instances[0].internalUrl, accessTokenKey: WRONG_KEY, hosts: ['h5.b.com'] },
      ]),
      WECHAT_API_BASE: setup.wechat.url,
    });
    try {
      const calls = { ...setup.wechat.fakes[A.appId].calls };
      const response = await fetch(`${reader.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`);
      expect(response.status).toBe(200);
      expect((await response.json()).appId).toBe(A.appId);
      // The token came from the first service, not from WeChat.
      expect(setup.wechat.fakes[A.appId].calls.stableToken).toBe(calls.stableToken);
      // An account whose key the central server refuses: /readyz blames that server, not WeChat.
      const ready = await fetch(`${reader.publicUrl}/readyz`);
      expect(ready.status).toBe(503);
      const { accounts } = (await ready.json()) as { accounts: { appId: string; error?: { message: string } }[] };
      expect(accounts.find((account) => account.appId === 'wx_tokens_wrong_key')?.error?.message).toMatch(/^The central server of accessTokenUrl gave no usable answer/);
      expect(reader.output()).not.toContain(KEY);
      expect(reader.output()).not.toContain(WRONG_KEY);
    } finally {
      await reader.stop();
    }
  });
});

describe('createKeyCheck', () => {
  it('accepts each key as a Bearer token and nothing else', () => {
    const check = createKeyCheck([KEY, OTHER_KEY]);
    expect(check(`Bearer ${KEY}`)).toBe(true);
    expect(check(`bearer ${OTHER_KEY}`)).toBe(true);
    for (const header of [undefined, '', KEY, `Bearer ${KEY.slice(1)}`, `Bearer ${KEY}${KEY}`, `Bearer ${KEY} ${KEY}`, `Token ${KEY}`]) expect(check(header), String(header)).toBe(false);
    expect(createKeyCheck([])(`Bearer ${KEY}`)).toBe(false);
  });
});
