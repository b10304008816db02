import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';

const fixtures = new URL('../fixtures/fix/', import.meta.url).pathname;

/** A temp folder with input/<fixture>.md for each fix fixture, a lock file and an output. */
function workspace(withLock = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-fix-'));
  mkdirSync(path.join(dir, 'input'));
  for (const name of readdirSync(fixtures))
    cpSync(path.join(fixtures, name, 'input.md'), path.join(dir, 'input', `${name}.md`));
  if (withLock) writeFileSync(path.join(dir, 'input/deckc.lock.json'), '{"not": "touched"}\n');
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist/Default.json'), 'not touched');
  return dir;
}

/** Every file under `dir` by relative path, with its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile())
      .map((e) => {
        const full = path.join(e.parentPath, e.name);
        return [path.relative(dir, full), readFileSync(full, 'latin1')];
      })
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

describe('deckc fix', () => {
  it('fixes the sources, says what it changed, and a second run changes nothing', async () => {
    const dir = workspace();
    const before = snapshot(dir);
    const r = await runCli(['fix'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('  fixed input/answer-closer.md: 2 answer-closer, 1 glued-marker\n');
    expect(r.stderr).toMatch(
      /^deckc: 12 files, 11 changed; \d+ fixes applied \(\d+ answer-closer, /m,
    );
    expect(r.stderr).not.toContain('not applied');
    // What is left to fix by hand is listed like a build's diagnostics.
    expect(r.stderr).toMatch(/^input\/not-fixable\.md:5:5: warning: .*\[text-after-closer\]$/m);
    const after = snapshot(dir);
    for (const name of readdirSync(fixtures))
      expect(after[`input/${name}.md`], name).toBe(
        readFileSync(path.join(fixtures, name, 'output.md'), 'latin1'),
      );
    // The lock file and the outputs are never touched.
    expect(after['input/deckc.lock.json']).toBe(before['input/deckc.lock.json']);
    expect(after['dist/Default.json']).toBe(before['dist/Default.json']);
    expect(Object.keys(after)).toEqual(Object.keys(before));

    const again = await runCli(['fix'], dir);
    expect(again.stderr).toContain('deckc: 12 files, 0 changed; 0 fixes applied\n');
    expect(snapshot(dir)).toEqual(after);
  });

  it('--dry-run prints a unified diff that applies, and writes nothing', async () => {
    const dir = workspace();
    const before = snapshot(dir);
    const r = await runCli(['fix', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(r.stdout).toContain('--- a/input/answer-closer.md\n+++ b/input/answer-closer.md\n');
    expect(r.stderr).toContain('  would fix input/answer-closer.md:');
    expect(r.stderr).toMatch(/^deckc: 12 files, 11 to change; \d+ fixes to apply/m);
    // Each file's part of the patch turns the input into the fixed output.
    for (const part of r.stdout.split(/^(?=--- a\/)/m).filter(Boolean)) {
      const name = /^--- a\/input\/(.+)\.md$/m.exec(part)![1]!;
      const input = readFileSync(path.join(fixtures, name, 'input.md'), 'utf8');
      expect(applyPatch(input, part), name).toBe(
        readFileSync(path.join(fixtures, name, 'output.md'), 'utf8'),
      );
    }
  });

  it('fixes one file given as a path; exit 2 for a path that does not exist', async () => {
    const dir = workspace();
    const r = await runCli(['fix', 'input/heading-space.md'], dir);
    expect(r.stderr).toContain('deckc: 1 file, 1 changed; 1 fix applied (1 heading-space)\n');
    expect(readFileSync(path.join(dir, 'input/heading-space.md'), 'utf8')).toMatch(/^#### \$/);
    expect(readFileSync(path.join(dir, 'input/answer-closer.md'), 'utf8')).toBe(
      readFileSync(path.join(fixtures, 'answer-closer/input.md'), 'utf8'),
    );
    const missing = await runCli(['fix', 'nowhere'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("deckc: cannot read 'nowhere'");
  });

  it('exits 1 when errors are left, and with --strict when warnings are', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-fix-'));
    mkdirSync(path.join(dir, 'input'));
    writeFileSync(path.join(dir, 'input/a.md'), ':p Lost\n\n---\n\n:p Kept\n??x\nYes.\nx?? ok\n');
    const r = await runCli(['fix', '-q'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[missing-answer\]/);
    expect(r.stderr).not.toMatch(/\[text-after-closer\]/);
    writeFileSync(path.join(dir, 'input/a.md'), ':p Kept\n??x\nYes.\nx?? ok\n');
    expect((await runCli(['fix'], dir)).code).toBe(0);
    expect((await runCli(['fix', '--strict'], dir)).code).toBe(1);
  });

  it('leaves a file with invalid UTF-8 byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-fix-'));
    mkdirSync(path.join(dir, 'input'));
    const bytes = Buffer.from(':p Q\n??x\nA \xff\n??x\n', 'latin1');
    writeFileSync(path.join(dir, 'input/bad.md'), bytes);
    const r = await runCli(['fix'], dir);
    expect(r.stderr).toContain('deckc: not fixed input/bad.md: bytes that are not valid UTF-8\n');
    expect(readFileSync(path.join(dir, 'input/bad.md'))).toEqual(bytes);
  });

  it('leaves a UTF-16 file byte for byte (it would be written back as UTF-8)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-fix-'));
    mkdirSync(path.join(dir, 'input'));
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(':p Q\n??x\nA\n??x\n', 'utf16le'),
    ]);
    writeFileSync(path.join(dir, 'input/wide.md'), bytes);
    const r = await runCli(['fix'], dir);
    expect(r.stderr).toContain(
      'deckc: not fixed input/wide.md: UTF-16LE (deckc fix writes only UTF-8 files)\n',
    );
    expect(readFileSync(path.join(dir, 'input/wide.md'))).toEqual(bytes);
  });
});

describe('fixes in build and check', () => {
  it('the summary counts the warnings deckc fix would repair; json carries each fix', async () => {
    const dir = workspace(false);
    const r = await runCli(['check', '--reporter', 'json', '--jobs', '1', '--no-cache'], dir);
    const fixable = JSON.parse(r.stdout).filter((d: { fix?: unknown }) => d.fix);
    expect(fixable.length).toBeGreaterThan(20);
    expect(r.stderr).toContain(`deckc: ${fixable.length} warnings fixable by \`deckc fix\`\n`);
    const closer = JSON.parse(r.stdout).find(
      (d: { file: string; rule: string }) =>
        d.file === 'input/answer-closer.md' && d.rule === 'answer-closer',
    );
    expect(closer.fix).toEqual({
      message: "Replace '??x' with 'x??'",
      edits: [{ line: 7, column: 1, endLine: 7, endColumn: 4, text: 'x??' }],
    });
    await runCli(['fix'], dir);
    const after = await runCli(['check', '--jobs', '1', '--no-cache'], dir);
    expect(after.stderr).not.toContain('fixable by');
  });
});
