/**
 * The four values `wx.config` needs, as one wire type wherever they travel: what the signing
 * endpoint answers (browser), what the signer makes (server, `SignResult` adds the `url`), and what
 * the simulator sends its verifier (`VerifyRequest` adds the `url` WeChat checked).
 * See the official JS-SDK docs, "通过config接口注入权限验证配置".
 */
export interface SignatureData {
  /** The Official Account's appId; the jsapi_ticket that signed must belong to it. */
  appId: string;
  /** Unix time in whole seconds, the same value that was signed. */
  timestamp: number;
  /** The random string that was signed (note the capital `S` in `wx.config`). */
  nonceStr: string;
  /** `sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")`, 40 hex characters. */
  signature: string;
}
