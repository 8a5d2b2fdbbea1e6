// A simulated WeChat client for jweixin: the page gets a WeChat user agent and a
// window.WeixinJSBridge that verifies wx.config the way the client does (iOS against the entry
// URL, Android against the current one; "offline verifying" while pending) and records what the
// page set up for sharing. Written from the protocol (the official JS-SDK docs and what
// jweixin-1.4.0.js sends), never from the SDK it judges: it imports nothing of it.
import type { BridgeOptions, BridgeState, ConfigRecord, SimulatedBridge, SimulatedCard, VerifyRequest, WeixinJSBridge } from './types';
import { installOpenTags } from './installOpenTags';
import { isAtLeast } from './isAtLeast';
import { watchJweixinScripts } from './watchJweixinScripts';
import { wechatUserAgent, wecomUserAgent } from './wechatUserAgent';

// The invoke each legacy handler makes when the user shares, by its menu event. jweixin lists
// the legacy APIs in verifyJsApiList by these event names, so they are also the permissions.
const SEND_APIS: Record<string, string> = {
  'menu:share:appmessage': 'sendAppMessage',
  'menu:share:timeline': 'shareTimeline',
  'menu:share:qq': 'shareQQ',
  'menu:share:weiboApp': 'shareWeiboApp',
  'menu:share:QZone': 'shareQZone',
  // WeCom only: 「微信」 sends the card to WeChat (@wecom/jssdk 2.4.0's onMenuShareWechat).
  'menu:share:wechat': 'shareWechat',
};

/**
 * Makes this page a simulated WeChat client. Call it before jweixin loads: jweixin reads the user
 * agent once, when it runs. It overrides `navigator.userAgent`, installs `window.WeixinJSBridge`
 * (`invoke`, `on`, `call`) and fires `WeixinJSBridgeReady` on `document`.
 *
 * Verification follows the client: the URL checked is the entry URL on iOS and the current URL
 * on Android; a call made while a `wx.config` is being verified fails with "the permission value
 * is offline verifying"; after a failed config, share calls fail with "permission denied". An
 * `invalid signature` carries `realAuthUrl`, the URL checked, as newer clients' answers do
 * (reported by users; `realAuthUrl: false` plays an older client).
 * `getNetworkType` fails, so jweixin sends no usage report to open.weixin.qq.com.
 */
export function installBridge(options: BridgeOptions): SimulatedBridge {
  const platform = options.platform ?? 'android';
  const latency = options.latency ?? 30;
  const listeners = new Set<(state: BridgeState) => void>();
  const handlers = new Map<string, (argv: object) => void>();
  const wecom = options.client === 'wecom';
  const wecomVersion = options.wecomVersion ?? '4.1.30';
  const state: BridgeState = {
    platform,
    client: wecom ? 'wecom' : 'wechat',
    iframeAdded: false,
    // Like a WebView, the client knows the URL it opened: its own first look at the page (load
    // the simulator first in <head>), never what the page's scripts say.
    entryUrl: (options.entryUrl ?? location.href).split('#')[0],
    configs: [],
    menuHandlers: [],
    sent: [],
    calls: [],
    miniProgram: !!options.miniProgram,
    miniProgramMessages: [],
  };
  // WeCom checks the current URL: @wecom/jssdk signs location.href inside WeCom (its getSignURL).
  const checksEntry = (options.checks ?? (platform === 'ios' && !wecom ? 'entry' : 'current')) === 'entry';
  const harmony = platform === 'harmony';
  // HarmonyOS WeChat counts its own versions from 1.0 (see wechatUserAgent).
  const version = options.version ?? (harmony ? '1.0.3.52' : '8.0.50');
  const reportsRealAuthUrl = options.realAuthUrl !== false;
  // Dotted versions compared numerically: 6.7.2 is where the new share APIs arrived (HarmonyOS
  // WeChat had them from its first version).
  const hasNewApis = harmony || isAtLeast(version, '6.7.2');
  // Reported by users (official community, "鸿蒙系统中页面中的 iframe 会影响微信网页 JS-SDK 签名验证"):
  // on HarmonyOS WeChat, once an <iframe> is in the page, later JS-SDK calls fail with
  // "invalid signature", unlike iOS and Android. Played here from the first iframe on.
  let iframe = false;
  const iframes = new MutationObserver(() => {
    if (!iframe && document.querySelector('iframe')) {
      iframe = state.iframeAdded = true;
      changed();
    }
  });
  if (harmony) iframes.observe(document, { childList: true, subtree: true });
  const changed = () => listeners.forEach((listener) => listener(state));
  // In a web-view the user agent also carries miniProgram (reported by users; the official docs
  // name window.__wxjs_environment, set below).
  const userAgent = wecom ? wecomUserAgent(platform, wecomVersion) : wechatUserAgent(platform, version) + (state.miniProgram ? ' miniProgram' : '');
  Object.defineProperty(navigator, 'userAgent', { get: () => userAgent, configurable: true });
  const openTags = installOpenTags(state, changed, { platform, version, openTagsError: options.openTagsError });
  const unwatchScripts = watchJweixinScripts(state, changed);

  const current = () => state.configs[state.configs.length - 1];
  // The client's reply to one invoke, as raw err_msg: jweixin turns it into `api:ok` and so on.
  const permission = (api: string): string | undefined => {
    const config = current();
    if (!config) return 'fail_permission denied';
    if (config.state === 'pending') return 'fail_the permission value is offline verifying';
    if (iframe) return 'fail_invalid signature';
    if (config.state === 'failed' || config.jsApiList.indexOf(api) < 0) return 'access denied';
    return undefined;
  };
  const card = (args: Record<string, unknown>): SimulatedCard => ({
    title: String(args.title ?? ''),
    desc: args.desc === undefined ? undefined : String(args.desc),
    link: String(args.link ?? ''),
    imgUrl: String(args.imgUrl ?? args.img_url ?? ''),
  });

  // Verifies one config after `latency`; resolves with the client's reply text and extra fields.
  const verified = (record: ConfigRecord, request: VerifyRequest) =>
    new Promise<void>((resolve) => setTimeout(resolve, latency))
      .then(() => options.verify(request))
      .catch((error: unknown) => ({ ok: false, errMsg: 'system error', reason: String(error) }))
      .then((result) => {
        record.result = result;
        record.state = result.ok ? 'ok' : 'failed';
        record.errMsg = result.ok ? 'config:ok' : `config:${result.errMsg}`;
        // Open tags are judged by the config, independently of its jsApiList (official).
        openTags.judge(record);
        // Newer clients tell the page which URL they checked, beside `invalid signature`
        // (`realAuthUrl`: reported by users, not documented); jweixin hands it to wx.error.
        if (reportsRealAuthUrl && !wecom && result.errMsg === 'invalid signature') record.realAuthUrl = record.url;
        changed();
        return { text: result.ok ? 'ok' : `fail_${result.errMsg}`, extra: record.realAuthUrl ? { realAuthUrl: record.url } : undefined };
      });

  // What the client answers: its err_msg text, and for a config the fields it adds to it.
  type Reply = string | Promise<{ text: string; extra?: Record<string, string> }>;
  const answer = (name: string, args: Record<string, unknown>): Reply => {
    if (name === 'preVerifyJSAPI') {
      const record: ConfigRecord = {
        state: 'pending',
        kind: wecom ? 'corp' : undefined,
        appId: String(args.verifyAppId),
        signature: String(args.verifySignature),
        jsApiList: (args.verifyJsApiList as string[]) || [],
        url: checksEntry ? state.entryUrl : location.href.split('#')[0],
        pageUrl: location.href.split('#')[0],
        // jweixin 1.6.0 always sends the field (undefined without openTagList); 1.4.0 never does.
        openTagList: 'verifyOpenTagList' in args ? ((args.verifyOpenTagList as string[] | undefined) ?? []).slice() : undefined,
      };
      state.configs.push(record);
      changed();
      const request = {
        url: record.url,
        appId: record.appId,
        nonceStr: String(args.verifyNonceStr),
        timestamp: Number(args.verifyTimestamp),
        signature: record.signature,
        ...(wecom ? { platform: 'wecom' as const, kind: 'corp' as const } : {}),
      };
      return verified(record, request);
    }
    if (name === 'agentConfig' && wecom) {
      // WeCom below 3.0.24 takes agentConfig only after a passing corp config (official, 94313).
      const corpOk = state.configs.some((config) => config.kind === 'corp' && config.state === 'ok');
      if (!isAtLeast(wecomVersion, '3.0.24') && !corpOk) return 'fail_no permission: wx.config first (WeCom below 3.0.24)';
      const record: ConfigRecord = {
        state: 'pending',
        kind: 'agent',
        agentId: Number(args.agentid),
        appId: String(args.corpid),
        signature: String(args.signature),
        jsApiList: (args.jsApiList as string[]) || [],
        url: location.href.split('#')[0],
        pageUrl: location.href.split('#')[0],
      };
      state.configs.push(record);
      changed();
      return verified(record, {
        url: record.url,
        appId: record.appId,
        nonceStr: String(args.nonceStr),
        timestamp: Number(args.timestamp),
        signature: record.signature,
        platform: 'wecom',
        kind: 'agent',
        agentId: record.agentId,
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
    const send = Object.keys(SEND_APIS).find((event) => SEND_APIS[event] === name && (wecom || name !== 'shareWechat'));
    if (send) {
      const denied = permission(send);
      if (denied) return denied;
      state.sent.push({ api: name, card: card(args) });
      changed();
      return 'ok';
    }
    if (name === 'invokeMiniProgramAPI') {
      if (!state.miniProgram) return 'fail_not in a Mini Program';
      // postMessage is kept for the hosting page; navigation APIs have nowhere to go here.
      if (args.name !== 'postMessage') return 'fail_not supported by the simulator';
      state.miniProgramMessages.push(args.arg);
      changed();
      return 'ok';
    }
    // Fails on purpose: getNetworkType:ok would make jweixin report to open.weixin.qq.com.
    return 'fail_not supported by the simulator';
  };

  const bridge: WeixinJSBridge = {
    // The client decides at once (permissions as they are now) and answers after `latency`.
    invoke(name: string, args: Record<string, unknown>, callback?: (res: { err_msg: string; realAuthUrl?: string }) => void) {
      const reply = answer(name, args || {});
      const deliver = (text: string, extra?: Record<string, string>) => {
        state.calls.push({ name, errMsg: `${name === 'preVerifyJSAPI' ? 'config' : name}:${text}` });
        callback?.({ ...extra, err_msg: `${name}:${text}` });
      };
      if (typeof reply === 'string') setTimeout(() => deliver(reply), latency);
      else reply.then(({ text, extra }) => deliver(text, extra));
    },
    on(event: string, handler: (argv: object) => void) {
      // WeCom refuses a share listener before a verified register (@wecom/jssdk binds them only
      // after its config passed): the menu keeps WeCom's default card.
      if (wecom && event.startsWith('menu:share:') && current()?.state !== 'ok') {
        state.calls.push({ name: `on ${event}`, errMsg: `${event}:fail no verified register` });
        return changed();
      }
      handlers.set(event, handler);
      if (state.menuHandlers.indexOf(event) < 0) state.menuHandlers.push(event);
      changed();
    },
    call(name: string) {
      bridge.invoke(name, {});
    },
  };

  const install = () => {
    if (state.miniProgram) (window as { __wxjs_environment?: string }).__wxjs_environment = 'miniprogram';
    window.WeixinJSBridge = bridge;
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
      iframes.disconnect();
      openTags.uninstall();
      unwatchScripts();
      if (window.WeixinJSBridge === bridge) delete window.WeixinJSBridge;
      if (state.miniProgram) delete (window as { __wxjs_environment?: string }).__wxjs_environment;
      // The own property defined above; the prototype's getter answers again.
      Reflect.deleteProperty(navigator, 'userAgent');
      listeners.clear();
    },
  };
}

