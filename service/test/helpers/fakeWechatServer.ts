// The library's fake WeChat API, served over node:http on a loopback port for the service (a
// child process) to call through WECHAT_API_BASE. Several accounts: each request goes to the
// fake of its appid, and a ticket request to the fake that issued its access_token.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeWechatApi, type FakeWechatApi } from 'wechat-share/dev';

/** How every call behaves, switchable during a test. */
export interface FakeControls {
  /** ms before each answer. */
  latency: number;
  /**
   * ms before the answer to one call, by path and JSON body (`undefined`: `latency`). The call is
   * answered, and what it does is done (a forced stable_token refresh makes its new token), after
   * that time whether the caller still waits or not, as WeChat does with a call that timed out.
   */
  latencyOf?: (path: string, body: Record<string, unknown> | undefined) => number | undefined;
  /** stable_token calls with `force_refresh: true` that reached the server. */
  forced: number;
  /** While set, jsapi_ticket calls wait for it to resolve: requests stay in flight on purpose. */
  ticketGate?: Promise<void>;
  /** Paths whose calls answer an errcode whose errmsg quotes the whole request (URL and body), as some proxies do. */
  quoteRequests: Set<string>;
  /** Calls that reached the server, by path. */
  seen: Record<string, number>;
}

export interface FakeWechatServer {
  url: string;
  fakes: Record<string, FakeWechatApi>;
  controls: FakeControls;
  /** The access_token stable_token answers `appId` now (a normal call, not counted in `controls`). */
  currentToken(appId: string): Promise<string>;
  /**
   * Forces a new stable access_token for `appId`, as another system with the appSecret could
   * (not counted in `controls`): the previous one is refused from now on. Resolves with the new one.
   */
  forceRefresh(appId: string): Promise<string>;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The variables of a service with one account, `account`, serving the host h5.a.com and calling
 * `wechat` (this fake) for its tokens: the base every single-account test adds its own to.
 */
export function accountEnv(account: { appId: string; appSecret: string }, wechat: { url: string }): Record<string, string> {
  return { WECHAT_APP_ID: account.appId, WECHAT_APP_SECRET: account.appSecret, ALLOWED_HOSTS: 'h5.a.com', WECHAT_API_BASE: wechat.url };
}

/** Starts the fake for `accounts` on 127.0.0.1 and a free port. */
export async function startFakeWechat(accounts: { appId: string; appSecret: string; expiresIn?: number }[]): Promise<FakeWechatServer> {
  const fakes = Object.fromEntries(accounts.map((a) => [a.appId, createFakeWechatApi(a)]));
  const first = fakes[accounts[0].appId];
  const issuedBy = new Map<string, FakeWechatApi>();
  const controls: FakeControls = { latency: 0, quoteRequests: new Set(), seen: {}, forced: 0 };
  const secrets = Object.fromEntries(accounts.map((a) => [a.appId, a.appSecret]));
  // A stable_token call made straight to the fake, past the server and its controls.
  async function stableToken(appId: string, force: boolean): Promise<string> {
    const body = JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: secrets[appId], force_refresh: force });
    const answer = await fakes[appId].handle(new Request('http://127.0.0.1/cgi-bin/stable_token', { method: 'POST', body }));
    const token = ((await answer.json()) as { access_token: string }).access_token;
    issuedBy.set(token, fakes[appId]);
    return token;
  }
  const server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await bodyOf(req) : undefined;
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      controls.seen[url.pathname] = (controls.seen[url.pathname] ?? 0) + 1;
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = body ? (JSON.parse(body) as Record<string, unknown>) : undefined;
      } catch {
        // not JSON: the fake answers it as WeChat would
      }
      if (url.pathname === '/cgi-bin/stable_token' && parsed?.force_refresh === true) controls.forced++;
      const latency = controls.latencyOf?.(url.pathname, parsed) ?? controls.latency;
      if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
      if (url.pathname === '/cgi-bin/ticket/getticket' && controls.ticketGate) await controls.ticketGate;
      if (controls.quoteRequests.has(url.pathname)) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errcode: 40164, errmsg: `invalid ip 10.1.2.3, not in whitelist: ${req.method} ${req.url} ${body ?? ''}` }));
        return;
      }
      let appid: string | null = url.searchParams.get('appid');
      if (body) appid = (JSON.parse(body) as { appid?: string }).appid ?? null;
      const token = url.searchParams.get('access_token');
      const fake = (appid && fakes[appid]) || (token && issuedBy.get(token)) || first;
      const answer = await fake.handle(new Request(url, { method: req.method, body, headers: { 'content-type': 'application/json' } }));
      const text = await answer.text();
      const issued = (JSON.parse(text) as { access_token?: string }).access_token;
      if (issued) issuedBy.set(issued, fake);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fakes,
    controls,
    currentToken: (appId) => stableToken(appId, false),
    forceRefresh: (appId) => stableToken(appId, true),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
