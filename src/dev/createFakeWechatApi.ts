import { randomBytes } from 'node:crypto';

/** Options of {@link createFakeWechatApi}. */
export interface FakeWechatApiOptions {
  /** The appId it accepts. */
  appId: string;
  /** The appSecret it accepts. */
  appSecret: string;
  /** Seconds a token or ticket lives, as WeChat's `expires_in`. @default 7200 */
  expiresIn?: number;
  /** ms each answer takes. @default 0 */
  latency?: number;
}

/** The calls a {@link FakeWechatApi} has answered, by API. */
export interface FakeWechatApiCalls {
  stableToken: number;
  token: number;
  ticket: number;
}

/** An in-process stand-in for api.weixin.qq.com. */
export interface FakeWechatApi {
  /** Answers one request as WeChat would; mount it anywhere (msw, node:http through toNodeHandler). */
  handle(request: Request): Promise<Response>;
  /** How many calls each API has answered. */
  readonly calls: FakeWechatApiCalls;
  /** Makes the next call to `api` answer `{ errcode, errmsg }` (repeat to queue several). */
  failNext(api: keyof FakeWechatApiCalls, errcode: number, errmsg: string): void;
  /** The jsapi_ticket in force, if any: what a verifier needs. */
  currentTicket(): string | undefined;
  /** Forgets every token and ticket, as after their expiry. */
  reset(): void;
}

interface Issued {
  value: string;
  expiresAt: number;
}

/**
 * A fake of the WeChat API for tests and the demo, following the official docs: `POST
 * /cgi-bin/stable_token` (the same token while it is valid; `force_refresh` makes a new one),
 * `GET /cgi-bin/token` (each call makes a new token; the previous one stays valid for 5 minutes),
 * and `GET /cgi-bin/ticket/getticket` (`type=jsapi`, or the separate `wx_card` ticket). Wrong
 * credentials answer 40013 or 40125, a stale token 40001, all with HTTP 200 as WeChat does.
 * Time follows `Date.now()`.
 */
export function createFakeWechatApi(options: FakeWechatApiOptions): FakeWechatApi {
  const expiresIn = options.expiresIn ?? 7200;
  const latency = options.latency ?? 0;
  const calls: FakeWechatApiCalls = { stableToken: 0, token: 0, ticket: 0 };
  const failures: Record<keyof FakeWechatApiCalls, { errcode: number; errmsg: string }[]> = { stableToken: [], token: [], ticket: [] };
  let stable: Issued | undefined;
  let classic: Issued[] = [];
  const tickets: Record<string, Issued | undefined> = {};

  const live = (issued: Issued | undefined) => (issued && issued.expiresAt > Date.now() ? issued : undefined);
  const issue = (prefix: string, ttl = expiresIn): Issued => ({
    value: `${prefix}_${randomBytes(24).toString('base64url')}`,
    expiresAt: Date.now() + ttl * 1000,
  });
  const json = (body: object) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
  const secondsLeft = (issued: Issued) => Math.round((issued.expiresAt - Date.now()) / 1000);
  const credentials = (appid: unknown, secret: unknown) =>
    appid !== options.appId
      ? json({ errcode: 40013, errmsg: 'invalid appid' })
      : secret !== options.appSecret
        ? json({ errcode: 40125, errmsg: 'invalid appsecret' })
        : undefined;

  async function handle(request: Request): Promise<Response> {
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    const url = new URL(request.url);
    const api: keyof FakeWechatApiCalls | undefined =
      url.pathname === '/cgi-bin/stable_token' ? 'stableToken' : url.pathname === '/cgi-bin/token' ? 'token' : url.pathname === '/cgi-bin/ticket/getticket' ? 'ticket' : undefined;
    if (!api) return json({ errcode: 40066, errmsg: 'invalid url' });
    calls[api]++;
    const failure = failures[api].shift();
    if (failure) return json(failure);

    if (api === 'stableToken') {
      if (request.method !== 'POST') return json({ errcode: 43002, errmsg: 'require POST method' });
      const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
      if (body.grant_type !== 'client_credential') return json({ errcode: 40002, errmsg: 'invalid grant_type' });
      const bad = credentials(body.appid, body.secret);
      if (bad) return bad;
      if (body.force_refresh || !live(stable)) stable = issue('STABLE');
      return json({ access_token: stable!.value, expires_in: secondsLeft(stable!) });
    }
    const query = url.searchParams;
    if (api === 'token') {
      if (query.get('grant_type') !== 'client_credential') return json({ errcode: 40002, errmsg: 'invalid grant_type' });
      const bad = credentials(query.get('appid'), query.get('secret'));
      if (bad) return bad;
      // Each call replaces the token; the previous one keeps working for 5 minutes.
      classic = classic.filter(live).map((t) => ({ ...t, expiresAt: Math.min(t.expiresAt, Date.now() + 300_000) }));
      const token = issue('TOKEN');
      classic.push(token);
      return json({ access_token: token.value, expires_in: expiresIn });
    }
    const token = query.get('access_token');
    const valid = [live(stable), ...classic.map(live)].some((t) => t && t.value === token);
    if (!valid) return json({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    const type = query.get('type');
    if (type !== 'jsapi' && type !== 'wx_card') return json({ errcode: 40097, errmsg: 'invalid args' });
    if (!live(tickets[type])) tickets[type] = issue(type === 'jsapi' ? 'TICKET' : 'CARD');
    return json({ errcode: 0, errmsg: 'ok', ticket: tickets[type]!.value, expires_in: secondsLeft(tickets[type]!) });
  }

  return {
    handle,
    calls,
    failNext(api, errcode, errmsg) {
      failures[api].push({ errcode, errmsg });
    },
    currentTicket: () => live(tickets.jsapi)?.value,
    reset() {
      stable = undefined;
      classic = [];
      tickets.jsapi = tickets.wx_card = undefined;
      calls.stableToken = calls.token = calls.ticket = 0;
    },
  };
}
