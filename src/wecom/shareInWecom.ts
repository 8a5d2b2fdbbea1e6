// setupShare inside WeCom (企业微信): Tencent's WeCom JS-SDK (`window.ww`, @wecom/jssdk) instead of
// jweixin, the endpoint asked with platform=wecom, and the card on WeCom's three share menus.
// What ww asks of the client and when (read in @wecom/jssdk 2.4.0's dist/wecom.global.js):
// `ww.register` stores the options and starts the config; the corp config (`preVerifyJSAPI`,
// getConfigSignature) or, with getAgentConfigSignature, the agent config (`agentConfig`; on WeCom
// below 3.0.24 after the corp config) is for the current URL (`location.href` without `#`), and is
// made again when that URL changed; `ww.ensureConfigReady()` settles with it; `onMenuShare*` bind
// their menu event once the config passed.
import { WechatShareError } from '../errors';
import { bootHandover, loadFirst } from '../lib/loadJweixin';
import { page } from '../lib/pageState';
import type { PageSnapshot } from '../lib/readPage';
import { cachedSignature } from '../lib/requestSignature';
import { withTimeout } from '../shared/withTimeout';
import type { ShareData, ShareOptions, ShareResult, SignatureData } from '../types';

/** The part of `window.ww` (@wecom/jssdk 2.x) this SDK uses. */
interface Ww {
  register(options: Record<string, unknown>): void;
  ensureConfigReady(): Promise<unknown>;
  onMenuShareAppMessage(card: object): void;
  onMenuShareWechat(card: object): void;
  onMenuShareTimeline(card: object): void;
}

declare global {
  interface Window {
    /** Tencent's WeCom JS-SDK (@wecom/jssdk's global build). */
    ww?: Ww;
  }
}

/**
 * WeCom's three share menus (@wecom/jssdk 2.4.0 types): 「转发」 to a WeCom chat, 「微信」 to WeChat
 * (WeCom only) and 「朋友圈」 (official: developer.work.weixin.qq.com/document/path/90506).
 */
export const WECOM_SHARE_APIS = ['onMenuShareAppMessage', 'onMenuShareWechat', 'onMenuShareTimeline'];

/**
 * Where @wecom/jssdk 2.4.0 is served: the host of the official "开始使用" page, then the backup
 * path public projects use (see docs/wecom.md).
 */
export const WECOM_SDK_URLS = ['open/js', 'wework/wwopen/js'].map((path) => `https://wwcdn.weixin.qq.com/node/${path}/wecom-jssdk-2.4.0.js`);

/** A WeCom signing answer: the corp signature, and the agent's when the endpoint signs for an app. */
type WecomSignature = SignatureData & { agentId?: number; agentSignature?: { timestamp: number; nonceStr: string; signature: string } };

const globalWw = () => (typeof window.ww?.register == 'function' ? window.ww : undefined);

// The one ww of the page: an existing one is reused; else each URL in turn, each within `timeout` ms.
export function loadWw(urls: string[], timeout: number): Promise<Ww> {
  return (page.wwLoading ||= (async () => {
    // The boot snippet's ww, if it started one: waited for, not loaded twice (its time counts).
    const early = bootHandover().ww;
    if (early) await withTimeout(early, timeout).catch(() => undefined);
    // The snippet's script for a URL, still there, had its time in the wait above (one time limit,
    // not two, as for jweixin); a failed one was removed by the snippet.
    const failures = await loadFirst(urls, timeout, globalWw, (url) => !!early && !!document.querySelector(`script[src="${url}"]`));
    const ww = globalWw();
    if (!ww) throw new WechatShareError('SDK_LOAD_FAILED', `Could not load the WeCom JS-SDK: ${failures.join('; ') || 'no window.ww'}`);
    return ww;
  })().catch((error) => {
    page.wwLoading = undefined;
    throw error;
  })) as Promise<Ww>;
}

// One request per URL for the page's life (a failed one is dropped), asked with platform=wecom,
// with the latest call's options.
function wecomSignature(url: string): Promise<WecomSignature> {
  const options = page.wecomOptions!;
  const { endpoint } = options;
  // On the endpoint's own URL: a GET adds url=…, a POST sends it in the body, and the server reads platform from either.
  const wecom = endpoint && endpoint + (endpoint.indexOf('?') < 0 ? '?' : '&') + 'platform=wecom';
  return cachedSignature('wecom ' + url, url, { ...options, endpoint: wecom });
}

// What WeCom's errMsg means (see docs/wecom.md).
const hint = (errMsg: string) =>
  /signature/.test(errMsg)
    ? "Sign location.href.split('#')[0] with the corp jsapi_ticket (agentConfig: the app's agent ticket)."
    : /domain/.test(errMsg)
      ? "Add this domain to the app's trusted domain (可信域名)."
      : undefined;

/**
 * setupShare's run inside WeCom (the user agent has `wxwork/`; `card` reads the card when it is
 * applied, as setupShare's own run does): loads ww (`wecomSdkUrl`, else
 * {@link WECOM_SDK_URLS}; an existing `window.ww` is used), registers once per page with the
 * corpId (and agentId) the endpoint answers, configures for the current URL (again after a route
 * changed it) and applies the card to {@link WECOM_SHARE_APIS}. Resolves
 * `{ status: 'ready', platform: 'wecom', signedUrl, jsApiList, openTagList: [] }`; rejects with
 * `SDK_LOAD_FAILED`, `SIGN_REQUEST_FAILED`, `SIGN_RESPONSE_INVALID` or `CONFIG_FAILED` (WeCom's
 * errMsg and a hint).
 */
export async function shareInWecom(card: () => Required<ShareData>, options: ShareOptions & { timeout: number }, snapshot: PageSnapshot): Promise<ShareResult> {
  page.wecomOptions = options;
  const { timeout } = options;
  const url = snapshot.currentUrl;
  const [ww, first] = await Promise.all([loadWw(options.wecomSdkUrl ? [options.wecomSdkUrl] : WECOM_SDK_URLS, timeout), wecomSignature(url)]);
  const { appId: corpId, agentId } = first;
  if (agentId !== undefined && !first.agentSignature) {
    throw new WechatShareError('SIGN_RESPONSE_INVALID', `agentId ${agentId} without agentSignature`);
  }
  const app = `${corpId} ${agentId}`;
  if (page.wecomApp !== app) {
    page.wecomApp = app;
    ww.register({
      corpId,
      agentId,
      jsApiList: WECOM_SHARE_APIS,
      getConfigSignature: wecomSignature,
      getAgentConfigSignature: agentId === undefined ? undefined : (signed: string) => wecomSignature(signed).then((data) => data.agentSignature),
    });
  }
  try {
    await withTimeout(ww.ensureConfigReady(), timeout);
  } catch (error) {
    const errMsg = String((error as { errMsg?: string }).errMsg || (error as Error).message || error);
    // Asked anew by the next call; ww, too, makes a failed config again.
    page.signatures.delete('wecom ' + url);
    throw new WechatShareError('CONFIG_FAILED', `WeCom config for ${url}: ${errMsg}`, { errMsg, hint: hint(errMsg), cause: error });
  }
  // The card as it is now (an early start's takes the page's setupShare card: see setupShare).
  // Each menu gets its own copy (ww adds its callbacks); 朋友圈 ignores desc.
  const data = card();
  for (const api of WECOM_SHARE_APIS) ww[api as 'onMenuShareWechat']({ ...data });
  return { status: 'ready', platform: 'wecom', signedUrl: url, jsApiList: WECOM_SHARE_APIS, openTagList: [] };
}
