/**
 * The headers of every JSON answer of the signing endpoint and the signing service:
 * `Content-Type: application/json; charset=utf-8` and `Cache-Control: no-store` (a signature is
 * for one page and one moment; a token for one caller). Frozen: add headers to a copy.
 */
export const JSON_HEADERS: Readonly<Record<'Content-Type' | 'Cache-Control', string>> = Object.freeze({
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
});
