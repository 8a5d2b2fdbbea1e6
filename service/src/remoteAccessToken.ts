import { readLimited, TokenRefreshError, withoutTrailingSlash, type TokenRefreshErrorCode } from 'wechat-share/server';

/** The largest answer read from the central server, in bytes: a token answer is well under 1 KiB. */
const MAX_ANSWER = 64 * 1024;
const REFRESH_CODES: readonly string[] = ['REFRESH_LIMITED', 'REFRESH_IN_PROGRESS', 'UPSTREAM_FAILED', 'STORE_UNAVAILABLE'];

// The answer's JSON, read within MAX_ANSWER bytes; undefined when it is larger or not JSON.
async function readJson(response: Response): Promise<unknown> {
  const text = await readLimited(response, MAX_ANSWER).catch(() => undefined);
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Time limit of one call to another central server's token API, in ms. */
const TIMEOUT = 5000;

/**
 * An `accessToken` provider for `createSigner` that reads the token from another central
 * server's token API (another wechat-share-service, or anything answering the same protocol):
 * `GET {base}/v1/accounts/{appId}/access_token`, and, when the signer saw the token refused,
 * `POST {base}/v1/accounts/{appId}/access_token/refresh` with `{ "stale": … }`.
 *
 * No redirect is followed: the refresh's body carries the token WeChat refused and every call the
 * key, and a redirect would hand them to the origin it names. A 3xx is an error like any non-2xx.
 *
 * Rejects with an `Error` naming the server's origin and the HTTP status or the answer's fault
 * (for a 503, its `error.code` and `Retry-After`); never the key, the token or the full URL. A
 * refresh answered 503 rejects with a `TokenRefreshError` carrying that code and `Retry-After`, so
 * that this service's own refresh answers its callers with them. Answers are read within 64 KiB.
 */
export function remoteAccessToken(options: { base: string; key: string; appId: string; fetch?: typeof fetch }) {
  const base = withoutTrailingSlash(options.base);
  const origin = new URL(base).origin;
  const doFetch = options.fetch ?? globalThis.fetch;
  const path = `${base}/v1/accounts/${encodeURIComponent(options.appId)}/access_token`;
  return async (context: { stale?: string } = {}): Promise<{ access_token: string; expires_in: number }> => {
    const headers: Record<string, string> = { Authorization: `Bearer ${options.key}`, Accept: 'application/json' };
    let response: Response;
    try {
      response = context.stale
        ? await doFetch(`${path}/refresh`, {
            method: 'POST',
            headers: { ...headers, 'Content-Type': 'application/json' },
            body: JSON.stringify({ stale: context.stale }),
            signal: AbortSignal.timeout(TIMEOUT),
            redirect: 'manual',
          })
        : await doFetch(path, { headers, signal: AbortSignal.timeout(TIMEOUT), redirect: 'manual' });
    } catch (error) {
      // fetch's own errors can quote the URL; name only the origin and the kind of failure.
      const kind = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${TIMEOUT} ms` : 'network error';
      throw new Error(`The central server ${origin} could not be reached: ${kind}.`);
    }
    if (response.status === 503) {
      // The central server could not refresh now (its code says why) and says when to come back:
      // both are passed on (a TokenRefreshError), so that this server's callers wait as long.
      const code = ((await readJson(response)) as { error?: { code?: unknown } } | undefined)?.error?.code;
      const retryAfter = Number(response.headers.get('retry-after'));
      const known = typeof code === 'string' && REFRESH_CODES.includes(code) ? (code as TokenRefreshErrorCode) : undefined;
      const message = `The central server ${origin} answered HTTP 503${known ? ` ${known}` : ''} for ${options.appId}'s access_token${retryAfter > 0 ? `: retry after ${retryAfter} s` : ''}.`;
      if (context.stale) throw new TokenRefreshError(known ?? 'UPSTREAM_FAILED', retryAfter > 0 ? retryAfter : 1, 'accessToken', message);
      throw new Error(message);
    }
    if (!response.ok) {
      // Not awaited: a cancel may settle only once the peer closes.
      void response.body?.cancel().catch(() => undefined);
      const status = response.type === 'opaqueredirect' ? 'a redirect' : `HTTP ${response.status}`;
      const advice = response.status === 401 ? ': check accessTokenKey' : response.status >= 300 && response.status < 400 || response.type === 'opaqueredirect' ? ': redirects are not followed, give the address that answers the token API itself' : '';
      throw new Error(`The central server ${origin} answered ${status} for ${options.appId}'s access_token${advice}.`);
    }
    const body = (await readJson(response)) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new Error(`The central server ${origin} answered without access_token and expires_in.`);
    }
    return { access_token: body.access_token, expires_in: body.expires_in };
  };
}
