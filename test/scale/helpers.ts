import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { BuildOptions } from '../../src/build/build.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/scale/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Build time of the scale tests, seconds. */
export const NOW = 1_764_000_000;

/** Build options as the CLI would pass them, one worker, writing to `dist`. */
export const buildOptions = (
  cwd: string,
  paths: string[],
  more: Partial<BuildOptions> = {},
): BuildOptions => ({
  paths,
  cwd,
  out: 'dist',
  formats: ['apkg', 'csv', 'json'],
  write: true,
  frozen: false,
  bundle: undefined,
  ignore: [],
  compile: { rootDeck: 'Default' },
  now: NOW,
  jobs: 1,
  ...more,
});

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A scratch folder removed after the test file. */
export function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-scale-'));
  temps.push(dir);
  return dir;
}

/** Copies fixture folders into a scratch folder (builds write caches and lock files beside them). */
export function copyFixtures(...names: string[]): string {
  const dir = scratch();
  for (const name of names)
    cpSync(path.join(FIXTURES, name), path.join(dir, name), { recursive: true });
  return dir;
}

/** Every file under `dir` (relative path → bytes), optionally skipping some top-level names. */
export function readTree(dir: string, skip: (relative: string) => boolean = () => false) {
  const out = new Map<string, Buffer>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const relative = sub ? `${sub}/${entry.name}` : entry.name;
      if (skip(relative)) continue;
      if (entry.isDirectory()) walk(relative);
      else out.set(relative, readFileSync(path.join(dir, relative)));
    }
  };
  walk('');
  return out;
}

/** Compares two trees byte for byte; returns the names that differ (empty when identical). */
export function treeDiff(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => !a.has(n) || !b.has(n) || !a.get(n)!.equals(b.get(n)!)).sort();
}

/** A deterministic library of `books` × `parts` files of `cards` cards each, for volume tests. */
export function generateLibrary(dir: string, books: number, parts: number, cards: number): void {
  const words = 'cell gene atom bond wave field force mass charge orbit enzyme light'.split(' ');
  let seed = 1;
  const word = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return words[seed % words.length]!;
  };
  const sentence = (n: number) => Array.from({ length: n }, word).join(' ');
  for (let b = 1; b <= books; b++) {
    const book = path.join(dir, `book-${b}`);
    mkdirSync(book, { recursive: true });
    for (let p = 1; p <= parts; p++) {
      const body = Array.from(
        { length: cards },
        (_, c) =>
          `#### Card ${c + 1}\n${sentence(12)}.\n:p ${sentence(8)} ${b}-${p}-${c}?\n??x\n${sentence(30)}.\n\n\`\`\`js\nconst x = ${c};\n\`\`\`\nx??\n`,
      ).join('\n---\n\n');
      writeFileSync(
        path.join(book, `part-${String(p).padStart(2, '0')}.md`),
        `# Book ${b} part ${p}\n\n${body}`,
      );
    }
  }
}
