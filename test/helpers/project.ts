/**
 * A deckc project in a temporary folder, for round-trip suites: a fixture of test/fixtures/identity/
 * copied to `in/` (the input root, where the lock is written), outputs in `dist/`.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../cli/run.js';

const FIXTURES = new URL('../fixtures/identity/', import.meta.url).pathname;
const made: Project[] = [];

/** Removes every project made so far (for afterAll). */
export function removeProjects(): void {
  for (const project of made.splice(0)) project.remove();
}

export class Project {
  readonly dir: string;
  readonly root: string;

  constructor(fixture: string) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'deckc-round-trip-'));
    this.root = path.join(this.dir, 'in');
    cpSync(path.join(FIXTURES, fixture), this.root, { recursive: true });
    made.push(this);
  }

  /** `deckc build` at `epoch` (SOURCE_DATE_EPOCH); it must succeed. */
  async build(epoch: number, formats = 'apkg') {
    const r = await runCli(
      ['build', 'in', '--out', 'dist', '--format', formats, '--jobs', '1'],
      this.dir,
      { SOURCE_DATE_EPOCH: String(epoch) },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return r;
  }

  /** `dist/<name>` as bytes, or null when the build did not write it. */
  output(name: string): Uint8Array | null {
    const file = path.join(this.dir, 'dist', name);
    return existsSync(file) ? readFileSync(file) : null;
  }

  apkg(deck: string): Uint8Array {
    const bytes = this.output(`${deck}.apkg`);
    expect(bytes, `${deck}.apkg`).not.toBeNull();
    return bytes!;
  }

  read(file: string): string {
    return readFileSync(path.join(this.root, file), 'utf8');
  }

  write(file: string, text: string) {
    writeFileSync(path.join(this.root, file), text);
  }

  edit(file: string, from: string, to: string) {
    const text = this.read(file);
    expect(text).toContain(from);
    this.write(file, text.replace(from, to));
  }

  lock(): { lockfileVersion: number; project?: string; notes: Record<string, unknown> } {
    return JSON.parse(this.read('deckc.lock.json'));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
