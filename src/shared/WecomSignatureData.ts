import type { SignatureData } from './SignatureData';

/**
 * What the signing endpoint answers for a page inside WeCom (`platform=wecom`): the corp
 * jsapi_ticket's signature for `ww.register`'s `getConfigSignature`, with the corpId in `appId`,
 * and, for an app with an agentId, the agent ticket's signature for `getAgentConfigSignature`.
 * Both are `sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")` over the same URL, each with its
 * own ticket (official: developer.work.weixin.qq.com/document/path/90506 and 94313).
 */
export interface WecomSignatureData extends SignatureData {
  /** The corpId (`ww…`), in the field WeChat's answer uses for the appId. */
  appId: string;
  /** The app's agentId, when the endpoint signs for an app; absent for a corp-only signature. */
  agentId?: number;
  /** The agent jsapi_ticket's signature (`type=agent_config`), present exactly when `agentId` is. */
  agentSignature?: { timestamp: number; nonceStr: string; signature: string };
}
