// The official checklist for a failed wx.config (JS-SDK docs, Appendix 5 "常见错误及解决方法"),
// keyed by the text WeChat puts in errMsg.
const HINTS: Record<string, string> = {
  'invalid signature': 'Sign location.href.split("#")[0] (iOS: the entry URL) with the nonceStr, timestamp and appId of wx.config.',
  'invalid url domain': 'Add this domain to the JS safe domain.',
  'permission denied': 'Needs a verified account and a passing wx.config.',
  'timed out': 'WeixinJSBridge did not answer.',
};

/** The checklist item matching a WeChat `errMsg`, or `undefined`. */
export function hintFor(errMsg: string): string | undefined {
  for (const phrase in HINTS) if (errMsg.indexOf(phrase) >= 0) return HINTS[phrase];
  return undefined;
}

/**
 * For a signing request to another origin that failed at the network level: the browser's error
 * ("Failed to fetch", "Load failed") does not say that CORS blocked it, which is the usual cause.
 */
export const CROSS_ORIGIN_HINT =
  "CORS: add this page's origin to allowedOrigins.";
