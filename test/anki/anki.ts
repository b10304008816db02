/**
 * A small TypeScript wrapper over scripts/anki/driver.py: real Anki (Debian's anki 2.1.15) run by
 * Debian's /usr/bin/python3. Reusable by any suite: create an `AnkiCollection` in a temporary
 * folder, import package bytes, read back what Anki stored, run Check Database.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ANKI_PYTHON = process.env.ANKI_PYTHON ?? '/usr/bin/python3';
export const ANKI_DIR = join(process.env.ANKI_DEB_DIR ?? '/tmp/anki-deb', 'usr/share/anki');
export const DRIVER = fileURLToPath(new URL('../../scripts/anki/driver.py', import.meta.url));

export type AnkiNote = {
  id: number;
  guid: string;
  mid: number;
  mod: number;
  usn: number;
  tags: string[];
  /** By field name (a plain list if the field count does not match the note type). */
  fields: Record<string, string>;
  sfld: string | number;
  csum: number;
};

export type AnkiCard = {
  id: number;
  nid: number;
  did: number;
  deck: string | null;
  ord: number;
  mod: number;
  usn: number;
  type: number;
  queue: number;
  due: number;
  /** With `render`: the card's question and answer HTML as Anki renders them. */
  question?: string;
  answer?: string;
};

export type AnkiNotetype = {
  id: number;
  name: string;
  mod: number;
  type: number;
  sortf: number;
  fields: string[];
  fieldIds: (number | null)[];
  templates: string[];
  templateIds: (number | null)[];
  qfmt: string[];
  afmt: string[];
  css: string;
  /** As stored, and as Anki computes it from the templates. */
  req: unknown;
  reqComputed: unknown;
  noteCount: number;
};

export type AnkiState = {
  ankiVersion: string;
  notetypes: AnkiNotetype[];
  decks: Record<string, { id: number; conf: number; dyn: number; desc: string }>;
  /** In id order. */
  notes: AnkiNote[];
  /** In id order. */
  cards: AnkiCard[];
  /** Every review, in id order. */
  revlog: { id: number; cid: number; ease: number; type: number }[];
  /** File names in the collection's media folder. */
  media: string[];
  tags: string[];
};

export type AnkiImport = {
  file: string;
  /** Anki's import log, as the import dialog shows it. */
  log: string[];
  /** A Python traceback if the import failed. */
  error: string | null;
  added?: number;
  updated?: number;
  dupes?: number;
};

export type AnkiCheck = { ok: boolean; messages: string[] };

/** Why real Anki cannot run here, or null when it can. */
export function ankiMissing(): string | null {
  if (!existsSync(ANKI_PYTHON)) return `${ANKI_PYTHON} not found`;
  if (!existsSync(join(ANKI_DIR, 'anki', '__init__.py'))) return `Anki not found in ${ANKI_DIR}`;
  try {
    execFileSync(ANKI_PYTHON, ['-c', 'import decorator'], { stdio: 'ignore' });
  } catch {
    return 'python3-decorator is not installed';
  }
  return null;
}

/** Throws, loudly, when real Anki is not installed: these suites must never pass vacuously. */
export function assertAnkiInstalled(): void {
  const missing = ankiMissing();
  if (missing) {
    throw new Error(
      `Real Anki is required for this suite (${missing}). Install it with: sudo sh scripts/anki/install.sh`,
    );
  }
}

/** An Anki collection in a fresh temporary folder, driven through driver.py. */
export class AnkiCollection {
  readonly dir: string;
  readonly path: string;
  private packages = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'deckc-anki-'));
    this.path = join(this.dir, 'collection.anki2');
  }

  /** Imports packages in order, like File > Import. Returns Anki's log per package and the state. */
  import(...packages: Uint8Array[]): { imports: AnkiImport[]; state: AnkiState } {
    const files = packages.map((bytes) => {
      const file = join(this.dir, `package-${++this.packages}.apkg`);
      writeFileSync(file, bytes);
      return file;
    });
    return this.run<{ imports: AnkiImport[]; state: AnkiState }>(['import', this.path, ...files]);
  }

  /** What Anki stored; `render` adds each card's question and answer HTML. */
  dump(render = false): AnkiState {
    return this.run<{ state: AnkiState }>(['dump', this.path, ...(render ? ['--render'] : [])])
      .state;
  }

  /** Studies each card once, answering "Good" (`col.sched.answerCard`), then the state after it. */
  review(...cardIds: number[]): AnkiState {
    return this.run<{ state: AnkiState }>(['review', this.path, ...cardIds.map(String)]).state;
  }

  /** Tools > Check Database (`col.fixIntegrity()`), then the state after it. */
  check(): { check: AnkiCheck; state: AnkiState } {
    return this.run<{ check: AnkiCheck; state: AnkiState }>(['check', this.path]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run<T>(args: string[]): T {
    const stdout = execFileSync(ANKI_PYTHON, [DRIVER, ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, HOME: this.dir },
    });
    return JSON.parse(stdout) as T;
  }
}
