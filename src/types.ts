/**
 * The share card: what a chat or Moments card shows for this page.
 *
 * Every field is optional; {@link setupShare} fills the gaps from the page.
 */
export interface ShareData {
  /**
   * Card title.
   * @default the `content` of `<meta property="og:title">`, else `document.title`
   */
  title?: string;
  /**
   * Card description, shown on chat cards only (Moments cards have no description).
   * @default the `content` of `<meta property="og:description">`, else of `<meta name="description">`, else `''`
   */
  desc?: string;
  /**
   * Where the card leads. Resolved against the page into an absolute URL, which must be http or
   * https (anything else rejects `INVALID_OPTIONS` naming `share.link`). It must be on the
   * JS safe domain of the Official Account (公众号设置 › 功能设置 › JS接口安全域名), or WeChat
   * shows the default card.
   * @default the current page URL without WeChat's share parameters (`from`, `isappinstalled`), hash kept
   */
  link?: string;
  /**
   * Thumbnail. Resolved against the page into an absolute URL, which must be http or https
   * (anything else rejects `INVALID_OPTIONS` naming `share.imgUrl`); use https (users report
   * that http thumbnails are not shown).
   * @default the `content` of `<meta property="og:image">`, else `''`
   */
  imgUrl?: string;
}

export type { SignatureData } from './SignatureData';
import type { SignatureData } from './SignatureData';

/** Options of {@link setupShare} and {@link configure}. All are optional. */
export interface ShareOptions {
  /**
   * Signing endpoint URL, absolute or relative to the page. The SDK sends
   * `GET {endpoint}?url={encodeURIComponent(signUrl)}` (with `&` when the endpoint already has a
   * query) and expects JSON `{ appId, timestamp, nonceStr, signature }`. Also accepted: `appid`,
   * `noncestr`, a numeric-string `timestamp`, and an envelope `{ code, data: { … } }`.
   * With the script tag, `data-endpoint` on the tag sets it.
   * @default none: `endpoint` or `sign` is required whenever a signature is needed, which is always
   *   unless the page embeds its own (`signatureScript()` of wechat-share/server) or is in a Mini Program
   * @example '/api/wechat/signature'
   */
  endpoint?: string;
  /**
   * HTTP method for `endpoint`. `'POST'` sends the same `url=…` as
   * `application/x-www-form-urlencoded`. A GET answered 414 or 431 (the URL too long for the
   * server) rejects `SIGN_REQUEST_FAILED` with a message naming `method: 'POST'`.
   * @default 'GET', or 'POST' when the GET request target (path and query) would pass 8,000
   *   characters, nginx's default limit for a request line (percent-encoding can triple a URL)
   */
  method?: 'GET' | 'POST';
  /**
   * Replaces the signing request entirely (custom auth headers, axios, a GraphQL call…).
   * Called with the URL to sign, unencoded; resolves with any of the shapes `endpoint` may answer.
   * @example sign: (url) => api.post('/wx/sign', { url }).then((r) => r.data)
   */
  sign?: (url: string) => Promise<unknown>;
  /**
   * appId to use when the signing response carries none.
   * @default the response's `appId`
   */
  appId?: string;
  /**
   * Where jweixin is loaded from. With the default, a failure or timeout falls back once to
   * `https://res2.wx.qq.com/open/js/jweixin-1.4.0.js`, the official backup host. A custom URL has
   * no fallback. A `window.wx` or jweixin `<script>` already on the page is reused instead.
   * @default 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js'
   */
  sdkUrl?: string;
  /**
   * Time limit in milliseconds for each jweixin load attempt, for the signing request, and for
   * WeChat to answer `wx.config`.
   * @default 10000
   */
  timeout?: number;
  /**
   * Passed to `wx.config`: jweixin then shows an alert for every result, which is how WeChat
   * reports config errors on a phone. This SDK itself never alerts or logs. Never leave it on in
   * production.
   * @default false
   */
  debug?: boolean;
  /**
   * Extra JS APIs to request in `wx.config`, merged without duplicates after the seven share APIs
   * (which are always listed).
   * @default []
   */
  jsApiList?: string[];
  /**
   * Open tags for `wx.config` (`wx-open-launch-weapp`…), merged without duplicates.
   * Open tags need jweixin 1.6.0: set `sdkUrl` too.
   * @default []
   */
  openTagList?: string[];
  /**
   * When the page URL carries WeChat's second-share parameters (`from=singlemessage|groupmessage|timeline`,
   * `isappinstalled`), replace the location with the URL without them (no history entry) before
   * signing. With `false`, the URL is signed as it is.
   * @default true
   */
  stripShareParams?: boolean;
}

/**
 * How {@link setupShare} resolved.
 * - `ready`: `wx.config` was verified and both new share APIs reported success.
 *   `signedUrl` is the URL WeChat accepted; `jsApiList` what was requested.
 * - `unsupported`: nothing was loaded or requested. `not-wechat`: the user agent has no
 *   `MicroMessenger`; `no-window`: not in a browser (SSR).
 * - `redirecting`: the URL carried second-share parameters; `location.replace(to)` is under way
 *   and the new page should call `setupShare` again.
 * - `miniprogram`: the page is in a Mini Program's `<web-view>`, where the JS-SDK share APIs do
 *   nothing: the card went to the hosting page through `wx.miniProgram.postMessage` (see
 *   `webViewShare` of `wechat-share/miniprogram`). No signing request, no `wx.config`.
 */
export type ShareResult =
  | { status: 'ready'; signedUrl: string; jsApiList: string[] }
  | { status: 'unsupported'; reason: 'not-wechat' | 'no-window' }
  | { status: 'redirecting'; to: string }
  | { status: 'miniprogram' };

/** The result object jweixin hands to `success`, `fail` and `wx.error` callbacks. */
export interface WxResult {
  errMsg: string;
  [key: string]: unknown;
}

/** What `wx.config` takes: the signature's four values, plus what to request. */
export interface WxConfig extends SignatureData {
  /** jweixin alerts every result when true. */
  debug?: boolean;
  /** The JS APIs to be allowed (jweixin rewrites this array in place: pass a copy). */
  jsApiList: string[];
  /** Open tags (jweixin 1.6.0+). */
  openTagList?: string[];
}

/** What the share APIs take: the card and jweixin's callbacks. */
export interface WxShareArgs {
  title: string;
  desc?: string;
  link: string;
  imgUrl: string;
  success?: (res: WxResult) => void;
  fail?: (res: WxResult) => void;
  cancel?: (res: WxResult) => void;
}

/** A share API of `wx`: absent in a jweixin older than the one that introduced it. */
export type WxShareApi = ((args: WxShareArgs) => void) | undefined;

/** The subset of jweixin-1.4.0's `wx` object that this SDK uses. */
export interface Wx {
  config(options: WxConfig): void;
  ready(callback: () => void): void;
  error(callback: (res: WxResult) => void): void;
  /** Chat and QQ card (JSSDK 1.4.0+, WeChat 6.7.2+). Its success means "data set". */
  updateAppMessageShareData?: WxShareApi;
  /** Moments and QZone card (JSSDK 1.4.0+, WeChat 6.7.2+). */
  updateTimelineShareData?: WxShareApi;
  /** Legacy handlers: their success fires when the user shares. */
  onMenuShareTimeline?: WxShareApi;
  onMenuShareAppMessage?: WxShareApi;
  onMenuShareQQ?: WxShareApi;
  onMenuShareWeibo?: WxShareApi;
  onMenuShareQZone?: WxShareApi;
  /** Inside a Mini Program's `<web-view>` (JSSDK 1.3.2+): messages to the hosting page. */
  miniProgram?: {
    /** Delivered to the web-view's `bindmessage` when the user shares, goes back, or the page closes. */
    postMessage(message: { data: unknown }): void;
  };
}

/** The names of the share APIs on {@link Wx}. */
export type WxShareApiName =
  | 'updateAppMessageShareData'
  | 'updateTimelineShareData'
  | 'onMenuShareTimeline'
  | 'onMenuShareAppMessage'
  | 'onMenuShareQQ'
  | 'onMenuShareWeibo'
  | 'onMenuShareQZone';

declare global {
  interface Window {
    /** jweixin's global, set when jweixin-1.x loads outside an AMD/CMD loader. */
    wx?: Wx;
    /** jweixin's other name for the same object. */
    jWeixin?: Wx;
  }
}
