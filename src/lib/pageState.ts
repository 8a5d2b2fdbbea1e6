import type { ShareData, ShareOptions, ShareResult, SignatureData, Wx, WxResult } from '../types';

/**
 * Everything the browser SDK keeps for the life of the page. Nothing else in the SDK has
 * module-level state. The invariants the rest of the code relies on:
 *
 * - **One call at a time.** `queue` chains setupShare calls, so at most one `wx.config` is in
 *   flight. That is what makes the single wx.error listener safe: `configErrorListener` always
 *   belongs to the attempt under way. `latest` is the call queued last: a call whose turn comes
 *   while a later one waits does not run, and settles with `latest.result`.
 * - **One `wx` per page.** `jweixinLoading` is the page's one jweixin load; it is cleared when the
 *   load fails, so that a later call can try again. `hookedWx` is the `wx` whose single wx.error
 *   callback is already taken (jweixin keeps only one).
 * - **Signatures per signing URL.** `signatures` caches one promise per URL for the page's life;
 *   a failed one, or one WeChat refused, is dropped. The signature embedded in the page enters it
 *   once: its element is removed when taken, so a refused one is never taken again.
 * - **What WeChat verified.** `verifiedUrl` (setupShare's `configKey`) is the URL of the `wx.config` in force when it passed,
 *   followed by its `jsApiList` and `openTagList`: the same URL and lists need no new config. `checksOtherUrl` turns true once this client proved to check
 *   the other candidate URL (the current one on iOS, the entry one elsewhere).
 * - **The entry URL.** `reportedEntry` is the URL the client said it checked (with an `invalid
 *   signature`) when that was not the page's current URL: from then on it is the entry URL, signed
 *   for the rest of the page's life wherever the entry URL is. `entryHref` is `location.href`
 *   when the SDK was evaluated, the guess for browsers without a navigation entry.
 * - **Defaults.** `defaults` is what {@link configure} set.
 * - **The early start.** `early` is {@link preloadShare}'s run until it reads its card or fails:
 *   the first setupShare made meanwhile puts its card into `early.share` and answers with
 *   `early.result`. (If the run ends before reading a card, outside WeChat or redirecting, a
 *   later setupShare gets that same answer, which a new run would give too.)
 * - **One open-tag error listener.** `openTagsErrorHandler` is the `onOpenTagsError` given last;
 *   the listener on `document` is added with the first one.
 * - **WeCom.** Inside WeCom, `wwLoading` is the page's one `ww` load, `wecomApp` the app `ww.register`
 *   was called with (once per page), and WeCom signatures are kept in `signatures` too, under
 *   `wecom <url>`. `wecomOptions` are the latest call's, read by `ww`'s signature callbacks.
 * - **One auto mode.** `stopAuto` ends the running {@link autoShare}; a second autoShare, or any
 *   setupShare call, calls it first.
 */
export interface PageState {
  defaults: ShareOptions;
  queue: Promise<unknown>;
  jweixinLoading?: Promise<Wx>;
  hookedWx?: Wx;
  configErrorListener?: (res: WxResult) => void;
  latest?: { result: Promise<ShareResult> };
  openTagsErrorHandler?: (errMsg: string) => void;
  signatures: Map<string, Promise<SignatureData>>;
  stopAuto?: () => void;
  early?: { share: ShareData; result: Promise<ShareResult> };
  verifiedUrl?: string;
  checksOtherUrl: boolean;
  reportedEntry?: string;
  /** `undefined` without a window (SSR), where nothing reads it. */
  entryHref?: string;
  /** Inside WeCom: the page's one `ww` load (cleared when it fails), as `jweixinLoading`. */
  wwLoading?: Promise<unknown>;
  /** Inside WeCom: the options of the latest call, which `ww`'s signature callbacks ask with. */
  wecomOptions?: ShareOptions & { timeout: number };
  /** Inside WeCom: the `corpId agentId` that `ww.register` was called with. */
  wecomApp?: string;
}

const fresh = (): PageState => ({
  defaults: {},
  queue: Promise.resolve(),
  signatures: new Map(),
  checksOtherUrl: false,
  entryHref: typeof location === 'undefined' ? undefined : location.href,
});

/** The page's state; see {@link PageState} for its invariants. */
export const page: PageState = fresh();

/** Forgets everything, as a new page would: for tests. */
export function resetPageState(): void {
  for (const key of Object.keys(page) as (keyof PageState)[]) delete page[key];
  Object.assign(page, fresh());
}
