import { WechatApiError } from './WechatApiError';

/**
 * Why {@link Signer.refreshAccessToken} could not hand out a token other than the refused one:
 * - `REFRESH_LIMITED`: WeChat still answers the refused token, and a forced refresh is not allowed
 *   now: one per 30 s and 20 per rolling 24 h per account, across every instance (official
 *   getStableAccessToken doc);
 * - `REFRESH_IN_PROGRESS`: another instance holds the refresh lock past the wait (a slow refresh, or
 *   the lock of an instance that died, freed by its TTL);
 * - `UPSTREAM_FAILED`: WeChat (or the `accessToken` provider) failed, or answered the refused token
 *   again; `errcode` and `hint` say more when it answered one;
 * - `STORE_UNAVAILABLE`: a forced refresh is needed but the store, where forced refreshes are
 *   counted for every instance, does not answer.
 */
export type TokenRefreshErrorCode = 'REFRESH_LIMITED' | 'REFRESH_IN_PROGRESS' | 'UPSTREAM_FAILED' | 'STORE_UNAVAILABLE';

/**
 * The rejection of {@link Signer.refreshAccessToken} (and of `sign()` when WeChat refused the
 * token and no other can be had now): no token other than the refused one can be had now, and
 * `retryAfter` says when the next attempt can succeed. The refused token is never handed out
 * instead. A {@link WechatApiError} too (`api`, and `errcode`/`hint` for `UPSTREAM_FAILED` when
 * WeChat answered one), so code written for that class keeps working; its message is redacted
 * like every error of the signer.
 */
export class TokenRefreshError extends WechatApiError {
  /** Which limit or failure: see {@link TokenRefreshErrorCode}. */
  code: TokenRefreshErrorCode;
  /** Whole **seconds** (at least 1) before the next attempt can succeed: an HTTP `Retry-After`. */
  retryAfter: number;

  /**
   * @param code - see {@link TokenRefreshErrorCode}
   * @param retryAfter - seconds before the next attempt can succeed; rounded up, at least 1
   * @param api - the API whose token could not be refreshed (`/cgi-bin/stable_token`, `/cgi-bin/token`, `accessToken`)
   * @param reason - what happened, free of secrets: the end of the message
   * @param cause - for `UPSTREAM_FAILED`, the failure as WeChat or the provider gave it (its errcode
   *   and errmsg are kept; the error itself is not attached)
   */
  constructor(code: TokenRefreshErrorCode, retryAfter: number, api: string, reason: string, cause?: WechatApiError) {
    super(api, cause?.errmsg ?? reason, cause?.errcode);
    this.name = 'TokenRefreshError';
    this.code = code;
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
    this.message = `access_token not refreshed (${code}, retry after ${this.retryAfter} s): ${reason}`;
  }
}
