import { randomFillSync } from 'node:crypto';

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Bytes below 248 (4 x 62) map to the 62 characters evenly; the rest are dropped, so every
// character is equally likely.
const UNBIASED_BELOW = 248;
// Random bytes drawn from crypto in one call and used up across calls: one crypto call per
// ~250 nonces instead of 16 `randomInt` calls per nonce (measured 1.5 to 4x faster).
const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * A random string for `wx.config`'s `nonceStr` (the signature's `noncestr`): `length` letters
 * and digits (`A-Z`, `a-z`, `0-9`), each drawn uniformly from `node:crypto` random bytes.
 * WeChat requires nothing of it beyond being random; 16 characters carry 95 bits.
 *
 * @param length - how many characters
 * @default length 16
 * @example
 * createNonceStr(); // 'Wm3WZYTPz0wzccnW'
 */
export function createNonceStr(length = 16): string {
  let nonce = '';
  while (nonce.length < length) {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const byte = pool[offset++];
    if (byte < UNBIASED_BELOW) nonce += NONCE_CHARS[byte % NONCE_CHARS.length];
  }
  return nonce;
}
