/**
 * What went wrong, as a closed set:
 * - `INVALID_OPTIONS`: an argument or option cannot be used (no endpoint, bad `link`…);
 * - `SDK_LOAD_FAILED`: jweixin could not be loaded (every host failed or timed out);
 * - `SIGN_REQUEST_FAILED`: the signing request failed (network, non-2xx, non-JSON, timeout, `sign` threw);
 * - `SIGN_RESPONSE_INVALID`: the signing response lacks `appId`, `timestamp`, `nonceStr` or `signature`;
 * - `CONFIG_FAILED`: WeChat refused `wx.config` (`wx.error`) or the share calls, or did not answer in time;
 * - `SHARE_API_FAILED`: the config passed but a share API failed.
 */
export type ErrorCode =
  | 'INVALID_OPTIONS'
  | 'SDK_LOAD_FAILED'
  | 'SIGN_REQUEST_FAILED'
  | 'SIGN_RESPONSE_INVALID'
  | 'CONFIG_FAILED'
  | 'SHARE_API_FAILED';

/** Every rejection of {@link setupShare} is one of these. */
export class WechatShareError extends Error {
  /** Which step failed; see {@link ErrorCode}. */
  code!: ErrorCode;
  /** WeChat's own text, such as `config:invalid signature`, when WeChat answered. */
  errMsg?: string;
  /** The item of WeChat's official invalid-signature checklist (Appendix 5) that matches, in plain words. */
  hint?: string;
  /**
   * With `CONFIG_FAILED` for `invalid signature`: the URL WeChat says it checked, when the client
   * said so (`realAuthUrl` in the result of `wx.error`, sent by newer clients: reported by users,
   * not in the official docs).
   */
  realAuthUrl?: string;
  /** The underlying error, when there is one. */
  override cause?: unknown;

  /**
   * @param code - which step failed
   * @param message - what happened and what to check
   * @param extra - WeChat's `errMsg`, a checklist `hint`, its `realAuthUrl`, and the `cause`
   */
  constructor(code: ErrorCode, message: string, extra?: { errMsg?: string; hint?: string; realAuthUrl?: string; cause?: unknown }) {
    super(message);
    // Set by hand: Error's own `cause` option is ES2022, and WeChat's older WebViews predate it.
    Object.assign(this, { name: 'WechatShareError', code }, extra);
  }
}
