import { jsapiSignature } from '../server/index';
import type { VerifyRequest, VerifyResult } from '../shared/VerifyRequest';

export type { VerifyRequest, VerifyResult };

/** What the verifier knows and the browser must not: the jsapi_ticket. */
export interface VerifierOptions {
  /** The appId (WeChat) or the corpId (WeCom) whose ticket checks the signature. */
  appId: string;
  /**
   * The ticket that checks the signature: the Official Account's jsapi_ticket; for WeCom the corp
   * jsapi_ticket (`kind: 'corp'`) or the agent's ticket (`kind: 'agent'`).
   */
  jsapi_ticket: string;
  /**
   * WeCom `kind: 'agent'` checks: the agentId whose agent ticket `jsapi_ticket` is; a request
   * naming another agentId fails. @default undefined: the request's agentId is not checked
   */
  agentId?: number;
  /**
   * The JS safe domains of the Official Account, or the WeCom app's trusted domains (可信域名)
   * (hostnames; a domain also covers its subdomains). Unset: any domain passes.
   */
  jsSafeDomains?: string[];
  /** The URL that a signature was issued for, when known. */
  signedUrlOf?: (signature: string) => string | undefined;
}

/**
 * Checks a `wx.config` as WeChat does: the appId, the JS safe domain, then the signature over
 * `url` (JS-SDK Appendix 5). A WeCom request (`platform: 'wecom'`) is checked the same way, with
 * the corpId as `appId` and the corp or agent ticket (`kind`) as `jsapi_ticket`, the agentId too
 * for `kind: 'agent'`: WeCom's signature is WeChat's algorithm with its own tickets (official:
 * developer.work.weixin.qq.com/document/path/96909). Used by the simulator's verify endpoint and by
 * tests; never by production signing.
 */
export function verifyConfig(request: VerifyRequest, options: VerifierOptions): VerifyResult {
  const expectedUrl = String(request.url).split('#')[0];
  const wecom = request.platform === 'wecom';
  const agent = wecom && request.kind === 'agent';
  const fail = (errMsg: string, reason: string): VerifyResult => ({
    ok: false,
    errMsg,
    reason,
    expectedUrl,
    signedUrl: options.signedUrlOf?.(request.signature),
  });
  let host: string;
  try {
    host = new URL(expectedUrl).hostname;
  } catch {
    return fail('invalid url domain', `${expectedUrl} is not a URL`);
  }
  const domains = options.jsSafeDomains;
  if (domains?.length && !domains.some((domain) => host === domain || host.endsWith('.' + domain))) {
    return fail('invalid url domain', `${host} is not a ${wecom ? "trusted domain of the WeCom app (可信域名)" : 'JS safe domain'} (${domains.join(', ')})`);
  }
  const ticketName = agent ? 'agent jsapi_ticket' : wecom ? 'corp jsapi_ticket' : 'jsapi_ticket';
  if (request.appId !== options.appId) {
    return fail('invalid signature', `${wecom ? 'corpId' : 'appId'} ${request.appId} is not ${options.appId}, whose ${ticketName} checks the signature`);
  }
  if (agent && options.agentId !== undefined && request.agentId !== options.agentId) {
    return fail('invalid signature', `agentId ${request.agentId} is not ${options.agentId}, whose agent jsapi_ticket checks the signature`);
  }
  const expected = jsapiSignature({
    jsapi_ticket: options.jsapi_ticket,
    noncestr: request.nonceStr,
    timestamp: request.timestamp,
    url: expectedUrl,
  });
  if (expected === request.signature) return { ok: true, expectedUrl };
  return fail('invalid signature', `the signature is not for ${expectedUrl} with this nonceStr, timestamp and ${ticketName}`);
}
