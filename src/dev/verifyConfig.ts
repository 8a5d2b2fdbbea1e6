import { jsapiSignature } from '../server/index';
import type { VerifyRequest, VerifyResult } from '../shared/VerifyRequest';

export type { VerifyRequest, VerifyResult };

/** What the verifier knows and the browser must not: the jsapi_ticket. */
export interface VerifierOptions {
  appId: string;
  jsapi_ticket: string;
  /**
   * The JS safe domains of the Official Account (hostnames; a domain also covers its
   * subdomains). Unset: any domain passes.
   */
  jsSafeDomains?: string[];
  /** The URL that a signature was issued for, when known. */
  signedUrlOf?: (signature: string) => string | undefined;
}

/**
 * Checks a `wx.config` as WeChat does: the appId, the JS safe domain, then the signature over
 * `url` (JS-SDK Appendix 5). Used by the simulator's verify endpoint and by tests; never by
 * production signing.
 */
export function verifyConfig(request: VerifyRequest, options: VerifierOptions): VerifyResult {
  const expectedUrl = String(request.url).split('#')[0];
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
    return fail('invalid url domain', `${host} is not a JS safe domain (${domains.join(', ')})`);
  }
  if (request.appId !== options.appId) {
    return fail('invalid signature', `appId ${request.appId} is not ${options.appId}, whose jsapi_ticket checks the signature`);
  }
  const expected = jsapiSignature({
    jsapi_ticket: options.jsapi_ticket,
    noncestr: request.nonceStr,
    timestamp: request.timestamp,
    url: expectedUrl,
  });
  if (expected === request.signature) return { ok: true, expectedUrl };
  return fail('invalid signature', `the signature is not for ${expectedUrl} with this nonceStr, timestamp and jsapi_ticket`);
}
