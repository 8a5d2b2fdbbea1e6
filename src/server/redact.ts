import { knownSecrets } from './knownSecrets';

/** What replaces a secret in any text this library builds from upstream material. */
export const REDACTED = '[redacted]';

// Query parameters that carry a credential in WeChat API URLs (and a few spellings of them).
const SECRET_PARAMS = /\b(secret|appsecret|access_token|ticket|jsapi_ticket|corpsecret)=[^&\s"'<>]*/gi;
// The same credentials as JSON members: what a token provider's or a proxy's error may quote of a body.
const SECRET_MEMBERS = /"(secret|appsecret|access_token|ticket|jsapi_ticket|corpsecret)"\s*:\s*"(?:[^"\\]|\\.)*"/gi;
// A URL's query and fragment: whatever a fetch error quotes of a request URL.
const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*|\b[\w.-]+\.[a-z]{2,}\/[^\s?#"'<>]*)[?#][^\s"'<>]*/gi;

// A URL's userinfo (`https://user:password@host/`): a credential a provider or proxy URL may carry.
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;
// An Authorization header's credentials, as an HTTP client's error may quote them (an API key).
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;

/**
 * `text` with every URL's query removed, every URL's userinfo (`https://user:password@host/`)
 * and every `Bearer`/`Basic` credential replaced, every `secret=`/`access_token=`/`ticket=` value
 * (and every such JSON member, `"access_token":"…"`) replaced, and each of `secrets` (the
 * appSecret, access_tokens and jsapi_tickets in hand) and of {@link knownSecrets} (every
 * account's, and the service's API keys and Redis passwords) replaced wherever it appears. Used on
 * everything that reaches a {@link WechatApiError} or an `onError` event, since a `fetch` may quote
 * the request URL (and its secret) in its errors, and an error about one account may quote
 * another's token.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(URL_QUERY, `$1?${REDACTED}`).replace(SECRET_PARAMS, `$1=${REDACTED}`).replace(SECRET_MEMBERS, `"$1":"${REDACTED}"`);
  // Short values could match ordinary words; real secrets are 32+ characters. Longest first, so
  // that a secret containing another is replaced whole.
  const all = new Set<string>();
  for (const secret of secrets) if (secret && secret.length >= 8) all.add(secret);
  for (const secret of knownSecrets()) if (secret.length >= 8) all.add(secret);
  for (const secret of [...all].sort((a, b) => b.length - a.length)) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
