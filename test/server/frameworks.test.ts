// @vitest-environment node
// toNodeHandler behind the frameworks people mount it in, with their body parsers: Express 4 and
// 5 with express.json(), express.urlencoded(), both or neither, and Koa with @koa/bodyparser or
// koa-bodyparser. Each gets the SDK's GET, its form POST, and a JSON POST, from WeChat and from
// WeCom (platform=wecom), which the one handler routes to its WeCom signer.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { bodyParser as koaBodyParser } from '@koa/bodyparser';
import express5 from 'express';
import express4 from 'express4';
import Koa from 'koa';
import koaBodyparserClassic from 'koa-bodyparser';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignatureHandler, createSigner, createWecomSigner, jsapiSignature, toNodeHandler } from '../../src/server/index';
import { createFakeWecomApi } from '../../src/dev/index';
import { APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';
import { AGENT_A, CORP_ID, SECRET_A } from '../helpers/wecomApi';

const PAGE = 'https://h5.example.com/page?id=1';
const PATH = '/api/wechat/signature';
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

function signing() {
  const wechat = faultyWechat();
  const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch });
  const wecom = createFakeWecomApi({ corpId: CORP_ID, apps: [{ agentId: AGENT_A, secret: SECRET_A }] });
  const wecomSigner = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, fetch: (url, init) => wecom.handle(new Request(url, init)) });
  return { wechat: Object.assign(wechat, { wecom }), node: toNodeHandler(createSignatureHandler({ signer, wecomSigner })) };
}

async function listen(listener: RequestListener) {
  server = createServer(listener).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
}

// The three requests, answered 200 with a signature for PAGE; then the same three from WeCom,
// answered with the corp and agent signatures.
async function expectAllSigned(endpoint: string, wechat: ReturnType<typeof signing>['wechat']) {
  const requests = (platform?: string): [string, Promise<Response>][] => {
    const fields: Record<string, string> = platform ? { url: PAGE, platform } : { url: PAGE };
    return [
      ['GET', fetch(`${endpoint}?${new URLSearchParams(fields)}`)],
      ['form POST', fetch(endpoint, { method: 'POST', body: new URLSearchParams(fields) })],
      ['JSON POST', fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) })],
    ];
  };
  for (const [name, pending] of requests()) {
    const response = await pending;
    const body = await response.json();
    expect({ name, status: response.status }).toEqual({ name, status: 200 });
    expect(body.signature).toBe(jsapiSignature({ jsapi_ticket: wechat.api.currentTicket()!, noncestr: body.nonceStr, timestamp: body.timestamp, url: PAGE }));
  }
  for (const [name, pending] of requests('wecom')) {
    const response = await pending;
    const body = await response.json();
    expect({ name, status: response.status, appId: body.appId, agentId: body.agentId }).toEqual({ name, status: 200, appId: CORP_ID, agentId: AGENT_A });
    expect(body.signature).toBe(jsapiSignature({ jsapi_ticket: wechat.wecom.currentCorpTicket()!, noncestr: body.nonceStr, timestamp: body.timestamp, url: PAGE }));
    const agent = body.agentSignature;
    expect(agent.signature).toBe(jsapiSignature({ jsapi_ticket: wechat.wecom.currentAgentTicket(AGENT_A)!, noncestr: agent.nonceStr, timestamp: agent.timestamp, url: PAGE }));
  }
}

const parsers = ['neither', 'json', 'urlencoded', 'both'] as const;

describe.each([
  ['Express 4', express4 as unknown as typeof express5],
  ['Express 5', express5],
])('%s', (_, express) => {
  it.each(parsers)('with %s of express.json() and express.urlencoded() mounted globally', async (parser) => {
    const { wechat, node } = signing();
    const app = express();
    if (parser === 'json' || parser === 'both') app.use(express.json());
    if (parser === 'urlencoded' || parser === 'both') app.use(express.urlencoded({ extended: false }));
    app.all(PATH, node);
    await expectAllSigned(await listen(app), wechat);
  });
});

describe('Koa', () => {
  it.each([
    ['@koa/bodyparser', () => koaBodyParser()],
    ['koa-bodyparser', () => koaBodyparserClassic()],
    ['no body parser', undefined],
  ])('with %s', async (_, parser) => {
    const { wechat, node } = signing();
    const app = new Koa();
    if (parser) app.use(parser());
    app.use(async (ctx, next) => {
      if (ctx.path !== PATH) return next();
      // What the README shows: hand over what the parser read, and let the handler answer.
      (ctx.req as { body?: unknown }).body = (ctx.request as { body?: unknown }).body;
      ctx.respond = false;
      node(ctx.req, ctx.res);
    });
    await expectAllSigned(await listen(app.callback()), wechat);
  });

  it('says what to do when a parser read the body and it was not handed over', async () => {
    const { node } = signing();
    const app = new Koa();
    app.use(koaBodyParser());
    app.use(async (ctx) => {
      ctx.respond = false;
      node(ctx.req, ctx.res);
    });
    const response = await fetch(await listen(app.callback()), { method: 'POST', body: new URLSearchParams({ url: PAGE }) });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'MISSING_URL', message: expect.stringContaining('ctx.req.body = ctx.request.body') });
  });
});

describe('toNodeHandler and a malformed Host header', () => {
  it('answers 400 BAD_REQUEST, not 500', async () => {
    const { node } = signing();
    const endpoint = new URL(await listen(node));
    const socket = connect(Number(endpoint.port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET ${PATH}?url=${encodeURIComponent(PAGE)} HTTP/1.1\r\nHost: exa mple.com:99999\r\nConnection: close\r\n\r\n`);
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk));
    await once(socket, 'end');
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"code":"BAD_REQUEST"');
  });
});

// Issue 16 item 3: methods a Request cannot carry, and frameworks that answered first.
describe('toNodeHandler and what a Request cannot carry', () => {
  // TRACE is the one such method node:http lets through (it refuses TRACK itself with a bare 400).
  it('answers TRACE 405 METHOD_NOT_ALLOWED like PUT, not 500', async () => {
    const method = 'TRACE';
    const { node, wechat } = signing();
    const endpoint = new URL(await listen(node));
    const socket = connect(Number(endpoint.port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`${method} ${PATH}?url=${encodeURIComponent(PAGE)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk));
    await once(socket, 'close');
    expect(raw).toMatch(/^HTTP\/1\.1 405/);
    expect(raw).toMatch(/\r\nAllow: GET, HEAD, POST, OPTIONS\r\n/i);
    expect(raw).toContain(`{"error":{"code":"METHOD_NOT_ALLOWED","message":"Use GET ?url= or POST url=, not ${method}."}}`);
    expect(wechat.state.upstream).toBe(0);
  });
});

describe('Koa without ctx.respond = false', () => {
  it('leaves Koa’s answer alone: nothing written twice, no error, the process lives', async () => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let koaAnswered!: () => void;
    const koaFinished = new Promise<void>((resolve) => (koaAnswered = resolve));
    // A handler that answers after Koa has sent its own 404 (its 'finish'), as any real signing
    // does. toNodeHandler reads the whole body, then writes or not, synchronously: `done` comes
    // one macrotask after the body's last chunk was read, once any write it would make is made.
    const node = toNodeHandler(async () => {
      await koaFinished;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode('{"late":true}'));
          controller.close();
          setImmediate(finished);
        },
      });
      return new Response(body, { status: 200 });
    });
    const errors: unknown[] = [];
    const lateWrites: string[] = [];
    const app = new Koa();
    app.use(async (ctx) => {
      const res = ctx.res;
      res.on('error', (error) => errors.push(error));
      for (const name of ['writeHead', 'write', 'end'] as const) {
        const original = res[name].bind(res) as (...args: unknown[]) => unknown;
        (res as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          if (res.headersSent || res.writableEnded) lateWrites.push(name);
          return original(...args);
        };
      }
      res.once('finish', koaAnswered);
      node(ctx.req, ctx.res);
    });
    const response = await fetch(`${await listen(app.callback())}?url=${encodeURIComponent(PAGE)}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Not Found');
    await done;
    expect(lateWrites).toEqual([]);
    expect(errors).toEqual([]);
  });
});

// The dev tools' verify handler answers this machine only: through toNodeHandler it must learn
// where the client is, or it would judge by forwarding headers alone and answer every machine.
describe('toNodeHandler and the client', () => {
  it('hands the handler the connection’s peer address', async () => {
    const seen: Array<string | undefined> = [];
    const node = toNodeHandler(async (_request, client) => {
      seen.push(client.remoteAddress);
      return new Response('ok');
    });
    const endpoint = await listen(node);
    expect(await (await fetch(endpoint)).text()).toBe('ok');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });
});
