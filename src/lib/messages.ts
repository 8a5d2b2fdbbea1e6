// Everything the browser SDK prints goes through here, as googlemaps/js-api-loader keeps its
// messages in one file: by default the SDK is silent (a page's console belongs to the page). A
// failure a promise carries (setupShare's, preloadShare's) is the page's to report; only auto
// mode's failures, which no promise carries, come here.
import type { WechatShareError } from '../errors';

/**
 * Where a failure goes: `onError` when there is one; otherwise, with `debug` on, `console.warn`
 * (the WechatShareError itself: its message, code and hint, expandable in the console);
 * otherwise nowhere. What `onError` throws is the page's: it is not caught.
 */
export const reportTo = (onError?: (error: WechatShareError) => void, debug?: boolean): ((error: WechatShareError) => void) =>
  onError || (debug ? console.warn : () => undefined);
