// What may follow a hostname in a pattern someone meant as a host: a scheme, a port, a path, a
// query, userinfo, an IPv6 bracket, whitespace or a percent-escape. Any of them means the entry
// can never equal a page's `location.hostname`.
const NOT_A_HOSTNAME = /[/:?#@[\]\\\s%]/;
// A hostname as `URL` serializes it: lowercase ASCII labels (IDN already in punycode).
const HOSTNAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/;

// `entry` as `URL` would give the hostname (trimmed, lowercase, IDN to punycode), or undefined.
function normalise(entry: string): string | undefined {
  if (!entry || NOT_A_HOSTNAME.test(entry)) return undefined;
  try {
    const { hostname } = new URL(`http://${entry}`);
    return HOSTNAME.test(hostname) ? hostname : undefined;
  } catch {
    return undefined;
  }
}

// What the person probably meant, for the error message: the hostname of 'https://h5.example.com/x'.
function suggestion(entry: string): string {
  try {
    const { hostname } = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`);
    return hostname && HOSTNAME.test(hostname) ? ` (write "${hostname}")` : '';
  } catch {
    return '';
  }
}

/**
 * What {@link createHostMatcher} returns: whether a hostname matches, and the patterns it holds
 * in normalised form (`h5.example.com`, `*.example.com`), for finding a host listed twice.
 */
export interface HostMatcher {
  (hostname: string): boolean;
  /** The patterns, trimmed, lowercased and in punycode, duplicates dropped, in their order. */
  readonly patterns: readonly string[];
}

/**
 * A hostname allowlist, checked once when it is built. Each pattern is a hostname
 * (`h5.example.com`) or `*.` and a hostname for every subdomain (`*.example.com` matches
 * `m.example.com` and `a.b.example.com`, not `example.com` itself). Patterns are trimmed,
 * lowercased and, for internationalised names, converted to punycode exactly as `URL` converts
 * a page's host (`bücher.example` → `xn--bcher-kva.example`), so they compare with
 * `new URL(page).hostname`.
 *
 * The returned function takes a hostname as `URL` gives it and answers whether a pattern
 * matches; it is a `Set` lookup plus one suffix test per `*.` pattern, cheap enough per request.
 * Its `patterns` property lists the normalised patterns.
 *
 * @param patterns - the hostname patterns, such as `['h5.example.com', '*.example.com']`; an
 *   empty list matches nothing
 * @param label - the setting's name in the error message
 * @default label 'allowedHosts'
 * @throws TypeError naming every entry that cannot be a hostname pattern (a scheme
 *   `https://h5.example.com`, a port `h5.example.com:443`, a path, an IPv6 address such as
 *   `::1`, an empty string, anything that is not a string), with the hostname it probably meant
 * @example
 * const allowed = createHostMatcher(['h5.example.com', '*.shop.example.com']);
 * allowed(new URL('https://m.shop.example.com/').hostname); // true
 */
export function createHostMatcher(patterns: readonly string[], label = 'allowedHosts'): HostMatcher {
  if (!Array.isArray(patterns)) {
    throw new TypeError(`${label} must be an array of hostnames such as ["h5.example.com", "*.example.com"], got ${typeof patterns}.`);
  }
  const exact = new Set<string>();
  const suffixes: string[] = [];
  const normalised = new Set<string>();
  const bad: string[] = [];
  for (const pattern of patterns as readonly unknown[]) {
    const entry = typeof pattern === 'string' ? pattern.trim() : '';
    const wildcard = entry.startsWith('*.');
    const hostname = normalise(wildcard ? entry.slice(2) : entry);
    if (hostname === undefined) {
      bad.push(typeof pattern === 'string' ? `${JSON.stringify(pattern)}${suggestion(entry)}` : String(pattern));
    } else if (wildcard) {
      if (!normalised.has(`*.${hostname}`)) suffixes.push(`.${hostname}`);
      normalised.add(`*.${hostname}`);
    } else {
      exact.add(hostname);
      normalised.add(hostname);
    }
  }
  if (bad.length) {
    throw new TypeError(
      `${label} takes hostnames such as "h5.example.com" or "*.example.com" (no scheme, port or path); ` +
        `these entries can never match a page: ${bad.join(', ')}.`,
    );
  }
  const matches = (hostname: string) => {
    const host = hostname.toLowerCase();
    if (exact.has(host)) return true;
    for (const suffix of suffixes) if (host.endsWith(suffix)) return true;
    return false;
  };
  return Object.assign(matches, { patterns: Object.freeze([...normalised]) });
}
