// WeCom apps in the service (issue 21 item 4), as the container starts it: two instances on one
// real redis-server, the library's fake qyapi and fake WeChat API served over node:http. One host
// under an Official Account and a WeCom app (the request's platform picks), two agents of one corp
// (one secret from a file), the token API's WeCom routes, metrics, /readyz, and no secret in any output.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeWecomApi, type FakeWecomApi } from 'wechat-share/dev';
import { jsapiSignature, toNodeHandler } from 'wechat-share/server';
import { startRedis } from '../../scripts/system.mjs';
import { startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const CORP = 'ww5e71a0c3d9b2f486';
const SECRET_2 = 'CORPSECRET_agent2_7f3c9a1e5b0d';
const SECRET_3 = 'CORPSECRET_agent3_2b8e6d4a0c9f';
const OFFICIAL = { appId: 'wx_wecom_svc_official', appSecret: 'SECRET_official_wecom_svc_91c2' };
const KEY = 'key_wecom_backend_4d2f8a6c1e3b5d7f';

/** The fake qyapi on a loopback port. */
async function serveWecom(fake: FakeWecomApi): Promise<{ url: string; server: Server }> {
  const server = createServer(toNodeHandler((request) => fake.handle(request)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const dir = mkdtempSync(join(tmpdir(), 'service-wecom-'));
let redis: Awaited<ReturnType<typeof startRedis>>;
let wechat: FakeWechatServer;
let fake: FakeWecomApi;
let qyapi: { url: string; server: Server };
let instances: ServiceProcess[];

beforeAll(async () => {
  redis = await startRedis();
  wechat = await startFakeWechat([OFFICIAL]);
  // 50 ms a call: both instances ask while the first call is out, as cold instances do.
  fake = createFakeWecomApi({ corpId: CORP, apps: [{ agentId: 1000002, secret: SECRET_2 }, { agentId: 1000003, secret: SECRET_3 }], latency: 50 });
  qyapi = await serveWecom(fake);
  writeFileSync(join(dir, 'agent3'), `${SECRET_3}\n`);
  const env = {
    WECHAT_ACCOUNTS: JSON.stringify([
      { ...OFFICIAL, hosts: ['work.a.com'] },
      { corpId: CORP, corpSecret: SECRET_2, agentId: 1000002, hosts: ['work.a.com'] },
      { corpId: CORP, corpSecretFile: join(dir, 'agent3'), agentId: 1000003, hosts: ['crm.a.com'] },
    ]),
    WECHAT_API_BASE: wechat.url,
    WECOM_API_BASE: qyapi.url,
    REDIS_URL: redis.url,
    API_KEYS: KEY,
  };
  instances = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
});
afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  qyapi?.server.close();
  await wechat?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sign = (instance: ServiceProcess, page: string, platform?: string) =>
  fetch(`${instance.publicUrl}/api/wechat/signature?url=${encodeURIComponent(page)}${platform ? `&platform=${platform}` : ''}`);
const api = (instance: ServiceProcess, path: string, init: RequestInit = {}, key = KEY) =>
  fetch(`${instance.internalUrl}/v1/wecom/${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });

function expectSignedWith(ticket: string | undefined, url: string, part: { timestamp: number; nonceStr: string; signature: string }) {
  expect(ticket).toBeTruthy();
  expect(part.signature).toBe(jsapiSignature({ jsapi_ticket: ticket!, noncestr: part.nonceStr, timestamp: part.timestamp, url }));
}

describe('signing for WeCom', () => {
  it('two cold instances with two agents of one corp make 2 gettoken, 1 corp-ticket and 2 agent-ticket calls, however many pages they sign', async () => {
    const pages = Array.from({ length: 40 }, (_, i) => [`https://${i % 2 ? 'crm' : 'work'}.a.com/p?i=${i}`, instances[i % 2]] as const);
    const answers = await Promise.all(pages.map(([page, instance]) => sign(instance, page, 'wecom')));
    expect(answers.map((answer) => answer.status)).toEqual(pages.map(() => 200));
    expect(fake.calls).toEqual({ gettoken: 2, corpTicket: 1, agentTicket: 2 });
  });

  it('one host under an Official Account and a WeCom app: platform=wecom gets the corp and agent signatures, no platform the Official Account\'s', async () => {
    const page = 'https://work.a.com/orders?id=7';
    const wecom = await (await sign(instances[0], `${page}#top`, 'wecom')).json();
    expect(wecom).toEqual({
      appId: CORP,
      timestamp: expect.any(Number),
      nonceStr: expect.any(String),
      signature: expect.stringMatching(/^[0-9a-f]{40}$/),
      agentId: 1000002,
      agentSignature: { timestamp: expect.any(Number), nonceStr: expect.any(String), signature: expect.stringMatching(/^[0-9a-f]{40}$/) },
    });
    expectSignedWith(fake.currentCorpTicket(), page, wecom);
    expectSignedWith(fake.currentAgentTicket(1000002), page, wecom.agentSignature);
    const other = await (await sign(instances[1], 'https://crm.a.com/', 'wecom')).json();
    expect(other.agentId).toBe(1000003);
    expectSignedWith(fake.currentAgentTicket(1000003), 'https://crm.a.com/', other.agentSignature);

    for (const [index, platform] of [undefined, 'wechat'].entries()) {
      const official = await (await sign(instances[index], page, platform)).json();
      expect(official).toEqual({ appId: OFFICIAL.appId, timestamp: expect.any(Number), nonceStr: expect.any(String), signature: expect.any(String) });
    }
    // crm.a.com has a WeCom app only; elsewhere.com has nothing.
    const noAccount = await sign(instances[0], 'https://crm.a.com/', 'wechat');
    expect(noAccount.status).toBe(403);
    const noApp = await sign(instances[0], 'https://elsewhere.com/', 'wecom');
    expect(noApp.status).toBe(403);
    expect((await noApp.json()).error).toEqual({ code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('No WeCom app is configured for elsewhere.com') });
    expect((await sign(instances[0], page, 'alipay')).status).toBe(400);
  });
});

describe('the token API for WeCom apps', () => {
  it('answers 401 without a key and 403 UNKNOWN_WECOM_APP for a corp or agent not served here', async () => {
    const [first] = instances;
    expect((await api(first, `${CORP}/agents/1000002/access_token`, {}, '')).status).toBe(401);
    for (const path of [`${CORP}/agents/1000009/access_token`, `ww_other/jsapi_ticket`, `ww_other/agents/1000002/jsapi_ticket`]) {
      const answer = await api(first, path);
      expect(answer.status, path).toBe(403);
      expect((await answer.json()).error.code).toBe('UNKNOWN_WECOM_APP');
    }
    expect((await api(first, `${CORP}/agents/1000002/access_token`, { method: 'POST' })).status).toBe(405);
    expect((await api(first, `${CORP}/agents/1000002/access_token/refresh`, { method: 'POST', body: '{}' })).status).toBe(400);
  });

  it('gives each agent its own access_token and agent ticket, and the corp its one jsapi_ticket, the same on every instance', async () => {
    const before = { ...fake.calls };
    const token2 = await (await api(instances[0], `${CORP}/agents/1000002/access_token`)).json();
    const token3 = await (await api(instances[1], `${CORP}/agents/1000003/access_token`)).json();
    expect(token2).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });
    expect(token2.expires_in).toBeGreaterThan(7000);
    expect(token3.access_token).not.toBe(token2.access_token);
    expect((await (await api(instances[1], `${CORP}/agents/1000002/access_token`)).json()).access_token).toBe(token2.access_token);

    const corp = await (await api(instances[1], `${CORP}/jsapi_ticket`)).json();
    expect(corp).toEqual({ ticket: fake.currentCorpTicket(), expires_in: expect.any(Number) });
    expect(corp.expires_in).toBeGreaterThan(7000);
    for (const agentId of [1000002, 1000003]) {
      const agent = await (await api(instances[agentId % 2], `${CORP}/agents/${agentId}/jsapi_ticket`)).json();
      expect(agent).toEqual({ ticket: fake.currentAgentTicket(agentId), expires_in: expect.any(Number) });
      expect(agent.ticket).not.toBe(corp.ticket);
    }
    // All from the shared cache.
    expect(fake.calls).toEqual(before);
  });

  it('refreshes a token WeCom refused once for every caller on both instances, and never answers the refused one', async () => {
    const { access_token: stale } = await (await api(instances[0], `${CORP}/agents/1000002/access_token`)).json();
    fake.revokeAccessTokens();
    const before = fake.calls.gettoken;
    const refresh = (instance: ServiceProcess) =>
      api(instance, `${CORP}/agents/1000002/access_token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stale }) });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(instances[i % 2]).then((answer) => answer.json())));
    expect(fake.calls.gettoken - before).toBe(1);
    const fresh = answers[0].access_token;
    expect(fresh).not.toBe(stale);
    for (const answer of answers) expect(answer).toEqual({ access_token: fresh, expires_in: expect.any(Number), refreshed: expect.any(Boolean) });
    // `refreshed` on the instance whose call renewed it (its callers shared that call), not on the other.
    expect(new Set(answers.map((answer, i) => `${i % 2}:${answer.refreshed}`)).size).toBe(2);
    expect(answers.some((answer) => answer.refreshed)).toBe(true);
    // The other agent's token was revoked too, but nobody asked: it is untouched until its caller does.
    expect((await (await api(instances[1], `${CORP}/agents/1000002/access_token`)).json()).access_token).toBe(fresh);
  });
});

describe('operations', () => {
  it('labels metrics by corp_id and agent_id, /readyz lists the WeCom apps ready, and no output holds a secret', async () => {
    const metrics = await (await fetch(`${instances[0].internalUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`wechat_share_signatures_total\\{corp_id="${CORP}",agent_id="1000002"\\} \\d+`));
    expect(metrics).toMatch(new RegExp(`wechat_share_credential_ttl_seconds\\{corp_id="${CORP}",agent_id="1000003",credential="agent_jsapi_ticket"\\} \\d+`));
    expect(metrics).toMatch(/wechat_share_signatures_total\{app_id="wx_wecom_svc_official"\} \d+/);

    const ready = await fetch(`${instances[1].publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body.status).toBe('ok');
    expect(body.wecomApps).toEqual([
      { corpId: CORP, agentId: 1000002, ready: true, jsapiTicketExpiresIn: expect.any(Number) },
      { corpId: CORP, agentId: 1000003, ready: true, jsapiTicketExpiresIn: expect.any(Number) },
    ]);
    const start = instances[0].logs.find((line) => line.msg === 'wechat-share-service listening');
    expect(start?.wecomApps).toEqual([
      { corpId: CORP, agentId: 1000002, hosts: ['work.a.com'] },
      { corpId: CORP, agentId: 1000003, hosts: ['crm.a.com'] },
    ]);
    const everything = [metrics, JSON.stringify(body), ...instances.map((instance) => instance.output())].join('\n');
    for (const secret of [SECRET_2, SECRET_3, fake.currentCorpTicket(), fake.currentAgentTicket(1000002), fake.currentAgentTicket(1000003)]) {
      expect(secret).toBeTruthy();
      expect(everything).not.toContain(secret);
    }
  });
});

describe('a WeCom app that cannot sign', () => {
  it('makes /readyz answer 503 naming the app, with the errcode and its hint (60020: trusted IPs), and no secret', async () => {
    const blocked = createFakeWecomApi({ corpId: 'ww0blocked0000000a', apps: [{ agentId: 1000005, secret: 'CORPSECRET_blocked_6a4c2e' }] });
    // Every call from this server's IP is refused, as WeCom does for an app whose trusted IPs lack it.
    for (let i = 0; i < 100; i++) blocked.failNext('gettoken', 60020, 'not allow to access from your ip, from ip: 203.0.113.9');
    const server = await serveWecom(blocked);
    const service = await startServiceProcess({
      WECHAT_ACCOUNTS: JSON.stringify([{ corpId: 'ww0blocked0000000a', corpSecret: 'CORPSECRET_blocked_6a4c2e', agentId: 1000005, hosts: ['work.b.com'] }]),
      WECOM_API_BASE: server.url,
    });
    try {
      const ready = await fetch(`${service.publicUrl}/readyz`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.status).toBe('unavailable');
      expect(body.wecomApps).toEqual([
        { corpId: 'ww0blocked0000000a', agentId: 1000005, ready: false, error: { api: expect.any(String), errcode: 60020, hint: expect.stringContaining('trusted IPs'), message: expect.stringContaining('WeCom answered errcode 60020') } },
      ]);
      const signing = await sign(service, 'https://work.b.com/', 'wecom');
      expect(signing.status).toBe(502);
      expect((await signing.json()).error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 60020 });
      await service.waitForLog((line) => line.corpId === 'ww0blocked0000000a' && line.errcode === 60020);
      expect(service.output()).not.toContain('CORPSECRET_blocked_6a4c2e');
    } finally {
      await service.stop();
      server.server.close();
    }
  });
});
