import { createHash } from 'node:crypto';

/** Hex SHA-256 of a string, truncated to `length` hex digits (64 bits by default). */
export function hashHex(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A 64-bit hash of `text` in base 62 (11 characters). Base 62 rather than Anki's base 91: no
 * character that CSV, shells or a leading `#` (a comment in Anki's text import) could trip on.
 */
export function hashBase62(text: string): string {
  let n = BigInt(`0x${hashHex(text, 16)}`);
  let out = '';
  for (let i = 0; i < 11; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}
