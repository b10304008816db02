/**
 * File-system failures are the user's to fix, not bugs: one line naming the path (the file deckc
 * meant, not its temporary stand-in) and the reason, exit 2, never "internal error" and a stack.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFsFailure } from '../../src/cli/main.js';
import { copyFixtures, NOW, REPO } from '../scale/helpers.js';
import { runCli } from './run.js';

/** Exactly one line on stderr, a deckc: line, with no stack. */
const oneLine = (stderr: string) => {
  expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
};

describe('file-system failures', () => {
  it('a folder name longer than the file system takes', async () => {
    const dir = copyFixtures('library');
    const long = 'a'.repeat(300);
    const r = await runCli(['build', 'library', '--out', long, '--jobs', '1'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `deckc: cannot create the folder '${long}': file name too long (ENAMETOOLONG)\n`,
    );
    const file = await runCli(['check', 'library', '--output-file', `${long}.txt`], dir);
    expect(file.code).toBe(2);
    oneLine(file.stderr);
    expect(file.stderr).toContain(`'${long}.txt': file name too long (ENAMETOOLONG)`);
  });

  it('a full disk', async () => {
    const dir = copyFixtures('broken');
    const r = await runCli(['check', 'broken', '--output-file', '/dev/full'], dir);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain("cannot write '/dev/full': no space left on device (ENOSPC)");
  });

  it('a read-only output folder (the built command, as an unprivileged user when root)', () => {
    const dir = copyFixtures('library');
    const out = path.join(dir, 'out');
    mkdirSync(out);
    chmodSync(out, 0o555);
    chmodSync(dir, 0o777);
    const root = process.getuid?.() === 0;
    const argv = [path.join(REPO, 'bin/deckc.js'), 'build', 'library', '--out', 'out', '-j', '1'];
    const r = spawnSync(
      root ? 'setpriv' : process.execPath,
      root ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv] : argv,
      { cwd: dir, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW) } },
    );
    expect(r.status, r.stderr).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(
      /^deckc: cannot open 'out\/(biology|chemistry)\.(apkg|csv|json)': permission denied \(EACCES\)\n$/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it('names the target of a rename, and the file behind a temporary name', () => {
    const error = Object.assign(new Error('EROFS'), {
      code: 'EROFS',
      syscall: 'rename',
      path: '/w/dist/A.apkg.deckc-4242-0123abcd.tmp',
      dest: '/w/dist/A.apkg',
    });
    expect(describeFsFailure(error, '/w')).toBe(
      "cannot rename 'dist/A.apkg': read-only file system (EROFS)",
    );
    const mkdir = Object.assign(new Error('x'), { code: 'EACCES', syscall: 'mkdir', path: '/x' });
    expect(describeFsFailure(mkdir, '/w')).toBe(
      "cannot create the folder '/x': permission denied (EACCES)",
    );
    expect(describeFsFailure(new TypeError('a bug'), '/w')).toBeUndefined();
  });
});
