import { inflateRawSync } from 'node:zlib';
import { gzipSync, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zip } from '../../src/emit/zip.js';
import { zipEntries } from '../helpers/read-apkg.js';

/** CRC-32 computed by another implementation: fflate's gzip trailer carries it. */
function crcOf(data: Uint8Array): number {
  const gz = gzipSync(data);
  return new DataView(gz.buffer, gz.byteOffset + gz.length - 8, 4).getUint32(0, true);
}

const text = new TextEncoder().encode('hello hello hello hello');
const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);

describe('zip', () => {
  it('writes entries in order that another unzipper reads back', async () => {
    const bytes = await zip([
      { name: 'a.txt', data: text },
      { name: 'b.bin', data: binary, store: true },
      { name: 'empty', data: new Uint8Array() },
    ]);
    expect(zipEntries(bytes).map((entry) => entry.name)).toEqual(['a.txt', 'b.bin', 'empty']);
    const files = unzipSync(bytes);
    expect(files['a.txt']).toEqual(text);
    expect(files['b.bin']).toEqual(binary);
    expect(files.empty).toEqual(new Uint8Array());
  });

  it('deflates unless told to store, and records true CRCs and sizes', async () => {
    const bytes = await zip([
      { name: 'a.txt', data: text },
      { name: 'b.bin', data: binary, store: true },
    ]);
    const [deflated, stored] = zipEntries(bytes);
    expect(deflated).toMatchObject({ method: 8, size: text.length, crc: crcOf(text) });
    expect(deflated!.compressedSize).toBeLessThan(text.length);
    expect(stored).toMatchObject({
      method: 0,
      size: binary.length,
      compressedSize: binary.length,
      crc: crcOf(binary),
    });
  });

  it('flags UTF-8 names and leaves ASCII names unflagged', async () => {
    const bytes = await zip([
      { name: 'plain.png', data: text },
      { name: 'café-δ.png', data: text },
    ]);
    const [plain, accented] = zipEntries(bytes);
    expect(plain!.flags & 0x0800).toBe(0);
    expect(accented!.flags & 0x0800).toBe(0x0800);
    expect(Object.keys(unzipSync(bytes))).toEqual(['plain.png', 'café-δ.png']);
  });

  it('deflates a large entry in pieces into one stream that other inflaters read', async () => {
    // 3.5 MiB of compressible, non-repeating text: four pieces, the last one short.
    const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} ${(i * 7919) % 10007}\n`);
    const data = new TextEncoder().encode(lines.join('').padEnd(3.5 * (1 << 20), '.'));
    const bytes = await zip([{ name: 'big', data }]);
    const [entry] = zipEntries(bytes);
    expect(entry).toMatchObject({ method: 8, size: data.length, crc: crcOf(data) });
    // (Buffer comparison: deep equality of megabyte arrays is slow.)
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    expect(same(unzipSync(bytes).big!, data)).toBe(true);
    // Node's inflater too, and the same bytes on every run.
    const body = bytes.subarray(30 + 3, 30 + 3 + entry!.compressedSize);
    expect(same(inflateRawSync(body), data)).toBe(true);
    expect(same(await zip([{ name: 'big', data }]), bytes)).toBe(true);
  });

  it('dates every entry 2020-01-01 12:00 without reading the clock', async () => {
    for (const entry of zipEntries(await zip([{ name: 'a', data: text }]))) {
      expect(entry.dosDate).toBe(((2020 - 1980) << 9) | (1 << 5) | 1);
      expect(entry.dosTime).toBe(12 << 11);
    }
  });
});
