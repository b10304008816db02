/**
 * The shape of `src/`, checked (issue 11; the layout of /work/shared/STYLE.md): imports flow one
 * way, `cli → build → {compile, link, io} → stages → validate`, with no cycle between files;
 * only `io/` touches the file system; only `cli/` sees yargs and `process`; no function is longer
 * than a screenful or three.
 *
 * What does not hold yet is listed below, each with its reason, and the lists may only shrink:
 * a violation not listed fails the test, and so does a listed one that no longer occurs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/**
 * The layer of each top-level folder (or file) of `src/`, lowest first: a module may import its
 * own folder and any lower layer, never a layer at its level or above. The stages are ordered
 * as the pipeline runs them, so that a stage never imports a later one.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['validate'],
  ['diagnostics'],
  ['parse'],
  ['render'],
  ['decks'],
  ['identity'],
  ['config'],
  ['emit'],
  ['compile', 'link', 'io'],
  ['build', 'index'],
  // Front ends: the command line, and the tools it starts (`deckc fix`, `deckc lsp`).
  ['fix'],
  ['lsp'],
  ['cli'],
];

/**
 * Compares the violations found with the listed ones: every one found must be listed, and every
 * listed one found.
 */
function expectListed(found: readonly string[], listed: readonly string[]) {
  expect(found.filter((v) => !listed.includes(v)).sort(), 'not listed').toEqual([]);
  const gone = listed.filter((v) => !found.includes(v));
  expect(gone.sort(), 'listed, but no longer found: strike them off').toEqual([]);
}

/** Imports against the layers that remain, `from → to` (files relative to src/). */
const ALLOWED_EDGES: readonly string[] = [
  // JSON Schema generation reads the config's zod schema (validate/ and config/ are not the
  // engine's to move: a config schema in validate/ would end it).
  'validate/json-schema.ts → config/schema.ts',
  // The worker thread runs the compiler: it is the engine's, in io/ only for the bundle's path.
  'io/worker.ts → compile.ts',
];

/** Modules outside io/ that use node:fs, and why. */
const ALLOWED_FS: readonly string[] = [
  // `deckc fix` and `deckc lsp` are front ends of their own (not the engine's to move).
  'fix/run.ts',
  'lsp/server.ts',
];

/** Modules outside cli/ that use `process`, and why. */
const ALLOWED_PROCESS: readonly string[] = [
  // The language server speaks on stdin/stdout: a front end of its own.
  'lsp/server.ts',
  // Whether a terminal shows colour (the diagnostics engineer's; the CLI could pass it in).
  'diagnostics/color.ts',
];

/** The longest a function may be, in lines (its nested functions included). */
const MAX_LINES = 150;

/** Functions over MAX_LINES, as `file:name`: each to be cut into named steps. */
const ALLOWED_LONG: readonly string[] = [];

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const FILES = sources().map((f) => path.relative(SRC, f).split(path.sep).join('/'));
const TEXT = new Map(FILES.map((f) => [f, readFileSync(path.join(SRC, f), 'utf8')]));
const AST = new Map(
  FILES.map((f) => [f, ts.createSourceFile(f, TEXT.get(f)!, ts.ScriptTarget.Latest, true)]),
);

/** Every module a file imports (static, type-only, re-exports and dynamic `import()`). */
function importsOf(file: string): string[] {
  return ts.preProcessFile(TEXT.get(file)!, true, true).importedFiles.map((i) => i.fileName);
}

/** A relative import resolved to a file of src/, or null for packages and node: builtins. */
function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return target.replace(/\.js$/, '.ts');
}

const GRAPH = new Map(
  FILES.map((f) => [
    f,
    importsOf(f)
      .map((s) => resolve(f, s))
      .filter((t, n, all): t is string => t !== null && all.indexOf(t) === n),
  ]),
);

/** The folder of a module: its first path segment (`compile.ts` → `compile`). */
const folderOf = (file: string) => file.split('/')[0]!.replace(/\.ts$/, '');
const layerOf = (file: string) => LAYERS.findIndex((l) => l.includes(folderOf(file)));

describe('architecture', () => {
  it('knows the layer of every folder', () => {
    expect(FILES.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('resolves every relative import to a module of src/', () => {
    const missing = [...GRAPH].flatMap(([f, to]) =>
      to.filter((t) => !TEXT.has(t)).map((t) => `${f} → ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const to of GRAPH.get(file) ?? []) {
        if (state.get(to) === 'open')
          cycles.push([...stack.slice(stack.indexOf(to)), to].join(' → '));
        else if (!state.has(to)) visit(to);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of FILES) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it('imports only down the layers: cli → build → {compile, link, io} → stages → validate', () => {
    const against = [...GRAPH].flatMap(([from, to]) =>
      to
        .filter((t) => folderOf(t) !== folderOf(from) && layerOf(t) >= layerOf(from))
        .map((t) => `${from} → ${t}`),
    );
    expectListed(against, ALLOWED_EDGES);
  });

  it('touches the file system only in io/', () => {
    const fs = FILES.filter(
      (f) => folderOf(f) !== 'io' && importsOf(f).some((s) => /^(node:)?fs(\/promises)?$/.test(s)),
    );
    expectListed(fs, ALLOWED_FS);
  });

  it('sees yargs and process only in cli/', () => {
    const yargs = FILES.filter(
      (f) => folderOf(f) !== 'cli' && importsOf(f).some((s) => s.startsWith('yargs')),
    );
    expect(yargs).toEqual([]);
    const uses = (file: string) => {
      let found = false;
      const walk = (node: ts.Node) => {
        if (
          ts.isIdentifier(node) &&
          node.text === 'process' &&
          !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) &&
          !ts.isPropertySignature(node.parent)
        )
          found = true;
        else ts.forEachChild(node, walk);
      };
      walk(AST.get(file)!);
      return found;
    };
    const process = FILES.filter((f) => folderOf(f) !== 'cli' && uses(f));
    expectListed(process, ALLOWED_PROCESS);
  });

  it(`has no function longer than ${MAX_LINES} lines`, () => {
    const long: string[] = [];
    for (const [file, ast] of AST) {
      const walk = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = ast.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = ast.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > MAX_LINES) long.push(`${file}:${nameOf(node)}`);
        }
        ts.forEachChild(node, walk);
      };
      walk(ast);
    }
    expectListed(long, ALLOWED_LONG);
  });
});

/** A function's name, or the name of what it is assigned to. */
function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name))
    return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name))
    return parent.name.text;
  return '<anonymous>';
}
