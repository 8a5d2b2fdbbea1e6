// Test fixtures: one Official Account (appId, jsapi_ticket, JS safe domain), a msw signing
// endpoint that signs with that ticket, and a page harness that runs the real jweixin (1.4.0 or
// 1.6.0, see useJweixin) in jsdom with the simulated WeChat client.
import { http, HttpResponse, delay } from 'msw';
import { afterAll, beforeAll, vi } from 'vitest';
import { JWEIXIN, JWEIXIN_SOURCES, JWEIXIN_VERSIONS, jweixinUrl, versionAt, type JweixinVersion } from '../../scripts/jweixin.mjs';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { verifyConfig } from '../../src/dev/verifyConfig';
import { installBridge } from '../../src/simulator/installBridge';
import type { BridgeOptions, Platform, SimulatedBridge, VerifyRequest, WeixinJSBridge } from '../../src/simulator/types';
import { server } from './msw';

export const APP_ID = 'wx1234567890abcdef';
// The official test vector's ticket.
export const TICKET = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
export const ORIGIN = 'https://h5.example.com';
export const ENDPOINT = `${ORIGIN}/api/wechat/signature`;
export const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js';
export const SDK_BACKUP_URL = 'https://res2.wx.qq.com/open/js/jweixin-1.4.0.js';

export { JWEIXIN, JWEIXIN_SOURCES, JWEIXIN_VERSIONS, type JweixinVersion };

// The jweixin the pages of the running describe block load: see useJweixin.
let version: JweixinVersion = '1.4.0';

/**
 * Makes the pages of the enclosing describe block load jweixin `version` (the SDK is configured
 * with `jweixinVersion` for 1.6.0; 1.4.0 is its default) and returns that version's addresses.
 * For suites that run on both: `describe.each(JWEIXIN_VERSIONS)('jweixin %s', (v) => { const
 * urls = useJweixin(v); … })`.
 */
export function useJweixin(v: JweixinVersion) {
  beforeAll(() => void (version = v));
  afterAll(() => void (version = '1.4.0'));
  return { SDK_URL: jweixinUrl(v), SDK_BACKUP_URL: jweixinUrl(v, 'res2') };
}

/** Every URL the signing endpoint was asked to sign, in order. */
export const signed: string[] = [];
const issued = new Map<string, string>();

let nonce = 0;
/** A signature as a correct server makes it. */
export function signatureFor(url: string, ticket = TICKET) {
  const nonceStr = `nonce${++nonce}`;
  const timestamp = 1700000000 + nonce;
  const signature = jsapiSignature({ jsapi_ticket: ticket, noncestr: nonceStr, timestamp, url });
  issued.set(signature, url);
  return { appId: APP_ID, timestamp, nonceStr, signature };
}

/**
 * The page's verdict on a `wx.config`, as the fixtures' Official Account gives it (its appId,
 * jsapi_ticket and JS safe domains): openPage's default `verify`, for a test that wraps it.
 */
export const verifyIssued = (request: VerifyRequest, jsSafeDomains = ['h5.example.com']) =>
  verifyConfig(request, { appId: APP_ID, jsapi_ticket: TICKET, jsSafeDomains, signedUrlOf: (signature) => issued.get(signature) });

/** msw handler: the signing endpoint. `answer` replaces the body; `wait` delays it (ms). */
export function signingEndpoint(options: { answer?: (url: string) => unknown; wait?: number } = {}) {
  return http.get(ENDPOINT, async ({ request }) => {
    const url = new URL(request.url).searchParams.get('url') ?? '';
    signed.push(url);
    if (options.wait) await delay(options.wait);
    return HttpResponse.json((options.answer ?? signatureFor)(url) as object);
  });
}

/**
 * How the fake network serves a jweixin URL: after `wait` ms, the script, an error, nothing, or
 * (`empty`) a file that loads but defines nothing, as a wrong `sdkUrl` would. The script is
 * `version`'s, by default the version in an official address, else the describe block's.
 */
export type ScriptRoute = { wait?: number; outcome?: 'load' | 'error' | 'hang' | 'empty'; version?: JweixinVersion };

/** Script URLs the page asked for, in order. */
export const scriptRequests: string[] = [];
let observer: MutationObserver | undefined;
// Script loads still under way belong to the page that asked for them; a new page cancels them.
const scriptTimers: ReturnType<typeof setTimeout>[] = [];

// jsdom fetches no scripts here; this plays the network for <script src> and runs the real
// jweixin source in the page, then fires load (or error) as a browser would.
function serveScripts(routes: Record<string, ScriptRoute>) {
  observer?.disconnect();
  scriptTimers.splice(0).forEach(clearTimeout);
  observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (!(node instanceof HTMLScriptElement) || !node.src) continue;
        scriptRequests.push(node.src);
        const route = routes[node.src] ?? { outcome: 'error' };
        if (route.outcome === 'hang') continue;
        scriptTimers.push(setTimeout(() => {
          if (route.outcome === 'error') return node.dispatchEvent(new Event('error'));
          if (route.outcome !== 'empty') new Function(JWEIXIN_SOURCES[route.version ?? versionAt(node.src) ?? version]).call(window);
          node.dispatchEvent(new Event('load'));
        }, route.wait ?? 5));
      }
    }
  });
  observer.observe(document, { childList: true, subtree: true });
}

// A script load still pending when a test file ends would run after its jsdom is gone.
afterAll(() => {
  observer?.disconnect();
  scriptTimers.splice(0).forEach(clearTimeout);
});

// jsdom keeps one document for the whole file, while every test stands for a new page. The
// listeners that a page put on document (jweixin's WeixinJSBridgeReady, error and load) are
// removed when the next page opens, as unloading a page would.
const pageListeners: Parameters<Document['addEventListener']>[] = [];
const addEventListener = document.addEventListener;
document.addEventListener = function (this: Document, ...args: Parameters<Document['addEventListener']>) {
  pageListeners.push(args);
  return addEventListener.apply(this, args);
} as Document['addEventListener'];

function unloadPage() {
  for (const [type, listener, options] of pageListeners.splice(0)) document.removeEventListener(type, listener, options);
}

let previousBridge: SimulatedBridge | undefined;

export interface PageOptions {
  /** Path and query the page is entered with. */
  path?: string;
  /** `null`: not WeChat (a desktop browser). */
  platform?: Platform | null;
  /** @default both versions served at their official address on res.wx.qq.com (res2 fails) */
  routes?: Record<string, ScriptRoute>;
  bridge?: Partial<BridgeOptions>;
  jsSafeDomains?: string[];
  html?: string;
  /**
   * The client cannot show open tags: after each passing `wx.config` that requested some, it fires
   * `WeixinOpenTagsError` on `document` with this `errMsg` (official open-tag doc).
   */
  openTagsError?: string;
}

/** What the client received as `verifyOpenTagList`, one entry per `wx.config` (jweixin 1.4.0 sends none). */
export const openTagConfigs: (string[] | undefined)[] = [];

// The simulator verifies jsApiList; what a config asked for in open tags is recorded here, on
// the way in, and the client's WeixinOpenTagsError played here, on the way out.
function tapOpenTags(bridge: WeixinJSBridge, openTagsError?: string): WeixinJSBridge {
  const invoke = bridge.invoke;
  bridge.invoke = (name, args, callback) => {
    if (name !== 'preVerifyJSAPI') return invoke.call(bridge, name, args, callback);
    const tags = args.verifyOpenTagList as string[] | undefined;
    openTagConfigs.push(tags && [...tags]);
    invoke.call(bridge, name, args, (res) => {
      // jweixin rewrites res (err_msg becomes errMsg): read it first.
      const passed = /:ok$/.test(res.err_msg);
      callback?.(res);
      if (openTagsError && tags?.length && passed) {
        document.dispatchEvent(new CustomEvent('WeixinOpenTagsError', { detail: { errMsg: openTagsError } }));
      }
    });
  };
  return bridge;
}

const SRC = '../../src/index';

/**
 * A fresh page: DOM, URL, jweixin and the SDK's page state all new. Returns the SDK for this page
 * (from src/, whose state `resetPageState()` renews, or `entry` such as the built ESM bundle,
 * imported anew) and the simulated client.
 */
export async function openPage<T = typeof import('../../src/index')>(options: PageOptions = {}, entry = SRC) {
  unloadPage();
  previousBridge?.uninstall();
  const w = window as unknown as Record<string, unknown>;
  delete w.wx;
  delete w.jWeixin;
  delete w.WeixinJSBridge;
  delete w.wechatShareBoot;
  Reflect.deleteProperty(navigator, 'userAgent');
  document.head.innerHTML = options.html ?? '';
  document.body.innerHTML = '';
  document.title = 'Test page';
  history.replaceState(null, '', options.path ?? '/');
  signed.length = 0;
  scriptRequests.length = 0;
  openTagConfigs.length = 0;
  // Both versions are on the official host, as they are on res.wx.qq.com.
  serveScripts(options.routes ?? Object.fromEntries(JWEIXIN_VERSIONS.map((v) => [jweixinUrl(v), {}])));
  let installed: WeixinJSBridge | undefined;
  Object.defineProperty(window, 'WeixinJSBridge', {
    configurable: true,
    get: () => installed,
    set: (value?: WeixinJSBridge) => void (installed = value && tapOpenTags(value, options.openTagsError)),
  });
  let bridge: SimulatedBridge | undefined;
  if (options.platform !== null) {
    bridge = previousBridge = installBridge({
      platform: options.platform ?? 'android',
      entryUrl: location.href,
      verify: (request) => verifyIssued(request, options.jsSafeDomains),
      ...options.bridge,
    });
  }
  if (entry !== SRC) vi.resetModules();
  const sdk = (await import(/* @vite-ignore */ entry)) as T;
  if (entry === SRC) (await import('../../src/lib/pageState')).resetPageState();
  if (version !== '1.4.0') (sdk as { configure: (options: object) => void }).configure({ jweixinVersion: version });
  return { sdk, bridge: bridge as SimulatedBridge };
}

export { server, http, HttpResponse, delay };
