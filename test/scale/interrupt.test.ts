import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type BuildOptions, build } from '../../src/build/build.js';
import {
  buildOptions,
  generateLibrary,
  NOW,
  REPO,
  readTree,
  scratch,
  treeDiff,
} from './helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENTRY = path.join(REPO, 'test/scale/cli-entry.ts');

const options = (cwd: string, more: Partial<BuildOptions> = {}) => buildOptions(cwd, ['lib'], more);

const state = (dir: string) => readTree(dir, (r) => r.includes('.deckc-cache'));
/** Whole compiled-file entries (not their folders, nor the temporary files of writes under way). */
const cacheEntries = (dir: string) =>
  readdirSync(path.join(dir, 'lib/.deckc-cache/v2/files'), { recursive: true }).filter((f) =>
    String(f).endsWith('.json'),
  ).length;

/** A library built once, then edited everywhere so that the next build has real work to do. */
async function editedLibrary() {
  const dir = scratch();
  generateLibrary(path.join(dir, 'lib'), 4, 10, 30);
  await build(options(dir));
  for (const entry of readdirSync(path.join(dir, 'lib'), { recursive: true })) {
    const file = path.join(dir, 'lib', String(entry));
    if (file.endsWith('.md'))
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\?\n/g, '?!\n'));
  }
  return dir;
}

/** Starts `deckc build` as a child and sends `signal` once it has compiled a few files. */
async function killMidBuild(dir: string, signal: NodeJS.Signals) {
  const before = cacheEntries(dir);
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, ENTRY, 'build', 'lib', '--jobs', '2'],
    { cwd: dir, env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW + 60) }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const end = Date.now() + 60_000;
  while (cacheEntries(dir) < before + 3 && Date.now() < end)
    await new Promise((r) => setTimeout(r, 10));
  child.kill(signal);
  const code = await exited;
  return { code, stderr, compiledBeforeKill: cacheEntries(dir) - before };
}

/** Temporary files outside the cache (a killed worker may leave one in the cache: never read). */
const leftovers = (dir: string) => [...state(dir).keys()].filter((f) => f.endsWith('.tmp'));

describe('an interrupted build (child process)', () => {
  it('stops on SIGTERM before writing: outputs and lock stay as they were', async () => {
    const dir = await editedLibrary();
    const before = state(dir);
    const { code, stderr, compiledBeforeKill } = await killMidBuild(dir, 'SIGTERM');
    expect(compiledBeforeKill).toBeLessThan(40); // it really was stopped mid-build
    expect(stderr).toContain('deckc: interrupted; outputs and lock file left as they were');
    expect(code).toBe(130);
    expect(treeDiff(state(dir), before)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  }, 120_000);

  it('stops within a long compile of one large file: it runs off the thread that handles signals', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'lib/a'), { recursive: true });
    // ~600 KB of cards takes seconds to compile; --jobs 1 would compile it in this thread.
    const cards = Array.from(
      { length: 2500 },
      (_, i) =>
        `#### Card ${i}\n\nSome *context* with \`code\` and $x^${i}$.\n\n:p What is the ${i}th thing about **topic ${i}**?\n\n??The answer ${i} is _here_, with a [link](http://e.com/${i}) and more words.??\n\n---\n`,
    );
    writeFileSync(path.join(dir, 'lib/a/big.md'), cards.join('\n'));
    writeFileSync(path.join(dir, 'lib/a/small.md'), '#### T\n\n:p Q?\n\n??A??\n');
    const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'build', 'lib', '--jobs', '1'], {
      cwd: dir,
      env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW) },
      stdio: 'pipe',
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    // The small file is compiled here once the large one is under way (largest first).
    const files = () =>
      existsSync(path.join(dir, 'lib/.deckc-cache/v2/files'))
        ? readdirSync(path.join(dir, 'lib/.deckc-cache/v2/files'), { recursive: true }).filter(
            (f) => String(f).endsWith('.json'),
          ).length
        : 0;
    while (files() < 1) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    // Had the signal waited for the large compile to end, its cache entry would be there.
    expect(files()).toBe(1);
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(existsSync(path.join(dir, 'lib/deckc.lock.json'))).toBe(false);
  }, 120_000);

  it('leaves whole outputs and a usable cache on SIGKILL; the next build matches a cold one', async () => {
    const dir = await editedLibrary();
    await killMidBuild(dir, 'SIGKILL');
    for (const [name, bytes] of state(dir)) {
      if (name.endsWith('.json')) expect(() => JSON.parse(bytes.toString())).not.toThrow();
      if (name.endsWith('.apkg'))
        expect(Object.keys(unzipSync(bytes))).toContain('collection.anki2');
    }
    const twin = scratch();
    cpSync(dir, twin, { recursive: true, filter: (src) => !src.includes('.deckc-cache') });
    const warm = await build(options(dir, { now: NOW + 60 }));
    expect(warm.compiled.length).toBeLessThan(40); // what the killed build compiled is reused
    await build(options(twin, { now: NOW + 60, cache: false }));
    expect(treeDiff(state(dir), state(twin))).toEqual([]);
  }, 120_000);
});
