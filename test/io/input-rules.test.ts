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
import { compileFile } from '../../src/compile.js';
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
        'deck warning outside-root',
        'root warning outside-root',
      ],
    });
    // Media is refused by the reader, which says why, to be reported once where a card uses it.
    const read = mediaReader(path.join(cwd, 'in'));
    expect(read('Book/pic.png')).toBeNull();
    expect(read.refusal?.('Book/pic.png')?.rule).toBe('outside-root');
  });

  it('reads only regular files: FIFOs and broken links are said, never waited on', async () => {
    const cwd = tree({ 'in/Book/a.md': CARD, 'in/Book/ok.png': 'png' });
    execFileSync('mkfifo', [path.join(cwd, 'in/Book/pipe.md'), path.join(cwd, 'in/Book/pic.png')]);
    symlinkSync('/nowhere', path.join(cwd, 'in/Book/gone.md'));
    symlinkSync('/dev/zero', path.join(cwd, 'in/Book/zero.png'));
    expect(await said(cwd, ['in'])).toEqual({
      files: ['Book/a.md'],
      diagnostics: ['Book/gone.md warning not-a-file', 'Book/pipe.md warning not-a-file'],
    });
    const read = mediaReader(path.join(cwd, 'in'));
    expect(read('Book/pic.png')).toBeNull(); // a FIFO: refused at once
    expect(read.refusal?.('Book/pic.png')?.rule).toBe('not-a-file');
    expect(read('Book/zero.png')).toBeNull();
    expect(read.refusal?.('Book/zero.png')?.rule).toBe('outside-root');
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

  it('gives a card that uses refused media one diagnostic saying why, where the card uses it', async () => {
    const outside = tree({ 'pic.png': 'png' });
    const cwd = tree({ 'in/Book/a.md': '' });
    symlinkSync(path.join(outside, 'pic.png'), path.join(cwd, 'in/Book/out.png'));
    execFileSync('mkfifo', [path.join(cwd, 'in/Book/pipe.png')]);
    writeFileSync(path.join(cwd, 'in/Book/big.png'), Buffer.alloc(2000));
    const text = ':p Q?\n??x\n![](out.png) ![](pipe.png) ![](big.png)\nx??\n';
    const root = path.join(cwd, 'in');
    const read = mediaReader(root, { ...DEFAULT_LIMITS, mediaBytes: 1000 });
    const { diagnostics } = compileFile(text, 'Book/a.md', read, { rootDeck: 'Default' });
    expect(diagnostics.map((d) => `${d.column} ${d.rule}: ${d.message}`)).toEqual([
      expect.stringMatching(
        /^1 media-outside-root: Unexpected image 'out\.png' linked to '.*' outside the input root/,
      ),
      expect.stringMatching(
        /^14 missing-media: Unexpected image 'pipe\.png' that is a named pipe \(FIFO\)/,
      ),
      expect.stringMatching(
        /^28 missing-media: Unexpected image 'big\.png' of 2000 bytes, expected at most 1000/,
      ),
    ]);
    // ... and the walk says nothing of them: one problem, one diagnostic.
    expect((await said(cwd, ['in'])).diagnostics).toEqual([]);
  });
});
