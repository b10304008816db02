import { describe, expect, it } from 'vitest';
import { decode, firstInvalidUtf8 } from '../../src/parse/decode.js';
import * as parse from '../../src/parse/index.js';
import { Locator, splitLines } from '../../src/parse/lines.js';

describe('parse public surface', () => {
  it('exports parseFile only', () => {
    expect(Object.keys(parse).sort()).toEqual(['parseFile']);
  });

  it('returns the file, diagnostics and one :p marker per card', () => {
    const result = parse.parseFile(':p Q?\n??x\nA.\nx??\n', 'deck/a.md');
    expect(result.file.path).toBe('deck/a.md');
    expect(result.file.children).toHaveLength(1);
    expect(result.markers).toEqual([{ line: 1, column: 1, offset: 0 }]);
    expect(result.diagnostics).toEqual([]);
  });
});

describe('decode', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it.each([
    ['ascii', bytes(0x61, 0x62), -1],
    ['two-byte', bytes(0xc3, 0xa9), -1],
    ['four-byte', bytes(0xf0, 0x9f, 0x99, 0x82), -1],
    ['lone continuation', bytes(0x61, 0x80), 1],
    ['overlong', bytes(0xc0, 0xaf), 0],
    ['surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['truncated', bytes(0x61, 0xe2, 0x82), 1],
    ['beyond U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
  ])('finds the first invalid byte: %s', (_, input, at) => {
    expect(firstInvalidUtf8(input)).toBe(at);
  });

  it('strips a BOM and maps the bad byte to its text offset', () => {
    const d = decode(bytes(0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa9, 0xff, 0x62));
    expect(d.text).toBe('aé\ufffdb');
    expect(d.invalidAt).toBe(2);
    expect(d.invalidByte).toBe(6);
  });

  it('reads bytes that are not UTF-8 as UTF-16 when their NUL bytes say so, in either order', () => {
    const text = '#### 标题\n:p 这是一个问题？\n??x\n一二三。\nx??\n';
    const le = new Uint8Array(text.length * 2);
    const be = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      const u = text.charCodeAt(i);
      le[2 * i] = be[2 * i + 1] = u & 0xff;
      le[2 * i + 1] = be[2 * i] = u >> 8;
    }
    expect(decode(le)).toMatchObject({ text, encoding: 'utf-16le', invalidAt: -1 });
    expect(decode(be)).toMatchObject({ text, encoding: 'utf-16be', invalidAt: -1 });
    // Latin-1 is not UTF-8 either, but has no NUL: still read as (invalid) UTF-8.
    expect(decode(bytes(0x63, 0x61, 0x66, 0xe9, 0x0a))).toMatchObject({
      encoding: 'utf-8',
      invalidAt: 3,
    });
  });
});

describe('lines', () => {
  it('splits LF, CRLF and lone CR, and locates offsets by UTF-16 column', () => {
    const text = 'a\r\nbé\rc\n🙂d';
    const lines = splitLines(text);
    expect(lines.map((l) => l.text)).toEqual(['a', 'bé', 'c', '🙂d']);
    const loc = new Locator(lines);
    expect(loc.point(text.indexOf('d'))).toEqual({ line: 4, column: 3, offset: 10 });
    expect(loc.point(1)).toEqual({ line: 1, column: 2, offset: 1 }); // the CR ends line 1
  });
});
