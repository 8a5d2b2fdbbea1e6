// A corp with two WeCom apps, one configured with a Secret WeCom refuses (errcode 40001, the most
// common mistake: another app's Secret, or the 通讯录 one): that app is named in /readyz and its own
// routes answer 502 with the hint, while the corp ticket, which any app's token fetches (official
// 96909), is still served through the other app. One service process, memory store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWecom, type FakeWecomServer } from './helpers/fakeWecomServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const E = 'ww0e0e0e0e0e0e0e0e';
const SECRET = 'CORPSECRET_e_agent2_6b8d0f2a4c';
const WRONG = 'CORPSECRET_not_of_any_app_1a3c5e7f';
const KEY = 'key_wecom_secrets_9e8d7c6b5a4f3e2d';
let wecom: FakeWecomServer;
let service: ServiceProcess;

beforeAll(async () => {
  wecom = await startFakeWecom([{ corpId: E, apps: [{ agentId: 1000002, secret: SECRET }] }]);
  service = await startServiceProcess({
    WECHAT_ACCOUNTS: JSON.stringify([
      { corpId: E, corpSecret: WRONG, agentId: 1000004, hosts: ['wrong.e.com'] },
      { corpId: E, corpSecret: SECRET, agentId: 1000002, hosts: ['right.e.com'] },
    ]),
    WECOM_API_BASE: wecom.url,
    API_KEYS: KEY,
  });
});
afterAll(async () => {
  await service?.stop();
  await wecom?.close();
});

const api = (path: string) => fetch(`${service.internalUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });

describe('a WeCom app whose Secret WeCom refuses', () => {
  it('is named in /readyz and its routes answer 502 with the hint; the corp ticket comes through the corp\'s other app', async () => {
    const corp = await api(`/v1/wecom/${E}/jsapi_ticket`);
    expect(corp.status).toBe(200);
    expect(await corp.json()).toEqual({ ticket: wecom.fakes[E].currentCorpTicket(), expires_in: expect.any(Number) });

    const agent = await api(`/v1/wecom/${E}/agents/1000004/jsapi_ticket`);
    expect(agent.status).toBe(502);
    expect((await agent.json()).error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 40001, hint: expect.stringContaining('corpSecret') });
    const page = await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://wrong.e.com/')}&platform=wecom`);
    expect(page.status).toBe(502);

    const ready = await fetch(`${service.publicUrl}/readyz`);
    expect(ready.status).toBe(503);
    const { wecomApps } = (await ready.json()) as { wecomApps: { agentId: number; ready: boolean; error?: { errcode?: number } }[] };
    expect(wecomApps.map((app) => [app.agentId, app.ready, app.error?.errcode])).toEqual([
      [1000004, false, 40001],
      [1000002, true, undefined],
    ]);
    expect(service.output()).not.toContain(WRONG);
    expect(service.output()).not.toContain(SECRET);
  });
});
