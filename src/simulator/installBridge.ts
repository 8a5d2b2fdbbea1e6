// A simulated WeChat client for jweixin: the page gets a WeChat user agent and a
// window.WeixinJSBridge that verifies wx.config the way the client does (iOS against the entry
// URL, Android against the current one; "offline verifying" while pending) and records what the
// page set up for sharing. See shared/wechat-facts.md, "How jweixin-1.4.0.js behaves".

// The entry URL as the SDK finds it, and the verifier's wire format as the server defines it:
// one definition each for both ends.
import { entryUrl } from '../lib/signingUrls';
import type { VerifyRequest, VerifyResult } from '../server/verifyConfig';

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
  /** The URL the page was entered with. @default the navigation entry's URL, else `location.href` when this module loaded */
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

// The invoke each legacy handler makes when the user shares, by its menu event. jweixin lists
// the legacy APIs in verifyJsApiList by these event names, so they are also the permissions.
const SEND_APIS: Record<string, string> = {
  'menu:share:appmessage': 'sendAppMessage',
  'menu:share:timeline': 'shareTimeline',
  'menu:share:qq': 'shareQQ',
  'menu:share:weiboApp': 'shareWeiboApp',
  'menu:share:QZone': 'shareQZone',
};

/** A WeChat user agent for `platform`, as jweixin and this SDK parse it. */
export function wechatUserAgent(platform: Platform, version = '8.0.50'): string {
  return platform === 'ios'
    ? `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/${version}(0x18003237) NetType/WIFI Language/zh_CN`
    : `Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 XWEB/1260117 MMWEBSDK/20240801 MicroMessenger/${version}.2700(0x28003252) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64`;
}

// a >= b for dotted version numbers.
function newer(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
  }
  return true;
}

/**
 * Makes this page a simulated WeChat client. Call it before jweixin loads: jweixin reads the user
 * agent once, when it runs. It overrides `navigator.userAgent`, installs `window.WeixinJSBridge`
 * (`invoke`, `on`, `call`) and fires `WeixinJSBridgeReady` on `document`.
 *
 * Verification follows the client: the URL checked is the entry URL on iOS and the current URL
 * on Android; a call made while a `wx.config` is being verified fails with "the permission value
 * is offline verifying"; after a failed config, share calls fail with "permission denied".
 * `getNetworkType` fails, so jweixin sends no usage report to open.weixin.qq.com.
 */
export function installBridge(options: BridgeOptions): SimulatedBridge {
  const platform = options.platform ?? 'android';
  const latency = options.latency ?? 30;
  const listeners = new Set<(state: BridgeState) => void>();
  const handlers = new Map<string, (argv: object) => void>();
  const state: BridgeState = {
    platform,
    entryUrl: (options.entryUrl ?? entryUrl()).split('#')[0],
    configs: [],
    menuHandlers: [],
    sent: [],
    calls: [],
  };
  const checksEntry = (options.checks ?? (platform === 'ios' ? 'entry' : 'current')) === 'entry';
  const version = options.version ?? '8.0.50';
  // Dotted versions compared numerically: 6.7.2 is where the new share APIs arrived.
  const hasNewApis = newer(version, '6.7.2');
  const changed = () => listeners.forEach((listener) => listener(state));
  const userAgent = wechatUserAgent(platform, version);
  Object.defineProperty(navigator, 'userAgent', { get: () => userAgent, configurable: true });

  const current = () => state.configs[state.configs.length - 1];
  // The client's reply to one invoke, as raw err_msg: jweixin turns it into `api:ok` and so on.
  const permission = (api: string): string | undefined => {
    const config = current();
    if (!config) return 'fail_permission denied';
    if (config.state === 'pending') return 'fail_the permission value is offline verifying';
    if (config.state === 'failed' || config.jsApiList.indexOf(api) < 0) return 'access denied';
    return undefined;
  };
  const card = (args: Record<string, unknown>): SimulatedCard => ({
    title: String(args.title ?? ''),
    desc: args.desc === undefined ? undefined : String(args.desc),
    link: String(args.link ?? ''),
    imgUrl: String(args.imgUrl ?? args.img_url ?? ''),
  });

  const answer = (name: string, args: Record<string, unknown>): Promise<string> | string => {
    if (name === 'preVerifyJSAPI') {
      const record: ConfigRecord = {
        state: 'pending',
        appId: String(args.verifyAppId),
        signature: String(args.verifySignature),
        jsApiList: (args.verifyJsApiList as string[]) || [],
        url: checksEntry ? state.entryUrl : location.href.split('#')[0],
      };
      state.configs.push(record);
      changed();
      const request = {
        url: record.url,
        appId: record.appId,
        nonceStr: String(args.verifyNonceStr),
        timestamp: String(args.verifyTimestamp),
        signature: record.signature,
      };
      return new Promise<void>((resolve) => setTimeout(resolve, latency))
        .then(() => options.verify(request))
        .catch((error: unknown) => ({ ok: false, errMsg: 'system error', reason: String(error) }))
        .then((result) => {
          record.result = result;
          record.state = result.ok ? 'ok' : 'failed';
          record.errMsg = result.ok ? 'config:ok' : `config:${result.errMsg}`;
          changed();
          return result.ok ? 'ok' : `fail_${result.errMsg}`;
        });
    }
    if (name === 'updateAppMessageShareData' || name === 'updateTimelineShareData') {
      if (!hasNewApis) return 'fail_function_not_exist';
      const denied = permission(name);
      if (denied) return denied;
      state[name === 'updateAppMessageShareData' ? 'appMessage' : 'timeline'] = card(args);
      changed();
      return 'ok';
    }
    const send = Object.keys(SEND_APIS).find((event) => SEND_APIS[event] === name);
    if (send) {
      const denied = permission(send);
      if (denied) return denied;
      state.sent.push({ api: name, card: card(args) });
      changed();
      return 'ok';
    }
    // Fails on purpose: getNetworkType:ok would make jweixin report to open.weixin.qq.com.
    return 'fail_not supported by the simulator';
  };

  const bridge = {
    // The client decides at once (permissions as they are now) and answers after `latency`.
    invoke(name: string, args: Record<string, unknown>, callback?: (res: object) => void) {
      const reply = answer(name, args || {});
      const deliver = (text: string) => {
        state.calls.push({ name, errMsg: `${name === 'preVerifyJSAPI' ? 'config' : name}:${text}` });
        callback?.({ err_msg: `${name}:${text}` });
      };
      if (typeof reply === 'string') setTimeout(() => deliver(reply), latency);
      else reply.then(deliver);
    },
    on(event: string, handler: (argv: object) => void) {
      handlers.set(event, handler);
      if (state.menuHandlers.indexOf(event) < 0) state.menuHandlers.push(event);
      changed();
    },
    call(name: string) {
      bridge.invoke(name, {});
    },
  };

  const install = () => {
    (window as unknown as { WeixinJSBridge: typeof bridge }).WeixinJSBridge = bridge;
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  };
  const timer = options.readyAfter === false ? undefined : setTimeout(install, options.readyAfter ?? 0);

  return {
    state,
    tapShare(target) {
      const event = `menu:share:${target}`;
      const handler = handlers.get(event);
      if (!handler) return Promise.resolve(`${event}:fail no handler registered`);
      const before = state.calls.length;
      handler({});
      // The handler invokes the send API; its answer arrives after `latency`.
      return new Promise((resolve) => {
        let tries = 0;
        const check = () => {
          const reply = state.calls.slice(before).find((call) => call.name === SEND_APIS[event]);
          if (reply || ++tries > 100) resolve(reply ? reply.errMsg : `${event}:fail the page's handler sent nothing`);
          else setTimeout(check, latency);
        };
        setTimeout(check, latency);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uninstall() {
      clearTimeout(timer);
      const w = window as unknown as { WeixinJSBridge?: unknown };
      if (w.WeixinJSBridge === bridge) delete w.WeixinJSBridge;
      delete (navigator as unknown as { userAgent?: string }).userAgent;
      listeners.clear();
    },
  };
}

/**
 * A `verify` for {@link installBridge} that asks the demo server's dev-only endpoint
 * (`POST {endpoint}` with JSON {@link VerifyRequest}), which holds the jsapi_ticket.
 * @param endpoint - @default '/__wechat-share/verify'
 */
export function verifyWithEndpoint(endpoint = '/__wechat-share/verify'): BridgeOptions['verify'] {
  return async (request) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.ok) throw new Error(`verify endpoint answered HTTP ${response.status}`);
    return (await response.json()) as VerifyResult;
  };
}
