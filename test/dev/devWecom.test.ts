// @vitest-environment node
// The dev tools for WeCom: the dev middleware signs platform=wecom requests (against the fake
// qyapi by default), and its verify endpoint checks the simulated WeCom client's corp and agent
// signatures against the fake's tickets; verifyConfig's WeCom checks.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDevMiddleware, createFakeWecomApi, createVerifyHandler, verifyConfig } from '../../src/dev/index';
import { createWecomSigner, jsapiSignature } from '../../src/server/index';
import { server as msw } from '../helpers/msw';
import { AGENT_A, CORP_ID, SECRET_A, fakeWecom } from '../helpers/wecomApi';

const quiet = { log: () => {}, appId: undefined, appSecret: undefined };
const URL_ = 'https://h5.example.com/page?id=1';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});
async function listen(middleware: ReturnType<typeof createDevMiddleware>) {
  server = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end())).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createDevMiddleware for WeCom', () => {
  it('signs platform=wecom with the fake WeCom API (demo corp and agent), and its verify endpoint checks corp and agent signatures', async () => {
    vi.stubEnv('WECOM_CORP_ID', '');
    vi.stubEnv('WECOM_CORP_SECRET', '');
    const base = await listen(createDevMiddleware(quiet));
    const signed = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(URL_)}&platform=wecom`)).json();
    expect(signed).toMatchObject({ appId: 'ww0000000000demo0', agentId: 1000002, signature: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const verify = (body: object) =>
      fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const corp = { url: URL_, appId: signed.appId, timestamp: signed.timestamp, nonceStr: signed.nonceStr, signature: signed.signature, platform: 'wecom' };
    const agent = { url: URL_, appId: signed.appId, ...signed.agentSignature, platform: 'wecom', kind: 'agent', agentId: 1000002 };
    await expect(verify({ ...corp, kind: 'corp' })).resolves.toEqual({ ok: true, expectedUrl: URL_ });
    await expect(verify(corp)).resolves.toEqual({ ok: true, expectedUrl: URL_ });
    await expect(verify(agent)).resolves.toEqual({ ok: true, expectedUrl: URL_ });
    // Each signature checks only with its own ticket, for its own URL, agent and corp.
    await expect(verify({ ...agent, kind: 'corp' })).resolves.toMatchObject({ ok: false, errMsg: 'invalid signature', reason: expect.stringMatching(/corp jsapi_ticket/) });
    await expect(verify({ ...corp, kind: 'agent', agentId: 1000002 })).resolves.toMatchObject({ ok: false, errMsg: 'invalid signature' });
    await expect(verify({ ...agent, agentId: 1000003 })).resolves.toMatchObject({ ok: false, reason: 'agentId 1000003 is not 1000002, whose agent jsapi_ticket checks the signature' });
    await expect(verify({ ...corp, url: `${URL_}&x=1` })).resolves.toMatchObject({ ok: false, errMsg: 'invalid signature', signedUrl: URL_ });
    await expect(verify({ ...agent, url: `${URL_}&x=1` })).resolves.toMatchObject({ ok: false, signedUrl: URL_ });
    await expect(verify({ ...corp, appId: 'ww_other' })).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/^corpId ww_other is not ww0000000000demo0/) });
    // A WeChat signature still checks as before, beside WeCom.
    const wx = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(URL_)}`)).json();
    expect(wx.appId).toBe('wx_dev_app_id');
    await expect(verify({ ...wx, url: URL_ })).resolves.toEqual({ ok: true, expectedUrl: URL_ });
    // A verify body with a bad WeCom field is refused.
    const bad = await fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, kind: 'app' }) });
    expect(bad.status).toBe(400);
  });

  it('with wecom: false answers platform=wecom 403 saying no WeCom app is configured, and says so at startup', async () => {
    const middleware = createDevMiddleware({ ...quiet, wecom: false });
    expect(middleware.mounted).toContain('WeCom signing: off (wecom: false)');
    const base = await listen(middleware);
    const response = await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(URL_)}&platform=wecom`);
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatchObject({ code: 'HOST_NOT_ALLOWED', message: expect.stringMatching(/^No WeCom app is configured for h5\.example\.com/) });
    const verdict = await (
      await fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: URL_, appId: 'ww1', timestamp: 1, nonceStr: 'n', signature: 's', platform: 'wecom' }) })
    ).json();
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/no WeCom app is configured/) });
  });

  it('signs with the real WeCom API when WECOM_CORP_ID and WECOM_CORP_SECRET are set (here qyapi is the fake, through msw)', async () => {
    const { api, handler } = fakeWecom();
    msw.use(handler);
    vi.stubEnv('WECOM_CORP_ID', CORP_ID);
    vi.stubEnv('WECOM_CORP_SECRET', SECRET_A);
    vi.stubEnv('WECOM_AGENT_ID', String(AGENT_A));
    const middleware = createDevMiddleware(quiet);
    expect(middleware.mounted).toContain(`WeCom signing (platform=wecom) at /api/wechat/signature (WeCom API, corpId ${CORP_ID}, agentId ${AGENT_A})`);
    const base = await listen(middleware);
    const signed = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(URL_)}&platform=wecom`)).json();
    expect(signed.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentCorpTicket()!, noncestr: signed.nonceStr, timestamp: signed.timestamp, url: URL_ }));
    expect(signed.agentSignature.signature).toBe(
      jsapiSignature({ jsapi_ticket: api.currentAgentTicket(AGENT_A)!, noncestr: signed.agentSignature.nonceStr, timestamp: signed.timestamp, url: URL_ }),
    );
    vi.stubEnv('WECOM_AGENT_ID', 'abc');
    expect(() => createDevMiddleware(quiet)).toThrow(/WECOM_AGENT_ID must be the app's AgentId/);
  });
});

describe('verifyConfig and createVerifyHandler for WeCom', () => {
  const corpTicket = 'corp-ticket-0123456789';
  const agentTicket = 'agent-ticket-0123456789';
  const signed = (ticket: string) => ({ url: URL_, appId: 'ww1', nonceStr: 'n', timestamp: 5, signature: jsapiSignature({ jsapi_ticket: ticket, noncestr: 'n', timestamp: 5, url: URL_ }) });

  it('checks a corp or agent signature with the ticket given, naming the corpId, ticket and trusted domains', () => {
    expect(verifyConfig({ ...signed(corpTicket), platform: 'wecom' }, { appId: 'ww1', jsapi_ticket: corpTicket })).toEqual({ ok: true, expectedUrl: URL_ });
    expect(verifyConfig({ ...signed(corpTicket), platform: 'wecom', kind: 'agent', agentId: 7 }, { appId: 'ww1', jsapi_ticket: agentTicket, agentId: 7 })).toMatchObject({
      ok: false,
      reason: `the signature is not for ${URL_} with this nonceStr, timestamp and agent jsapi_ticket`,
    });
    expect(verifyConfig({ ...signed(corpTicket), platform: 'wecom' }, { appId: 'ww1', jsapi_ticket: corpTicket, jsSafeDomains: ['work.example.com'] })).toMatchObject({
      ok: false,
      errMsg: 'invalid url domain',
      reason: 'h5.example.com is not a trusted domain of the WeCom app (可信域名) (work.example.com)',
    });
  });

  it('createVerifyHandler takes fixed WeCom tickets, or a WeCom signer\'s against the fake qyapi', async () => {
    const fixed = createVerifyHandler({ wecom: { corpId: 'ww1', corpTicket, agentTicket, agentId: 7 } });
    const post = (handler: typeof fixed, body: object) =>
      handler(new Request('http://localhost/v', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), { remoteAddress: '127.0.0.1' }).then((r) => r.json());
    expect(await post(fixed, { ...signed(corpTicket), platform: 'wecom', kind: 'corp' })).toEqual({ ok: true, expectedUrl: URL_ });
    expect(await post(fixed, { ...signed(agentTicket), platform: 'wecom', kind: 'agent', agentId: 7 })).toEqual({ ok: true, expectedUrl: URL_ });
    // WeCom only: a WeChat request is told that no Official Account is configured.
    expect(await post(fixed, signed(corpTicket))).toMatchObject({ ok: false, reason: expect.stringMatching(/no WeChat Official Account/) });

    const fake = createFakeWecomApi({ corpId: 'ww1', apps: [{ agentId: 7, secret: 'secret-of-app-7' }] });
    const signer = createWecomSigner({ corpId: 'ww1', corpSecret: 'secret-of-app-7', agentId: 7, fetch: (url, init) => fake.handle(new Request(url, init)) });
    const viaSigner = createVerifyHandler({ wecom: { corpId: 'ww1', agentId: 7, signer } });
    const result = await signer.sign(URL_);
    expect(await post(viaSigner, { url: URL_, appId: 'ww1', timestamp: result.timestamp, nonceStr: result.nonceStr, signature: result.signature, platform: 'wecom' })).toEqual({ ok: true, expectedUrl: URL_ });
    expect(await post(viaSigner, { url: URL_, appId: 'ww1', ...result.agentSignature, platform: 'wecom', kind: 'agent', agentId: 7 })).toEqual({ ok: true, expectedUrl: URL_ });
    // The fake's tickets are the ones checked.
    expect(await signer.corpTicket()).toBe(fake.currentCorpTicket());
    expect(await signer.agentTicket()).toBe(fake.currentAgentTicket(7));

    expect(() => createVerifyHandler({ wecom: { corpId: '' } })).toThrow(/wecom.corpId is required/);
    expect(() => createVerifyHandler({ wecom: { corpId: 'ww1' } })).toThrow(/wecom.corpTicket or wecom.signer/);
    expect(() => createVerifyHandler({})).toThrow(/appId is required/);
  });
});

describe('createFakeWecomApi', () => {
  const fake = () => createFakeWecomApi({ corpId: 'ww1', apps: [{ agentId: 7, secret: 'secret-of-app-7' }] });
  const call = async (api: ReturnType<typeof fake>, path: string) => (await api.handle(new Request(`https://qyapi.weixin.qq.com${path}`))).json();

  it('answers the three calls and their errcodes as WeCom does', async () => {
    const api = fake();
    expect(await call(api, '/cgi-bin/gettoken?corpid=ww2&corpsecret=secret-of-app-7')).toMatchObject({ errcode: 40013 });
    expect(await call(api, '/cgi-bin/gettoken?corpid=ww1&corpsecret=wrong')).toMatchObject({ errcode: 40001 });
    const token = await call(api, '/cgi-bin/gettoken?corpid=ww1&corpsecret=secret-of-app-7');
    expect(token).toMatchObject({ errcode: 0, access_token: expect.any(String), expires_in: 7200 });
    // The same token while it is valid.
    expect((await call(api, '/cgi-bin/gettoken?corpid=ww1&corpsecret=secret-of-app-7')).access_token).toBe(token.access_token);
    expect(await call(api, '/cgi-bin/get_jsapi_ticket')).toMatchObject({ errcode: 41001 });
    expect(await call(api, '/cgi-bin/get_jsapi_ticket?access_token=never-issued')).toMatchObject({ errcode: 40014 });
    const corp = await call(api, `/cgi-bin/get_jsapi_ticket?access_token=${token.access_token}`);
    const agent = await call(api, `/cgi-bin/ticket/get?access_token=${token.access_token}&type=agent_config`);
    expect(corp.ticket).toBe(api.currentCorpTicket());
    expect(agent.ticket).toBe(api.currentAgentTicket(7));
    expect(corp.ticket).not.toBe(agent.ticket);
    expect(await call(api, `/cgi-bin/ticket/get?access_token=${token.access_token}&type=jsapi`)).toMatchObject({ errcode: 40097 });
    api.revokeAccessTokens();
    expect(await call(api, `/cgi-bin/get_jsapi_ticket?access_token=${token.access_token}`)).toMatchObject({ errcode: 40014 });
    expect((await call(api, '/cgi-bin/gettoken?corpid=ww1&corpsecret=secret-of-app-7')).access_token).not.toBe(token.access_token);
    api.failNext('agentTicket', 60020, 'not allow to access from your ip');
    expect(await call(api, `/cgi-bin/ticket/get?access_token=x&type=agent_config`)).toEqual({ errcode: 60020, errmsg: 'not allow to access from your ip' });
    expect(api.calls).toEqual({ gettoken: 5, corpTicket: 4, agentTicket: 3 });
  });

  it('answers 42001 for an expired token and 45009 past 100 ticket calls an hour per app', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const api = fake();
      const { access_token } = await call(api, '/cgi-bin/gettoken?corpid=ww1&corpsecret=secret-of-app-7');
      for (let i = 0; i < 100; i++) expect((await call(api, `/cgi-bin/get_jsapi_ticket?access_token=${access_token}`)).errcode).toBe(0);
      expect(await call(api, `/cgi-bin/get_jsapi_ticket?access_token=${access_token}`)).toMatchObject({ errcode: 45009 });
      // The agent ticket has its own 100.
      expect((await call(api, `/cgi-bin/ticket/get?access_token=${access_token}&type=agent_config`)).errcode).toBe(0);
      vi.setSystemTime(Date.now() + 7201_000);
      expect(await call(api, `/cgi-bin/get_jsapi_ticket?access_token=${access_token}`)).toMatchObject({ errcode: 42001 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses bad options', () => {
    expect(() => createFakeWecomApi({ corpId: '', apps: [{ agentId: 1, secret: 's' }] })).toThrow(/corpId/);
    expect(() => createFakeWecomApi({ corpId: 'ww1', apps: [] })).toThrow(/apps/);
    expect(() => createFakeWecomApi({ corpId: 'ww1', apps: [{ agentId: 0, secret: 's' }] })).toThrow(/agentId/);
  });
});
