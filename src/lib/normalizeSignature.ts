import { WechatShareError } from '../errors';
import type { SignatureData } from '../types';

type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null;

/**
 * Reads `{ appId, timestamp, nonceStr, signature }` out of what a signing endpoint answered.
 * Accepts `appid`/`noncestr` spellings, a numeric-string `timestamp` (whole seconds) and an
 * envelope `{ code, data: { … } }`; `appId` falls back to `fallbackAppId`. Throws
 * `SIGN_RESPONSE_INVALID` naming the missing fields.
 */
export function normalizeSignature(raw: unknown, fallbackAppId?: string): SignatureData {
  const body = isObject(raw) ? (isObject(raw.data) ? raw.data : raw) : {};
  const text = (...values: unknown[]) => values.find((value) => typeof value === 'string' && value) as string | undefined;
  const result: Partial<SignatureData> = {
    appId: text(body.appId, body.appid, fallbackAppId),
    timestamp: /^\d+$/.test(String(body.timestamp)) ? Number(body.timestamp) : undefined,
    nonceStr: text(body.nonceStr, body.noncestr),
    signature: text(body.signature),
  };
  const missing = Object.keys(result).filter((key) => result[key as keyof SignatureData] === undefined);
  if (missing.length) {
    throw new WechatShareError('SIGN_RESPONSE_INVALID', `Signing answer lacks ${missing.join(', ')}: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  // A WeCom answer's agent part (platform=wecom) goes on as it came: the WeCom client reads it.
  return Object.assign(result, body.agentSignature && { agentId: body.agentId, agentSignature: body.agentSignature }) as SignatureData;
}
