// @vitest-environment node
// createFakeWechatApi answers as the official docs describe WeChat: each error with its errcode and
// errmsg, the stable token kept, the classic one replaced (old ones valid 5 more minutes), tickets
// per type, expiry by Date.now(), reset, latency.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeWechatApi } from '../../src/dev/index';

const APP = { appId: 'wx_fake', appSecret: 'fake_secret_0123456789' };
const BASE = 'https://api.weixin.qq.com';
const get = (api: ReturnType<typeof createFakeWechatApi>, path: string) => api.handle(new Request(`${BASE}${path}`)).then((r) => r.json());
const stable = (api: ReturnType<typeof createFakeWechatApi>, body: object, method = 'POST') =>
  api.handle(new Request(`${BASE}/cgi-bin/stable_token`, { method, body: method === 'POST' ? JSON.stringify(body) : undefined })).then((r) => r.json());
const classicToken = (api: ReturnType<typeof createFakeWechatApi>) => get(api, `/cgi-bin/token?grant_type=client_credential&appid=${APP.appId}&secret=${APP.appSecret}`);
const ticket = (api: ReturnType<typeof createFakeWechatApi>, token: string, type = 'jsapi') => get(api, `/cgi-bin/ticket/getticket?access_token=${token}&type=${type}`);
const good = { grant_type: 'client_credential', appid: APP.appId, secret: APP.appSecret };

afterEach(() => {
  vi.useRealTimers();
});

describe('createFakeWechatApi', () => {
  it('answers every refusal with WeChat\'s errcode and errmsg, as JSON with HTTP 200', async () => {
    const api = createFakeWechatApi(APP);
    const response = await api.handle(new Request(`${BASE}/cgi-bin/nope`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ errcode: 40066, errmsg: 'invalid url' });
    expect(await stable(api, good, 'GET')).toEqual({ errcode: 43002, errmsg: 'require POST method' });
    expect(await stable(api, { ...good, grant_type: 'x' })).toEqual({ errcode: 40002, errmsg: 'invalid grant_type' });
    expect(await stable(api, { ...good, appid: 'wx_other' })).toEqual({ errcode: 40013, errmsg: 'invalid appid' });
    expect(await stable(api, { ...good, secret: 'wrong' })).toEqual({ errcode: 40125, errmsg: 'invalid appsecret' });
    expect(await get(api, `/cgi-bin/token?grant_type=x&appid=${APP.appId}&secret=${APP.appSecret}`)).toEqual({ errcode: 40002, errmsg: 'invalid grant_type' });
    expect(await ticket(api, 'not-a-token')).toEqual({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    const { access_token } = await stable(api, good);
    expect(await ticket(api, access_token, 'other')).toEqual({ errcode: 40097, errmsg: 'invalid args' });
    expect(api.calls).toEqual({ stableToken: 5, token: 1, ticket: 2 });
  });

  it('keeps one stable token, replaces classic ones (the old one valid 5 more minutes), and issues jsapi and wx_card tickets apart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const api = createFakeWechatApi({ ...APP, expiresIn: 7200 });
    const first = await stable(api, good);
    expect(first).toEqual({ access_token: expect.stringMatching(/^STABLE_/), expires_in: 7200 });
    expect((await stable(api, good)).access_token).toBe(first.access_token);
    expect((await stable(api, { ...good, force_refresh: true })).access_token).not.toBe(first.access_token);
    const a = await classicToken(api);
    const b = await classicToken(api);
    expect(a.access_token).toMatch(/^TOKEN_/);
    expect(b.access_token).not.toBe(a.access_token);
    const jsapi = await ticket(api, a.access_token);
    expect(jsapi).toEqual({ errcode: 0, errmsg: 'ok', ticket: expect.stringMatching(/^TICKET_/), expires_in: 7200 });
    expect(api.currentTicket()).toBe(jsapi.ticket);
    const card = await ticket(api, a.access_token, 'wx_card');
    expect(card.ticket).toMatch(/^CARD_/);
    expect(api.currentTicket()).toBe(jsapi.ticket);
    vi.advanceTimersByTime(299_000);
    expect((await ticket(api, a.access_token)).ticket).toBe(jsapi.ticket);
    vi.advanceTimersByTime(1_000);
    expect((await ticket(api, a.access_token)).errcode).toBe(40001);
    expect((await ticket(api, b.access_token)).errcode).toBe(0);
  });

  it('lets tokens and tickets expire after expires_in seconds, and forgets everything on reset()', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const api = createFakeWechatApi({ ...APP, expiresIn: 10 });
    const { access_token } = await stable(api, good);
    const first = await ticket(api, access_token);
    vi.advanceTimersByTime(9_999);
    expect((await ticket(api, access_token)).ticket).toBe(first.ticket);
    expect(api.currentTicket()).toBe(first.ticket);
    vi.advanceTimersByTime(1);
    expect(api.currentTicket()).toBeUndefined();
    expect((await ticket(api, access_token)).errcode).toBe(40001);
    const fresh = await stable(api, good);
    expect(fresh.access_token).not.toBe(access_token);
    await ticket(api, fresh.access_token);
    const classic = await classicToken(api);
    api.reset();
    expect(api.calls).toEqual({ stableToken: 0, token: 0, ticket: 0 });
    expect(api.currentTicket()).toBeUndefined();
    for (const token of [fresh.access_token, classic.access_token]) expect((await ticket(api, token)).errcode).toBe(40001);
  });

  it('queues failures per API with failNext, and waits latency ms before each answer', async () => {
    const api = createFakeWechatApi({ ...APP, latency: 60 });
    api.failNext('stableToken', 45009, 'quota');
    api.failNext('stableToken', -1, 'busy');
    // The latency on a fake clock: no answer at 59 ms, the answer at 60.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answer: unknown;
    void stable(api, good).then((got) => (answer = got));
    await vi.advanceTimersByTimeAsync(59);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toEqual({ errcode: 45009, errmsg: 'quota' });
    vi.useRealTimers();
    expect(await stable(api, good)).toEqual({ errcode: -1, errmsg: 'busy' });
    expect((await stable(api, good)).access_token).toMatch(/^STABLE_/);
  });
});
