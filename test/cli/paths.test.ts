import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const fixtures = new URL('../fixtures/paths/', import.meta.url).pathname;
const fixture = path.join(fixtures, 'shell-glob');

/** `dir/` of the fixture, or a copy of `from`, in a fresh temp folder. */
function workspace(from = fixture) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-paths-'));
  cpSync(from, dir, { recursive: true });
  return dir;
}

/** Every output and the lock file, as bytes. */
const state = (ws: string) => ({
  lock: readFileSync(path.join(ws, 'dir/deckc.lock.json')),
  ...Object.fromEntries(
    readdirSync(path.join(ws, 'dist'))
      .sort()
      .map((f) => [f, readFileSync(path.join(ws, 'dist', f))]),
  ),
});

/** One thread: outputs do not depend on it, and workers would only slow these small builds. */
const build = (ws: string, ...args: string[]) => runCli(['build', '-j', '1', ...args], ws);

/** What a shell gives for `dir/*.md`. */
const SHELL = ['dir/intro.md', 'dir/second.md'];

/**
 * A project built once (so that it has a lock file), then a card changed in a file the shell's
 * `dir/*.md` does not name: a build that reads only the named files retires it.
 */
async function builtProject() {
  const base = workspace();
  expect((await build(base, 'dir')).code).toBe(0);
  const file = path.join(base, 'dir/Rust/ownership.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('Exactly one binding.', 'One owner.'));
  return base;
}

describe('deckc build with file and glob arguments', () => {
  it('dir/a.md dir/b.md … (a shell-expanded glob) builds exactly what `dir` builds', async () => {
    const base = await builtProject();
    const byFolder = workspace(base);
    const byFiles = workspace(base);
    expect((await build(byFolder, 'dir')).code).toBe(0);
    const r = await build(byFiles, ...SHELL);
    expect(r.stderr).not.toContain('retired');
    expect(r.stderr).toContain('deckc: 3 files, 3 cards');
    expect(r.code).toBe(0);
    expect(state(byFiles)).toEqual(state(byFolder));
    expect(readFileSync(path.join(byFiles, 'dir/deckc.lock.json'), 'utf8')).toContain(
      '"q":"Who owns a value?"',
    );
  });

  it('so from a cold start too: `dir` then changes nothing', async () => {
    const ws = workspace();
    const r = await build(ws, ...SHELL);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('deckc: 3 files, 3 cards');
    const first = state(ws);
    expect(existsSync(path.join(ws, 'dir/Rust/deckc.lock.json'))).toBe(false);
    expect((await build(ws, 'dir', '--frozen')).code).toBe(0);
    expect((await build(ws, 'dir')).code).toBe(0);
    expect(state(ws)).toEqual(first);
  });

  it.each([['dir/*.md'], ['dir/**/*.md'], ['./dir/{intro,second}.md']])(
    'a quoted glob %s is expanded by deckc, with the same result',
    async (glob) => {
      const base = await builtProject();
      const byFolder = workspace(base);
      const byGlob = workspace(base);
      await build(byFolder, 'dir');
      const r = await build(byGlob, glob);
      expect(r.stderr).not.toContain('retired');
      expect(r.code).toBe(0);
      expect(state(byGlob)).toEqual(state(byFolder));
    },
  );

  it('a glob that matches no Markdown file exits 2 and writes nothing', async () => {
    const ws = workspace();
    const r = await build(ws, 'dir/*.txt');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("deckc: no Markdown file matches 'dir/*.txt'\n");
    expect(readdirSync(ws)).toEqual(['dir']);
    expect(existsSync(path.join(ws, 'dir/deckc.lock.json'))).toBe(false);
  });

  it('a nested project is built as its own root, each card in one lock only', async () => {
    const ws = workspace(path.join(fixtures, 'nested'));
    const r = await build(ws, 'outer/top.md');
    expect(r.stderr).not.toContain('retired');
    expect(r.stderr).toContain('deckc: 4 files, 4 cards');
    expect(r.code).toBe(0);
    const outer = readFileSync(path.join(ws, 'outer/deckc.lock.json'), 'utf8');
    const inner = readFileSync(path.join(ws, 'outer/Inner/deckc.lock.json'), 'utf8');
    expect(outer).toContain('"q":"What is plain?"');
    expect(outer).not.toContain('"q":"What is inner?"');
    expect(inner).toContain('"q":"What is deeper?"');
    expect(inner).not.toContain('"q":"What is on top?"');
  });
});
