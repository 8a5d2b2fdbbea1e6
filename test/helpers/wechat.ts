// Test fixtures: one Official Account (appId, jsapi_ticket, JS safe domain), a msw signing
// endpoint that signs with that ticket, and a page harness that runs the real
// jweixin-1.4.0.js in jsdom with the simulated WeChat client.
import { http, HttpResponse, delay } from 'msw';
import { afterAll, vi } from 'vitest';
import { JWEIXIN } from '../../scripts/jweixin.mjs';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { verifyConfig } from '../../src/dev/verifyConfig';
import { installBridge } from '../../src/simulator/installBridge';
import type { BridgeOptions, Platform, SimulatedBridge } from '../../src/simulator/types';
import { server } from './msw';

export const APP_ID = 'wx1234567890abcdef';
// The official test vector's ticket.
export const TICKET = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
export const ORIGIN = 'https://h5.example.com';
export const ENDPOINT = `${ORIGIN}/api/wechat/signature`;
export const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js';
export const SDK_BACKUP_URL = 'https://res2.wx.qq.com/open/js/jweixin-1.4.0.js';

export { JWEIXIN };

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
 * (`empty`) a file that loads but defines nothing, as a wrong `sdkUrl` would.
 */
export type ScriptRoute = { wait?: number; outcome?: 'load' | 'error' | 'hang' | 'empty' };

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
          if (route.outcome !== 'empty') new Function(JWEIXIN).call(window);
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
  routes?: Record<string, ScriptRoute>;
  bridge?: Partial<BridgeOptions>;
  jsSafeDomains?: string[];
  html?: string;
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
  Reflect.deleteProperty(navigator, 'userAgent');
  document.head.innerHTML = options.html ?? '';
  document.body.innerHTML = '';
  document.title = 'Test page';
  history.replaceState(null, '', options.path ?? '/');
  signed.length = 0;
  scriptRequests.length = 0;
  serveScripts(options.routes ?? { [SDK_URL]: {} });
  let bridge: SimulatedBridge | undefined;
  if (options.platform !== null) {
    bridge = previousBridge = installBridge({
      platform: options.platform ?? 'android',
      entryUrl: location.href,
      verify: (request) =>
        verifyConfig(request, {
          appId: APP_ID,
          jsapi_ticket: TICKET,
          jsSafeDomains: options.jsSafeDomains ?? ['h5.example.com'],
          signedUrlOf: (signature) => issued.get(signature),
        }),
      ...options.bridge,
    });
  }
  if (entry !== SRC) vi.resetModules();
  const sdk = (await import(/* @vite-ignore */ entry)) as T;
  if (entry === SRC) (await import('../../src/lib/pageState')).resetPageState();
  return { sdk, bridge: bridge as SimulatedBridge };
}

export { server, http, HttpResponse, delay };
