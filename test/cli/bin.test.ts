import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/cli/build.js';
import {
  buildOptions,
  copyFixtures,
  generateLibrary,
  NOW,
  REPO,
  readTree,
  scratch,
  treeDiff,
} from '../scale/helpers.js';

/** The installed command: `bin/deckc.js` over `lib/`, the compiler bundled for its threads. */
const deckc = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO, 'bin/deckc.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW) },
  });

const outputs = (dir: string) => readTree(dir, (r) => r.includes('.deckc-cache'));

describe('the built command (npm run build)', () => {
  it('loads the bundled compiler', () => {
    expect(existsSync(path.join(REPO, 'lib/io/worker.bundle.js'))).toBe(true);
  });

  it('gives the bytes of the library build, in this thread and on workers', async () => {
    const dir = scratch();
    generateLibrary(path.join(dir, 'lib'), 2, 3, 6);
    cpSync(path.join(copyFixtures('library'), 'library'), path.join(dir, 'pictures'), {
      recursive: true,
    });
    const twin = scratch();
    cpSync(dir, twin, { recursive: true });
    // Cold in this thread, then again on two workers without the cache: the same bytes.
    for (const extra of [
      ['--jobs', '1'],
      ['--jobs', '2', '--no-cache'],
    ]) {
      const r = deckc(dir, ['build', 'lib', 'pictures', '--out', 'dist', ...extra]);
      expect(r.status, r.stderr).toBe(0);
    }
    await build(buildOptions(twin, ['lib', 'pictures'], { cache: false }));
    expect(treeDiff(outputs(dir), outputs(twin))).toEqual([]);
  });
});
