import { report, type Issued, type WechatApiContext } from './callWechatApi';
import { withTimeout } from '../shared/withTimeout';
import { redact } from './redact';
import { TokenRefreshError } from './TokenRefreshError';
import { WechatApiError } from './WechatApiError';

/**
 * A source of access_tokens other than WeChat's token APIs: a central token server (中控服务器),
 * WeChat cloud hosting's token service, a third-party platform's authorizer_access_token. Called
 * with `{ stale }` when WeChat refused that token (errcode 40001, 40014 or 42001), else with `{}`.
 */
export type AccessTokenProvider = (context: { stale?: string }) => Promise<string | { access_token: string; expires_in: number }>;

/** The name of the provider in events and errors (`UpstreamEvent.api`, `WechatApiError.api`). */
export const PROVIDER_API = 'accessToken';

/**
 * How long a bare-string answer is cached, in seconds: long enough that the provider is not
 * asked per request, short enough that a token it rotated is picked up within a minute.
 */
export const PROVIDER_STRING_TTL = 60;

/**
 * Asks `provider` for an access_token, within `context.timeout` ms. Resolves with the token and
 * its life (`expires_in` of an object answer, {@link PROVIDER_STRING_TTL} for a bare string);
 * rejects with a {@link WechatApiError} (api `accessToken`, no errcode unless the provider threw a
 * `WechatApiError` with one; a {@link TokenRefreshError} the provider threw keeps its `code` and
 * `retryAfter`, its message redacted) when it throws, times out, or answers anything else. Reports to
 * `onUpstream` and, on failure, `onError`, redacted like a WeChat API call.
 */
export async function callAccessTokenProvider(context: WechatApiContext, provider: AccessTokenProvider, stale: string | undefined): Promise<Issued> {
  const started = Date.now();
  const fail = (outcome: string, reason: string, errcode?: number): never => {
    const error = new WechatApiError(PROVIDER_API, redact(reason, [...context.secrets(), stale]), errcode);
    const durationMs = Date.now() - started;
    report(context.onUpstream, { api: PROVIDER_API, outcome, durationMs });
    report(context.onError, { api: PROVIDER_API, errcode, message: error.message, durationMs });
    throw error;
  };
  let timedOut = false;
  let answer: unknown;
  try {
    // Called inside a promise chain: a provider that throws synchronously still rejects.
    const call = Promise.resolve().then(() => provider(stale === undefined ? {} : { stale }));
    answer = await withTimeout(call, context.timeout, () => {
      timedOut = true;
    });
  } catch (error) {
    if (timedOut) return fail('timeout', `the accessToken provider did not answer within ${context.timeout} ms`);
    // Another central token server that could not refresh either (its 503): its reason and its
    // wait are passed on, so that this server's callers wait as long as that one asked.
    if (error instanceof TokenRefreshError) {
      const relayed = new TokenRefreshError(error.code, error.retryAfter, PROVIDER_API, redact(`the accessToken provider could not refresh: ${error.message}`, [...context.secrets(), stale]));
      report(context.onUpstream, { api: PROVIDER_API, outcome: 'refused', durationMs: Date.now() - started });
      report(context.onError, { api: PROVIDER_API, message: relayed.message, durationMs: Date.now() - started });
      throw relayed;
    }
    const errcode = error instanceof WechatApiError ? error.errcode : undefined;
    return fail(errcode === undefined ? 'network' : String(errcode), `the accessToken provider failed: ${String((error as Error)?.message ?? error)}`, errcode);
  }
  let issued: Issued | undefined;
  if (typeof answer === 'string' && answer) issued = { value: answer, expiresIn: PROVIDER_STRING_TTL };
  else if (typeof answer === 'object' && answer !== null) {
    const { access_token: value, expires_in: expiresIn } = answer as Record<string, unknown>;
    if (typeof value === 'string' && value && typeof expiresIn === 'number' && expiresIn > 0) issued = { value, expiresIn };
  }
  if (!issued) {
    return fail('invalid', 'the accessToken provider answered neither a non-empty string nor { access_token, expires_in } with expires_in > 0 seconds');
  }
  report(context.onUpstream, { api: PROVIDER_API, outcome: 'ok', durationMs: Date.now() - started });
  return issued;
}
