import { WechatShareError } from './errors';
import { applyShare, SHARE_APIS } from './lib/applyShare';
import { takeEmbeddedSignature } from './lib/embeddedSignature';
import { listenOpenTagsError } from './lib/listenOpenTagsError';
import { loadJweixin, jweixinUrls } from './lib/loadJweixin';
import { OLD_JWEIXIN, openTagsMissing } from './lib/openTagsMissing';
import { page } from './lib/pageState';
import { readPage } from './lib/readPage';
import { cachedSignature } from './lib/requestSignature';
import { resolveShareData } from './lib/resolveShareData';
import { signingUrls } from './lib/signingUrls';
import { stripShareParams } from './lib/stripShareParams';
import { shareInWecom } from './wecom/shareInWecom';
import type { ShareData, ShareOptions, ShareResult, SignatureData, Wx } from './types';

// How one setupShare call runs, state by state (what holds for the whole page is stated once, in
// lib/pageState.ts):
// - QUEUED (enqueue): waits for the calls before it. A call superseded by a later one before its
//   turn does not run: it settles with the outcome of the call that ran in its place.
// - READ: options merged, the page read once (readPage). Ends UNSUPPORTED (not WeChat),
//   REDIRECTING (second-share parameters) or POSTED (a Mini Program's web-view).
// - REUSING: the config in force already allows this URL and these lists (configKey): the card is
//   applied with no signing request and no wx.config. If that fails, CONFIGURING.
// - CONFIGURING url: jweixin and the signature for url in parallel, then wx.config and the card.
//   Ends READY (the config in force is configKey(url)) or REFUSED.
// - REFUSED: only `invalid signature`, with an endpoint or `sign` to ask again, is retried, once:
//   CONFIGURING the URL the client said it checked (realAuthUrl), else the other candidate URL.
//   Any other refusal, or a second one, rejects.
// Open tags never cost the card: where they cannot be had, CONFIGURING goes without them.

const unique = (list: string[]) => list.filter((item, i) => list.indexOf(item) === i);

// The early start takes no more cards once its run reads its card, or is skipped.
const endEarly = (share: ShareData) => {
  if (page.early?.share === share) page.early = undefined;
};

// One setupShare call, run when the ones before it have settled (page.queue).
async function shareOnce(share: ShareData, options: ShareOptions): Promise<ShareResult> {
  const settings = { ...page.defaults, ...options };
  const timeout = settings.timeout ?? 10000;
  let openTagList = unique(settings.openTagList || []);
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
  // The card, read when it is applied: an early start's becomes the first setupShare's if that
  // came meanwhile (preloadShare), so that the page needs one round, not two.
  const card = () => {
    endEarly(share);
    return resolveShareData(share, snapshot);
  };
  // Inside WeCom: its own SDK (ww) and signatures; nothing of it runs or loads in WeChat.
  if (snapshot.wecom && !snapshot.inMiniProgram) return shareInWecom(card, { ...settings, timeout }, snapshot);
  // A custom sdkUrl is the page's choice: neither its version nor its fallback is second-guessed.
  const wxLoad = loadJweixin(settings.sdkUrl ? [settings.sdkUrl] : jweixinUrls(version), timeout);

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
  // Open tags that cannot be had cost the tags, never the card: the config goes without them, and
  // onOpenTagsError says why (a host's throwing handler is its own affair, not this call's).
  const withoutTags = (why?: string) => {
    if (why && openTagList.length) {
      openTagList = [];
      try {
        settings.onOpenTagsError?.(why);
      } catch {
        // ignored: see above
      }
    }
  };
  withoutTags(openTagsMissing(snapshot));
  // Only one jweixin runs on a page, the first one (its `if (!window.jWeixin)` guard): an older
  // one already there sends no openTagList (1.6.0 names verifyOpenTagList in its config).
  const apply = (wx: Wx, url: string, signature?: SignatureData) => {
    if (!settings.sdkUrl && !/OpenTag/.test(String(wx.config))) withoutTags(OLD_JWEIXIN);
    return applyShare({ jsApiList, openTagList, debug: settings.debug, timeout, share: card(), wx, url, signature });
  };
  const ready = (signedUrl: string): ShareResult => ({ status: 'ready', signedUrl, jsApiList, openTagList });
  const [likelyUrl, otherUrl] = signingUrls(snapshot, page.checksOtherUrl);

  // What a config allows: its URL and its lists. Other lists need a new one, even for the same URL.
  const configKey = (url: string) => `${url} ${jsApiList} ${openTagList}`;
  // REUSING. With open tags, every call configures again (with the signature it holds for the
  // URL): users report that tags a route renders after the config stay blank until the next one.
  if (!openTagList.length && configKey(likelyUrl) === page.verifiedUrl) {
    // undefined when the config in force no longer does: then CONFIGURING.
    const reused = await apply(await wxLoad, likelyUrl).then(() => ready(likelyUrl), () => undefined);
    if (reused) return reused;
  }
  page.verifiedUrl = undefined;
  // CONFIGURING url: a signature WeChat refused is dropped (an embedded one too: a retry asks the
  // endpoint, if any).
  const configure = async (url: string) => {
    const [wx, signature] = await Promise.all([wxLoad, cachedSignature(url, url, { ...settings, timeout })]);
    try {
      await apply(wx, url, signature);
    } catch (error) {
      page.signatures.delete(url);
      throw error;
    }
    page.verifiedUrl = configKey(url);
    // The client proved to check this URL: the current one, or the entry one.
    if (url !== likelyUrl) page.checksOtherUrl = (url === snapshot.currentUrl) === snapshot.ios;
    return ready(url);
  };
  try {
    return await configure(likelyUrl);
  } catch (error) {
    // REFUSED. Which URL WeChat checks is only reported by users: the client's own answer
    // (`realAuthUrl`, newer clients; reported, not documented) beats the other candidate.
    const { errMsg, realAuthUrl } = error as WechatShareError;
    if (!(settings.endpoint || settings.sign) || !/invalid signature/.test(String(errMsg))) throw error;
    // The retry gets a fresh signature, whichever URL it is for.
    page.signatures.delete(otherUrl);
    try {
      const result = await configure(realAuthUrl || otherUrl);
      // Not the current URL, and WeChat accepted it: it is the one the page was entered with, for
      // the page's life (a realAuthUrl whose config failed too is not kept).
      if (realAuthUrl && realAuthUrl !== snapshot.currentUrl) page.reportedEntry = realAuthUrl;
      return result;
    } catch (again) {
      if (realAuthUrl && realAuthUrl !== likelyUrl) (again as Error).message += ` (WeChat checked it; first signed: ${likelyUrl})`;
      throw again;
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
 * - After an `invalid signature` it retries once with a fresh signature: for the URL the client
 *   says it checked (`realAuthUrl` in the result of `wx.error`, sent by newer clients: reported by
 *   users, not documented), which it then signs for the rest of the page's life wherever the entry
 *   URL is signed; else for the other candidate URL (the entry URL vs the current one) when they
 *   differ. At most two signing requests; a retry for `realAuthUrl` that fails too rejects
 *   `CONFIG_FAILED` naming both URLs, with the error's `realAuthUrl` set.
 * - A signature the server embedded in the page (`signatureScript()` of wechat-share/server) is used
 *   without a request when it is for the URL to sign; refused, it is replaced from the endpoint.
 *   The endpoint is then needed only when a signature is.
 * - In a Mini Program's `<web-view>` it posts the card to the hosting page
 *   (`wx.miniProgram.postMessage`) and resolves `{ status: 'miniprogram' }`: no signing, no config.
 * - It ends auto mode ({@link autoShare}): from then on the card is the one you set.
 * - With open tags (`openTagList`), it loads jweixin 1.6.0 and requests them in the same
 *   `wx.config` as the share APIs; every call configures again (reusing the signature it holds),
 *   so that the tags of a new route are covered. When open tags cannot be had (a jweixin older
 *   than 1.6.0 already running; WeChat below 7.0.12, HarmonyOS WeChat below 1.0.3: official), the
 *   card is still configured and applied without them: it resolves `ready` with `openTagList: []`
 *   and calls `onOpenTagsError` saying why (earlier versions rejected `SDK_LOAD_FAILED`).
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
