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

// The same for WeCom (qyapi.weixin.qq.com), whose codes partly differ: 40001 is a bad secret
// there. Official: "全局错误码" (developer.work.weixin.qq.com/document/path/90313) and the ticket
// limits of "JS-SDK 签名算法" (96909); 60020's text is reported (errmsg "not allow to access from
// your ip", community posts since 2022, when new apps had to list trusted IPs).
const WECOM_HINTS: Record<number, string> = {
  [-1]: 'WeCom is busy; try again in a moment.',
  40001: 'The corpSecret is not valid: use the Secret of the app (自建应用 › Secret) whose agentId you set, and check WECOM_CORP_SECRET.',
  40013: 'The corpId is not valid: check WECOM_CORP_ID (我的企业 › 企业ID, starting with ww).',
  40014: 'The access_token is not valid: a suite (third-party) token cannot fetch these tickets, and an app token works only for its own agent ticket.',
  40056: 'The agentId is not valid: check WECOM_AGENT_ID against the app whose Secret you use.',
  40091: 'The corpSecret is not valid: reset it in the app settings, or check WECOM_CORP_SECRET.',
  42001: 'The access_token has expired.',
  45009: 'The hourly limit is used up: ticket calls are limited to 400 an hour per corp and 100 an hour per app; cache tickets (this library does) and look for other callers.',
  45011: 'Calls are too frequent: slow down.',
  48002: 'This app may not call the API: check its permissions in the WeCom admin console.',
  60020: "The server's IP is not among the app's trusted IPs (企业可信IP): add it in the app settings (开发者接口 › 企业可信IP).",
};

/**
 * The WeCom API paths: `/cgi-bin/gettoken`, `/cgi-bin/get_jsapi_ticket` and `/cgi-bin/ticket/get`
 * (the agent ticket). An error of one of them is named `WeCom API …` and gets WeCom's hints.
 */
export const WECOM_APIS: readonly string[] = ['/cgi-bin/gettoken', '/cgi-bin/get_jsapi_ticket', '/cgi-bin/ticket/get'];

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
  /**
   * Which API failed: `wecom` for qyapi.weixin.qq.com's (see {@link WECOM_APIS}), whose errcodes
   * get WeCom's hints (40001 is a bad corpSecret there, 60020 an IP missing from the app's trusted
   * IPs), else `wechat`.
   */
  platform: 'wechat' | 'wecom';
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
    const platform = WECOM_APIS.includes(api) ? 'wecom' : 'wechat';
    const hint = errcode === undefined ? undefined : (platform === 'wecom' ? WECOM_HINTS : HINTS)[errcode];
    super(`${platform === 'wecom' ? 'WeCom' : 'WeChat'} API ${api} failed: ${errcode === undefined ? '' : `errcode ${errcode}, `}${errmsg}${hint ? `. ${hint}` : ''}`, cause === undefined ? undefined : { cause });
    this.name = 'WechatApiError';
    this.api = api;
    this.platform = platform;
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.hint = hint;
  }
}
