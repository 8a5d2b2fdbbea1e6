import type { toNodeHandler } from './toNodeHandler';

/**
 * Error codes of the signing endpoint's `{ error: { code, message } }` answers:
 * 400 `MISSING_URL`, `INVALID_URL`, `URL_TOO_LONG`, `INVALID_APP_ID` (only where `checkSigningRequest` reads the
 * `appId` parameter, as the signing service does); 403 `HOST_NOT_ALLOWED`;
 * 405 `METHOD_NOT_ALLOWED`; 413 `PAYLOAD_TOO_LARGE` and 400 `BAD_REQUEST` (from
 * {@link toNodeHandler}, and for a `platform` other than `wechat` or `wecom`); 502 `WECHAT_API_ERROR`; 500 `INTERNAL_ERROR`.
 */
export type HandlerErrorCode =
  | 'MISSING_URL'
  | 'INVALID_URL'
  | 'URL_TOO_LONG'
  | 'INVALID_APP_ID'
  | 'HOST_NOT_ALLOWED'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'BAD_REQUEST'
  | 'WECHAT_API_ERROR'
  | 'INTERNAL_ERROR';
