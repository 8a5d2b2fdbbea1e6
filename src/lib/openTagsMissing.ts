import type { PageSnapshot } from './readPage';

/** What `onOpenTagsError` is told when a jweixin older than 1.6.0 already runs on the page. */
export const OLD_JWEIXIN = 'Open tags need jweixin 1.6.0; an older one runs here.';

// A dotted version as one number, its first three parts at most 999 each (7.0.12 → 7000012;
// 1.0.3.52 → 1000003: a fourth part, the build, does not count).
const rank = (version: string) => version.split('.').slice(0, 3).reduce((sum, part) => sum * 1000 + +part, 0);

/**
 * Why this client cannot show open tags, or `undefined`. Official (open-tag doc): WeChat 7.0.12+;
 * on HarmonyOS NEXT, whose WeChat counts its own versions from 1.0, HarmonyOS WeChat 1.0.3+ (Huawei's
 * guide to it says 1.0.3.53). A version the user agent does not carry is not held against it.
 */
export function openTagsMissing({ wechatVersion, harmony }: PageSnapshot): string | undefined {
  const minimum = harmony ? '1.0.3' : '7.0.12';
  if (wechatVersion && rank(wechatVersion) < rank(minimum)) {
    return `Open tags need ${harmony ? 'HarmonyOS ' : ''}WeChat ${minimum}+, not ${wechatVersion}.`;
  }
  return undefined;
}
