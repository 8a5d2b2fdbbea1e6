// @vitest-environment node
// The signing flow without a transport (createSigningEndpoint), in its one order, and the helpers
// both transports share: the body reader, the JSON headers, beforeHash, withoutTrailingSlash.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  JSON_HEADERS,
  MAX_BODY,
  WechatApiError,
  createSigningEndpoint,
  readRequestBody,
  signatureJson,
  withoutTrailingSlash,
  type SigningRequest,
} from '../../src/server/index';
import { beforeHash } from '../../src/server/beforeHash';
import { rawRequest } from '../helpers/rawRequest';

const PAGE = 'https://h5.example.com/page?id=1';
const SIGNED = { appId: 'wx1234567890abcdef', timestamp: 1700000000, nonceStr: 'Wm3WZYTPz0wzccnW', signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed' };
const ORIGIN = 'https://h5.example.com';

function setup(options: { route?: () => object | string; sign?: () => Promise<typeof SIGNED>; allowedOrigins?: string[] } = {}) {
  const target = { name: 'the account' };
  const calls = {
    route: vi.fn(options.route ?? (() => target)),
    sign: vi.fn(options.sign ?? (() => Promise.resolve(SIGNED))),
    onSigned: vi.fn(),
    onError: vi.fn(),
    body: vi.fn(),
  };
  const endpoint = createSigningEndpoint({ allowedOrigins: options.allowedOrigins, route: calls.route, sign: calls.sign, onSigned: calls.onSigned, onError: calls.onError });
  const request = (init: Partial<SigningRequest> & { bodyText?: string | undefined } = {}) => {
    const { bodyText, ...rest } = init;
    return endpoint({
      method: 'GET',
      search: `?url=${encodeURIComponent(PAGE)}`,
      headers: {},
      body: () => (calls.body(), Promise.resolve(bodyText)),
      ...rest,
    });
  };
  return { target, calls, request };
}

describe('createSigningEndpoint', () => {
  it('signs a checked request with the routed target, answering exactly JSON.stringify of the four values', async () => {
    const { target, calls, request } = setup();
    const answer = await request();
    expect(answer).toEqual({ status: 200, headers: JSON_HEADERS, body: JSON.stringify(SIGNED) });
    expect(calls.route).toHaveBeenCalledWith(expect.objectContaining({ ok: true, url: PAGE, hostname: 'h5.example.com' }));
    expect(calls.sign).toHaveBeenCalledWith(target, expect.objectContaining({ url: PAGE }));
    expect(calls.onSigned).toHaveBeenCalledWith(SIGNED, target);
    expect([calls.onError.mock.calls, calls.body.mock.calls]).toEqual([[], []]);
  });

  it('sends the constant headers object itself when there is no CORS (no copy per request), a copy with CORS', async () => {
    const plain = await setup({ allowedOrigins: [ORIGIN] }).request({ headers: { origin: 'https://evil.example' } });
    expect(plain.headers).toBe(JSON_HEADERS);
    const cors = await setup({ allowedOrigins: [ORIGIN] }).request({ headers: { origin: ORIGIN } });
    expect(cors.headers).toEqual({ ...JSON_HEADERS, 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' });
    expect(Object.isFrozen(JSON_HEADERS)).toBe(true);
  });

  it('answers a preflight first: 204, no body, nothing read, routed or signed', async () => {
    const { calls, request } = setup({ allowedOrigins: [ORIGIN] });
    const answer = await request({ method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(answer).toEqual({
      status: 204,
      headers: { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin', 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' },
      body: null,
    });
    expect([calls.body.mock.calls, calls.route.mock.calls, calls.sign.mock.calls]).toEqual([[], [], []]);
  });

  it('reads the body for POST only; past the limit, 413 with Connection: close and CORS, before any check', async () => {
    const { calls, request } = setup({ allowedOrigins: [ORIGIN] });
    const answer = await request({ method: 'POST', search: '', headers: { origin: ORIGIN }, bodyText: undefined });
    expect(answer).toEqual({
      status: 413,
      headers: { ...JSON_HEADERS, 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin', Connection: 'close' },
      body: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `The body passes ${MAX_BODY} bytes.` } }),
    });
    expect([calls.body.mock.calls.length, calls.route.mock.calls.length]).toEqual([1, 0]);
    const form = await request({ method: 'POST', search: '', headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodyText: `url=${encodeURIComponent(PAGE)}` });
    expect(form.status).toBe(200);
    const json = await request({ method: 'POST', search: '', headers: { 'content-type': 'application/json' }, bodyText: JSON.stringify({ url: PAGE }) });
    expect(json.status).toBe(200);
    expect(calls.body).toHaveBeenCalledTimes(3);
  });

  it('checks before routing, and routes before signing: 400, 405 with Allow, 403 with the route\'s message', async () => {
    const { calls, request } = setup({ route: () => 'h5.example.com is not in allowedHosts.' });
    expect(await request({ search: '' })).toEqual({ status: 400, headers: JSON_HEADERS, body: expect.stringContaining('"MISSING_URL"') });
    expect(await request({ method: 'PUT' })).toEqual({ status: 405, headers: { ...JSON_HEADERS, Allow: 'GET, HEAD, POST, OPTIONS' }, body: expect.stringContaining('"METHOD_NOT_ALLOWED"') });
    expect(calls.route).not.toHaveBeenCalled();
    expect(await request()).toEqual({ status: 403, headers: JSON_HEADERS, body: JSON.stringify({ error: { code: 'HOST_NOT_ALLOWED', message: 'h5.example.com is not in allowedHosts.' } }) });
    expect(calls.sign).not.toHaveBeenCalled();
  });

  it('answers HEAD as GET (the transport drops the body)', async () => {
    const { request } = setup();
    expect(await request({ method: 'HEAD' })).toEqual(await request());
  });

  it('answers a failed sign with signingErrorAnswer\'s 502 or 500, and hands the answer and the error to onError', async () => {
    const failure = new WechatApiError('/cgi-bin/ticket/getticket', 'invalid credential', 40001);
    const { target, calls, request } = setup({ sign: () => Promise.reject(failure) });
    const answer = await request();
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body!).error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode: 40001 });
    expect(calls.onError).toHaveBeenCalledWith({ status: 502, body: JSON.parse(answer.body!) }, target, failure);
    expect(calls.onSigned).not.toHaveBeenCalled();
    const thrown = await setup({ sign: () => Promise.reject(new Error('store down: redis://:hunter2@db')) }).request();
    expect(thrown).toEqual({ status: 500, headers: JSON_HEADERS, body: JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'Signing failed: the store or the signer threw.' } }) });
  });
});

describe('signatureJson', () => {
  it('writes what JSON.stringify writes, quotes and non-ASCII included', () => {
    for (const result of [SIGNED, { ...SIGNED, appId: 'wx"\\\u2028é', nonceStr: '\n<>', timestamp: 0 }, { ...SIGNED, timestamp: 1e21 }]) {
      expect(signatureJson(result)).toBe(JSON.stringify({ appId: result.appId, timestamp: result.timestamp, nonceStr: result.nonceStr, signature: result.signature }));
    }
  });

  it('leaves a user signer\'s odd values (a string timestamp, a missing field, NaN) to JSON.stringify, so the answer stays JSON', () => {
    for (const odd of [{ ...SIGNED, timestamp: '1700000000' }, { ...SIGNED, appId: undefined }, { ...SIGNED, timestamp: Number.NaN }]) {
      const text = signatureJson(odd as never);
      expect(text).toBe(JSON.stringify({ appId: odd.appId, timestamp: odd.timestamp, nonceStr: odd.nonceStr, signature: odd.signature }));
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });
});

describe('readRequestBody', () => {
  const stream = (...chunks: (string | Error)[]) =>
    Readable.from(
      (async function* () {
        for (const chunk of chunks) {
          if (chunk instanceof Error) throw chunk;
          yield Buffer.from(chunk);
        }
      })(),
    ) as unknown as IncomingMessage;

  it('gives the text up to the limit, and undefined past it once the rest is read and dropped', async () => {
    expect(await readRequestBody(stream('url=', 'é'.repeat(10)))).toBe(`url=${'é'.repeat(10)}`);
    expect(await readRequestBody(stream('x'.repeat(MAX_BODY)))).toHaveLength(MAX_BODY);
    expect(await readRequestBody(stream('x'.repeat(MAX_BODY), 'y'))).toBeUndefined();
    expect(await readRequestBody(stream('abcd', 'e'), 4)).toBeUndefined();
    const rest = stream('ab', 'cdef', 'ghij');
    expect(await readRequestBody(rest, 3)).toBeUndefined();
    expect(rest.readableEnded).toBe(true);
  });

  it('rejects when the stream fails or the body was already read, instead of never settling', async () => {
    await expect(readRequestBody(stream('url=', new Error('aborted')))).rejects.toThrow('aborted');
    const read = stream('url=a');
    read.resume();
    await once(read, 'end');
    await expect(readRequestBody(read)).rejects.toThrow('already read');
  });

  describe('over a real connection', () => {
    let close: (() => void) | undefined;
    afterEach(() => close?.());

    it('rejects when the client hangs up mid-body', async () => {
      const outcome = new Promise<unknown>((resolve) => {
        const server = createServer((req) => readRequestBody(req).then(resolve, (error: Error) => resolve(error.message)));
        server.listen(0, '127.0.0.1', () => {
          close = () => server.close();
          const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
            socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nurl=');
            socket.on('data', () => {});
            setImmediate(() => socket.destroy());
          });
        });
      });
      expect(await outcome).toMatch(/closed its connection|aborted/);
    });

    it('drains a 5 MB body, so that the 413 written after it arrives', async () => {
      const server = createServer(async (req, res) => {
        const body = await readRequestBody(req);
        res.writeHead(body === undefined ? 413 : 200, { Connection: 'close' });
        res.end(body === undefined ? 'too large' : 'ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      close = () => server.close();
      const answer = await rawRequest((server.address() as AddressInfo).port, 'POST / HTTP/1.1\r\nHost: x', Buffer.alloc(5 * 1024 * 1024, 'x'));
      expect([answer.status, answer.body, answer.error]).toEqual([413, 'too large', undefined]);
    });
  });
});

describe('beforeHash and withoutTrailingSlash', () => {
  it('cut a URL at its first # only', () => {
    expect(beforeHash('https://h5.example.com/a?b=1#c#d')).toBe('https://h5.example.com/a?b=1');
    expect(beforeHash('https://h5.example.com/a?b=1')).toBe('https://h5.example.com/a?b=1');
    expect(beforeHash('#')).toBe('');
  });

  it('drop every / that ends a base URL, and nothing else', () => {
    expect(withoutTrailingSlash('https://api.weixin.qq.com///')).toBe('https://api.weixin.qq.com');
    expect(withoutTrailingSlash('https://api.weixin.qq.com')).toBe('https://api.weixin.qq.com');
    expect(withoutTrailingSlash('http://127.0.0.1:8080/base/')).toBe('http://127.0.0.1:8080/base');
    expect(withoutTrailingSlash('/')).toBe('');
  });
});
