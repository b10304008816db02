/**
 * One input root, one rule for what is inside it (io/input.ts): links out of the root are never
 * followed and are `outside-root`, whatever they point at; only regular files are read
 * (`not-a-file`), a Markdown file over the limit is `file-too-large`, media over the limit or not
 * regular is not read; hidden names and node_modules are one `info` per root; a file named on the
 * command line that its root does not read is `not-read`.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob } from '../../src/io/glob.js';
import { collectInputs, DEFAULT_LIMITS, IoError, mediaReader } from '../../src/io/input.js';

const CARD = ':p Q?\n??x\nA.\nx??\n';

function tree(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'deckc-rules-')));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const said = async (cwd: string, paths: string[], limits = DEFAULT_LIMITS) => {
  const [root, ...more] = await collectInputs(paths, cwd, [], limits);
  expect(more).toEqual([]);
  return {
    files: root!.files.map((f) => f.path),
    diagnostics: (root!.diagnostics ?? []).map((d) => `${d.file} ${d.severity} ${d.rule}`),
  };
};

describe('what an input root reads', () => {
  it('never follows a link out of the root, whatever it points at (ln -s / in/root does not walk /proc)', async () => {
    const outside = tree({ 'far.md': CARD, 'pic.png': 'png', 'deck/b.md': CARD });
    const cwd = tree({ 'in/Book/a.md': CARD });
    symlinkSync('/', path.join(cwd, 'in/root'));
    symlinkSync(path.join(outside, 'far.md'), path.join(cwd, 'in/Book/far.md'));
    symlinkSync(path.join(outside, 'pic.png'), path.join(cwd, 'in/Book/pic.png'));
    symlinkSync(path.join(outside, 'deck'), path.join(cwd, 'in/deck'));
    expect(await said(cwd, ['in'])).toEqual({
      files: ['Book/a.md'],
      diagnostics: [
        'Book/far.md warning outside-root',
        'Book/pic.png warning outside-root',
        'deck warning outside-root',
        'root warning outside-root',
      ],
    });
    // Media is refused by the same rule: the reader does not follow the link out either.
    expect(mediaReader(path.join(cwd, 'in'))('Book/pic.png')).toBeNull();
  });

  it('reads only regular files: FIFOs and broken links are said, never waited on', async () => {
    const cwd = tree({ 'in/Book/a.md': CARD, 'in/Book/ok.png': 'png' });
    execFileSync('mkfifo', [path.join(cwd, 'in/Book/pipe.md'), path.join(cwd, 'in/Book/pic.png')]);
    symlinkSync('/nowhere', path.join(cwd, 'in/Book/gone.md'));
    symlinkSync('/dev/zero', path.join(cwd, 'in/Book/zero.png'));
    expect(await said(cwd, ['in'])).toEqual({
      files: ['Book/a.md'],
      diagnostics: [
        'Book/gone.md warning not-a-file',
        'Book/pic.png warning not-a-file',
        'Book/pipe.md warning not-a-file',
        'Book/zero.png warning outside-root',
      ],
    });
    const read = mediaReader(path.join(cwd, 'in'));
    expect(read('Book/pic.png')).toBeNull(); // a FIFO: refused at once
    expect(read('Book/ok.png')).toEqual(Buffer.from('png'));
    await expect(collectInputs(['in/Book/pipe.md'], cwd)).rejects.toThrow(IoError);
  });

  it('has a size limit for Markdown and for media', async () => {
    const cwd = tree({ 'in/Book/a.md': CARD, 'in/Book/big.md': '', 'in/Book/big.png': '' });
    truncateSync(path.join(cwd, 'in/Book/big.md'), 2000);
    truncateSync(path.join(cwd, 'in/Book/big.png'), 2000);
    const limits = { markdownBytes: 1000, mediaBytes: 1000 };
    const { files, diagnostics } = await said(cwd, ['in'], limits);
    expect(files).toEqual(['Book/a.md']);
    expect(diagnostics).toEqual(['Book/big.md error file-too-large']);
    expect(mediaReader(path.join(cwd, 'in'), limits)('Book/big.png')).toBeNull();
    expect(mediaReader(path.join(cwd, 'in'))('Book/big.png')).toHaveLength(2000);
  });

  it('says once per root how many hidden names and node_modules it skipped, with an example', async () => {
    const cwd = tree({
      'in/Book/a.md': CARD,
      'in/.drafts/d.md': CARD,
      'in/Book/.c.md': CARD,
      'in/node_modules/x/y.md': CARD,
      'in/.git/HEAD': 'ref',
      'in/.gitignore': 'dist',
    });
    const [root] = await collectInputs(['in'], cwd);
    expect(root!.diagnostics).toEqual([
      {
        file: '.drafts',
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'info',
        rule: 'skipped-hidden',
        message:
          "3 hidden folders, files or node_modules not read (e.g. '.drafts/'): deckc skips names starting with '.' and node_modules",
      },
    ]);
  });

  it('says so when a file named on the command line is one its root does not read', async () => {
    const cwd = tree({
      'in/deckc.lock.json': '{}',
      'in/Book/a.md': CARD,
      'in/.drafts/d.md': CARD,
      'in/Book/skip.md': CARD,
    });
    const [root] = await collectInputs(['in/.drafts/d.md', 'in/Book/skip.md'], cwd, [
      'Book/skip.md',
    ]);
    expect(root!.files.map((f) => f.path)).toEqual(['Book/a.md']);
    expect(root!.diagnostics?.map((d) => `${d.file} ${d.rule}`)).toEqual([
      '.drafts skipped-hidden',
      '.drafts/d.md not-read',
      'Book/skip.md not-read',
    ]);
  });

  it('globs do not follow links out of where they start', async () => {
    const cwd = tree({ 'notes/a.md': CARD });
    symlinkSync('/', path.join(cwd, 'notes/root'));
    expect(await expandGlob('notes/**/*.md', cwd, (n) => n.startsWith('.'))).toEqual([
      path.join(cwd, 'notes/a.md'),
    ]);
  });
});
