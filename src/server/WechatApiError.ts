// What each errcode means for the person running the server, in plain words. Codes from the
// official docs: "全局返回码说明" and "获取稳定版接口调用凭据".
const HINTS: Record<number, string> = {
  [-1]: 'WeChat is busy; try again in a moment.',
  40001: 'The access_token is invalid or was replaced: another server may be fetching tokens for this appId with the classic API.',
  40013: 'The appId is not valid: check WECHAT_APP_ID.',
  40014: 'The access_token is not valid.',
  40125: 'The appSecret is not valid: check WECHAT_APP_SECRET, or reset it in the Official Account settings.',
  40164: "This server's IP is not on the API IP whitelist: add it in the Official Account settings (基本配置 › IP白名单).",
  42001: 'The access_token has expired.',
  45009: 'The daily quota for this API is used up: cache tokens (this library does) and check for other callers.',
  45011: 'Calls are too frequent: slow down.',
  89503: 'This call from a new IP needs the administrator to confirm it in WeChat.',
};

/** errcodes after which the access_token is dropped, fetched again, and the call retried once. */
export const TOKEN_ERRCODES = [40001, 40014, 42001];

/**
 * A failed call to the WeChat API: an `{ errcode, errmsg }` answer, or no usable answer at all
 * (network error, timeout, HTTP error, an answer that is not a JSON object). Its message names
 * the API path, the errcode and a reason; the signer builds that reason with every URL's query
 * stripped and the appSecret, access_token and jsapi_ticket values redacted, and attaches no
 * raw upstream error as `cause`, so the error can be logged whole (`message`, `stack`,
 * `util.inspect`, `JSON.stringify`).
 *
 * `errmsg` is WeChat's own text, which can name this server's IP (40164): log it, but do not
 * send it to visitors. {@link createSignatureHandler} answers with the errcode and the hint only.
 */
export class WechatApiError extends Error {
  /** WeChat's errcode; `undefined` when WeChat gave no usable answer. */
  errcode?: number;
  /** WeChat's errmsg, or what went wrong with the call (redacted). */
  errmsg: string;
  /** What to do about it, in plain words. */
  hint?: string;
  /** The API that failed, such as `/cgi-bin/ticket/getticket`. */
  api: string;

  /**
   * @param api - the API path, without query (the query can hold secrets)
   * @param errmsg - WeChat's errmsg, or the transport failure, already free of secrets
   * @param errcode - WeChat's errcode, if it answered with one
   * @param cause - an underlying error. The signer never passes one: upstream errors can quote
   *   request URLs with their secrets.
   */
  constructor(api: string, errmsg: string, errcode?: number, cause?: unknown) {
    const hint = errcode === undefined ? undefined : HINTS[errcode];
    super(`WeChat API ${api} failed: ${errcode === undefined ? '' : `errcode ${errcode}, `}${errmsg}${hint ? `. ${hint}` : ''}`, cause === undefined ? undefined : { cause });
    this.name = 'WechatApiError';
    this.api = api;
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.hint = hint;
  }
}
