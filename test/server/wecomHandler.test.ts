// @vitest-environment node
// One signing endpoint for both clients: createSignatureHandler routes by `platform`.
import { describe, expect, it } from 'vitest';
import { checkSigningRequest, createSignatureHandler, createSigner, createWecomSigner, jsapiSignature, signatureJson, toNodeHandler } from '../../src/server/index';
import { server } from '../helpers/msw';
import { APP_ID, APP_SECRET, fakeWechat } from '../helpers/wechatApi';
import { AGENT_A, CORP_ID, SECRET_A, fakeWecom } from '../helpers/wecomApi';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

const PAGE = 'https://h5.example.com/page?id=1';
const quiet = { onError: () => undefined };
const get = (query: string) => new Request(`http://localhost/api/wechat/signature${query}`);

function setup(options: Parameters<typeof createSignatureHandler>[1] = {}, which: { wechat?: boolean; wecom?: boolean } = { wechat: true, wecom: true }) {
  const wechat = fakeWechat();
  const wecom = fakeWecom();
  server.use(wechat.handler, wecom.handler);
  const signer = which.wechat ? createSigner({ appId: APP_ID, appSecret: APP_SECRET, ...quiet }) : undefined;
  const wecomSigner = which.wecom ? createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, ...quiet }) : undefined;
  return { wechat: wechat.api, wecom: wecom.api, handler: createSignatureHandler({ signer, wecomSigner }, options) };
}

describe('createSignatureHandler with a WeCom signer', () => {
  it('answers platform=wecom with the corp and agent signatures, and no platform (or wechat) with WeChat\'s, unchanged', async () => {
    const { handler, wechat, wecom } = setup();
    const response = await handler(get(`?url=${encodeURIComponent(PAGE + '#x')}&platform=wecom`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(Object.keys(body)).toEqual(['appId', 'timestamp', 'nonceStr', 'signature', 'agentId', 'agentSignature']);
    expect(body.appId).toBe(CORP_ID);
    expect(body.agentId).toBe(AGENT_A);
    expect(Object.keys(body.agentSignature)).toEqual(['timestamp', 'nonceStr', 'signature']);
    expect(body.signature).toBe(jsapiSignature({ jsapi_ticket: wecom.currentCorpTicket()!, noncestr: body.nonceStr, timestamp: body.timestamp, url: PAGE }));
    const agent = body.agentSignature;
    expect(agent.signature).toBe(jsapiSignature({ jsapi_ticket: wecom.currentAgentTicket(AGENT_A)!, noncestr: agent.nonceStr, timestamp: agent.timestamp, url: PAGE }));

    for (const query of [`?url=${encodeURIComponent(PAGE)}`, `?url=${encodeURIComponent(PAGE)}&platform=wechat`]) {
      const wx = await (await handler(get(query))).json();
      expect(Object.keys(wx).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
      expect(wx.appId).toBe(APP_ID);
      expect(wx.signature).toBe(jsapiSignature({ jsapi_ticket: wechat.currentTicket()!, noncestr: wx.nonceStr, timestamp: wx.timestamp, url: PAGE }));
    }
    expect(wecom.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
  });

  it('reads platform from a POST form or JSON body (or the query of a POST)', async () => {
    const { handler } = setup();
    const post = (contentType: string, body: string, query = '') =>
      handler(new Request(`http://localhost/s${query}`, { method: 'POST', headers: { 'content-type': contentType }, body }));
    const form = await post('application/x-www-form-urlencoded', `url=${encodeURIComponent(PAGE)}&platform=wecom`);
    const json = await post('application/json', JSON.stringify({ url: PAGE, platform: 'wecom' }));
    const query = await post('application/json', JSON.stringify({ url: PAGE }), '?platform=wecom');
    for (const response of [form, json, query]) expect(await response.json()).toMatchObject({ appId: CORP_ID, agentId: AGENT_A });
  });

  it('answers 403 HOST_NOT_ALLOWED saying no WeCom app is configured, for a WeChat-only endpoint or a host outside wecomHosts', async () => {
    const wechatOnly = setup({}, { wechat: true });
    const response = await wechatOnly.handler(get(`?url=${encodeURIComponent(PAGE)}&platform=wecom`));
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error.code).toBe('HOST_NOT_ALLOWED');
    expect(body.error.message).toMatch(/^No WeCom app is configured for h5\.example\.com/);
    expect(wechatOnly.wecom.calls.gettoken).toBe(0);

    const scoped = setup({ wecomHosts: ['work.example.com'] });
    const outside = await (await scoped.handler(get(`?url=${encodeURIComponent(PAGE)}&platform=wecom`))).json();
    expect(outside.error).toMatchObject({ code: 'HOST_NOT_ALLOWED', message: expect.stringMatching(/No WeCom app is configured for h5\.example\.com.*wecomHosts/) });
    const inside = await scoped.handler(get(`?url=${encodeURIComponent('https://work.example.com/')}&platform=wecom`));
    expect(inside.status).toBe(200);
    // allowedHosts applies to both.
    const allowed = setup({ allowedHosts: ['h5.example.com'] });
    expect((await allowed.handler(get(`?url=${encodeURIComponent('https://evil.example.net/')}&platform=wecom`))).status).toBe(403);

    const wecomOnly = setup({}, { wecom: true });
    const wx = await wecomOnly.handler(get(`?url=${encodeURIComponent(PAGE)}`));
    expect(wx.status).toBe(403);
    expect((await wx.json()).error.message).toMatch(/No WeChat Official Account is configured/);
  });

  it('answers 400 BAD_REQUEST to another platform', async () => {
    const { handler } = setup();
    const response = await handler(get(`?url=${encodeURIComponent(PAGE)}&platform=alipay`));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/"wecom".*"wechat"/) });
    expect(checkSigningRequest({ method: 'GET', search: `url=${encodeURIComponent(PAGE)}&platform=wecom` })).toMatchObject({ ok: true, platform: 'wecom' });
    expect(checkSigningRequest({ method: 'GET', search: `url=${encodeURIComponent(PAGE)}&platform=wechat` })).not.toHaveProperty('platform');
  });

  it('answers a WeCom failure 502 WECHAT_API_ERROR naming WeCom, with the errcode and hint, and no secret or IP', async () => {
    const { handler, wecom } = setup();
    wecom.failNext('gettoken', 60020, 'not allow to access from your ip, from ip: 203.0.113.9');
    const response = await handler(get(`?url=${encodeURIComponent(PAGE)}&platform=wecom`));
    expect(response.status).toBe(502);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 60020, hint: expect.stringMatching(/trusted IPs/) });
    expect(body.error.message).toMatch(/^WeCom API \/cgi-bin\/gettoken answered errcode 60020/);
    expect(text).not.toContain(SECRET_A);
    expect(text).not.toContain('203.0.113.9');
  });

  it('refuses a handler without any signer', () => {
    expect(() => createSignatureHandler({})).toThrow(/give a signer/);
  });

  it('signatureJson writes WeCom\'s fields and leaves the url out', () => {
    const json = signatureJson({ appId: CORP_ID, timestamp: 1, nonceStr: 'n', signature: 's', agentId: 7, agentSignature: { timestamp: 1, nonceStr: 'm', signature: 't' }, url: PAGE } as never);
    expect(JSON.parse(json)).toEqual({ appId: CORP_ID, timestamp: 1, nonceStr: 'n', signature: 's', agentId: 7, agentSignature: { timestamp: 1, nonceStr: 'm', signature: 't' } });
  });

  it('serves WeCom through toNodeHandler on node:http', async () => {
    const { handler } = setup();
    const http = createServer(toNodeHandler(handler)).listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const { port } = http.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: PAGE, platform: 'wecom' }) });
      expect(await response.json()).toMatchObject({ appId: CORP_ID, agentId: AGENT_A, agentSignature: { signature: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    } finally {
      http.close();
    }
  });
});
