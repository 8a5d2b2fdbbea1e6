import { withTimeout } from '../shared/withTimeout';
import { rememberSecret } from './knownSecrets';
import { readLimited } from './readLimited';
import { redact } from './redact';
import { WechatApiError } from './WechatApiError';

/** What one failed WeChat API call (or store call) tells the operator, through `SignerOptions.onError`. */
export interface WechatErrorEvent {
  /**
   * The API path that failed, such as `/cgi-bin/ticket/getticket`, or, for the store,
   * `store.get`, `store.set`, `store.lock`, `store.unlock` or `store.delete`.
   */
  api: string;
  /** WeChat's errcode, when it answered with one. */
  errcode?: number;
  /** WeChat's errmsg (it can name this server's IP, as 40164 does): for logs, never for visitors. Redacted. */
  errmsg?: string;
  /** What happened, in one line: the same text as the error's message. Redacted. */
  message: string;
  /** How long the failed call took, in ms. */
  durationMs: number;
}

/**
 * One call upstream, for metrics, through `SignerOptions.onUpstream`: every call to the WeChat
 * API, and every call to an `accessToken` provider, whether it succeeded or not.
 */
export interface UpstreamEvent {
  /** `/cgi-bin/stable_token`, `/cgi-bin/token`, `/cgi-bin/ticket/getticket`, or `accessToken` (the provider). */
  api: string;
  /**
   * `ok`; WeChat's errcode as a string (`'40001'`); `timeout`; `network` (the request failed, or
   * the provider threw); or `invalid` (a non-2xx status, an answer that is not JSON, or one
   * without the expected field). A closed set, safe as a metric label.
   */
  outcome: string;
  /** How long the call took, in ms. */
  durationMs: number;
}

/** Everything {@link callWechatApi} needs besides the call itself. */
export interface WechatApiContext {
  /** Base URL without a trailing slash, such as `https://api.weixin.qq.com`. */
  apiBase: string;
  fetch: typeof fetch;
  /** Time limit of the call, in ms. */
  timeout: number;
  /** The values to keep out of every error: the appSecret and the tokens and tickets in hand. */
  secrets: () => Iterable<string | undefined>;
  /** Told of each failure, redacted. Its own errors are ignored. */
  onError?: (event: WechatErrorEvent) => void;
  /** Told of every call and its outcome. Its own errors are ignored. */
  onUpstream?: (event: UpstreamEvent) => void;
}

/** Calls a hook (`onError`, `onUpstream`) without letting a throwing logger break signing. */
export function report<E>(hook: ((event: E) => void) | undefined, event: E): void {
  try {
    hook?.(event);
  } catch {
    // A logger's failure is not the signer's.
  }
}

/**
 * Largest answer read from the WeChat API, in bytes (64 KiB). Its real answers are under 1 KiB; a
 * larger one (a misrouted proxy, a hostile endpoint) is refused without being buffered.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** A credential as WeChat issued it. */
export interface Issued {
  value: string;
  /** WeChat's `expires_in`, in seconds. */
  expiresIn: number;
}

/**
 * One call to the WeChat API: `GET path?query`, or `POST` with a JSON body. Resolves with the
 * answer's `field` (`access_token` or `ticket`) and `expires_in`. Rejects with a
 * {@link WechatApiError} on a timeout, a network error, a redirect, any other non-2xx status, an
 * answer over {@link MAX_ANSWER_BYTES}, an answer that is not a JSON object, a non-zero errcode,
 * or an answer without `field` and a positive `expires_in`. The error's message names the path
 * and a redacted reason; no raw upstream error is attached, since `fetch` errors may quote the URL
 * with its `secret=` or `access_token=`.
 *
 * No redirect is followed (`redirect: 'manual'`): the query and body carry the appSecret or the
 * access_token, and a redirect would send them to whatever origin it names. An answer is read as a
 * stream and the read is cancelled past {@link MAX_ANSWER_BYTES}, so a huge answer costs no memory.
 * The issued value is added to the process's known secrets (`knownSecrets`) at once.
 */
export async function callWechatApi(
  context: WechatApiContext,
  path: string,
  field: string,
  query: Record<string, string>,
  body?: object,
): Promise<Issued> {
  const started = Date.now();
  const fail = (outcome: string, reason: string, errcode?: number, errmsg?: string): never => {
    const error = new WechatApiError(path, redact(reason, context.secrets()), errcode);
    const durationMs = Date.now() - started;
    report(context.onUpstream, { api: path, outcome, durationMs });
    report(context.onError, { api: path, errcode, errmsg: errmsg === undefined ? undefined : error.errmsg, message: error.message, durationMs });
    throw error;
  };
  const search = new URLSearchParams(query).toString();
  const controller = new AbortController();
  let data: unknown;
  try {
    const exchange = async (): Promise<{ failure?: string; text?: string }> => {
      const response = await context.fetch(`${context.apiBase}${path}${search ? `?${search}` : ''}`, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'Content-Type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        // A redirect would re-send the appSecret or the access_token to the origin it names.
        redirect: 'manual',
        signal: controller.signal,
      });
      if (!response.ok) {
        // Not read: an error page can be large, and nothing in it helps.
        void response.body?.cancel().catch(() => undefined);
        // 'opaqueredirect': what a browser-like fetch answers for a redirect it did not follow.
        const redirect = response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
        return {
          failure: redirect
            ? `HTTP ${response.status || 'redirect'}: the API base answered with a redirect, which is not followed (it would send the appSecret or the access_token to another origin): set apiBase to the address that answers the API itself`
            : `HTTP ${response.status}`,
        };
      }
      const text = await readLimited(response, MAX_ANSWER_BYTES);
      return text === undefined ? { failure: `the answer is larger than ${MAX_ANSWER_BYTES} bytes, which no WeChat answer is: not read further` } : { text };
    };
    // Aborted and raced: a custom fetch that ignores its signal still cannot hang a request.
    const { failure, text } = await withTimeout(exchange(), context.timeout, () => controller.abort());
    if (failure !== undefined) return fail('invalid', failure);
    try {
      data = JSON.parse(text!);
    } catch {
      return fail('invalid', 'the answer is not JSON');
    }
  } catch (error) {
    if (error instanceof WechatApiError) throw error;
    if (controller.signal.aborted) return fail('timeout', `timed out after ${context.timeout} ms`);
    const code = (error as { cause?: { code?: unknown } })?.cause?.code;
    // Raw here; fail() redacts the whole reason before it reaches the error or onError.
    const message = String((error as Error)?.message ?? error);
    return fail('network', `request failed: ${message}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('invalid', 'the answer is not a JSON object');
  const answer = data as Record<string, unknown>;
  if (answer.errcode !== undefined && answer.errcode !== 0) {
    const errcode = Number(answer.errcode);
    const errmsg = String(answer.errmsg ?? '');
    return fail(Number.isFinite(errcode) ? String(errcode) : 'invalid', errmsg, Number.isFinite(errcode) ? errcode : undefined, errmsg);
  }
  const value = answer[field];
  const expiresIn = Number(answer.expires_in);
  if (typeof value !== 'string' || !value || !(expiresIn > 0)) return fail('invalid', `the answer has no ${field} and expires_in`);
  rememberSecret(context.secrets, value);
  report(context.onUpstream, { api: path, outcome: 'ok', durationMs: Date.now() - started });
  return { value, expiresIn };
}
