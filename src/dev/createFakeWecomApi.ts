import { randomBytes } from 'node:crypto';

/** Options of {@link createFakeWecomApi}. */
export interface FakeWecomApiOptions {
  /** The corpId it accepts (`ww…`). */
  corpId: string;
  /** The corp's apps: each agentId with its own secret (each app has its own secret and token). */
  apps: readonly { agentId: number; secret: string }[];
  /** Seconds a token or ticket lives, as WeCom's `expires_in`. @default 7200 */
  expiresIn?: number;
  /** ms each answer takes. @default 0 */
  latency?: number;
}

/** The calls a {@link FakeWecomApi} has answered, by API. */
export interface FakeWecomApiCalls {
  /** `GET /cgi-bin/gettoken`. */
  gettoken: number;
  /** `GET /cgi-bin/get_jsapi_ticket` (the corp jsapi_ticket). */
  corpTicket: number;
  /** `GET /cgi-bin/ticket/get?type=agent_config` (an app's agent jsapi_ticket). */
  agentTicket: number;
}

/** An in-process stand-in for qyapi.weixin.qq.com, for tests and the demo. */
export interface FakeWecomApi {
  /** Answers one request as WeCom would; mount it anywhere (msw, node:http through toNodeHandler). */
  handle(request: Request): Promise<Response>;
  /** How many calls each API has answered (those `failNext` failed included). */
  readonly calls: FakeWecomApiCalls;
  /** Makes the next call to `api` answer `{ errcode, errmsg }` (repeat to queue several). */
  failNext(api: keyof FakeWecomApiCalls, errcode: number, errmsg: string): void;
  /** The corp jsapi_ticket in force, if any: what a verifier checks `getConfigSignature` with. */
  currentCorpTicket(): string | undefined;
  /** The agent ticket of `agentId` in force, if any: what a verifier checks `getAgentConfigSignature` with. */
  currentAgentTicket(agentId: number): string | undefined;
  /**
   * Drops every access_token before its time, as WeCom may ("企业微信可能会出于运营需要，提前使
   * access_token失效", official 91039): calls with them answer 40014, and gettoken issues new ones.
   */
  revokeAccessTokens(): void;
  /** Forgets every token and ticket, as after their expiry, and zeroes `calls` and the hourly counts. */
  reset(): void;
}

interface Issued {
  value: string;
  expiresAt: number;
}

/** Ticket calls WeCom allows in an hour per corp (both tickets) and per app (each ticket), official 96909. */
const CORP_TICKETS_PER_HOUR = 400;
const APP_TICKETS_PER_HOUR = 100;
const HOUR = 3_600_000;

/**
 * A fake of the WeCom server API for tests and the demo, following the official docs:
 * - `GET /cgi-bin/gettoken?corpid&corpsecret`: the app's token, the same one while it is valid
 *   (91039 in its earlier wording: "有效期内重复获取返回相同结果"); a wrong corpid answers 40013, a
 *   secret of no app 40001 (WeCom's "不合法的secret参数");
 * - `GET /cgi-bin/get_jsapi_ticket?access_token`: the corp jsapi_ticket, one per corp, with any app's token;
 * - `GET /cgi-bin/ticket/get?access_token&type=agent_config`: the agent ticket of the token's app.
 * A token never issued answers 40014, an expired one 42001, a missing one 41001; past 400 ticket
 * calls an hour per corp or 100 per app (per ticket kind) 45009 (96909). All with HTTP 200, as
 * WeCom does. Time follows `Date.now()`.
 * @throws TypeError when `corpId` is missing or `apps` is empty or holds a bad agentId or secret
 */
export function createFakeWecomApi(options: FakeWecomApiOptions): FakeWecomApi {
  if (typeof options.corpId !== 'string' || !options.corpId) throw new TypeError('createFakeWecomApi: corpId is required.');
  if (!Array.isArray(options.apps) || !options.apps.length) throw new TypeError('createFakeWecomApi: apps must list at least one { agentId, secret }.');
  for (const app of options.apps) {
    if (!(Number.isSafeInteger(app?.agentId) && app.agentId > 0) || typeof app.secret !== 'string' || !app.secret) {
      throw new TypeError('createFakeWecomApi: each app needs a positive integer agentId and a non-empty secret.');
    }
  }
  const expiresIn = options.expiresIn ?? 7200;
  const latency = options.latency ?? 0;
  const calls: FakeWecomApiCalls = { gettoken: 0, corpTicket: 0, agentTicket: 0 };
  const failures: Record<keyof FakeWecomApiCalls, { errcode: number; errmsg: string }[]> = { gettoken: [], corpTicket: [], agentTicket: [] };
  const tokens = new Map<number, Issued>();
  // Every token issued, with its app: a revoked or expired one is told apart from one never issued.
  const issuedTokens = new Map<string, { agentId: number; expiresAt: number; revoked: boolean }>();
  let corpTicket: Issued | undefined;
  const agentTickets = new Map<number, Issued>();
  // Times of ticket calls in the last hour: the corp's, and each app's per ticket kind.
  let corpCalls: number[] = [];
  const appCalls = new Map<string, number[]>();

  const live = (issued: Issued | undefined) => (issued && issued.expiresAt > Date.now() ? issued : undefined);
  const issue = (prefix: string): Issued => ({ value: `${prefix}_${randomBytes(24).toString('base64url')}`, expiresAt: Date.now() + expiresIn * 1000 });
  const json = (body: object) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
  const secondsLeft = (issued: Issued) => Math.round((issued.expiresAt - Date.now()) / 1000);
  const recent = (times: number[]) => times.filter((at) => at > Date.now() - HOUR);

  // The hourly ticket limits: true when this call is over one of them (and then not counted).
  function overLimit(kind: 'corpTicket' | 'agentTicket', agentId: number): boolean {
    corpCalls = recent(corpCalls);
    const key = `${kind}:${agentId}`;
    const app = recent(appCalls.get(key) ?? []);
    if (corpCalls.length >= CORP_TICKETS_PER_HOUR || app.length >= APP_TICKETS_PER_HOUR) return true;
    corpCalls.push(Date.now());
    app.push(Date.now());
    appCalls.set(key, app);
    return false;
  }

  async function handle(request: Request): Promise<Response> {
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    const url = new URL(request.url);
    const api: keyof FakeWecomApiCalls | undefined =
      url.pathname === '/cgi-bin/gettoken' ? 'gettoken' : url.pathname === '/cgi-bin/get_jsapi_ticket' ? 'corpTicket' : url.pathname === '/cgi-bin/ticket/get' ? 'agentTicket' : undefined;
    if (!api) return json({ errcode: 40066, errmsg: 'invalid url' });
    calls[api]++;
    const failure = failures[api].shift();
    if (failure) return json(failure);
    const query = url.searchParams;

    if (api === 'gettoken') {
      if (query.get('corpid') !== options.corpId) return json({ errcode: 40013, errmsg: 'invalid corpid' });
      const app = options.apps.find((a) => a.secret === query.get('corpsecret'));
      if (!app) return json({ errcode: 40001, errmsg: 'invalid credential' });
      let token = live(tokens.get(app.agentId));
      if (!token || issuedTokens.get(token.value)?.revoked) {
        token = issue('WWTOKEN');
        tokens.set(app.agentId, token);
        issuedTokens.set(token.value, { agentId: app.agentId, expiresAt: token.expiresAt, revoked: false });
      }
      return json({ errcode: 0, errmsg: 'ok', access_token: token.value, expires_in: secondsLeft(token) });
    }
    const accessToken = query.get('access_token');
    if (!accessToken) return json({ errcode: 41001, errmsg: 'access_token missing' });
    const owner = issuedTokens.get(accessToken);
    if (!owner || owner.revoked) return json({ errcode: 40014, errmsg: 'invalid access_token' });
    if (owner.expiresAt <= Date.now()) return json({ errcode: 42001, errmsg: 'access_token expired' });
    if (api === 'agentTicket' && query.get('type') !== 'agent_config') return json({ errcode: 40097, errmsg: 'invalid args' });
    if (overLimit(api, owner.agentId)) return json({ errcode: 45009, errmsg: 'api freq out of limit' });
    if (api === 'corpTicket') {
      corpTicket = live(corpTicket) ?? issue('WWCORPTICKET');
      return json({ errcode: 0, errmsg: 'ok', ticket: corpTicket.value, expires_in: secondsLeft(corpTicket) });
    }
    const ticket = live(agentTickets.get(owner.agentId)) ?? issue(`WWAGENTTICKET${owner.agentId}`);
    agentTickets.set(owner.agentId, ticket);
    return json({ errcode: 0, errmsg: 'ok', ticket: ticket.value, expires_in: secondsLeft(ticket) });
  }

  return {
    handle,
    calls,
    failNext(api, errcode, errmsg) {
      failures[api].push({ errcode, errmsg });
    },
    currentCorpTicket: () => live(corpTicket)?.value,
    currentAgentTicket: (agentId) => live(agentTickets.get(agentId))?.value,
    revokeAccessTokens() {
      for (const token of issuedTokens.values()) token.revoked = true;
    },
    reset() {
      tokens.clear();
      issuedTokens.clear();
      agentTickets.clear();
      corpTicket = undefined;
      corpCalls = [];
      appCalls.clear();
      calls.gettoken = calls.corpTicket = calls.agentTicket = 0;
      for (const queue of Object.values(failures)) queue.length = 0;
    },
  };
}
