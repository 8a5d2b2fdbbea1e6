// What every setupShare test file shares: the fixtures, the expected API lists, a typed
// rejection helper, and the quiet-page rule (neither this SDK nor jweixin, debug off, may alert or
// log; console output is captured, not printed).
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { WechatShareError } from '../../src/index';
import { ENDPOINT } from '../helpers/wechat';

export const SHARE_APIS = [
  'updateAppMessageShareData', 'updateTimelineShareData', 'onMenuShareTimeline', 'onMenuShareAppMessage',
  'onMenuShareQQ', 'onMenuShareWeibo', 'onMenuShareQZone',
];
export const MENU_EVENTS = ['menu:share:timeline', 'menu:share:appmessage', 'menu:share:qq', 'menu:share:weiboApp', 'menu:share:QZone'];
export const options = { endpoint: ENDPOINT };

/** The rejection of `promise`, checked to be the page's WechatShareError. */
export async function rejection(sdk: { WechatShareError: typeof WechatShareError }, promise: Promise<unknown>): Promise<WechatShareError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(sdk.WechatShareError);
  return error as WechatShareError;
}

/** The alert spy of the current test; `quietPage()` installs it. */
export const spies: { alert: ReturnType<typeof vi.fn<(message?: unknown) => void>> } = { alert: vi.fn() };

const CONSOLE = ['log', 'info', 'warn', 'error', 'debug'] as const;

/** Fails any test whose page alerts or logs; captures (does not print) console output. */
export function quietPage(): void {
  beforeEach(() => {
    spies.alert = vi.fn<(message?: unknown) => void>();
    window.alert = spies.alert;
    for (const method of CONSOLE) vi.spyOn(console, method).mockImplementation(() => undefined);
  });
  afterEach(() => {
    try {
      expect(spies.alert).not.toHaveBeenCalled();
      for (const method of CONSOLE) expect(console[method], `console.${method}`).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });
}

/**
 * Records the page's `location.replace()` calls instead of navigating (jsdom does not navigate).
 * `location.replace` itself is unforgeable (not configurable), so the spy sits on jsdom's
 * implementation object behind it, which the `Symbol(impl)` property holds; restored by
 * `vi.restoreAllMocks()` (quietPage does that after each test).
 */
export function spyOnLocationReplace() {
  const impl = Object.getOwnPropertySymbols(location).find((symbol) => symbol.description === 'impl');
  if (!impl) throw new Error('jsdom changed: no implementation object behind window.location');
  const target = (location as unknown as Record<symbol, { replace(url: string): void }>)[impl];
  return vi.spyOn(target, 'replace').mockImplementation(() => undefined);
}
