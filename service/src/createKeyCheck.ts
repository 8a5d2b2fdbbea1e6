import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * A check of `Authorization: Bearer <key>` against `keys`, in constant time: both sides are
 * hashed to 32 bytes (so that neither a key's length nor its first differing byte shows in the
 * timing), compared with `timingSafeEqual`, and every key is compared, match or not.
 *
 * @returns a function telling whether the header carries one of the keys
 */
export function createKeyCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    const given = digest(match[1]);
    let found = false;
    for (const key of digests) found = timingSafeEqual(given, key) || found;
    return found;
  };
}
