// The simulator's types. Its wire format with the verifier is the server's (VerifyRequest,
// VerifyResult): types only, no code is shared with the SDK the simulator judges.
import type { VerifyRequest, VerifyResult } from '../shared/VerifyRequest';

export type { VerifyRequest, VerifyResult };

/**
 * The client platform, which decides the URL a signature is checked against: `harmony` is WeChat
 * on HarmonyOS NEXT (its own user agent and version numbers; see {@link BridgeOptions.platform}).
 */
export type Platform = 'ios' | 'android' | 'harmony';

/** Options of {@link installBridge}. */
export interface BridgeOptions {
  /**
   * Which client to be. `harmony` plays WeChat on HarmonyOS NEXT: its user agent (`OpenHarmony`,
   * `MicroMessenger/1.0.3.52`), open tags from its version 1.0.3 (official), the new share APIs at
   * every version, and, as users report, later JS-SDK calls answered "invalid signature" once an
   * `<iframe>` is in the page. Which URL it checks after a pushState is not reported: it checks
   * the current one, as Android does (`checks` changes it).
   * @default 'android'
   */
  platform?: Platform;
  /**
   * Which app to be: `wechat`, or `wecom`, WeCom (企业微信) on `platform`'s OS: a `wxwork/` user
   * agent, the current URL checked (as @wecom/jssdk 2.4.0 signs it inside WeCom: `getSignURL`),
   * `agentConfig` verified against the agent ticket (before WeCom 3.0.24 only after a passing
   * corp config), and the 「微信」 menu (`menu:share:wechat` → `shareWechat`). What it implements is
   * what @wecom/jssdk 2.4.0's `dist/wecom.global.js` asks of the client: `WeixinJSBridge.invoke`
   * (`preVerifyJSAPI`, `agentConfig`, `sendAppMessage`, `shareWechat`, `shareTimeline`),
   * `WeixinJSBridge.on` (`menu:share:*`) and the `WeixinJSBridgeReady` event.
   * @default 'wechat'
   */
  client?: 'wechat' | 'wecom';
  /** WeCom's version in the user agent (`client: 'wecom'`). @default '4.1.30' */
  wecomVersion?: string;
  /**
   * Checks a signature. It needs the jsapi_ticket, which must never reach a browser: in a page,
   * use {@link verifyWithEndpoint}; in Node tests, the server's `verifyConfig`.
   */
  verify: (request: VerifyRequest) => VerifyResult | Promise<VerifyResult>;
  /** ms the client takes to answer a `wx.config` or a call. @default 30 */
  latency?: number;
  /** ms until `WeixinJSBridgeReady` fires; `false` never installs the bridge. @default 0 */
  readyAfter?: number | false;
  /** The URL the page was entered with. @default `location.href` when installBridge runs (load the simulator first in `<head>`) */
  entryUrl?: string;
  /**
   * WeChat version in the user agent. Below 6.7.2 the client has no `updateAppMessageShareData`
   * and `updateTimelineShareData` and answers them with "function not exist" (not on HarmonyOS,
   * whose WeChat versions start at 1.0).
   * @default '8.0.50'; '1.0.3.52' on `harmony`
   */
  version?: string;
  /**
   * Which URL the client checks signatures against. Users report that iOS checks the entry URL
   * and Android the current one, but not every build may; this simulates the other kind.
   * @default 'entry' on iOS, 'current' on Android
   */
  checks?: 'entry' | 'current';
  /**
   * With `invalid signature`, the client's answer to `wx.config` carries `realAuthUrl`: the URL it
   * checked (the entry URL on iOS), which jweixin passes on to `wx.error`. Newer clients do so
   * (reported by users, e.g. juejin.cn/post/7595437351462699023 and the official community's
   * "realAuthUrl和location.href不一致"; not in the official docs, which say neither the field nor
   * from which version). `false` plays an older client, whose answer has only the errMsg.
   * @default true
   */
  realAuthUrl?: boolean;
  /**
   * The page is in a Mini Program's `<web-view>`: `miniProgram` in the user agent,
   * `window.__wxjs_environment = 'miniprogram'` once the bridge is ready (as the official web-view
   * docs describe), and `invokeMiniProgramAPI` answered for `postMessage`, whose messages are kept
   * in {@link BridgeState.miniProgramMessages}.
   * @default false
   */
  miniProgram?: boolean;
  /**
   * Plays a client that meets the open tags' version requirements yet cannot use them: after
   * every passing `wx.config` that lists open tags, `WeixinOpenTagsError` fires on `document` with
   * this `detail.errMsg`, and the tags stay blank (official open-tag doc: "对于符合微信或系统最低版本
   * 要求但仍无法使用微信开放标签的场景", for example an Android System WebView too old for Web
   * Components). The other known case needs no option: iOS with a WeChat from 7.0.12 up to (not
   * including) 8.0.8 fires it too (official, iOS 15 WebKit change).
   * @default undefined: open tags work on any WeChat from 7.0.12
   */
  openTagsError?: string;
}

/** The four open tags of WeChat's official open-tag doc (附录: 所有开放标签列表). */
export type OpenTagName = 'wx-open-launch-weapp' | 'wx-open-launch-app' | 'wx-open-subscribe' | 'wx-open-audio';

/**
 * One open tag on the page as the simulated client judged it:
 * - `waiting`: no `wx.config` has judged it yet; blank.
 * - `ready`: listed by the `openTagList` of the config in force (the most recent passing one);
 *   its template is shown and `ready` fired.
 * - `error`: not covered (its name missing from that `openTagList`, a failed config, or rendered
 *   after the config in force and not yet re-configured); blank, and `error` fired with
 *   `detail.errMsg` = {@link OpenTagRecord.reason} (a simulator signal, see the README).
 * - `unusable`: the client cannot use open tags (below WeChat 7.0.12, or `WeixinOpenTagsError`);
 *   blank, no event on the tag.
 */
export interface OpenTagRecord {
  /** The tag's name. */
  name: OpenTagName;
  /** The tag in the page. */
  element: HTMLElement;
  /** Where the tag stands (see above). */
  state: 'waiting' | 'ready' | 'error' | 'unusable';
  /** Why it is not ready, in words a developer can act on. */
  reason?: string;
}

/** What a click on a ready open tag would have done. */
export interface OpenTagLaunch {
  /** The tag that was tapped. */
  name: OpenTagName;
  /** The `detail` of the event fired on the tag (`launch`, or `success` for wx-open-subscribe). */
  detail: Record<string, string>;
  /** The panel's line, e.g. "would open Mini Program `gh_abc` at `pages/index.html`". */
  text: string;
}

/** A jweixin `<script src>` the page inserted, as the client saw it load. */
export interface JweixinScript {
  /** The script's URL, absolute. */
  src: string;
  /** `loading` until its `load` or `error` event (a hanging request stays `loading`). */
  state: 'loading' | 'loaded' | 'failed';
}

/** One share card as the client holds it. */
export interface SimulatedCard {
  title: string;
  desc?: string;
  link: string;
  imgUrl: string;
}

/** One `wx.config` as the simulated client saw it. */
export interface ConfigRecord {
  state: 'pending' | 'ok' | 'failed';
  /** WeCom: `corp` (`preVerifyJSAPI`, the corp jsapi_ticket) or `agent` (`agentConfig`, the agent ticket). */
  kind?: 'corp' | 'agent';
  /** WeCom `agent` configs: the agentId the page registered. */
  agentId?: number;
  appId: string;
  signature: string;
  jsApiList: string[];
  /** The URL the client checked. */
  url: string;
  /**
   * The page's URL (without `#hash`) when the config was made. Open-tag permission is bound to it:
   * after a route changes the URL, the tags need a new `wx.config` (official open-tag doc, SPA note).
   */
  pageUrl?: string;
  errMsg?: string;
  /** The `realAuthUrl` the client told the page with an `invalid signature` (see {@link BridgeOptions.realAuthUrl}). */
  realAuthUrl?: string;
  result?: VerifyResult;
  /**
   * The `openTagList` the page asked for (jweixin 1.6.0's `verifyOpenTagList`); `undefined` when
   * the jweixin that sent the config has no open tags (1.4.0 sends no such field).
   */
  openTagList?: string[];
  /** Names in `openTagList` that are not one of the four open tags: never granted (see README). */
  unknownOpenTags?: string[];
}

/** What the simulated client knows, for tests and the preview panel. */
export interface BridgeState {
  platform: Platform;
  /** `wechat`, or `wecom` (see {@link BridgeOptions.client}). */
  client: 'wechat' | 'wecom';
  /** On `harmony`: an `<iframe>` has been in the page, so JS-SDK calls now fail (reported by users). */
  iframeAdded: boolean;
  entryUrl: string;
  /** Every `wx.config`, oldest first. */
  configs: ConfigRecord[];
  /** What `updateAppMessageShareData` set (chat and QQ). */
  appMessage?: SimulatedCard;
  /** What `updateTimelineShareData` set (Moments and QZone). */
  timeline?: SimulatedCard;
  /** Menu events a legacy `onMenuShare*` handler is registered for (`menu:share:appmessage`…). */
  menuHandlers: string[];
  /** What the user "sent" through the legacy handlers (`sendAppMessage`, `shareTimeline`…). */
  sent: { api: string; card: SimulatedCard }[];
  /** Every invoke, with the errMsg it was answered with. */
  calls: { name: string; errMsg: string }[];
  /** In a Mini Program's `<web-view>` (see {@link BridgeOptions.miniProgram}). */
  miniProgram: boolean;
  /**
   * The `data` of every `wx.miniProgram.postMessage`, oldest first: what the hosting page's
   * `bindmessage` receives as `e.detail.data` when the user shares (official web-view docs).
   */
  miniProgramMessages: unknown[];
  /** The open tags on the page (connected elements), in the order they appeared. */
  openTags?: OpenTagRecord[];
  /** The `detail.errMsg` of each `WeixinOpenTagsError` fired on `document`, oldest first. */
  openTagsErrors?: string[];
  /** What clicks on ready open tags would have done, oldest first. */
  openTagLaunches?: OpenTagLaunch[];
  /** The jweixin scripts the page inserted (`src` containing `jweixin`), oldest first. */
  jweixinScripts?: JweixinScript[];
}

/** The installed simulator. */
export interface SimulatedBridge {
  readonly state: BridgeState;
  /**
   * Acts as the user tapping share in the "…" menu: runs the page's legacy handler, whose data
   * goes to the client and whose `success` fires. Resolves with the errMsg of the send.
   * @param target - `appmessage` (chat; WeCom's 「转发」), `timeline` (Moments), `qq`, `weiboApp`,
   *   `QZone`, or `wechat` (WeCom's 「微信」, to WeChat)
   */
  tapShare(target: 'appmessage' | 'timeline' | 'qq' | 'weiboApp' | 'QZone' | 'wechat'): Promise<string>;
  /** Calls `listener` after every change of `state`; returns the function that stops it. */
  subscribe(listener: (state: BridgeState) => void): () => void;
  /** Removes `window.WeixinJSBridge` and the user agent override (and a pending install). */
  uninstall(): void;
}

/** The `window.WeixinJSBridge` that WeChat injects and jweixin talks to. */
export interface WeixinJSBridge {
  invoke(name: string, args: Record<string, unknown>, callback?: (res: { err_msg: string; realAuthUrl?: string }) => void): void;
  on(event: string, handler: (argv: object) => void): void;
  call(name: string): void;
}

declare global {
  interface Window {
    /** Injected by WeChat (here: by the simulator) for jweixin. */
    WeixinJSBridge?: WeixinJSBridge;
  }
}
