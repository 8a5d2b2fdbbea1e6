import { WechatShareError } from './errors';
import { applyShare, SHARE_APIS } from './lib/applyShare';
import { takeEmbeddedSignature } from './lib/embeddedSignature';
import { listenOpenTagsError } from './lib/listenOpenTagsError';
import { loadJweixin, jweixinUrls } from './lib/loadJweixin';
import { page } from './lib/pageState';
import { readPage } from './lib/readPage';
import { requestSignature } from './lib/requestSignature';
import { resolveShareData } from './lib/resolveShareData';
import { signingUrls } from './lib/signingUrls';
import { stripShareParams } from './lib/stripShareParams';
import type { ShareData, ShareOptions, ShareResult, SignatureData } from './types';

// One signature per signing URL for the page's life; a failed request drops its entry.
function signatureFor(url: string, options: ShareOptions & { timeout: number }): Promise<SignatureData> {
  let signature = page.signatures.get(url);
  if (!signature) {
    signature = requestSignature(url, options);
    page.signatures.set(url, signature);
    signature.catch(() => page.signatures.delete(url));
  }
  return signature;
}

const unique = (list: string[]) => list.filter((item, i) => list.indexOf(item) === i);

// The early start takes no more cards once its run reads its card, or is skipped.
const endEarly = (share: ShareData) => {
  if (page.early?.share === share) page.early = undefined;
};

// One setupShare call, run when the ones before it have settled (page.queue).
async function shareOnce(share: ShareData, options: ShareOptions): Promise<ShareResult> {
  const settings = { ...page.defaults, ...options };
  const timeout = settings.timeout ?? 10000;
  const openTagList = unique(settings.openTagList || []);
  // Open tags need jweixin 1.6.0 (official open-tag doc); 1.4.0 is what this SDK is specified on.
  const version = settings.jweixinVersion || (openTagList.length ? '1.6.0' : '1.4.0');
  // (Another version string loads that file from the official hosts: a wrong one fails to load.)
  if (openTagList.length && version < '1.6') {
    throw new WechatShareError('INVALID_OPTIONS', 'openTagList needs jweixinVersion 1.6.0.');
  }
  const snapshot = readPage();
  if (!snapshot.inWechat) return { status: 'unsupported', reason: 'not-wechat' };
  const clean = stripShareParams(snapshot.href);
  if (settings.stripShareParams !== false && clean !== snapshot.href) {
    // Opened from a shared link: WeChat added from=…&isappinstalled=…. Sign the clean URL on a new
    // page instead; replace() leaves no history entry, and the clean URL cannot trigger this again.
    location.replace(clean);
    return { status: 'redirecting', to: clean };
  }

  // Bad share data fails here, before any request.
  resolveShareData(share, snapshot);
  // A custom sdkUrl is the page's choice: neither its version nor its fallback is second-guessed.
  const wxLoad = settings.sdkUrl ? loadJweixin([settings.sdkUrl], timeout) : loadJweixin(jweixinUrls(version), timeout, !!openTagList.length);
  // The card, read when it is applied: an early start's becomes the first setupShare's if that
  // came meanwhile (preloadShare), so that the page needs one round, not two.
  const card = () => {
    endEarly(share);
    return resolveShareData(share, snapshot);
  };

  if (snapshot.inMiniProgram) {
    // The share menu belongs to the hosting Mini Program page: it gets the card by message.
    const { miniProgram } = await wxLoad;
    if (!miniProgram) throw new WechatShareError('SDK_LOAD_FAILED', 'wx.miniProgram needs jweixin 1.3.2+.');
    miniProgram.postMessage({ data: { type: 'wechat-share', ...card() } });
    return { status: 'miniprogram' };
  }

  takeEmbeddedSignature();
  listenOpenTagsError(settings.onOpenTagsError);
  const jsApiList = unique(SHARE_APIS.concat(settings.jsApiList || []));
  const applyBase = { jsApiList, openTagList, debug: settings.debug, timeout };
  const ready = (signedUrl: string): ShareResult => ({ status: 'ready', signedUrl, jsApiList, openTagList });
  const [likelyUrl, otherUrl] = signingUrls(snapshot, page.checksOtherUrl);

  // A config allows what its lists name: other lists need a new one, even for the same URL.
  const lists = ` ${jsApiList} ${openTagList}`;
  // With open tags, every call configures again (with the signature it holds for the URL): users
  // report that tags a route renders after the config stay blank until the next wx.config.
  if (!openTagList.length && likelyUrl + lists === page.verifiedUrl) {
    // The config in force is for this URL: apply the new card, no new signature or wx.config.
    const wx = await wxLoad;
    const applied = await applyShare({ ...applyBase, share: card(), wx, url: likelyUrl }).then(() => true, () => false);
    if (applied) return ready(likelyUrl);
  }
  page.verifiedUrl = undefined;
  // On `invalid signature`, once more with a fresh signature, for the other candidate URL (entry
  // vs current) when they differ: which one WeChat checks is only reported by users. (An embedded
  // signature WeChat refused is dropped with the rest: the retry asks the endpoint, if any.)
  for (let retry = 0; ; retry++) {
    const url = retry ? otherUrl : likelyUrl;
    // The jweixin load and the signing request run in parallel.
    const [wx, signature] = await Promise.all([wxLoad, signatureFor(url, { ...settings, timeout })]);
    try {
      await applyShare({ ...applyBase, share: card(), wx, url, signature });
      page.verifiedUrl = url + lists;
      if (url !== likelyUrl) page.checksOtherUrl = !page.checksOtherUrl;
      return ready(url);
    } catch (error) {
      page.signatures.delete(likelyUrl);
      page.signatures.delete(otherUrl);
      if (retry || !(settings.endpoint || settings.sign) || !/invalid signature/.test((error as WechatShareError).errMsg || '')) throw error;
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
 * - A signature the server embedded in the page (`signatureScript()` of wechat-share/server) is used
 *   without a request when it is for the URL to sign; refused, it is replaced from the endpoint.
 *   The endpoint is then needed only when a signature is.
 * - In a Mini Program's `<web-view>` it posts the card to the hosting page
 *   (`wx.miniProgram.postMessage`) and resolves `{ status: 'miniprogram' }`: no signing, no config.
 * - It ends auto mode ({@link autoShare}): from then on the card is the one you set.
 * - With open tags (`openTagList`), it loads jweixin 1.6.0 and requests them in the same
 *   `wx.config` as the share APIs; every call configures again (reusing the signature it holds),
 *   so that the tags of a new route are covered.
 * - Calls are run one at a time. A call still waiting when a later one is made does not run (the
 *   later card would replace its card at once): it settles with the outcome of the call that ran,
 *   so a router's burst of calls costs one round.
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
  // The page's own card from now on: auto mode steps aside.
  page.stopAuto?.();
  const early = page.early;
  if (early && share && typeof share === 'object' && !Object.keys(options || 0).length) {
    // The early start has not applied a card yet: it applies this one, in the same round.
    page.early = undefined;
    Object.assign(early.share, share);
    return early.result;
  }
  return enqueue(share, options);
}

/**
 * Runs one share call after those before it (page.queue); every failure a WechatShareError. A
 * call still waiting when a later one is queued does not run: its card would be replaced at once.
 * It settles with the outcome of the call that ran in its place, so a burst costs one round.
 */
export function enqueue(share: ShareData, options: ShareOptions): Promise<ShareResult> {
  if (typeof document === 'undefined') {
    return Promise.resolve({ status: 'unsupported', reason: 'no-window' });
  }
  const call = {} as { result: Promise<ShareResult> };
  page.latest = call;
  const run = page.queue.then(() => {
    if (page.latest === call) return shareOnce(share, options);
    // Superseded. A skipped early start hands over no more: the next setupShare runs on its own.
    endEarly(share);
  });
  page.queue = run.catch(() => undefined);
  // page.latest is read once this call's turn has come: the call queued last by then.
  return (call.result = run.then((result) => result || page.latest!.result).catch((error) => {
    // A failed early start takes no more cards: the next setupShare tries again.
    page.early = undefined;
    // Whatever else went wrong came from the arguments (a share that is not an object, a link
    // that is not a URL…): still a WechatShareError, as promised.
    throw error instanceof WechatShareError ? error : new WechatShareError('INVALID_OPTIONS', `Bad arguments: ${error}`, { cause: error });
  }));
}
