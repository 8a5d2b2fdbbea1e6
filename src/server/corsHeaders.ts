/**
 * The CORS headers of one answer of the signing endpoint. When `origin` is in `allowedOrigins`
 * (or the list holds `'*'`): `Access-Control-Allow-Origin` (`*` for `'*'`, else the origin) and
 * `Vary: Origin`, since the answer then depends on the Origin header; with `preflight: true`,
 * also what an `OPTIONS` answer needs for the SDK's requests: `Access-Control-Allow-Methods:
 * GET, POST, OPTIONS`, `Access-Control-Allow-Headers: Content-Type` and
 * `Access-Control-Max-Age: 600` (seconds). Same-origin requests send no Origin and need none.
 *
 * @param origin - the request's `Origin` header
 * @param allowedOrigins - such as `['https://h5.example.com']` or `['*']`; `undefined` allows none
 * @param preflight - whether this answers an `OPTIONS` preflight
 * @default preflight false
 * @returns the headers to add; empty when the origin is not allowed
 */
export function corsHeaders(origin: string | null | undefined, allowedOrigins: readonly string[] | undefined, preflight = false): Record<string, string> {
  if (!origin || !allowedOrigins) return {};
  const any = allowedOrigins.includes('*');
  if (!any && !allowedOrigins.includes(origin)) return {};
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': any ? '*' : origin, Vary: 'Origin' };
  if (preflight) {
    headers['Access-Control-Allow-Methods'] = 'GET, POST, OPTIONS';
    headers['Access-Control-Allow-Headers'] = 'Content-Type';
    headers['Access-Control-Max-Age'] = '600';
  }
  return headers;
}
