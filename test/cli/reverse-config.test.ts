import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const CARD = '#### T\n\n:p What is 2+2?\n\n??x\nFour.\nx??\n';

describe('config keys the engine reads', () => {
  it('reverse the basic cards of the files they match; front matter wins', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-reverse-'));
    mkdirSync(path.join(dir, 'notes/vocab'), { recursive: true });
    mkdirSync(path.join(dir, 'notes/maths'), { recursive: true });
    writeFileSync(path.join(dir, 'notes/vocab/a.md'), CARD);
    writeFileSync(path.join(dir, 'notes/vocab/b.md'), `---\nreverse: false\n---\n${CARD}`);
    writeFileSync(path.join(dir, 'notes/maths/c.md'), CARD);
    writeFileSync(
      path.join(dir, 'deckc.config.json'),
      JSON.stringify({ reverse: { 'vocab/**': true } }),
    );
    const r = await runCli(['build', 'notes', '--format', 'json', '--jobs', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    const kinds = (deck: string) =>
      JSON.parse(readFileSync(path.join(dir, `dist/${deck}.json`), 'utf8')).cards.map(
        (c: { source: { file: string }; kind?: string }) => `${c.source.file}:${c.kind ?? 'basic'}`,
      );
    expect(kinds('vocab')).toEqual(['vocab/a.md:reversed', 'vocab/b.md:basic']);
    expect(kinds('maths')).toEqual(['maths/c.md:basic']);
    const shown = await runCli(['check', 'notes', '--print-config'], dir);
    expect(shown.stdout).toContain('"reverse"');
  });

  it('sets the size limits the build reads with (`limits`)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-limits-'));
    mkdirSync(path.join(dir, 'notes'));
    writeFileSync(path.join(dir, 'notes/a.md'), CARD.replace('Four.', 'Four. ![](pic.png)'));
    const png = [0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10];
    writeFileSync(
      path.join(dir, 'notes/pic.png'),
      Buffer.concat([Buffer.from(png), Buffer.alloc(2000)]),
    );
    writeFileSync(path.join(dir, 'notes/b.md'), CARD.repeat(50));
    const limits = { markdownBytes: 1000, mediaBytes: 1000 };
    writeFileSync(path.join(dir, 'deckc.config.json'), JSON.stringify({ limits }));
    const r = await runCli(['check', 'notes', '--jobs', '1'], dir);
    expect(r.stderr).toMatch(/notes\/b\.md:1:1: error: .*\[file-too-large\]/);
    // The picture is over the media limit: not read, so not packaged.
    expect(r.stderr).toMatch(/notes\/a\.md:\d+:\d+: error: .*'pic\.png'.*\[missing-media\]/);
    // Within the default limits both are read.
    writeFileSync(path.join(dir, 'deckc.config.json'), '{}');
    const fine = await runCli(['check', 'notes', '--jobs', '1'], dir);
    expect(fine.stderr).not.toMatch(/file-too-large|missing-media/);
  });
});
