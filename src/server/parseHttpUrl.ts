/**
 * `url` parsed, when it is an absolute http or https URL; otherwise `undefined`. The one check
 * behind both the handler's 400 INVALID_URL and `sign()`'s TypeError.
 */
export function parseHttpUrl(url: unknown): URL | undefined {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
