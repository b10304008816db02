import path from 'node:path';
import {
  type CompiledFile,
  type CompileOptions,
  compileFile,
  emitPackage,
  type Format,
  linkProject,
} from '../compile.js';
import { packageFileName } from '../decks/name.js';
import { compareDiagnostics } from '../diagnostics/report.js';
import { LOCK_FILE, serializeLock } from '../identity/lock.js';
import { collectInput, mediaReader, readInputFile } from '../io/input.js';
import { readLock } from '../io/lock-file.js';
import { writeAtomic, writeIfChanged } from '../io/write.js';
import type { Diagnostic } from '../validate/schema.js';

export interface BuildOptions {
  paths: string[];
  cwd: string;
  out: string;
  formats: Format[];
  /** false for `check`: compile everything, write nothing. */
  write: boolean;
  /** Fail when the lock file would change, and write nothing. */
  frozen: boolean;
  bundle: string | undefined;
  /** Globs of Markdown files to skip, relative to each input root. */
  ignore: readonly string[];
  compile: CompileOptions;
  /** Seconds since the epoch. */
  now: number;
  onFile?: (done: number, total: number, cards: number) => void;
}

export interface BuildResult {
  files: number;
  cards: number;
  packages: number;
  retired: number;
  diagnostics: Diagnostic[];
  written: string[];
}

/** Builds every input root: read, compile, link, emit, write atomically. */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const result: BuildResult = {
    files: 0,
    cards: 0,
    packages: 0,
    retired: 0,
    diagnostics: [],
    written: [],
  };
  const outDir = path.resolve(options.cwd, options.out);
  const claimed = new Map<string, string>();
  for (const arg of options.paths) {
    const input = await collectInput(arg, options.cwd, options.ignore);
    const readMedia = mediaReader(input.root);
    const compiled: CompiledFile[] = [];
    for (const file of input.files) {
      const bytes = await readInputFile(file);
      compiled.push(compileFile(bytes, file.path, readMedia, options.compile));
      result.cards += compiled.at(-1)!.cards.length;
      options.onFile?.(compiled.length, input.files.length, result.cards);
    }
    result.files += input.files.length;
    const relRoot = path.relative(options.cwd, input.root);
    const shown = (file: string) =>
      (relRoot ? `${relRoot}/${file}` : file).split(path.sep).join('/');
    const previous = await readLock(input.root);
    const linked = linkProject(compiled, previous, { now: options.now, bundle: options.bundle });
    const diagnostics = [...compiled.flatMap((f) => f.diagnostics), ...linked.diagnostics];
    const lockText = serializeLock(linked.lock);
    const lockPath = path.join(input.root, LOCK_FILE);
    const stale = previous === null || serializeLock(previous) !== lockText;
    if (options.frozen && stale) {
      diagnostics.push({
        file: LOCK_FILE,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        rule: 'lock-stale',
        message: previous
          ? 'Unexpected change of card identities or contents, expected the committed lock file to match; run `deckc build` and commit deckc.lock.json'
          : 'Unexpected missing lock file, expected deckc.lock.json; run `deckc build` and commit it',
      });
    }
    result.diagnostics.push(...diagnostics.map((d) => ({ ...d, file: shown(d.file) })));
    result.packages += linked.packages.length;
    result.retired += linked.retired;
    if (!options.write || (options.frozen && stale)) continue;
    for (const pkg of linked.packages) {
      const base = packageFileName(pkg.name);
      const owner = claimed.get(base);
      if (owner !== undefined && owner !== input.root) {
        throw new Error(
          `two inputs both produce the package '${base}'; build them separately or use --bundle`,
        );
      }
      claimed.set(base, input.root);
      for (const [format, bytes] of await emitPackage(
        pkg,
        options.formats,
        linked.lock,
        diagnostics,
      )) {
        const target = path.join(outDir, `${base}.${format}`);
        await writeAtomic(target, bytes);
        result.written.push(path.relative(options.cwd, target));
      }
    }
    if (stale) await writeIfChanged(lockPath, lockText);
  }
  result.diagnostics.sort(compareDiagnostics);
  return result;
}
