// @vitest-environment node
// What the signer does with what the WeChat API base answers, for real over loopback: a redirect
// is never followed (it would carry the appSecret or the access_token to another origin), an
// answer of 300 MB is refused after 64 KiB without being buffered, and an error about one
// account is redacted of every other account's secrets too.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner, knownSecrets, registerSecrets, WechatApiError, type WechatErrorEvent } from '../../src/server/index';
import { SECRET_HISTORY } from '../../src/server/knownSecrets';

const APP_ID = 'wx_upstream_test';
const APP_SECRET = 'SECRET_upstream_9f3a71c2d4e5';
const DIST = pathToFileURL(fileURLToPath(new URL('../../dist/server.mjs', import.meta.url))).href;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A loopback server; resolves with its origin. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('redirects', () => {
  it.each([
    ['stable', 307],
    ['stable', 308],
    ['classic', 302],
    ['classic', 301],
  ] as const)('a %s token call answered %i is refused, and the other origin sees no request', async (tokenMode, status) => {
    // The origin a hijacked or misconfigured API base redirects to: it must never hear of the secret.
    const elsewhere: string[] = [];
    const other = await serve((req, res) => {
      void bodyOf(req).then((body) => {
        elsewhere.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'TOKEN_from_elsewhere_0123456789', expires_in: 7200 }));
      });
    });
    const apiBase = await serve((req, res) => {
      res.writeHead(status, { Location: `${other}${req.url}` });
      res.end();
    });
    const events: WechatErrorEvent[] = [];
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, tokenMode, apiBase, onError: (event) => events.push(event) });
    const error = await signer.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect((error as Error).message).toContain(`HTTP ${status}`);
    expect((error as Error).message).toMatch(/redirect, which is not followed/);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(APP_SECRET);
    expect(elsewhere).toEqual([]);
  });

  it('a ticket call answered 302 does not carry the access_token away either', async () => {
    const elsewhere: string[] = [];
    const other = await serve((req, res) => {
      elsewhere.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    const apiBase = await serve((req, res) => {
      if (req.url!.startsWith('/cgi-bin/stable_token')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'TOKEN_upstream_redirect_0123456789', expires_in: 7200 }));
        return;
      }
      res.writeHead(302, { Location: `${other}${req.url}` });
      res.end();
    });
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, apiBase, onError: () => undefined });
    await expect(signer.sign('https://h5.example.com/')).rejects.toThrow(/HTTP 302: .*not followed/);
    expect(elsewhere).toEqual([]);
  });
});

describe('answer size', () => {
  it('reads an answer up to 64 KiB, and refuses one declared or counted past it', async () => {
    const token = 'TOKEN_size_0123456789abcdef';
    // Valid JSON, padded with spaces to `size` bytes.
    const answer = (size: number) => {
      const json = JSON.stringify({ access_token: token, expires_in: 7200 });
      return json.slice(0, -1) + ' '.repeat(size - json.length) + '}';
    };
    let size = 64 * 1024;
    let chunked = false;
    const apiBase = await serve((_req, res) => {
      const text = answer(size);
      // Without Content-Length: the bytes themselves are counted.
      if (chunked) res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      else res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
    const signer = () => createSigner({ appId: APP_ID, appSecret: APP_SECRET, apiBase, onError: () => undefined });
    expect(await signer().getAccessToken()).toBe(token);
    chunked = true;
    expect(await signer().getAccessToken()).toBe(token);
    size = 64 * 1024 + 1;
    await expect(signer().getAccessToken()).rejects.toThrow(/the answer is larger than 65536 bytes/);
    chunked = false;
    await expect(signer().getAccessToken()).rejects.toThrow(/the answer is larger than 65536 bytes/);
  });

  it('refuses a 300 MB answer after reading about 64 KiB, with RSS growing by less than 50 MB', async () => {
    const total = 300 * 1024 * 1024;
    let written = 0;
    let closed: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    // Generated as it is sent, with backpressure: the test never holds the 300 MB either.
    const apiBase = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      res.write('{"access_token":"');
      let gone = false;
      res.on('close', () => {
        gone = true;
        closed();
      });
      const pump = () => {
        while (!gone && written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!gone) res.end('","expires_in":7200}');
      };
      pump();
    });
    // The signer in a child process of its own, so that its RSS is its own: sampled every 5 ms
    // during the call, against the RSS just before it.
    const script = `
      const { createSigner } = await import(${JSON.stringify(DIST)});
      const signer = createSigner({ appId: ${JSON.stringify(APP_ID)}, appSecret: ${JSON.stringify(APP_SECRET)}, apiBase: process.argv[1], timeout: 60000, onError: () => {} });
      globalThis.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const message = await signer.getAccessToken().then(() => 'resolved', (error) => error.message);
      peak = Math.max(peak, process.memoryUsage().rss);
      clearInterval(sampler);
      process.stdout.write(JSON.stringify({ message, growth: peak - before }));
    `;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script, apiBase], { timeout: 120_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const { message, growth } = JSON.parse(output) as { message: string; growth: number };
    expect(growth, `RSS grew by ${Math.round(growth / 1024 / 1024)} MB`).toBeLessThan(50 * 1024 * 1024);
    expect(message).toMatch(/the answer is larger than 65536 bytes/);
    // The reader let go: the server stopped long before the end (socket buffers hold a few MB at most).
    await connectionClosed;
    expect(written).toBeLessThan(total / 4);
  });
});

describe('every secret of the process is redacted', () => {
  it("an error of account A that quotes account B's token and ticket is redacted of them", async () => {
    const B_SECRET = 'SECRET_account_b_5c1e8a9d7f20';
    let bToken = '';
    let bTicket = '';
    const apiBase = await serve((req, res) => {
      void bodyOf(req).then((body) => {
        const url = new URL(req.url!, 'http://127.0.0.1');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (url.pathname === '/cgi-bin/stable_token') {
          const appid = (JSON.parse(body) as { appid: string }).appid;
          const token = `TOKEN_${appid}_${Math.random().toString(36).slice(2)}0123456789`;
          if (appid === 'wx_account_b') bToken = token;
          res.end(JSON.stringify({ access_token: token, expires_in: 7200 }));
          return;
        }
        if (url.searchParams.get('access_token') === bToken) {
          bTicket = `TICKET_b_${Math.random().toString(36).slice(2)}0123456789`;
          res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', ticket: bTicket, expires_in: 7200 }));
          return;
        }
        // A's ticket call: a proxy in front of WeChat quoting the last requests it saw, B's among them.
        res.end(JSON.stringify({ errcode: 40164, errmsg: `invalid ip, last requests: access_token=${bToken}&type=jsapi ${bToken} ${bTicket} ${B_SECRET}` }));
      });
    });
    const events: WechatErrorEvent[] = [];
    const b = createSigner({ appId: 'wx_account_b', appSecret: B_SECRET, apiBase, onError: () => undefined });
    await b.getJsapiTicket();
    expect(bToken && bTicket).toBeTruthy();
    const a = createSigner({ appId: 'wx_account_a', appSecret: APP_SECRET, apiBase, onError: (event) => events.push(event) });
    const error = (await a.sign('https://h5.example.com/').catch((e: unknown) => e)) as WechatApiError;
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error.errcode).toBe(40164);
    const text = `${error.message} ${error.errmsg} ${JSON.stringify(events)} ${JSON.stringify(a.status())}`;
    expect(text).toContain('[redacted] [redacted] [redacted]');
    for (const secret of [bToken, bTicket, B_SECRET]) expect(text).not.toContain(secret);
  });

  it('keeps a bounded history of each source, and forgets it when unregistered', () => {
    let current = 'ROTATING_0_0123456789';
    const unregister = registerSecrets(() => [current]);
    const seen: string[] = [];
    for (let i = 1; i <= 30; i++) {
      seen.push(current);
      knownSecrets();
      current = `ROTATING_${i}_0123456789`;
    }
    const known = knownSecrets().filter((value) => value.startsWith('ROTATING_'));
    // The current value and the latest ones before it, no more.
    expect(known).toContain(current);
    expect(known).toContain(seen.at(-1));
    expect(known).toHaveLength(SECRET_HISTORY);
    expect(known).not.toContain(seen[0]);
    unregister();
    expect(knownSecrets().filter((value) => value.startsWith('ROTATING_'))).toEqual([]);
  });
});
