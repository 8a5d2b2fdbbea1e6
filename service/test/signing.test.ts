// The public listener of one service process with two accounts (memory store): the protocol of
// createSignatureHandler, routing by host, health, 404 elsewhere; and the internal listener's
// metrics.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_account_a', appSecret: 'SECRET_account_a_7d2f9e' };
const B = { appId: 'wx_account_b', appSecret: 'SECRET_account_b_41c0aa' };
let wechat: FakeWechatServer;
let service: ServiceProcess;

beforeAll(async () => {
  wechat = await startFakeWechat([A, B]);
  service = await startServiceProcess({
    WECHAT_ACCOUNTS: JSON.stringify([
      { ...A, hosts: ['h5.a.com', '*.a.com'] },
      { ...B, hosts: ['b.com'] },
    ]),
    WECHAT_API_BASE: wechat.url,
    ALLOWED_ORIGINS: 'https://h5.a.com',
    SIGNING_PATH: '/sign',
  });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
});

const sign = (page: string, init: RequestInit & { query?: string } = {}) => fetch(`${service.publicUrl}/sign?url=${encodeURIComponent(page)}${init.query ?? ''}`, init);
const expectSigned = (body: { appId: string; timestamp: number; nonceStr: string; signature: string }, appId: string, page: string) => {
  const ticket = wechat.fakes[appId].currentTicket();
  const expected = createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${page}`).digest('hex');
  expect(body).toEqual({ appId, timestamp: expect.any(Number), nonceStr: expect.any(String), signature: expected });
};

describe('the signing endpoint', () => {
  it('signs for the account whose hosts match the page, by GET, form POST and JSON POST', async () => {
    const page = 'https://x.a.com/p?id=1';
    const get = await sign(`${page}#hash`);
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBe('no-store');
    // Written field by field, the answer is exactly what JSON.stringify would give: same keys, same order.
    const text = await get.text();
    const answer = JSON.parse(text);
    expect(text).toBe(JSON.stringify({ appId: answer.appId, timestamp: answer.timestamp, nonceStr: answer.nonceStr, signature: answer.signature }));
    expect(Number.isInteger(answer.timestamp)).toBe(true);
    expectSigned(answer, A.appId, page);

    const form = await fetch(`${service.publicUrl}/sign`, { method: 'POST', body: new URLSearchParams({ url: 'https://b.com/' }) });
    expectSigned(await form.json(), B.appId, 'https://b.com/');
    const json = await fetch(`${service.publicUrl}/sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://h5.a.com/' }) });
    expectSigned(await json.json(), A.appId, 'https://h5.a.com/');
  });

  it('refuses a host of neither account with 403 HOST_NOT_ALLOWED, and an appId whose hosts do not match', async () => {
    const other = await sign('https://evil.example.com/');
    expect(other.status).toBe(403);
    expect((await other.json()).error.code).toBe('HOST_NOT_ALLOWED');
    const wrong = await sign('https://b.com/', { query: `&appId=${A.appId}` });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error).toEqual({ code: 'HOST_NOT_ALLOWED', message: `b.com is not a host of ${A.appId}.` });
    const unknown = await sign('https://b.com/', { query: '&appId=wx_nobody' });
    expect(unknown.status).toBe(403);
    expect((await unknown.json()).error).toEqual({ code: 'HOST_NOT_ALLOWED', message: 'appId wx_nobody is not an account here.' });
    const right = await sign('https://b.com/', { query: `&appId=${B.appId}` });
    expectSigned(await right.json(), B.appId, 'https://b.com/');
  });

  it('answers the shared checks as createSignatureHandler does (400, 405, 413) and CORS from ALLOWED_ORIGINS', async () => {
    expect((await (await fetch(`${service.publicUrl}/sign`)).json()).error.code).toBe('MISSING_URL');
    expect((await (await sign('ftp://h5.a.com/')).json()).error.code).toBe('INVALID_URL');
    expect((await (await sign(`https://h5.a.com/${'x'.repeat(5000)}`)).json()).error.code).toBe('URL_TOO_LONG');
    const put = await fetch(`${service.publicUrl}/sign`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    const large = await fetch(`${service.publicUrl}/sign`, { method: 'POST', body: 'url='.padEnd(70_000, 'x') });
    expect(large.status).toBe(413);

    const cors = await sign('https://h5.a.com/', { headers: { origin: 'https://h5.a.com' } });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://h5.a.com');
    expect((await sign('https://h5.a.com/', { headers: { origin: 'https://evil.com' } })).headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${service.publicUrl}/sign`, { method: 'OPTIONS', headers: { origin: 'https://h5.a.com' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
  });

  it('counts no 500 and logs no error when a client hangs up in the middle of its body', async () => {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const opened = connect(Number(new URL(service.publicUrl).port), '127.0.0.1', () => {
        opened.write('POST /sign HTTP/1.1\r\nHost: h5.a.com\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"url":');
        resolve(opened);
      });
      opened.on('error', reject);
    });
    // Bounded polls of the service (a child process): the half-sent request in flight (with the
    // scrape: 2), hang up, then the service has let it go (only the scrape: 1).
    const inFlight = async (wanted: number) => {
      let metrics = '';
      for (let tries = 0; tries < 50 && !new RegExp(`^wechat_share_http_requests_in_flight ${wanted}$`, 'm').test(metrics); tries++) {
        if (tries) await new Promise((wait) => setTimeout(wait, 40));
        metrics = await (await fetch(`${service.internalUrl}/metrics`)).text();
      }
      return metrics;
    };
    expect(await inFlight(2)).toMatch(/^wechat_share_http_requests_in_flight 2$/m);
    socket.destroy();
    const metrics = await inFlight(1);
    expect(metrics).toMatch(/^wechat_share_http_requests_in_flight 1$/m);
    expect(metrics).not.toMatch(/status="500"/);
    expect(service.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('has nothing else on the public port: every other path is 404, the metrics too', async () => {
    for (const path of ['/', '/metrics', '/api/wechat/signature', '/v1/accounts/wx_account_a/access_token', '/sign/']) {
      const response = await fetch(`${service.publicUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect((await response.json()).error.code).toBe('NOT_FOUND');
    }
  });

  it('signs warm without asking WeChat again: one token and one ticket call per account', async () => {
    // Its own traffic, so that it holds run alone too: twice per account, the first may be cold.
    for (const page of ['https://h5.a.com/warm', 'https://b.com/warm', 'https://h5.a.com/warm', 'https://b.com/warm']) {
      expect((await sign(page)).status).toBe(200);
    }
    for (const account of [A, B]) expect(wechat.fakes[account.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});

describe('health', () => {
  it('/livez answers; /readyz says ok with each account and seconds left on its ticket', async () => {
    expect(await (await fetch(`${service.publicUrl}/livez`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${service.publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      accounts: [
        { appId: A.appId, ready: true, jsapiTicketExpiresIn: expect.any(Number) },
        { appId: B.appId, ready: true, jsapiTicketExpiresIn: expect.any(Number) },
      ],
      store: { up: true },
    });
  });

  it('/readyz answers 503 naming the account that cannot sign, with errcode and hint, without the secret', async () => {
    const broken = await startServiceProcess({
      WECHAT_ACCOUNTS: JSON.stringify([
        { ...A, hosts: ['h5.a.com'] },
        { appId: B.appId, appSecret: 'SECRET_wrong_one_9f8e', hosts: ['b.com'] },
      ]),
      WECHAT_API_BASE: wechat.url,
    });
    try {
      const ready = await fetch(`${broken.publicUrl}/readyz`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.status).toBe('unavailable');
      expect(body.accounts[0]).toMatchObject({ appId: A.appId, ready: true });
      expect(body.accounts[1]).toMatchObject({ appId: B.appId, ready: false, error: { api: '/cgi-bin/stable_token', errcode: 40125, hint: expect.stringContaining('appSecret') } });
      expect(JSON.stringify(body)).not.toContain('SECRET_');
      const failedSign = await fetch(`${broken.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://b.com/')}`);
      expect(failedSign.status).toBe(502);
      expect((await failedSign.json()).error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 40125 });
      // Every 5xx is logged, and every onError event.
      await broken.waitForLog((line) => line.level === 'error' && line.msg.startsWith('signing failed') && line.errcode === 40125);
      await broken.waitForLog((line) => line.level === 'warn' && line.api === '/cgi-bin/stable_token' && line.errcode === 40125);
    } finally {
      await broken.stop();
    }
  });
});

describe('the internal listener', () => {
  it('serves Prometheus metrics: signatures, upstream calls, requests, durations, credential TTLs, process metrics', async () => {
    // Its own traffic, so that it holds run alone too: a signature per account and a 404.
    for (const page of ['https://h5.a.com/metrics', 'https://b.com/metrics']) expect((await sign(page)).status).toBe(200);
    expect((await fetch(`${service.publicUrl}/nothing-here`)).status).toBe(404);
    const response = await fetch(`${service.internalUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(new RegExp(`wechat_share_signatures_total\\{app_id="${A.appId}"\\} [1-9]`));
    expect(text).toContain(`wechat_share_upstream_requests_total{app_id="${A.appId}",api="/cgi-bin/stable_token",outcome="ok"} 1`);
    expect(text).toContain(`wechat_share_upstream_requests_total{app_id="${A.appId}",api="/cgi-bin/ticket/getticket",outcome="ok"} 1`);
    expect(text).toMatch(/wechat_share_http_requests_total\{route="signature",status="200"\} [1-9]/);
    expect(text).toMatch(/wechat_share_http_requests_total\{route="other",status="404"\} [1-9]/);
    expect(text).toMatch(/wechat_share_http_request_duration_seconds_bucket\{le="0\.01"\} [1-9]/);
    expect(text).toMatch(new RegExp(`wechat_share_credential_ttl_seconds\\{app_id="${B.appId}",credential="jsapi_ticket"\\} 7[01]\\d\\d`));
    expect(text).toMatch(new RegExp(`wechat_share_credential_ttl_seconds\\{app_id="${B.appId}",credential="access_token"\\} 7[01]\\d\\d`));
    expect(text).toContain('# TYPE wechat_share_store_errors_total counter');
    // This scrape is the one request in flight.
    expect(text).toContain('\nwechat_share_http_requests_in_flight 1\n');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('SECRET_');
  });

  it('has no token API without API_KEYS', async () => {
    expect((await fetch(`${service.internalUrl}/v1/accounts/${A.appId}/access_token`)).status).toBe(404);
  });

  it('logs the start: where it listens, which store, which accounts', () => {
    const start = service.logs.find((line) => line.msg === 'wechat-share-service listening')!;
    expect(start).toMatchObject({ level: 'info', store: 'memory', signingPath: '/sign', accounts: [{ appId: A.appId }, { appId: B.appId }] });
    expect(service.logs.some((line) => line.level === 'warn' && line.msg.includes('memory store'))).toBe(true);
  });
});
