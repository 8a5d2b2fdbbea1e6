import type { HandlerErrorCode } from './HandlerErrorCode';
import { WechatApiError } from './WechatApiError';

/** The answer {@link signingErrorAnswer} builds: a status and the JSON body to send. */
export interface SigningErrorAnswer {
  status: 500 | 502;
  body: { error: { code: HandlerErrorCode; message: string; errcode?: number; hint?: string } };
}

/**
 * The answer for an error thrown by `signer.sign()`, as the signing endpoint sends it:
 * 502 `WECHAT_API_ERROR` for a {@link WechatApiError} (WeCom's too: the message then says `WeCom API`), naming the API and its errcode, with the
 * errcode and the hint (WeChat's own errmsg is left out: 40164's names this server's IP; the
 * signer logs it); 500 `INTERNAL_ERROR` for anything else, without details. No answer carries a
 * secret or an upstream message.
 *
 * @param error - what `sign()` rejected with
 * @example
 * try { ... await signer.sign(url) } catch (error) { const { status, body } = signingErrorAnswer(error); ... }
 */
export function signingErrorAnswer(error: unknown): SigningErrorAnswer {
  if (error instanceof WechatApiError) {
    const what = error.errcode === undefined ? 'gave no usable answer' : `answered errcode ${error.errcode}`;
    return {
      status: 502,
      body: {
        error: {
          code: 'WECHAT_API_ERROR',
          // The signer logs every failure (its onError, or console.warn without one).
          message: `${error.platform === 'wecom' ? 'WeCom' : 'WeChat'} API ${error.api} ${what}; the signing server logs the details.`,
          errcode: error.errcode,
          hint: error.hint,
        },
      },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'Signing failed: the store or the signer threw.' } } };
}
