// Answers that arrive (issue 20 item 6): a 5 MB body to either listener gets its 413 with its body
// (the connection used to be closed at 64 KiB, and a client still sending saw EPIPE instead), and
// HEAD on the public signing endpoint answers as GET does, without the body. One service process,
// as its container starts it, against the fake WeChat API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test/helpers/rawRequest';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_answers_a', appSecret: 'SECRET_answers_a_6b1e0c' };
const KEY = 'key_answers_backend_0e9d8c7b6a5f4e3d';
const FIVE_MB = Buffer.alloc(5 * 1024 * 1024, 'x');
let wechat: FakeWechatServer;
let service: ServiceProcess;

beforeAll(async () => {
  wechat = await startFakeWechat([A]);
  service = await startServiceProcess({ ...accountEnv(A, wechat), API_KEYS: KEY });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
});

const port = (url: string) => Number(new URL(url).port);

describe('a 5 MB body', () => {
  it('gets the public listener\'s 413 and its body, the connection ending cleanly', async () => {
    const answer = await rawRequest(port(service.publicUrl), 'POST /api/wechat/signature HTTP/1.1\r\nHost: h5.a.com\r\nContent-Type: application/x-www-form-urlencoded', FIVE_MB);
    expect(answer).toEqual({
      status: 413,
      headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8', connection: 'close' }),
      body: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The body passes 65536 bytes.' } }),
    });
  });

  it('gets the token API\'s 413 and its body, the connection ending cleanly', async () => {
    const answer = await rawRequest(
      port(service.internalUrl),
      `POST /v1/accounts/${A.appId}/access_token/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json`,
      FIVE_MB,
    );
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('HEAD on the signing endpoint', () => {
  it('answers as GET does, with no body', async () => {
    const query = `?url=${encodeURIComponent('https://h5.a.com/p')}`;
    const get = await rawRequest(port(service.publicUrl), `GET /api/wechat/signature${query} HTTP/1.1\r\nHost: h5.a.com`);
    const head = await rawRequest(port(service.publicUrl), `HEAD /api/wechat/signature${query} HTTP/1.1\r\nHost: h5.a.com`);
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body)).toMatchObject({ appId: A.appId });
    expect([head.status, head.body, head.headers['content-type'], head.headers['cache-control']]).toEqual([200, '', 'application/json; charset=utf-8', 'no-store']);
    const refused = await rawRequest(port(service.publicUrl), `HEAD /api/wechat/signature?url=${encodeURIComponent('https://evil.example/')} HTTP/1.1\r\nHost: h5.a.com`);
    expect([refused.status, refused.body]).toEqual([403, '']);
  });
});
