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

export type { SignatureData } from './shared/SignatureData';
import type { SignatureData } from './shared/SignatureData';

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
   * Which jweixin to load from the official hosts: `https://res.wx.qq.com/open/js/jweixin-{version}.js`,
   * falling back once to the same path on `res2.wx.qq.com`, the official backup host. 1.6.0 is
   * needed for open tags (official open-tag doc). With the script tag, `data-jweixin` on the tag
   * sets it. Ignored when `sdkUrl` is set. `'1.4.0'` together with a non-empty `openTagList`
   * rejects `INVALID_OPTIONS` naming both. (Another version string loads that file from the same
   * hosts, unchecked: one that does not exist rejects `SDK_LOAD_FAILED` naming the URLs.)
   *
   * Only one jweixin runs on a page, the first one loaded (jweixin starts only while
   * `window.jWeixin` is free): when open tags are asked for and a jweixin older than 1.6.0 is
   * already running (the page's own, or loaded by an earlier call), setupShare sets the card
   * without them (`openTagList: []` in the result) and tells `onOpenTagsError` why. Load 1.6.0 from
   * the start on a page that shows open tags anywhere.
   * @default '1.6.0' when `openTagList` is not empty, else '1.4.0' (the version this SDK is specified on)
   * @example jweixinVersion: '1.6.0'
   */
  jweixinVersion?: '1.4.0' | '1.6.0';
  /**
   * Where jweixin is loaded from, instead of the official hosts: the page's choice, taken as it is
   * (no fallback, and its version not checked). A jweixin `window.wx` or jweixin `<script>` already
   * on the page is reused instead.
   * @default `https://res.wx.qq.com/open/js/jweixin-{jweixinVersion}.js`, then the same path on `res2.wx.qq.com`
   */
  sdkUrl?: string;
  /**
   * Inside WeCom (企业微信, user agent with `wxwork/`): where Tencent's WeCom JS-SDK (`window.ww`,
   * @wecom/jssdk 2.4.0) is loaded from, taken as it is (no fallback). A `window.ww` already on the
   * page is used instead. Inside WeCom the endpoint is asked with `platform=wecom` (see docs/wecom.md);
   * a `sign` function must then answer the corpId in `appId`, and `agentId` and `agentSignature` for an app.
   * @default `https://wwcdn.weixin.qq.com/node/open/js/wecom-jssdk-2.4.0.js`, then the same file under `/node/wework/wwopen/js/`
   */
  wecomSdkUrl?: string;
  /**
   * Time limit in milliseconds for each jweixin load attempt, for the signing request, and for
   * WeChat to answer `wx.config`.
   * @default 10000
   */
  timeout?: number;
  /**
   * Passed to `wx.config`: jweixin then shows an alert for every result, which is how WeChat
   * reports config errors on a phone. This SDK itself never alerts, and prints only with debug on:
   * auto mode's failures, with `console.warn`, unless autoShare's `onError` takes them (every
   * other failure rejects a promise the page holds). Never leave it on in production.
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
   * Open tags to request in the same `wx.config` as the share APIs (`wx-open-launch-weapp`,
   * `wx-open-launch-app`, `wx-open-subscribe`, `wx-open-audio`), without duplicates. Not empty, it
   * loads jweixin 1.6.0 (see `jweixinVersion`), and every setupShare calls `wx.config` again, with
   * the signature it already holds for the URL (no new signing request), so that the tags a new
   * route renders are covered: the official doc says a URL needs `wx.config` once, but users report
   * that tags rendered after the config stay blank until the next one. The tags need WeChat
   * 7.0.12+ (HarmonyOS WeChat 1.0.3+, whose versions are its own) and a verified Service Account
   * (official open-tag doc). A card is never lost to them: where they cannot be had (those
   * versions not met, a jweixin older than 1.6.0 already running), the config goes without them,
   * the result's `openTagList` is `[]`, and `onOpenTagsError` is told why.
   * @default []
   * @example openTagList: ['wx-open-launch-weapp']
   */
  openTagList?: string[];
  /**
   * Called with `detail.errMsg` of WeChat's `WeixinOpenTagsError` event, which the client fires on
   * `document` after a passing `wx.config` when it cannot show open tags although it meets the
   * version requirements (official open-tag doc; the share APIs still work). Show a plain link
   * instead of the tag there. Called once per event, however many calls listed tags; the handler
   * given last (to setupShare or configure) is the one called. Also called, with a sentence saying
   * why, when setupShare configured without the tags it was asked for: a jweixin older than 1.6.0
   * already running (`Open tags need jweixin 1.6.0; an older one runs here.`), or a client below
   * WeChat 7.0.12 or HarmonyOS WeChat 1.0.3 (`Open tags need WeChat 7.0.12+, not 7.0.9.`). A handler
   * that throws does not fail the call.
   * @default none: the event is not reported
   * @example onOpenTagsError: () => { tag.hidden = true; fallbackLink.hidden = false; }
   */
  onOpenTagsError?: (errMsg: string) => void;
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
 *   `signedUrl` is the URL WeChat accepted; `jsApiList` and `openTagList` what the config in force
 *   requested (`openTagList` empty without open tags). Open tags report their own fate: each tag's
 *   `ready` or `error` event, and {@link ShareOptions.onOpenTagsError}. Inside WeCom, `platform`
 *   is `'wecom'`: the card is on WeCom's 「转发」, 「微信」 and 「朋友圈」 menus (`ww.onMenuShare*`), and
 *   `openTagList` is `[]`.
 * - `unsupported`: nothing was loaded or requested. `not-wechat`: the user agent has no
 *   `MicroMessenger`; `no-window`: not in a browser (SSR).
 * - `redirecting`: the URL carried second-share parameters; `location.replace(to)` is under way
 *   and the new page should call `setupShare` again.
 * - `miniprogram`: the page is in a Mini Program's `<web-view>`, where the JS-SDK share APIs do
 *   nothing: the card went to the hosting page through `wx.miniProgram.postMessage` (see
 *   `webViewShare` of `wechat-share/miniprogram`). No signing request, no `wx.config`.
 */
export type ShareResult =
  | { status: 'ready'; signedUrl: string; jsApiList: string[]; openTagList: string[]; platform?: 'wecom' }
  | { status: 'unsupported'; reason: 'not-wechat' | 'no-window' }
  | { status: 'redirecting'; to: string }
  | { status: 'miniprogram' };

/**
 * The result object jweixin hands to `success`, `fail` and `wx.error` callbacks: the client's
 * answer with `errMsg` added (jweixin passes its other fields on, such as `realAuthUrl`).
 */
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
  /** Open tags (jweixin 1.6.0+, which sends them as `verifyOpenTagList`; 1.4.0 drops them). */
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

/** The subset of jweixin's `wx` object (1.4.0 and 1.6.0) that this SDK uses. */
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
