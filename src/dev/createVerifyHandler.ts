import { JSON_HEADERS, corsHeaders, type Signer, type WecomSigner } from '../server/index';
import { isLocalClient, remoteRefusal } from './isLocalClient';
import { isProduction } from './isProduction';
import { verifyConfig, type VerifyRequest } from './verifyConfig';

/** The WeCom app whose tickets check WeCom requests (`platform: 'wecom'`) in {@link createVerifyHandler}. */
export interface VerifyWecomOptions {
  /** The corpId, which WeCom requests carry as `appId`. */
  corpId: string;
  /** The app's agentId: `kind: 'agent'` requests must name it. @default undefined: any agentId */
  agentId?: number;
  /** The corp jsapi_ticket itself (a fixed test ticket)… */
  corpTicket?: string;
  /** …and the agent ticket itself, for `kind: 'agent'` requests… */
  agentTicket?: string;
  /** …or the WeCom signer that signs your pages, whose cached tickets are used. A ticket or the signer is required. */
  signer?: Pick<WecomSigner, 'corpTicket' | 'agentTicket'>;
  /**
   * The app's trusted domains (可信域名; hostnames, each covering its subdomains).
   * @default undefined: any domain passes
   */
  trustedDomains?: string[];
}

/** Options of {@link createVerifyHandler}: the appId and one way to the jsapi_ticket, and/or a WeCom app. */
export interface VerifyHandlerOptions {
  /**
   * The appId whose jsapi_ticket checks WeChat signatures. Required unless `wecom` is given (WeCom
   * only: WeChat requests then fail, saying so).
   */
  appId?: string;
  /** The jsapi_ticket itself (for a fixed test ticket)… */
  jsapiTicket?: string;
  /** …or the signer that signs your pages, whose cached ticket is used. One of the two is required. */
  signer?: Pick<Signer, 'getJsapiTicket'>;
  /**
   * The JS safe domains of the Official Account (hostnames; each covers its subdomains).
   * @default undefined: any domain passes
   */
  jsSafeDomains?: string[];
  /**
   * Check WeCom requests (`platform: 'wecom'`, from the simulator's WeCom client) against this
   * app's corp ticket (`kind: 'corp'`, the default) or agent ticket (`kind: 'agent'`).
   * @default undefined: WeCom requests fail, saying that no WeCom app is configured
   */
  wecom?: VerifyWecomOptions;
  /** The URL a signature was issued for, when known: the panel then shows "signed for X". */
  signedUrlOf?: (signature: string) => string | undefined;
  /**
   * Answer clients on other machines too. Without it, a client whose address (the handler's second
   * argument) is not loopback, or that a proxy or tunnel forwarded (`Forwarded`, `X-Forwarded-For`,
   * `X-Real-IP`), gets a plain-text 403 saying how to allow it. A phone on the LAN or a page behind a
   * tunnel needs `true`.
   * @default false
   */
  allowRemote?: boolean;
  /**
   * Origins allowed to call the handler from another origin (CORS), such as
   * `['http://localhost:5173']`, or `['*']`: a page served by one dev server whose verify endpoint is
   * on another. Same-origin pages need nothing.
   * @default undefined: no CORS headers
   */
  allowedOrigins?: string[];
}

/**
 * The client of a request, as the transport knows it. node's `req.socket` fits as it is; Deno gives
 * `info.remoteAddr.hostname`; `toNodeHandler` passes it. Without it (Next.js route handlers) the handler
 * cannot see the connection, so it answers only with `allowRemote: true`.
 */
export interface VerifyClient {
  /** The connection's peer address, such as `127.0.0.1` or `::ffff:192.168.1.5`. */
  remoteAddress?: string;
}

const json = (status: number, body: object, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });

function asVerifyRequest(body: unknown): VerifyRequest | undefined {
  const b = body as Record<string, unknown> | null;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 4096;
  const timestamp = Number(b?.timestamp);
  if (!b || !text(b.url) || !text(b.appId) || !text(b.nonceStr) || !text(b.signature) || !Number.isInteger(timestamp)) return undefined;
  const request: VerifyRequest = { url: b.url as string, appId: b.appId as string, nonceStr: b.nonceStr as string, timestamp, signature: b.signature as string };
  // The WeCom fields: each absent, or one of its values.
  if (b.platform !== undefined) {
    if (b.platform !== 'wechat' && b.platform !== 'wecom') return undefined;
    request.platform = b.platform;
  }
  if (b.kind !== undefined) {
    if (b.kind !== 'corp' && b.kind !== 'agent') return undefined;
    request.kind = b.kind;
  }
  if (b.agentId !== undefined) {
    if (!(Number.isSafeInteger(b.agentId) && (b.agentId as number) > 0)) return undefined;
    request.agentId = b.agentId as number;
  }
  return request;
}

/**
 * The simulator's verify endpoint, as a web-standard handler `(Request, client?) => Promise<Response>`:
 * mount it at `/__wechat-share/verify` (the simulator script's default `data-verify`) in any dev
 * server. It answers `POST { url, appId, nonceStr, timestamp, signature }` with the
 * {@link VerifyResult} of {@link verifyConfig}: the jsapi_ticket stays on the server, as it must.
 * A WeCom client's request adds `platform: 'wecom'`, `kind` (`corp` or `agent`) and, for `agent`,
 * `agentId`; it is checked against the `wecom` app's corp or agent ticket.
 *
 * A development tool: it tells whoever asks whether a signature is valid, so it refuses to exist in
 * production (`NODE_ENV` `production` or `prod`, trimmed, any case) and answers this machine only
 * unless `allowRemote`. Give it the client as its second argument (node: `req.socket`) so that it
 * can see the connection; without one it goes by the forwarding headers alone. Answers 403 (plain
 * text) to a refused client, 204 to a CORS preflight, 405 to other methods than POST, 400
 * `INVALID_REQUEST` to a body that is not a VerifyRequest, 502 `TICKET_UNAVAILABLE` when the signer
 * cannot get a ticket. `createDevMiddleware` mounts it for you.
 *
 * @throws Error when `NODE_ENV` says production; TypeError without `appId` and its ticket source
 *   (unless `wecom` is given), or with a `wecom` lacking `corpId` or a ticket source
 * @example
 * const verify = createVerifyHandler({ appId, signer, jsSafeDomains: ['h5.example.com'] });
 * app.post('/__wechat-share/verify', (req, res) => toNodeHandler((request) => verify(request, req.socket))(req, res));
 */
export function createVerifyHandler(options: VerifyHandlerOptions): (request: Request, client?: VerifyClient) => Promise<Response> {
  if (isProduction()) {
    throw new Error('createVerifyHandler: the simulator\'s verify endpoint is for development only and refuses to run with NODE_ENV=production.');
  }
  const { wecom } = options;
  if (wecom !== undefined) {
    if (typeof wecom?.corpId !== 'string' || !wecom.corpId) throw new TypeError('createVerifyHandler: wecom.corpId is required.');
    if (!wecom.corpTicket && !wecom.signer) throw new TypeError('createVerifyHandler: give wecom.corpTicket or wecom.signer, so that WeCom signatures can be checked.');
  }
  if (wecom === undefined || options.appId !== undefined) {
    if (typeof options.appId !== 'string' || !options.appId) throw new TypeError('createVerifyHandler: appId is required.');
    if (!options.jsapiTicket && !options.signer) throw new TypeError('createVerifyHandler: give jsapiTicket or signer, so that signatures can be checked.');
  }
  return async (request, client) => {
    const origin = request.headers.get('origin');
    const cors = corsHeaders(origin, options.allowedOrigins);
    if (isProduction()) return json(404, { error: { code: 'NOT_FOUND', message: 'Not available in production.' } }, cors);
    // A framework's own second argument (Next.js passes { params }) has no address: the connection is
    // then unknown, and an unknown client is not this machine (only allowRemote lets it in).
    const remoteAddress = typeof client?.remoteAddress === 'string' ? client.remoteAddress : null;
    if (!options.allowRemote && !isLocalClient(remoteAddress, (name) => request.headers.get(name))) {
      return new Response(remoteRefusal('createVerifyHandler', remoteAddress), {
        status: 403,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...cors },
      });
    }
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store', ...corsHeaders(origin, options.allowedOrigins, true) } });
    if (request.method !== 'POST') {
      return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST a JSON VerifyRequest.' } }, { Allow: 'POST, OPTIONS', ...cors });
    }
    const verifyRequest = asVerifyRequest(await request.json().catch(() => undefined));
    if (!verifyRequest) {
      return json(
        400,
        { error: { code: 'INVALID_REQUEST', message: "Send JSON { url, appId, nonceStr, timestamp, signature }, and for WeCom platform: 'wecom', kind: 'corp' or 'agent', agentId." } },
        cors,
      );
    }
    const unconfigured = (reason: string) => json(200, { ok: false, errMsg: 'invalid signature', reason, expectedUrl: verifyRequest.url.split('#')[0] }, cors);
    const unavailable = (what: string) =>
      json(502, { error: { code: 'TICKET_UNAVAILABLE', message: `The signer has no ${what}: see its onError log.` } }, cors);
    if (verifyRequest.platform === 'wecom') {
      if (!wecom) return unconfigured('no WeCom app is configured on this verify endpoint (createVerifyHandler wecom option)');
      const agent = verifyRequest.kind === 'agent';
      let ticket = agent ? wecom.agentTicket : wecom.corpTicket;
      if (!ticket) {
        if (!wecom.signer) return unconfigured(`no ${agent ? 'agent' : 'corp'} jsapi_ticket is configured on this verify endpoint`);
        try {
          ticket = await (agent ? wecom.signer.agentTicket() : wecom.signer.corpTicket());
        } catch {
          return unavailable(agent ? 'agent jsapi_ticket (does it have an agentId?)' : 'corp jsapi_ticket');
        }
      }
      const verdict = verifyConfig(verifyRequest, {
        appId: wecom.corpId,
        jsapi_ticket: ticket,
        agentId: wecom.agentId,
        jsSafeDomains: wecom.trustedDomains,
        signedUrlOf: options.signedUrlOf,
      });
      return json(200, verdict, cors);
    }
    if (options.appId === undefined) return unconfigured('no WeChat Official Account is configured on this verify endpoint (its appId)');
    let jsapi_ticket = options.jsapiTicket;
    if (!jsapi_ticket) {
      try {
        jsapi_ticket = await options.signer!.getJsapiTicket();
      } catch {
        return unavailable('jsapi_ticket');
      }
    }
    return json(200, verifyConfig(verifyRequest, { appId: options.appId, jsapi_ticket, jsSafeDomains: options.jsSafeDomains, signedUrlOf: options.signedUrlOf }), cors);
  };
}
