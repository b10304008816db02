/**
 * Bytes → text. The text the parser works on is the decoded file with a leading BOM removed and
 * line endings kept as they are (CRLF stays CRLF), so every offset the parser reports indexes this
 * text in UTF-16 units, and every column is what an editor shows (the BOM and the CR are never
 * inside a line's visible text).
 */

export interface Decoded {
  text: string;
  /** Offset in `text` of the first character decoded from an invalid byte, or -1. */
  invalidAt: number;
  /** Byte offset of that invalid byte in the input, or -1. */
  invalidByte: number;
}

const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Index of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Decodes with U+FFFD replacement, strips one leading BOM, and locates the first bad byte. */
export function decode(input: Uint8Array | string): Decoded {
  if (typeof input === 'string') {
    return { text: stripBom(input), invalidAt: -1, invalidByte: -1 };
  }
  // The native strict decoder is the fast path; the byte scan runs only on invalid input.
  try {
    return { text: stripBom(strict.decode(input)), invalidAt: -1, invalidByte: -1 };
  } catch {
    // invalid UTF-8: located below
  }
  const bad = firstInvalidUtf8(input);
  const text = stripBom(lenient.decode(input));
  if (bad < 0) return { text, invalidAt: -1, invalidByte: -1 };
  // The prefix before the bad byte is valid, so it decodes to exactly the start of `text`.
  const prefix = stripBom(lenient.decode(input.subarray(0, bad)));
  return { text, invalidAt: prefix.length, invalidByte: bad };
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
