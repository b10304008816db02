/**
 * Temporary files (io/write.ts): none left when a build is stopped by SIGINT or SIGTERM; those a
 * killed (SIGKILL) build left are swept by the next build, never those of a build still running;
 * their names always fit 255 bytes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, stagedTarget, tempBeside } from '../../src/io/write.js';
import { generateLibrary, NOW, REPO, scratch } from '../scale/helpers.js';
import { runCli } from './run.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENTRY = path.join(REPO, 'test/scale/cli-entry.ts');

/** Every temporary file under `dir`, the cache's included. */
const temps = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tmp'));

/** A library of 24 packages, big enough that writing them takes a while. */
function library(): string {
  const dir = scratch();
  generateLibrary(path.join(dir, 'lib'), 24, 1, 30);
  return dir;
}

/** Starts `deckc build` and sends `signal` as soon as a temporary file shows in the output folder. */
async function signalWhileWriting(dir: string, signal: NodeJS.Signals) {
  const out = path.join(dir, 'dist');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, ENTRY, 'build', 'lib', '--jobs', '2'],
    { cwd: dir, env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW) }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  let seen = 0;
  while (!exited) {
    seen = readdirSync(out).filter((f) => f.endsWith('.tmp')).length;
    if (seen > 0) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill(signal);
  return { code: await exit, stderr, seen };
}

describe('temporary files', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`leaves none when a build is stopped by ${signal} while writing`, async () => {
      const dir = library();
      mkdirSync(path.join(dir, 'dist'));
      const { code, stderr, seen } = await signalWhileWriting(dir, signal);
      expect(seen, 'the signal came while outputs were being written').toBeGreaterThan(0);
      expect(code, stderr).toBe(130);
      expect(temps(dir)).toEqual([]);
    }, 120_000);

  it('are swept by the next build after a SIGKILL', async () => {
    const dir = library();
    mkdirSync(path.join(dir, 'dist'));
    const { seen } = await signalWhileWriting(dir, 'SIGKILL');
    expect(seen).toBeGreaterThan(0);
    const r = await runCli(['build', 'lib', '--jobs', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(temps(dir).filter((f) => !f.startsWith('lib/.deckc-cache/'))).toEqual([]);
  }, 120_000);

  it('are swept only when the build that made them is gone', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'notes'));
    writeFileSync(path.join(dir, 'notes/a.md'), ':p Q?\n??x\nA.\nx??\n');
    mkdirSync(path.join(dir, 'dist'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const names = {
      dead: `A.apkg.deckc-${dead}-0123abcd.tmp`,
      running: `A.apkg.deckc-${running.pid}-0123abcd.tmp`,
      self: `A.apkg.deckc-${process.pid}-0123abcd.tmp`,
      unknown: 'A.apkg.deckc-0-0123abcd.tmp',
      theirs: 'notes.tmp',
    };
    for (const name of Object.values(names)) {
      writeFileSync(path.join(dir, 'dist', name), 'half a package');
      writeFileSync(path.join(dir, 'notes', name), 'half a lock');
    }
    try {
      const r = await runCli(['build', 'notes', '--jobs', '1'], dir);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      running.kill();
    }
    const kept = [names.running, names.self, names.unknown, names.theirs].sort();
    expect(
      readdirSync(path.join(dir, 'dist'))
        .filter((f) => f.endsWith('.tmp'))
        .sort(),
    ).toEqual(kept);
    expect(
      readdirSync(path.join(dir, 'notes'))
        .filter((f) => f.endsWith('.tmp'))
        .sort(),
    ).toEqual(kept);
  });

  it('fit a 255-byte file name, and still say which file they stand for', () => {
    const long = `/out/${'é'.repeat(126)}.apkg`; // 257 bytes: already too long with any suffix
    const temp = tempBeside(long);
    expect(Buffer.byteLength(path.basename(temp))).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(path.dirname(temp)).toBe('/out');
    expect(stagedTarget(temp)).toBe(long);
    const short = tempBeside('/out/A.apkg');
    expect(path.basename(short)).toMatch(/^A\.apkg\.deckc-\d+-[0-9a-f]{8}\.tmp$/);
    expect(stagedTarget(short)).toBe('/out/A.apkg');
  });
});
