import type { WxResult } from '../types';
import { page } from './pageState';

/**
 * Makes `handler` the page's receiver of WeChat's `WeixinOpenTagsError` (official open-tag doc:
 * fired on `document` after a passing `wx.config` when this client cannot use open tags; the rest
 * of the JS-SDK still works), called with the event's `detail.errMsg`. One listener per page, so
 * each event is reported once however many calls listed tags; the latest handler given wins.
 */
export function listenOpenTagsError(handler?: (errMsg: string) => void): void {
  if (!handler) return;
  if (!page.openTagsErrorHandler) {
    document.addEventListener('WeixinOpenTagsError', (event) => page.openTagsErrorHandler!((event as CustomEvent<WxResult>).detail.errMsg));
  }
  page.openTagsErrorHandler = handler;
}
