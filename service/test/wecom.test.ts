// WeCom apps in the service (issue 21 items 4 and 6): two service processes as the container
// starts them, on one real redis-server, against the fake qyapi and the fake WeChat API. One host
// under one Official Account and one WeCom app, routed by platform; the token API's WeCom routes
// with the keys, answers and errors of the Official Accounts'; metrics labelled corp_id and
// agent_id; /readyz naming the WeCom app that cannot sign (60020); no secret in any output.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import { startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startFakeWecom, type FakeWecomServer } from './helpers/fakeWecomServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx0a0a0a0a0a0a0a0a', appSecret: 'SECRET_official_a_91c3e5' };
const C = 'wwc0ffee0000000001';
const C_SECRETS = { 1000002: 'CORPSECRET_c_agent2_4f6a8c0e2b', 1000003: 'CORPSECRET_c_agent3_7d9b1f3a5c' } as const;
/** A corp whose server IP is not trusted: every gettoken answers 60020. */
const D = 'wwdeadbeef00000002';
const D_SECRET = 'CORPSECRET_d_agent2_0e2c4a6f8d';
const KEY = 'key_wecom_backend_2b4d6f8a0c1e3a5c';
const dir = mkdtempSync(join(tmpdir(), 'service-wecom-'));
let redis: Awaited<ReturnType<typeof startRedis>>;
let wechat: FakeWechatServer;
let wecom: FakeWecomServer;
let instances: ServiceProcess[];
/** Every answer body any test read, to check for secrets at the end. */
const seen: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  wechat = await startFakeWechat([A]);
  wecom = await startFakeWecom([
    { corpId: C, apps: Object.entries(C_SECRETS).map(([agentId, secret]) => ({ agentId: Number(agentId), secret })) },
    { corpId: D, apps: [{ agentId: 1000002, secret: D_SECRET }] },
  ]);
  wecom.ipDenied.add(D);
  // One app's secret from a file, as Docker secrets give it.
  const secretFile = join(dir, 'corp_secret');
  writeFileSync(secretFile, `${C_SECRETS[1000003]}\n`);
  const env = {
    WECHAT_ACCOUNTS: JSON.stringify([
      { ...A, hosts: ['work.a.com', 'only.a.com'] },
      { corpId: C, corpSecret: C_SECRETS[1000002], agentId: 1000002, hosts: ['work.a.com', '*.c.com'] },
      { corpId: C, corpSecretFile: secretFile, agentId: 1000003, hosts: ['hr.c2.com'] },
      { corpId: D, corpSecret: D_SECRET, agentId: 1000002, hosts: ['d.com'] },
    ]),
    WECHAT_API_BASE: wechat.url,
    WECOM_API_BASE: wecom.url,
    REDIS_URL: redis.url,
    API_KEYS: KEY,
  };
  instances = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
});
afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await wechat?.close();
  await wecom?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const keep = async (response: Response) => {
  const text = await response.text();
  seen.push(text);
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};
const sign = (page: string, query = '', instance = 0) => fetch(`${instances[instance].publicUrl}/api/wechat/signature?url=${encodeURIComponent(page)}${query}`).then(keep);
const sha1 = (ticket: string, nonceStr: string, timestamp: number, url: string) => createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`).digest('hex');
const api = (path: string, init: RequestInit = {}, key: string | undefined = KEY, instance = 0) =>
  fetch(`${instances[instance].internalUrl}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } }).then(keep);
const refresh = (stale: string, instance = 0) => api(`/v1/wecom/${C}/agents/1000002/access_token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stale }) }, KEY, instance);

/** The value of the one series of `name` carrying every label of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('signing inside WeCom', () => {
  it('signs one host for the Official Account in WeChat and for the WeCom app inside WeCom (platform=wecom), each with its own tickets', async () => {
    const page = 'https://work.a.com/p?x=1';
    const inWechat = await sign(`${page}#top`);
    expect(inWechat.status).toBe(200);
    const ticket = wechat.fakes[A.appId].currentTicket()!;
    expect(inWechat.body).toEqual({ appId: A.appId, timestamp: expect.any(Number), nonceStr: expect.any(String), signature: sha1(ticket, inWechat.body.nonceStr, inWechat.body.timestamp, page) });
    expect((await sign(page, '&platform=wechat')).body.appId).toBe(A.appId);

    const inWecom = await sign(`${page}#top`, '&platform=wecom');
    expect(inWecom.status).toBe(200);
    const corpTicket = wecom.fakes[C].currentCorpTicket()!;
    const agentTicket = wecom.fakes[C].currentAgentTicket(1000002)!;
    const { body } = inWecom;
    expect(body).toEqual({
      appId: C,
      timestamp: expect.any(Number),
      nonceStr: expect.any(String),
      signature: sha1(corpTicket, body.nonceStr, body.timestamp, page),
      agentId: 1000002,
      agentSignature: { timestamp: expect.any(Number), nonceStr: expect.any(String), signature: expect.any(String) },
    });
    expect(body.agentSignature.signature).toBe(sha1(agentTicket, body.agentSignature.nonceStr, body.agentSignature.timestamp, page));
  });

  it('signs each WeCom app of a corp with its own agent ticket, by GET and by POST, on either instance', async () => {
    const post = await fetch(`${instances[1].publicUrl}/api/wechat/signature`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://hr.c2.com/', platform: 'wecom' }) }).then(keep);
    expect(post.status).toBe(200);
    expect(post.body).toMatchObject({ appId: C, agentId: 1000003 });
    expect(post.body.signature).toBe(sha1(wecom.fakes[C].currentCorpTicket()!, post.body.nonceStr, post.body.timestamp, 'https://hr.c2.com/'));
    expect(post.body.agentSignature.signature).toBe(sha1(wecom.fakes[C].currentAgentTicket(1000003)!, post.body.agentSignature.nonceStr, post.body.agentSignature.timestamp, 'https://hr.c2.com/'));
    const form = await fetch(`${instances[0].publicUrl}/api/wechat/signature`, { method: 'POST', body: new URLSearchParams({ url: 'https://x.c.com/', platform: 'wecom' }) }).then(keep);
    expect(form.body).toMatchObject({ appId: C, agentId: 1000002 });
  });

  it('refuses a page inside WeCom whose host has no WeCom app, a WeCom host outside WeCom, and another platform', async () => {
    const noApp = await sign('https://only.a.com/', '&platform=wecom');
    expect(noApp.status).toBe(403);
    expect(noApp.body.error).toEqual({ code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('No WeCom app is configured for only.a.com') });
    const outside = await sign('https://x.c.com/');
    expect(outside.status).toBe(403);
    expect(outside.body.error).toEqual({ code: 'HOST_NOT_ALLOWED', message: 'x.c.com is not a host of any account here.' });
    const other = await sign('https://x.c.com/', '&platform=alipay');
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('BAD_REQUEST');
    // The appId parameter names the corp inside WeCom.
    expect((await sign('https://x.c.com/', `&platform=wecom&appId=${C}`)).status).toBe(200);
    expect((await sign('https://x.c.com/', `&platform=wecom&appId=${D}`)).status).toBe(403);
  });

  it('answers 502 with errcode 60020 and the trusted-IP hint for the app WeCom refuses, without its errmsg', async () => {
    const denied = await sign('https://d.com/', '&platform=wecom');
    expect(denied.status).toBe(502);
    expect(denied.body.error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 60020, hint: expect.stringContaining('企业可信IP') });
    expect(JSON.stringify(denied.body)).not.toContain('10.1.2.3');
  });
});

describe('the token API for WeCom apps', () => {
  const routes = [`/v1/wecom/${C}/agents/1000002/access_token`, `/v1/wecom/${C}/jsapi_ticket`, `/v1/wecom/${C}/agents/1000002/jsapi_ticket`];

  it('answers 401 without a known key, 403 UNKNOWN_APP_ID for a corp or agent not served here, 404 for a corp access_token, 405 and 400 as for Official Accounts', async () => {
    for (const path of [...routes, `/v1/wecom/${C}/agents/1000002/access_token/refresh`]) {
      for (const key of ['', 'key_nobody_gave_out_3d9c1f7a0b', C_SECRETS[1000002]]) {
        const answer = await api(path, path.endsWith('refresh') ? { method: 'POST', body: '{}' } : {}, key);
        expect(answer.status, `${path} ${key}`).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    for (const path of [`/v1/wecom/ww_nobody/jsapi_ticket`, `/v1/wecom/${C}/agents/1000009/access_token`, `/v1/wecom/${C}/agents/abc/jsapi_ticket`, `/v1/wecom/ww_nobody/agents/1000002/access_token/refresh`]) {
      const answer = await api(path, path.endsWith('refresh') ? { method: 'POST', body: '{"stale":"x"}' } : {});
      expect(answer.status, path).toBe(403);
      expect(answer.body.error.code).toBe('UNKNOWN_APP_ID');
    }
    expect((await api(`/v1/wecom/${C}/access_token`)).status).toBe(404);
    const post = await api(routes[0], { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const headRefresh = await api(`${routes[0]}/refresh`, { method: 'HEAD' });
    expect(headRefresh.status).toBe(405);
    expect(headRefresh.headers.get('allow')).toBe('POST');
    const missing = await api(`${routes[0]}/refresh`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toEqual({ code: 'MISSING_STALE', message: expect.stringContaining('WeCom refused') });
  });

  it("gives both instances the app's access_token, the corp ticket and the agent ticket, fetched once across them, with seconds left; HEAD without the body", async () => {
    const tokens = await Promise.all([0, 1].map((instance) => api(routes[0], {}, KEY, instance)));
    expect(tokens[0].status).toBe(200);
    expect(tokens[0].body).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });
    expect(tokens[0].body.expires_in).toBeGreaterThan(7000);
    expect(tokens[1].body.access_token).toBe(tokens[0].body.access_token);
    expect(tokens[0].headers.get('cache-control')).toBe('no-store');
    const other = await api(`/v1/wecom/${C}/agents/1000003/access_token`);
    expect(other.body.access_token).not.toBe(tokens[0].body.access_token);

    const corp = await api(routes[1], {}, KEY, 1);
    expect(corp.body).toEqual({ ticket: wecom.fakes[C].currentCorpTicket(), expires_in: expect.any(Number) });
    expect(corp.body.expires_in).toBeGreaterThan(7000);
    for (const agentId of [1000002, 1000003]) {
      const agent = await api(`/v1/wecom/${C}/agents/${agentId}/jsapi_ticket`);
      expect(agent.body, String(agentId)).toEqual({ ticket: wecom.fakes[C].currentAgentTicket(agentId), expires_in: expect.any(Number) });
    }
    // Two instances, two apps: one gettoken per app, one corp ticket, one agent ticket per app.
    expect(wecom.fakes[C].calls).toEqual({ gettoken: 2, corpTicket: 1, agentTicket: 2 });

    const head = await api(routes[2], { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeUndefined();
    expect((await api(routes[2], { method: 'HEAD' }, '')).status).toBe(401);
  });

  it('refreshes a token WeCom dropped once for 20 callers on two instances; a token WeCom still answers gets 503 UPSTREAM_FAILED with Retry-After', async () => {
    const { access_token: stale } = (await api(routes[0])).body;
    // WeCom invalidates tokens early at times (official 91039): calls with it now answer 40014.
    wecom.fakes[C].revokeAccessTokens();
    const before = wecom.fakes[C].calls.gettoken;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(stale, i % 2)));
    expect(wecom.fakes[C].calls.gettoken - before).toBe(1);
    const fresh = answers[0].body.access_token;
    expect(fresh).not.toBe(stale);
    for (const answer of answers) expect(answer.body).toEqual({ access_token: fresh, expires_in: expect.any(Number), refreshed: expect.any(Boolean) });
    expect(answers.some((answer) => answer.body.refreshed)).toBe(true);
    expect((await api(routes[0], {}, KEY, 1)).body.access_token).toBe(fresh);

    // WeCom has no forced refresh: while it answers the same token, no other can be had.
    const again = await refresh(fresh, 1);
    expect(again.status).toBe(503);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(again.body.error).toMatchObject({ code: 'UPSTREAM_FAILED', retryAfter: Number(again.headers.get('retry-after')) });
    expect(JSON.stringify(again.body)).not.toContain(fresh);
  });
});

describe('metrics, readiness and logs of WeCom apps', () => {
  it('label WeCom apps corp_id and agent_id: signatures, qyapi calls, credential ttl', async () => {
    await sign('https://x.c.com/', '&platform=wecom');
    const metrics = await (await fetch(`${instances[0].internalUrl}/metrics`)).text();
    seen.push(metrics);
    expect(sample(metrics, 'wechat_share_signatures_total', { corp_id: C, agent_id: '1000002' })).toBeGreaterThanOrEqual(2);
    expect(sample(metrics, 'wechat_share_signatures_total', { app_id: A.appId })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'wechat_share_upstream_requests_total', { corp_id: D, agent_id: '1000002', api: '/cgi-bin/gettoken', outcome: '60020' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'wechat_share_credential_ttl_seconds', { corp_id: C, agent_id: '1000002', credential: 'agent_jsapi_ticket' })).toBeGreaterThan(7000);
    expect(sample(metrics, 'wechat_share_credential_ttl_seconds', { corp_id: C, agent_id: '1000002', credential: 'jsapi_ticket' })).toBeGreaterThan(7000);
    expect(sample(metrics, 'wechat_share_credential_ttl_seconds', { app_id: A.appId, credential: 'jsapi_ticket' })).toBeGreaterThan(7000);
  });

  it('/readyz names the WeCom app that cannot sign, with its errcode and hint, and the log says why', async () => {
    const ready = await fetch(`${instances[0].publicUrl}/readyz`).then(keep);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');
    expect(ready.body.accounts).toEqual([{ appId: A.appId, ready: true, jsapiTicketExpiresIn: expect.any(Number) }]);
    expect(ready.body.wecomApps).toEqual([
      { corpId: C, agentId: 1000002, ready: true, jsapiTicketExpiresIn: expect.any(Number), agentTicketExpiresIn: expect.any(Number) },
      { corpId: C, agentId: 1000003, ready: true, jsapiTicketExpiresIn: expect.any(Number), agentTicketExpiresIn: expect.any(Number) },
      {
        corpId: D,
        agentId: 1000002,
        ready: false,
        error: { api: '/cgi-bin/gettoken', errcode: 60020, hint: expect.stringContaining('企业可信IP'), message: 'WeCom answered errcode 60020; details are in the log.' },
      },
    ]);
    expect(JSON.stringify(ready.body)).not.toContain('10.1.2.3');
    await instances[0].waitForLog((line) => line.corpId === D && line.agentId === 1000002 && line.errcode === 60020);
    await instances[0].waitForLog((line) => line.msg === 'readiness: unavailable' && JSON.stringify(line.unready) === JSON.stringify([`${D}/1000002`]));
    const start = instances[0].logs.find((line) => line.msg === 'wechat-share-service listening')!;
    expect(start.wecomApps).toEqual([
      { corpId: C, agentId: 1000002, hosts: ['work.a.com', '*.c.com'] },
      { corpId: C, agentId: 1000003, hosts: ['hr.c2.com'] },
      { corpId: D, agentId: 1000002, hosts: ['d.com'] },
    ]);

    // Once WeCom lets the server in, the app is ready.
    wecom.ipDenied.delete(D);
    const deadline = Date.now() + 10_000;
    let again = await fetch(`${instances[0].publicUrl}/readyz`).then(keep);
    while (again.status !== 200 && Date.now() < deadline) again = await fetch(`${instances[0].publicUrl}/readyz`).then(keep);
    expect(again.body.status).toBe('ok');
  });

  it('no corpSecret, access_token or ticket in any log line, and no secret in any answer but the token API', async () => {
    const credentials = [wecom.fakes[C].currentCorpTicket()!, wecom.fakes[C].currentAgentTicket(1000002)!, wecom.fakes[C].currentAgentTicket(1000003)!, wechat.fakes[A.appId].currentTicket()!];
    const secrets = [...Object.values(C_SECRETS), D_SECRET, A.appSecret, KEY];
    for (const instance of instances) {
      for (const value of [...secrets, ...credentials]) expect(instance.output(), 'the log').not.toContain(value);
    }
    for (const answer of seen) for (const secret of secrets) expect(answer).not.toContain(secret);
  });
});
