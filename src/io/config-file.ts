import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  findNodeAtLocation,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { Config } from '../config/schema.js';
import type { Diagnostic } from '../validate/schema.js';
import { IoError } from './input.js';

export const CONFIG_FILE = 'deckc.config.json';

export interface LoadedConfig {
  config: Config;
  /** Where it came from, relative to cwd; null when there is none. */
  file: string | null;
  /** The folder its paths are relative to (absolute): the config's own, else cwd. */
  dir?: string;
  diagnostics: Diagnostic[];
}

/** Line and column (1-based) of an offset. */
function placeOf(text: string, offset: number) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function diagnostic(
  file: string,
  text: string,
  offset: number,
  length: number,
  message: string,
): Diagnostic {
  const start = placeOf(text, offset);
  const end = placeOf(text, offset + length);
  return {
    file,
    ...start,
    endLine: end.line,
    endColumn: end.column,
    severity: 'error',
    rule: 'config-invalid',
    message,
  };
}

/**
 * Validates config JSON text with zod and reports each problem at the place in the file it
 * concerns, so an editor or CI annotation points at the bad value. `key` reads a sub-object
 * (`deckc` in package.json).
 */
export function checkConfigText(text: string, file: string, key?: string): LoadedConfig {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length || !tree) {
    const e = errors[0] ?? { offset: 0, length: 0, error: 0 };
    return {
      config: {},
      file,
      diagnostics: [
        diagnostic(
          file,
          text,
          e.offset,
          e.length,
          `Unexpected JSON: ${printParseErrorCode(e.error as never)}`,
        ),
      ],
    };
  }
  const root: Node | undefined = key ? findNodeAtLocation(tree, [key]) : tree;
  if (!root) return { config: {}, file: null, diagnostics: [] };
  const value = JSON.parse(text.slice(root.offset, root.offset + root.length)) as unknown;
  const parsed = Config.safeParse(value);
  if (parsed.success) return { config: parsed.data, file, diagnostics: [] };
  const diagnostics = parsed.error.issues.map((issue) => {
    const segments = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // Unknown keys are reported at the key itself; other problems at the deepest node that exists.
    let node: Node | undefined;
    for (let n = segments.length; n >= 0 && !node; n--)
      node = findNodeAtLocation(root, segments.slice(0, n));
    let at = node ?? root;
    if (issue.code === 'unrecognized_keys') {
      const prop = at.children?.find((c) => c.children?.[0]?.value === issue.keys[0]);
      at = prop?.children?.[0] ?? at;
    }
    const where = segments.length
      ? `'${[key, ...segments].filter((s) => s !== undefined).join('.')}'`
      : 'the config';
    return diagnostic(
      file,
      text,
      at.offset,
      at.length,
      `Unexpected value at ${where}: ${issue.message}`,
    );
  });
  return { config: {}, file, diagnostics };
}

/**
 * Finds and checks the config: `explicit` (`--config PATH`, relative to `cwd`) when given, else
 * the nearest `deckc.config.json`, or `package.json` with a `deckc` key, in `cwd` or a folder
 * above it. The search stops at the repository root (the first folder holding `.git`) or the
 * file system's root. `file` is then relative to `cwd` and `dir` is the config's folder, against
 * which its paths (`input`, `out`) are resolved.
 */
export async function loadConfig(cwd: string, explicit?: string): Promise<LoadedConfig> {
  const read = (file: string) => readFile(file, 'utf8').catch(() => null);
  const shown = (file: string) => path.relative(cwd, file) || path.basename(file);
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ENOENT'
          ? 'no such file'
          : error.code === 'EISDIR'
            ? 'a folder, expected a file'
            : error.message;
      throw new IoError(`cannot read --config '${explicit}': ${why}`);
    });
    const loaded =
      path.basename(file) === 'package.json'
        ? checkConfigText(text, shown(file), 'deckc')
        : checkConfigText(text, shown(file));
    return { ...loaded, file: shown(file), dir: path.dirname(file) };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const own = await read(path.join(dir, CONFIG_FILE));
    if (own !== null) return { ...checkConfigText(own, shown(path.join(dir, CONFIG_FILE))), dir };
    const pkg = await read(path.join(dir, 'package.json'));
    if (pkg !== null) {
      const loaded = checkConfigText(pkg, shown(path.join(dir, 'package.json')), 'deckc');
      if (loaded.file !== null) return { ...loaded, dir };
    }
    const top = path.dirname(dir) === dir || (await stat(path.join(dir, '.git')).catch(() => null));
    if (top) return { config: {}, file: null, dir: path.resolve(cwd), diagnostics: [] };
  }
}

/** What `deckc init` writes, relative to the folder it runs in. */
export const INIT_CONFIG = {
  $schema: './node_modules/deckc/schema/config.schema.json',
  input: ['decks'],
  out: 'dist',
  formats: ['apkg', 'csv', 'json'],
};

const INIT_DECK = `# Flashcards: Example (Part 1)

**Starting Chapter:** Getting started

---

#### What deckc does
deckc turns Markdown like this file into Anki decks.
:p What does \`deckc build\` write into dist/?
??x
One \`.apkg\` package per top-level deck (import it with *File → Import*), plus CSV and JSON.
x??

---

#### Identity
:p Why commit \`decks/deckc.lock.json\`? {#why-lock}
??x
It keeps every card's identity, so re-importing a rebuilt deck **updates** your notes.
x??

---
`;

/** The GitHub Actions job `deckc init` suggests (and the README shows). */
export const CI_SNIPPET = `name: decks
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - run: npm ci
      - run: npx deckc build --strict --frozen --reporter github
      - uses: actions/upload-artifact@v4
        with: { name: decks, path: dist/ }
`;

/** One thing `deckc init` did: a file created, appended to, or left alone because it exists. */
export interface InitStep {
  file: string;
  action: 'created' | 'appended' | 'kept';
}

/**
 * \`deckc init\`: a deckc.config.json with \`$schema\`, an example deck (unless \`decks/\` exists) and
 * \`.deckc-cache/\` in .gitignore. An existing config is never overwritten: that is an IoError.
 */
export async function initProject(cwd: string): Promise<InitStep[]> {
  const config = path.join(cwd, CONFIG_FILE);
  if (await stat(config).catch(() => null))
    throw new IoError(`${CONFIG_FILE} exists already; deckc init changes nothing`);
  const steps: InitStep[] = [];
  await writeFile(config, `${JSON.stringify(INIT_CONFIG, null, 2)}\n`, { flag: 'wx' });
  steps.push({ file: CONFIG_FILE, action: 'created' });
  const decks = path.join(cwd, 'decks');
  if (await stat(decks).catch(() => null)) steps.push({ file: 'decks/', action: 'kept' });
  else {
    await mkdir(path.join(decks, 'Example'), { recursive: true });
    await writeFile(path.join(decks, 'Example', 'part-1.md'), INIT_DECK, { flag: 'wx' });
    steps.push({ file: 'decks/Example/part-1.md', action: 'created' });
  }
  const ignore = path.join(cwd, '.gitignore');
  const current = await readFile(ignore, 'utf8').catch(() => null);
  const lines = current?.split(/\r?\n/).map((l) => l.trim()) ?? [];
  if (lines.some((l) => /^\/?(\*\*\/)?\.deckc-cache\/?$/.test(l)))
    steps.push({ file: '.gitignore', action: 'kept' });
  else {
    const sep = current && !current.endsWith('\n') ? '\n' : '';
    await writeFile(ignore, `${current ?? ''}${sep}.deckc-cache/\n`);
    steps.push({ file: '.gitignore', action: current === null ? 'created' : 'appended' });
  }
  return steps;
}
