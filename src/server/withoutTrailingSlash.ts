/**
 * A base URL without the `/` characters that end it, so that a path can be appended to it:
 * `https://api.weixin.qq.com/` and `https://api.weixin.qq.com` both give
 * `https://api.weixin.qq.com`. Nothing else is changed or checked.
 *
 * @param base - such as `WECHAT_API_BASE` or a central token server's URL
 */
export function withoutTrailingSlash(base: string): string {
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 47 /* / */) end--;
  return end === base.length ? base : base.slice(0, end);
}
