/**
 * `url` up to its first `#`: the page URL WeChat checks a signature against (official: the
 * signed URL is the page's full URL "without the part after #"). Nothing is parsed, escaped or
 * unescaped: `https://h5.example.com/a?b=1#c` gives `https://h5.example.com/a?b=1`.
 */
export function beforeHash(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}
