import { WechatShareError } from '../errors';
import type { ShareData, SignatureData, Wx, WxResult, WxShareApiName } from '../types';
import { hintFor } from './hintFor';
import { page } from './pageState';
import { timedOut } from '../shared/withTimeout';

// The two share APIs of JSSDK 1.4.0+ (WeChat 6.7.2+). Their success means "data set".
const NEW_APIS: WxShareApiName[] = ['updateAppMessageShareData', 'updateTimelineShareData'];
// Still needed on some Android builds, where users report the new APIs alone have no effect.
const LEGACY_APIS: WxShareApiName[] = ['onMenuShareTimeline', 'onMenuShareAppMessage', 'onMenuShareQQ', 'onMenuShareWeibo', 'onMenuShareQZone'];

/** The seven share APIs, always in `jsApiList`. */
export const SHARE_APIS: string[] = NEW_APIS.concat(LEGACY_APIS);

/** What one `wx.config` (or, without `signature`, a reuse of the last one) needs. */
export interface ApplyRequest {
  wx: Wx;
  share: Required<ShareData>;
  /** URL the signature is for; named in errors. */
  url: string;
  /** A new signature to `wx.config` with; omitted to reuse the config in force. */
  signature?: SignatureData;
  jsApiList: string[];
  openTagList: string[];
  debug?: boolean;
  /** ms to wait for WeChat's verdict. */
  timeout: number;
}

/**
 * Calls `wx.config` (when a signature is given) and applies the share data to all seven APIs.
 * Resolves once both new APIs report success (with `[undefined, undefined]`: callers only await it).
 *
 * jweixin-1.4.0 runs `wx.ready` callbacks immediately after any config but the first, before
 * WeChat has verified it, and calls made meanwhile fail with "the permission value is offline
 * verifying" (official Appendix 5). So the outcome is taken from `wx.error` and from the share calls
 * themselves, which are retried while verification is pending.
 * Rejects with `CONFIG_FAILED` (wx.error, permission refused, no verdict within `timeout`) or
 * `SHARE_API_FAILED`.
 */
export function applyShare(request: ApplyRequest): Promise<unknown> {
  const { wx, share, url, signature, timeout } = request;
  // jweixin keeps a single wx.error callback, and calls it at once with stale data when an earlier
  // config failed before any callback was set. So one listener is registered per wx, and it
  // forwards to the attempt under way (page.queue runs one at a time, so there is only one). It is
  // registered before that attempt sets page.configErrorListener, so the stale call finds none.
  if (page.hookedWx !== wx) {
    page.hookedWx = wx;
    wx.error((res) => page.configErrorListener?.(res));
  }
  // Set once the outcome is known: no more attempts, and the timer and listener are cleared.
  let settled = false;
  let timer: ReturnType<typeof setTimeout>;
  return new Promise<unknown>((resolve, reject) => {
    // Only the first outcome counts: a promise settles once.
    const configFailed = (errMsg?: string, realAuthUrl?: string) =>
      reject(
        new WechatShareError('CONFIG_FAILED', `wx.config failed for ${url}: ${errMsg || timedOut(timeout)}`, {
          errMsg,
          hint: hintFor(errMsg || 'timed out'),
          realAuthUrl,
        }),
      );
    timer = setTimeout(configFailed, timeout);
    // Newer clients add the URL they checked, as a string (reported by users, not documented);
    // jweixin passes the client's fields on to wx.error untouched.
    page.configErrorListener = (res) => configFailed(res.errMsg, res.realAuthUrl as string | undefined);

    const attempt = (delay: number): void => {
      // jweixin picks the fields each API takes: updateTimelineShareData has no desc.
      const calls = NEW_APIS.map(
        (name) =>
          new Promise<void>((resolve, reject) => {
            // A jweixin older than 1.4.0 has no such function: the TypeError rejects this promise.
            wx[name]!({ ...share, success: () => resolve(), fail: reject, cancel: reject });
          }),
      );
      Promise.all(calls).then(resolve, (res: unknown) => {
        // jweixin's fail result, or the TypeError of a missing API.
        const errMsg = String((res as WxResult).errMsg ?? res);
        if (/offline verifying/.test(errMsg)) {
          setTimeout(() => settled || attempt(Math.min(delay * 2, 400)), delay);
        } else if (/permission denied/.test(errMsg)) {
          configFailed(errMsg);
        } else {
          reject(new WechatShareError('SHARE_API_FAILED', `Share API failed: ${errMsg}`, { errMsg, hint: 'Needs WeChat 6.7.2+, jweixin 1.4.0+.' }));
        }
      });
    };

    if (signature) {
      // Copies: jweixin rewrites jsApiList in place (legacy names become menu:share:* events).
      wx.config({ ...signature, debug: request.debug, jsApiList: request.jsApiList.slice(), openTagList: request.openTagList.slice() });
    }
    wx.ready(() => {
      if (settled) return;
      for (const name of LEGACY_APIS) wx[name]?.({ ...share });
      attempt(50);
    });
  }).finally(() => {
    settled = true;
    clearTimeout(timer);
    page.configErrorListener = undefined;
  });
}
