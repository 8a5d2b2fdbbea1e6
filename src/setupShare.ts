import { defaults } from './configure';
import { WechatShareError } from './errors';
import { applyShare, SHARE_APIS } from './lib/applyShare';
import { loadJweixin, DEFAULT_SDK_URLS } from './lib/loadJweixin';
import { requestSignature } from './lib/requestSignature';
import { stripShareParams } from './lib/shareParams';
import { signingUrls } from './lib/signingUrls';
import type { ShareData, ShareOptions, ShareResult, SignatureData } from './types';

// Signatures for the page's life, per signing URL. A failure drops its entry.
const signatures = new Map<string, Promise<SignatureData>>();
// The URL whose wx.config WeChat verified last: the same URL needs no new config.
let verifiedUrl: string | undefined;
// Set once the other candidate URL turned out to be the one this client verifies.
let flip = false;
// setupShare calls run one after another: two wx.config in flight would answer each other.
let queue: Promise<unknown> = Promise.resolve();

function signatureFor(url: string, options: ShareOptions & { timeout: number }): Promise<SignatureData> {
  let signature = signatures.get(url);
  if (!signature) {
    signature = requestSignature(url, options);
    signatures.set(url, signature);
    signature.catch(() => signatures.delete(url));
  }
  return signature;
}

const unique = (list: string[]) => list.filter((item, i) => list.indexOf(item) === i);

function resolveShareData(share: ShareData): Required<ShareData> {
  const meta = (selector: string) => document.querySelector<HTMLMetaElement>(selector)?.content;
  const absolute = (url: string | undefined) => (url ? new URL(url, location.href).href : '');
  return {
    title: share.title ?? document.title,
    desc: share.desc ?? meta('meta[name="description"]') ?? '',
    link: absolute(share.link) || stripShareParams(location.href),
    imgUrl: absolute(share.imgUrl ?? meta('meta[property="og:image"]')),
  };
}

async function run(share: ShareData, options: ShareOptions): Promise<ShareResult> {
  const o = { ...defaults, ...options };
  const timeout = o.timeout ?? 10000;
  if (!/micromessenger/i.test(navigator.userAgent)) {
    return { status: 'unsupported', reason: 'not-wechat' };
  }
  const href = location.href;
  const clean = stripShareParams(href);
  if (o.stripShareParams !== false && clean !== href) {
    // Opened from a shared link: WeChat added from=…&isappinstalled=…. Sign the clean URL on a new
    // page instead; replace() leaves no history entry, and the clean URL cannot trigger this again.
    location.replace(clean);
    return { status: 'redirecting', to: clean };
  }
  const data = resolveShareData(share);
  const jsApiList = unique(SHARE_APIS.concat(o.jsApiList || []));
  const openTagList = unique(o.openTagList || []);
  const signOptions = { ...o, timeout };
  const [url, otherUrl] = signingUrls(flip);
  const wxLoad = loadJweixin(o.sdkUrl ? [o.sdkUrl] : DEFAULT_SDK_URLS, timeout);
  const base = { share: data, jsApiList, openTagList, debug: o.debug, timeout };
  const ready = (signedUrl: string): ShareResult => ({ status: 'ready', signedUrl, jsApiList });

  if (url === verifiedUrl) {
    // The config in force is for this URL: apply the new data, no new signature or wx.config.
    const applied = await applyShare({ ...base, wx: await wxLoad, url }).then(() => true, () => false);
    if (applied) return ready(url);
  }
  verifiedUrl = undefined;
  // On `invalid signature`, once more with a fresh signature, for the other candidate URL (entry
  // vs current) when they differ: which one WeChat checks is only reported by users.
  for (let retry = false; ; retry = true) {
    const candidate = retry ? otherUrl : url;
    // The jweixin load and the signing request run in parallel.
    const [wx, signature] = await Promise.all([wxLoad, signatureFor(candidate, signOptions)]);
    try {
      await applyShare({ ...base, wx, url: candidate, signature });
      verifiedUrl = candidate;
      if (candidate !== url) flip = !flip;
      return ready(candidate);
    } catch (error) {
      signatures.delete(url);
      signatures.delete(otherUrl);
      if (retry || !/invalid signature/.test((error as WechatShareError).errMsg || '')) throw error;
    }
  }
}

/**
 * Makes WeChat show your own share card for this page: loads jweixin, gets a signature for the
 * page URL from your signing endpoint, calls `wx.config` with every share API, and applies the
 * share data to all of them. Call it again after an SPA route change: it applies the new data and
 * signs again only when the URL to sign changed.
 *
 * - Outside WeChat it resolves `{ status: 'unsupported', reason: 'not-wechat' }` at once,
 *   without loading or requesting anything (`'no-window'` under SSR).
 * - Opened from a shared link, it removes WeChat's `from`/`isappinstalled` with
 *   `location.replace()` and resolves `{ status: 'redirecting', to }`.
 * - After an `invalid signature` it retries once with a fresh signature, for the other candidate
 *   URL (the entry URL vs the current one) when they differ: at most two signing requests.
 *
 * Never throws synchronously, never calls alert (unless `debug`, through jweixin), and settles
 * within a few multiples of `timeout`.
 *
 * @param share - the card; see {@link ShareData} for the defaults taken from the page
 * @param options - see {@link ShareOptions}; merged over {@link configure}'s defaults
 * @returns resolves with a {@link ShareResult}; rejects with a {@link WechatShareError} whose `code`
 *   is `INVALID_OPTIONS`, `SDK_LOAD_FAILED`, `SIGN_REQUEST_FAILED`, `SIGN_RESPONSE_INVALID`,
 *   `CONFIG_FAILED` or `SHARE_API_FAILED`
 * @example
 * await setupShare(
 *   { title: 'Spring sale', desc: 'Up to 50% off', imgUrl: '/img/card.jpg' },
 *   { endpoint: '/api/wechat/signature' },
 * );
 */
export function setupShare(share: ShareData = {}, options: ShareOptions = {}): Promise<ShareResult> {
  if (typeof document === 'undefined') {
    return Promise.resolve({ status: 'unsupported', reason: 'no-window' });
  }
  const result = queue.then(() => run(share, options)).catch((error) => {
    // Whatever else went wrong came from the arguments (a share that is not an object, a link
    // that is not a URL…): still a WechatShareError, as promised.
    throw error instanceof WechatShareError ? error : new WechatShareError('INVALID_OPTIONS', `Bad setupShare arguments: ${error}`, { cause: error });
  });
  queue = result.catch(() => undefined);
  return result;
}
