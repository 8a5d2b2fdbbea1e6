import type { Signer } from '../server/createSigner';
import { verifyConfig, type VerifyRequest } from './verifyConfig';

/** Options of {@link createVerifyHandler}: the appId and one way to the jsapi_ticket. */
export interface VerifyHandlerOptions {
  /** The appId whose jsapi_ticket checks the signatures. */
  appId: string;
  /** The jsapi_ticket itself (for a fixed test ticket)… */
  jsapiTicket?: string;
  /** …or the signer that signs your pages, whose cached ticket is used. One of the two is required. */
  signer?: Pick<Signer, 'getJsapiTicket'>;
  /**
   * The JS safe domains of the Official Account (hostnames; each covers its subdomains).
   * @default undefined: any domain passes
   */
  jsSafeDomains?: string[];
  /** The URL a signature was issued for, when known: the panel then shows "signed for X". */
  signedUrlOf?: (signature: string) => string | undefined;
}

/** `NODE_ENV` is `production`: the dev tools (this handler, createDevMiddleware) refuse to run. */
export const isProduction = (): boolean => typeof process !== 'undefined' && process.env?.NODE_ENV === 'production';
const json = (status: number, body: object) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } });

function asVerifyRequest(body: unknown): VerifyRequest | undefined {
  const b = body as Record<string, unknown> | null;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 4096;
  const timestamp = Number(b?.timestamp);
  if (!b || !text(b.url) || !text(b.appId) || !text(b.nonceStr) || !text(b.signature) || !Number.isInteger(timestamp)) return undefined;
  return { url: b.url as string, appId: b.appId as string, nonceStr: b.nonceStr as string, timestamp, signature: b.signature as string };
}

/**
 * The simulator's verify endpoint, as a web-standard handler `(Request) => Promise<Response>`:
 * mount it at `/__wechat-share/verify` (the simulator script's default `data-verify`) in any dev
 * server, through {@link toNodeHandler} for Express and node:http. It answers
 * `POST { url, appId, nonceStr, timestamp, signature }` with the {@link VerifyResult} of
 * {@link verifyConfig}: the jsapi_ticket stays on the server, as it must.
 *
 * A development tool: it tells anyone whether a signature is valid, so it refuses to exist in
 * production. Answers 405 to other methods, 400 `INVALID_REQUEST` to a body that is not a
 * VerifyRequest, 502 `TICKET_UNAVAILABLE` when the signer cannot get a ticket.
 *
 * @throws Error when `NODE_ENV` is `production`; TypeError without `appId` or a ticket source
 * @example
 * app.use(express.static('public'));
 * app.all('/__wechat-share/verify', toNodeHandler(createVerifyHandler({ appId, signer, jsSafeDomains: ['h5.example.com'] })));
 */
export function createVerifyHandler(options: VerifyHandlerOptions): (request: Request) => Promise<Response> {
  if (isProduction()) {
    throw new Error('createVerifyHandler: the simulator\'s verify endpoint is for development only and refuses to run with NODE_ENV=production.');
  }
  if (typeof options.appId !== 'string' || !options.appId) throw new TypeError('createVerifyHandler: appId is required.');
  if (!options.jsapiTicket && !options.signer) throw new TypeError('createVerifyHandler: give jsapiTicket or signer, so that signatures can be checked.');
  return async (request) => {
    if (isProduction()) return json(404, { error: { code: 'NOT_FOUND', message: 'Not available in production.' } });
    if (request.method !== 'POST') return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST a JSON VerifyRequest.' } });
    const verifyRequest = asVerifyRequest(await request.json().catch(() => undefined));
    if (!verifyRequest) {
      return json(400, { error: { code: 'INVALID_REQUEST', message: 'Send JSON { url, appId, nonceStr, timestamp, signature }.' } });
    }
    let jsapi_ticket = options.jsapiTicket;
    if (!jsapi_ticket) {
      try {
        jsapi_ticket = await options.signer!.getJsapiTicket();
      } catch {
        return json(502, { error: { code: 'TICKET_UNAVAILABLE', message: 'The signer has no jsapi_ticket: see its onError log.' } });
      }
    }
    return json(200, verifyConfig(verifyRequest, { appId: options.appId, jsapi_ticket, jsSafeDomains: options.jsSafeDomains, signedUrlOf: options.signedUrlOf }));
  };
}
