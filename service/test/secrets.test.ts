// No appSecret, access_token, jsapi_ticket, API key or Redis password in any log line, metric or
// answer, even when WeChat's errors quote the whole request (URL query and body), as some
// proxies in front of it do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_secrets_a', appSecret: 'SECRET_secrets_a_6a1f0b93' };
const KEY = 'key_secrets_8c2d4e6f0a1b3c5d';
const REDIS_PASSWORD = 'redispass_e7f9a1c3';
let wechat: FakeWechatServer;
let service: ServiceProcess;

beforeAll(async () => {
  wechat = await startFakeWechat([A]);
  // The token is issued; every ticket call then fails, quoting its URL with access_token=.
  wechat.controls.quoteRequests.add('/cgi-bin/ticket/getticket');
  service = await startServiceProcess({
    ...accountEnv(A, wechat),
    API_KEYS: KEY,
    // Nothing listens there: the client's connection errors go to the log.
    REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${await freePort()}`,
    LOG_LEVEL: 'debug',
  });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
});

describe('secrets', () => {
  it('stay out of logs, metrics and answers when upstream errors quote the request', async () => {
    const answers: string[] = [];
    const keep = async (response: Response) => (answers.push(`${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`), response.status);

    expect(await keep(await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`))).toBe(502);
    expect(await keep(await fetch(`${service.publicUrl}/readyz`))).toBe(503);
    const auth = { authorization: `Bearer ${KEY}` };
    expect(await keep(await fetch(`${service.internalUrl}/v1/accounts/${A.appId}/jsapi_ticket`, { headers: auth }))).toBe(502);
    // The one answer that carries a secret on purpose: the token, to a backend with a key.
    const { access_token: token } = await (await fetch(`${service.internalUrl}/v1/accounts/${A.appId}/access_token`, { headers: auth })).json();
    expect(token).toMatch(/^STABLE_/);
    // A forced refresh fails too, quoting its body with the appSecret.
    wechat.controls.quoteRequests.add('/cgi-bin/stable_token');
    const refresh = await fetch(`${service.internalUrl}/v1/accounts/${A.appId}/access_token/refresh`, { method: 'POST', headers: auth, body: JSON.stringify({ stale: token }) });
    // 503 UPSTREAM_FAILED with Retry-After: no other token can be had now (issue 20 item 2).
    expect(await keep(refresh)).toBe(503);
    answers.push(await (await fetch(`${service.internalUrl}/metrics`)).text());

    // The quoting errors did reach the log, redacted.
    await service.waitForLog((line) => line.errcode === 40164 && line.api === '/cgi-bin/ticket/getticket');
    await service.waitForLog((line) => line.errcode === 40164 && line.api === '/cgi-bin/stable_token');
    await service.waitForLog((line) => line.msg.startsWith('token API failed'));
    const output = service.output();
    for (const secret of [A.appSecret, token, KEY, REDIS_PASSWORD]) {
      expect(output, 'the log').not.toContain(secret);
      for (const answer of answers) expect(answer).not.toContain(secret);
    }
  });
});
