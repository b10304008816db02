import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fileKey } from '../../src/build/keys.js';
import type { CompiledFile } from '../../src/index.js';
import { BuildCache, recordingReader, sha256 } from '../../src/io/cache.js';
import { scratch } from './helpers.js';

const compiled: CompiledFile = {
  path: 'a.md',
  cards: [],
  media: [{ name: 'deckc-1.png', data: new Uint8Array([1, 2, 3]) }],
  diagnostics: [],
};

const files = (dir: string, kind: string) =>
  readdirSync(path.join(dir, 'v2', kind), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

describe('BuildCache', () => {
  it('keys a file by its bytes, its path and the salt (compiler + options)', () => {
    const bytes = new TextEncoder().encode('x');
    const key = fileKey('s', 'a.md', bytes);
    expect(fileKey('s', 'a.md', new TextEncoder().encode('x'))).toBe(key);
    expect(fileKey('s', 'b.md', bytes)).not.toBe(key);
    expect(fileKey('t', 'a.md', bytes)).not.toBe(key);
    expect(fileKey('s', 'a.md', new TextEncoder().encode('y'))).not.toBe(key);
  });

  it('returns what was stored, media bytes included, and gitignores itself', async () => {
    const dir = path.join(scratch(), '.deckc-cache');
    const cache = new BuildCache(dir);
    await cache.init();
    await cache.putFile('k1', compiled, []);
    const hit = await new BuildCache(dir).getFile('k1', () => null);
    expect(hit?.compiled).toEqual(compiled);
    expect(hit?.compiled.media[0]?.data).toBeInstanceOf(Uint8Array);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toContain('*');
    expect(await cache.getFile('other', () => null)).toBeNull();
  });

  it('misses when a media file the entry read has changed, appeared or vanished', async () => {
    const dir = scratch();
    const cache = new BuildCache(dir);
    const media: Record<string, Uint8Array | null> = {
      'img.png': new Uint8Array([7]),
      'no.png': null,
    };
    const recording = recordingReader((p) => media[p] ?? null);
    recording.readMedia('img.png');
    recording.readMedia('no.png');
    expect(recording.deps()).toEqual([
      { path: 'img.png', hash: sha256(new Uint8Array([7])) },
      { path: 'no.png', hash: null },
    ]);
    await cache.putFile('k', compiled, recording.deps());
    const read = (p: string) => media[p] ?? null;
    expect(await cache.getFile('k', read)).not.toBeNull();
    media['img.png'] = new Uint8Array([8]);
    expect(await cache.getFile('k', read)).toBeNull();
    media['img.png'] = new Uint8Array([7]);
    media['no.png'] = new Uint8Array([9]);
    expect(await cache.getFile('k', read)).toBeNull();
    media['no.png'] = null;
    delete media['img.png'];
    expect(await cache.getFile('k', read)).toBeNull();
  });

  it('treats a truncated entry, a foreign entry or a damaged blob as a miss', async () => {
    const dir = scratch();
    const cache = new BuildCache(dir);
    await cache.putFile('k', compiled, []);
    const [entry] = files(dir, 'files');
    const zipped = readFileSync(entry!);
    writeFileSync(entry!, zipped.subarray(0, zipped.length / 2));
    expect(await new BuildCache(dir).getFile('k', () => null)).toBeNull();
    // The same as plain JSON (an entry of an older deckc): truncated, foreign, whole.
    const text = gunzipSync(zipped).toString('utf8');
    writeFileSync(entry!, text.slice(0, text.length / 2));
    expect(await new BuildCache(dir).getFile('k', () => null)).toBeNull();
    writeFileSync(entry!, text.replace('"key":"k"', '"key":"j"'));
    expect(await new BuildCache(dir).getFile('k', () => null)).toBeNull();
    writeFileSync(entry!, text);
    expect(await new BuildCache(dir).getFile('k', () => null)).not.toBeNull();
    const [blob] = files(dir, 'blobs');
    const picture = readFileSync(blob!);
    writeFileSync(blob!, Buffer.alloc(picture.length, 0x2a)); // same size, other bytes
    expect(await new BuildCache(dir).getFile('k', () => null)).toBeNull();
    // ... and storing it again replaces the damaged blob.
    await cache.putFile('k', compiled, []);
    expect(readFileSync(blob!)).toEqual(picture);
    expect(await new BuildCache(dir).getFile('k', () => null)).not.toBeNull();
  });

  it("records an emitted output's hash, not a second copy of its bytes", async () => {
    const dir = scratch();
    const cache = new BuildCache(dir);
    const hash = sha256(new TextEncoder().encode('package bytes'));
    await cache.putOutput('o', hash);
    expect(await cache.getOutputHash('o')).toBe(hash);
    expect(await cache.readBlob(hash)).toBeNull();
    expect(await cache.getOutputHash('missing')).toBeNull();
  });

  it('stores compiled files gzipped, and still reads an entry of plain JSON', async () => {
    const dir = scratch();
    const cache = new BuildCache(dir);
    await cache.putFile('k', { ...compiled, media: [] }, []);
    const [entry] = files(dir, 'files');
    const bytes = readFileSync(entry!);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    writeFileSync(entry!, gunzipSync(bytes));
    expect((await cache.getFile('k', () => null))?.compiled.path).toBe('a.md');
  });
});
