// What the WeChat signer (createSigner) and the WeCom signer (createWecomSigner) share besides the
// credential cache and the API call: their wiring (secrets, onError, API context, guarded store,
// refused tokens, lastError), the life given to an issued credential, the page URL a sign() call
// takes, and the lastError that status() reports.
import type { Issued, WechatApiContext, WechatErrorEvent } from './callWechatApi';
import type { Entry } from './createCredentialCache';
import type { SignerOptions } from './createSigner';
import { beforeHash } from './beforeHash';
import { guardStore } from './guardStore';
import { watchSecrets } from './knownSecrets';
import { memoryStore } from './memoryStore';
import { parseHttpUrl } from './parseHttpUrl';
import { redact } from './redact';
import { WechatApiError } from './WechatApiError';

/** Longest life given to a cached value, in seconds: a larger `expires_in` is clamped to it. */
export const MAX_EXPIRES_IN = 24 * 60 * 60;

/** Whole seconds left until `expiresAt` (ms since the epoch), never negative. */
export const secondsLeft = (expiresAt: number): number => Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));

/**
 * A central token server's answer from one cache entry: its value under `name` (`access_token` or
 * `ticket`) and `expires_in`, the whole seconds that same entry has left.
 */
export async function answerOf<K extends string>(entry: Promise<Entry>, name: K): Promise<Record<K, string> & { expires_in: number }> {
  const { value, expiresAt } = await entry;
  return { [name]: value, expires_in: secondsLeft(expiresAt) } as Record<K, string> & { expires_in: number };
}

/**
 * The cache entry of an issued credential: valid for `expiresIn` seconds (at most
 * {@link MAX_EXPIRES_IN}), refreshed from `expiresIn` minus `margin` **ms** on, but never before
 * half of its life, so that a short `expires_in` still caches.
 */
export function entryOf({ value, expiresIn }: Issued, margin: number): Entry {
  const life = Math.min(expiresIn, MAX_EXPIRES_IN) * 1000;
  const now = Date.now();
  return { value, expiresAt: now + life, refreshAt: now + Math.max(life - margin, life / 2) };
}

/** The last failed refresh, as `status().lastError` tells it: no secret, only the redacted message. */
export interface LastError {
  api: string;
  errcode?: number;
  hint?: string;
  message: string;
}

/** {@link LastError} of what a refresh threw: a {@link WechatApiError}'s fields, or any error's redacted message. */
export function lastErrorOf(error: unknown, secrets: Iterable<string | undefined>): LastError {
  return error instanceof WechatApiError
    ? { api: error.api, errcode: error.errcode, hint: error.hint, message: error.message }
    : { api: 'unknown', message: redact(String((error as Error)?.message ?? error), secrets) };
}

/**
 * The page URL that `sign(input)` signs: a string as written, a `URL` (one already parsed, such as
 * `checkSigningRequest`'s `parsedUrl`) as its `href`, without its hash. Anything else is read as a
 * string (a URL of another realm, such as jsdom's, as its href).
 * @throws TypeError when it is not an absolute http(s) URL
 */
export function pageUrlOf(input: string | URL): string {
  let url: string | undefined;
  if (input instanceof URL) url = /^https?:$/.test(input.protocol) ? input.href : undefined;
  else url = parseHttpUrl(String(input)) && String(input);
  if (url === undefined) throw new TypeError(`sign: expected an absolute http(s) URL, got ${JSON.stringify(input)?.slice(0, 100)}`);
  return beforeHash(url);
}

/**
 * The wiring both signers build the same way from their options: the process-wide secrets of this
 * signer (`held()`, the secret and the credentials in its caches, read lazily, plus the last 4
 * tokens upstream refused, which are out of the cache yet still secret), `onError` (by default
 * one `console.warn` line per failure, prefixed with `label`), the API context, the store guarded
 * by `storeTimeout` (ms, default 1000), `remember` for a refused token, and `tracked`, through
 * which every refresh goes so that `lastError()` follows them.
 */
export function signerCore(
  options: Pick<SignerOptions, 'store' | 'fetch' | 'storeTimeout' | 'onError' | 'onUpstream'>,
  context: { apiBase: string; timeout: number; margin: number; label: string },
  held: () => (string | undefined)[],
) {
  const refused: string[] = [];
  const secrets = watchSecrets(() => [...held(), ...refused]);
  // Without onError the operator still gets one line per failure (the 502 answer points there).
  const onError = options.onError ?? ((event: WechatErrorEvent) => console.warn(`[wechat-share] ${context.label}: ${event.message}`));
  const api: WechatApiContext = { apiBase: context.apiBase, fetch: options.fetch ?? globalThis.fetch, timeout: context.timeout, secrets, onError, onUpstream: options.onUpstream };
  const store = guardStore(options.store ?? memoryStore(), { timeout: options.storeTimeout ?? 1000, onError, secrets });
  let lastError: LastError | undefined;
  return {
    secrets,
    onError,
    api,
    store,
    lastError: () => lastError,
    remember(secret: string) {
      refused.push(secret);
      if (refused.length > 4) refused.shift();
    },
    async tracked(fetch: () => Promise<Issued>): Promise<Entry> {
      try {
        const entry = entryOf(await fetch(), context.margin);
        lastError = undefined;
        return entry;
      } catch (error) {
        lastError = lastErrorOf(error, secrets());
        throw error;
      }
    },
  };
}
