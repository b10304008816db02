/**
 * `deckc fix`: the sources of some input paths, fixed file by file (apply.ts) and written back
 * atomically, or only diffed (`dryRun`). Returns data; cli/run-fix.ts prints it (formatFixResult).
 * Touches only the Markdown sources: never the lock file, the cache or the outputs.
 */
import { chmod, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { collectInput, readInputFile } from '../io/input.js';
import { writeAtomic } from '../io/write.js';
import { decode } from '../parse/decode.js';
import type { Diagnostic } from '../validate/schema.js';
import { fixText } from './apply.js';

export interface FixOptions {
  /** Files or folders (input roots), relative to `cwd`. */
  paths: readonly string[];
  cwd: string;
  /** Globs over paths within each input root, as the config's `ignore`. */
  ignore?: readonly string[];
  /** Compute and diff the fixes, write nothing. */
  dryRun?: boolean;
  /** Stops before the next file is written (files written so far stay fixed: each is whole). */
  signal?: AbortSignal;
}

export interface FixedFile {
  /** As shown to the user: relative to `cwd`, `/` separators. */
  path: string;
  /** Fixes applied, by rule. */
  applied: Record<string, number>;
}

export interface FixResult {
  /** Markdown files read. */
  files: number;
  /** The files the fixes change (written unless dry run), in path order. */
  fixed: FixedFile[];
  /** All fixes applied, by rule. */
  applied: Record<string, number>;
  /** Fixes left because they would change a card, by rule (see apply.ts). */
  left: Record<string, number>;
  /** What the parser still reports on the fixed sources, paths as in `fixed`. */
  diagnostics: Diagnostic[];
  /** Files not fixed, and why. */
  skipped: { path: string; reason: string }[];
  /** With `dryRun`: a unified diff of every change (`a/<path>`, `b/<path>`). */
  patch: string;
  /** Stopped by `signal` before every file was done. */
  interrupted: boolean;
}

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [rule, n] of Object.entries(from)) into[rule] = (into[rule] ?? 0) + n;
};

export async function runFix(options: FixOptions): Promise<FixResult> {
  const result: FixResult = {
    files: 0,
    fixed: [],
    applied: {},
    left: {},
    diagnostics: [],
    skipped: [],
    patch: '',
    interrupted: false,
  };
  const shown = (absolute: string) =>
    path.relative(options.cwd, absolute).split(path.sep).join('/') || path.basename(absolute);
  for (const arg of options.paths) {
    const input = await collectInput(arg, options.cwd, options.ignore);
    for (const file of input.files) {
      if (options.signal?.aborted) {
        result.interrupted = true;
        return result;
      }
      result.files++;
      const display = shown(file.absolute);
      const bytes = await readInputFile(file);
      const decoded = decode(bytes);
      if (decoded.invalidAt >= 0 || decoded.encoding !== 'utf-8') {
        // Written back, replacement characters (or UTF-8 for UTF-16) would change bytes outside
        // the edits.
        result.skipped.push({
          path: display,
          reason:
            decoded.encoding === 'utf-8'
              ? 'bytes that are not valid UTF-8'
              : `${decoded.encoding.toUpperCase()} (deckc fix writes only UTF-8 files)`,
        });
        continue;
      }
      const source = Buffer.from(bytes).toString('utf8');
      const fixed = fixText(source, file.path);
      add(result.left, fixed.rejected);
      for (const d of fixed.diagnostics) result.diagnostics.push({ ...d, file: display });
      if (fixed.text === source) continue;
      if (options.dryRun) {
        result.patch += createTwoFilesPatch(`a/${display}`, `b/${display}`, source, fixed.text)
          .split('\n')
          .filter((line, k) => !(k === 0 && line.startsWith('===')))
          .join('\n');
      } else {
        // The file as it was read, or it changed meanwhile (an editor saved it): then left alone.
        const now = await stat(file.absolute);
        if (now.size !== file.stat.size || now.mtimeMs !== file.stat.mtimeMs) {
          result.skipped.push({ path: display, reason: 'it changed while deckc fixed it' });
          continue;
        }
        // Through a symbolic link to the file it names, with its mode.
        const target = await realpath(file.absolute);
        await writeAtomic(target, fixed.text);
        await chmod(target, now.mode & 0o7777);
      }
      add(result.applied, fixed.applied);
      result.fixed.push({ path: display, applied: fixed.applied });
    }
  }
  return result;
}

const byRule = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([rule, n]) => `${n} ${rule}`)
    .join(', ');

const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, n) => sum + n, 0);

const plural = (n: number, word: string) =>
  `${n} ${word}${n === 1 ? '' : word.endsWith('x') ? 'es' : 's'}`;

/** What `deckc fix` prints on stderr: a line per fixed file, the summary, what was skipped. */
export function formatFixResult(result: FixResult, dryRun: boolean): string {
  const verb = dryRun ? 'would fix' : 'fixed';
  let out = '';
  for (const f of result.fixed) out += `  ${verb} ${f.path}: ${byRule(f.applied)}\n`;
  for (const s of result.skipped) out += `deckc: not fixed ${s.path}: ${s.reason}\n`;
  const n = total(result.applied);
  out += `deckc: ${plural(result.files, 'file')}, ${result.fixed.length} ${dryRun ? 'to change' : 'changed'}; ${plural(n, 'fix')}${dryRun ? ' to apply' : ' applied'}${n ? ` (${byRule(result.applied)})` : ''}\n`;
  const left = total(result.left);
  if (left)
    out += `deckc: ${plural(left, 'fix')} not applied: each would change a card (${byRule(result.left)})\n`;
  return out;
}
