// The simulator's types. Its wire format with the verifier is the server's (VerifyRequest,
// VerifyResult): types only, no code is shared with the SDK the simulator judges.
import type { VerifyRequest, VerifyResult } from '../dev/verifyConfig';

export type { VerifyRequest, VerifyResult };

/** The client platform, which decides the URL a signature is checked against. */
export type Platform = 'ios' | 'android';

/** Options of {@link installBridge}. */
export interface BridgeOptions {
  /** Which client to be. @default 'android' */
  platform?: Platform;
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
   * and `updateTimelineShareData` and answers them with "function not exist".
   * @default '8.0.50'
   */
  version?: string;
  /**
   * Which URL the client checks signatures against. Users report that iOS checks the entry URL
   * and Android the current one, but not every build may; this simulates the other kind.
   * @default 'entry' on iOS, 'current' on Android
   */
  checks?: 'entry' | 'current';
  /**
   * The page is in a Mini Program's `<web-view>`: `miniProgram` in the user agent,
   * `window.__wxjs_environment = 'miniprogram'` once the bridge is ready (as the official web-view
   * docs describe), and `invokeMiniProgramAPI` answered for `postMessage`, whose messages are kept
   * in {@link BridgeState.miniProgramMessages}.
   * @default false
   */
  miniProgram?: boolean;
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
  appId: string;
  signature: string;
  jsApiList: string[];
  /** The URL the client checked. */
  url: string;
  errMsg?: string;
  result?: VerifyResult;
}

/** What the simulated client knows, for tests and the preview panel. */
export interface BridgeState {
  platform: Platform;
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
}

/** The installed simulator. */
export interface SimulatedBridge {
  readonly state: BridgeState;
  /**
   * Acts as the user tapping share in the "…" menu: runs the page's legacy handler, whose data
   * goes to the client and whose `success` fires. Resolves with the errMsg of the send.
   * @param target - `appmessage` (chat), `timeline` (Moments), `qq`, `weiboApp` or `QZone`
   */
  tapShare(target: 'appmessage' | 'timeline' | 'qq' | 'weiboApp' | 'QZone'): Promise<string>;
  /** Calls `listener` after every change of `state`; returns the function that stops it. */
  subscribe(listener: (state: BridgeState) => void): () => void;
  /** Removes `window.WeixinJSBridge` and the user agent override (and a pending install). */
  uninstall(): void;
}

/** The `window.WeixinJSBridge` that WeChat injects and jweixin talks to. */
export interface WeixinJSBridge {
  invoke(name: string, args: Record<string, unknown>, callback?: (res: { err_msg: string }) => void): void;
  on(event: string, handler: (argv: object) => void): void;
  call(name: string): void;
}

declare global {
  interface Window {
    /** Injected by WeChat (here: by the simulator) for jweixin. */
    WeixinJSBridge?: WeixinJSBridge;
  }
}
