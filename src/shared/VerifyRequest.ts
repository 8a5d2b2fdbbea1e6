// The simulator (in the browser) sends these to the dev tools' verifier (in Node): the shape of
// that exchange lives here, where both runtimes may import it.
import type { SignatureData } from './SignatureData';

/** What `wx.config` sent for verification, with the URL WeChat checks it against. */
export interface VerifyRequest extends SignatureData {
  /** The URL the client verifies against: the entry URL on iOS, the current one on Android. */
  url: string;
  /** `wecom` for a WeCom client's `register`; absent for WeChat. */
  platform?: 'wechat' | 'wecom';
  /** WeCom only: which config is checked, `corp` (getConfigSignature) or `agent` (getAgentConfigSignature). @default 'corp' */
  kind?: 'corp' | 'agent';
  /** WeCom `agent` checks only: the agentId the page registered. */
  agentId?: number;
}

/** WeChat's verdict on a `wx.config`, with what a developer needs to fix it. */
export interface VerifyResult {
  ok: boolean;
  /** WeChat's text after `config:`, such as `invalid signature` or `invalid url domain`. */
  errMsg?: string;
  /** Why, in plain words. */
  reason?: string;
  /** The URL WeChat checked the signature against. */
  expectedUrl?: string;
  /** The URL this server signed with that signature, when it remembers signing it. */
  signedUrl?: string;
}
