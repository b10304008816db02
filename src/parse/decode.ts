/**
 * Bytes → text. UTF-8, or UTF-16 (what Windows PowerShell 5's `>` writes): with a BOM (`FF FE`,
 * `FE FF`), or without one when its NUL bytes show it (see `sniffUtf16`, and `sniffUtf16Loose`
 * for bytes that are not UTF-8); a UTF-8 BOM is dropped.
 * The text the parser works on is the decoded file with a leading BOM removed and
 * line endings kept as they are (CRLF stays CRLF), so every offset the parser reports indexes this
 * text in UTF-16 units, and every column is what an editor shows (the BOM and the CR are never
 * inside a line's visible text).
 */

export interface Decoded {
  text: string;
  /** The encoding the bytes were read as (strings given as text are `utf-8`). */
  encoding: Encoding;
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

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/**
 * Decodes with U+FFFD replacement, strips one leading BOM, and locates the first bad byte (for
 * UTF-16: the first byte of an unpaired surrogate, or a lone last byte).
 */
export function decode(input: Uint8Array | string): Decoded {
  if (typeof input === 'string') {
    return { text: stripBom(input), encoding: 'utf-8', invalidAt: -1, invalidByte: -1 };
  }
  const utf16 = sniffUtf16(input);
  if (utf16) return decodeUtf16(input, utf16);
  // The native strict decoder is the fast path; the byte scan runs only on invalid input.
  try {
    return {
      text: stripBom(strict.decode(input)),
      encoding: 'utf-8',
      invalidAt: -1,
      invalidByte: -1,
    };
  } catch {
    // invalid UTF-8: located below
  }
  // Not UTF-8: UTF-16 whose first 4 KiB hold too little ASCII for `sniffUtf16` (Chinese text,
  // say) still shows itself by NUL bytes in one byte position only.
  const late = sniffUtf16Loose(input);
  if (late) return decodeUtf16(input, late);
  const bad = firstInvalidUtf8(input);
  const text = stripBom(lenient.decode(input));
  if (bad < 0) return { text, encoding: 'utf-8', invalidAt: -1, invalidByte: -1 };
  // The prefix before the bad byte is valid, so it decodes to exactly the start of `text`.
  const prefix = stripBom(lenient.decode(input.subarray(0, bad)));
  return { text, encoding: 'utf-8', invalidAt: prefix.length, invalidByte: bad };
}

/** Bytes looked at to recognise BOM-less UTF-16. */
const SNIFF_BYTES = 4096;

/**
 * UTF-16 by its BOM, or without one by its NUL pattern: text in UTF-16 has a zero high byte for
 * every ASCII character (line breaks, spaces and Markdown markers at least), so at least a
 * quarter of one parity's bytes are NUL and almost none of the other's; UTF-8 text has no NUL at
 * all. Looks at the first 4 KiB.
 */
export function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros >= pairs / 4 && evenZeros <= pairs / 50) return 'utf-16le';
  if (evenZeros >= pairs / 4 && oddZeros <= pairs / 50) return 'utf-16be';
  return null;
}

/**
 * UTF-16 recognised in bytes that are not UTF-8, by where their NUL bytes fall: every ASCII
 * character (a line break, a space, a marker) has one in the same position of its pair, while
 * other characters rarely have one at all, and text in any other encoding has none. So at least
 * one NUL, and 4 times more in one position than in the other, picks that byte order.
 */
export function sniffUtf16Loose(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  let evenZeros = 0;
  let oddZeros = 0;
  const n = bytes.length & ~1;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  if (oddZeros > 0 && evenZeros * 4 <= oddZeros) return 'utf-16le';
  if (evenZeros > 0 && oddZeros * 4 <= evenZeros) return 'utf-16be';
  return null;
}

function decodeUtf16(input: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): Decoded {
  const text = stripBom(new TextDecoder(encoding, { ignoreBOM: true }).decode(input));
  const bad = firstInvalidUtf16(input, encoding === 'utf-16le');
  if (bad < 0) return { text, encoding, invalidAt: -1, invalidByte: -1 };
  const bom = input[0] === (encoding === 'utf-16le' ? 0xff : 0xfe) ? 2 : 0;
  const units = (bad - bom) / 2;
  // Every unit before the bad one decoded to one UTF-16 unit of the text (pairs to two).
  return { text, encoding, invalidAt: Math.floor(units), invalidByte: bad };
}

/** Byte offset of the first unpaired surrogate (or of a lone last byte), or -1. */
function firstInvalidUtf16(bytes: Uint8Array, littleEndian: boolean): number {
  const unit = (i: number) =>
    littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
  const n = bytes.length & ~1;
  for (let i = 0; i < n; i += 2) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 2 < n ? unit(i + 2) : -1;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 2;
        continue;
      }
      return i;
    }
    if (u >= 0xdc00 && u <= 0xdfff) return i;
  }
  return bytes.length % 2 === 1 ? bytes.length - 1 : -1;
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
