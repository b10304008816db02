import { readFile } from 'node:fs/promises';
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

export const CONFIG_FILE = 'deckc.config.json';

export interface LoadedConfig {
  config: Config;
  /** Where it came from, relative to cwd; null when there is none. */
  file: string | null;
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

/** Finds and checks deckc.config.json, else a `deckc` key in package.json, in `cwd`. */
export async function loadConfig(cwd: string): Promise<LoadedConfig> {
  const read = (name: string) => readFile(path.join(cwd, name), 'utf8').catch(() => null);
  const own = await read(CONFIG_FILE);
  if (own !== null) return checkConfigText(own, CONFIG_FILE);
  const pkg = await read('package.json');
  if (pkg !== null) return checkConfigText(pkg, 'package.json', 'deckc');
  return { config: {}, file: null, diagnostics: [] };
}
