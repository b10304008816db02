import { readFileSync, statSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import type { Config } from '../config/schema.js';
import { paint, useColor } from '../diagnostics/color.js';
import { MAX_PER_RULE, REPORTERS, type ReporterName } from '../diagnostics/format.js';
import { countBySeverity, countFixable } from '../diagnostics/report.js';
import { formatJobSummary, formatRuleCounts } from '../diagnostics/summary.js';
import { FORMATS, type Format } from '../emit/formats.js';
import { CI_SNIPPET, CONFIG_FILE, initProject, loadConfig } from '../io/config-file.js';
import { DEFAULT_LIMITS, type InputLimits, IoError } from '../io/input.js';
import { defaultJobs } from '../io/pool.js';
import { removeTempsSync, setTempOwner, stagedTarget, sweepTemps } from '../io/write.js';
import type { Diagnostic } from '../validate/schema.js';
import { type BuildOptions, type BuildResult, build, Interrupted } from './build.js';
import { ProgressBar } from './progress.js';
import { watch } from './watch.js';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  cwd: string;
  env: Record<string, string | undefined>;
  /** Stops a build (before it writes) or a watch; the bin wires SIGINT and SIGTERM to it. */
  signal?: AbortSignal;
  /** The wall clock watch mode stamps its rebuilds with (default: the real one). */
  now?: () => Date;
}

/**
 * Exit codes: 0 success (warnings allowed), 1 problems in the input (or warnings with --strict or
 * past --max-warnings), 2 the tool could not run, 130 interrupted.
 */
export const EXIT = { ok: 0, input: 1, tool: 2, interrupted: 130 } as const;

/** The preview page (html) is opt-in: `--format apkg,csv,json,html`. */
const DEFAULTS = {
  input: ['input'],
  out: 'dist',
  formats: ['apkg', 'csv', 'json'] as Format[],
  rootDeck: 'Default',
};

const COMMANDS = ['build', 'check', 'fix', 'init', 'lsp'] as const;

/** The version of the package this file belongs to (lib/cli/ or src/cli/, two levels down). */
export function packageVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * For the bin: a signal raised by the first SIGINT or SIGTERM, which stops the build before it
 * writes anything (outputs and lock stay as they were); a second one exits at once.
 */
export function signalOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  // However the process ends, no temporary file of it is left (writes in flight when the build
  // stopped may have finished after it removed what it had staged).
  process.on('exit', removeTempsSync);
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      controller.abort();
    });
  }
  return controller.signal;
}

/** Whether a process runs (EPERM: it does, as another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed builds (SIGKILL, a crash, power lost) left in the
 * output folder and beside the lock files of the folders named (io/write.ts sweepTemps); those
 * of builds still running are kept.
 */
async function sweepLeftovers(cwd: string, out: string, paths: readonly string[]): Promise<void> {
  const dirs = new Set([path.resolve(cwd, out)]);
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    const info = statSync(full, { throwIfNoEntry: false });
    if (info) dirs.add(info.isDirectory() ? full : path.dirname(full));
  }
  for (const dir of dirs) await sweepTemps(dir, isAlive);
}

/** A bad command line: reported as `deckc: <message>`, exit 2, no stack trace. */
class UsageError extends Error {}

/** yargs gives an array for a repeated option: the last one wins, as in most tools. */
const last = (value: unknown): unknown => (Array.isArray(value) ? value.at(-1) : value);

/** A string option's value; `what` says what it should have been when it is empty. */
function text(args: Record<string, unknown>, name: string, what: string): string | undefined {
  const value = last(args[name]);
  if (value === undefined) return undefined;
  if (value === '' || value === true)
    throw new UsageError(`Unexpected empty --${name}, expected ${what}`);
  return String(value);
}

/** A whole-number option ≥ `min`, undefined when not given. */
function count(args: Record<string, unknown>, name: string, min: number): number | undefined {
  const value = last(args[name]);
  if (value === undefined) return undefined;
  const expected = `expected a whole number ≥ ${min}`;
  if (value === '' || value === true)
    throw new UsageError(`Unexpected empty --${name}, ${expected}`);
  const n = Number(value);
  if (!/^-?\d+$/.test(String(value).trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`Unexpected --${name} ${String(value)}, ${expected}`);
  return n;
}

/**
 * The most worker threads deckc starts: 64, or twice the cores on a larger machine. More would
 * gain nothing and each costs tens of MB (`--jobs 100000` took 10 GB).
 */
export const maxJobs = () => Math.max(64, 2 * availableParallelism());

/**
 * --jobs: a whole number ≥ 1 (else exit 2, like any bad number); one above maxJobs() is lowered
 * to it, with a warning, as `make -j` users expect a big number to mean "as many as useful".
 */
function jobsOption(args: Record<string, unknown>, warn: (line: string) => void) {
  const value = last(args.jobs);
  const max = maxJobs();
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value) && Number(value) > max) {
    warn(`deckc: warning: --jobs ${value.trim()} is more than deckc uses; using ${max}\n`);
    return max;
  }
  return count(args, 'jobs', 1);
}

const parseFormats = (value: unknown): Format[] => {
  const list = (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (!list.length)
    throw new UsageError(`Unexpected empty --format, expected some of ${FORMATS.join(', ')}`);
  for (const f of list) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`Unknown format '${f}', expected one of ${FORMATS.join(', ')}`);
  }
  return [...new Set(list)] as Format[];
};

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

/** The closest of `names` to `typed`, if it is close enough to be a typo. */
function closest(typed: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const name of names) {
    const d = distance(typed, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Where a setting came from, for --print-config. */
type Origin = string;

/** The options build and check share, merged from flags, the config file and the defaults. */
interface Settings {
  options: Omit<BuildOptions, 'write' | 'signal' | 'onFile' | 'now' | 'clock'> & {
    limits: InputLimits;
  };
  strict: boolean;
  maxWarnings: number | undefined;
  from: Record<string, Origin>;
  /** The config file, relative to the working folder; null when there is none. */
  file: string | null;
}

/** The deckc command line. Testable in-process: all I/O goes through `io` and the file system. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  // Temporary files carry this process's id, so that no other build sweeps them while it runs.
  setTempOwner(process.pid);
  const epoch = io.env.SOURCE_DATE_EPOCH;
  const clockNow = Math.floor(Date.now() / 1000);
  const pinned = epoch !== undefined && /^\d+$/.test(epoch);
  const now = pinned ? Number(epoch) : clockNow;
  const colorFlag = () => {
    const i = argv.findLastIndex((a) => a === '--color' || a === '--no-color');
    return i < 0 ? undefined : argv[i] === '--color';
  };
  const c = paint(useColor(colorFlag(), io.env, Boolean(io.stderr.isTTY)));

  /** Where the reporter's output goes: --output-file, stdout (json) or stderr. */
  const reportSink = (args: Record<string, unknown>) => {
    const reporter = args.reporter as ReporterName;
    const file = text(args, 'output-file', 'a file to write the diagnostics to');
    const stream = reporter === 'json' ? io.stdout : io.stderr;
    const color =
      reporter === 'text' &&
      (file === undefined
        ? useColor(colorFlag(), io.env, Boolean(stream.isTTY))
        : colorFlag() === true);
    const maxPerRule = count(args, 'max-per-rule', 0) ?? MAX_PER_RULE;
    const format = (diagnostics: readonly Diagnostic[]) =>
      REPORTERS[reporter](diagnostics, { color, maxPerRule });
    if (file === undefined)
      return { format, toFile: false, write: async (s: string) => void stream.write(s) };
    const target = path.resolve(io.cwd, file);
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`Unexpected --output-file '${file}': a folder, expected a file`);
    return {
      format,
      toFile: true,
      write: async (s: string) => {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, s).catch((error: NodeJS.ErrnoException) => {
          // A full disk's write error has no path: name the file.
          throw Object.assign(error, { path: error.path ?? target, syscall: 'write' });
        });
      },
    };
  };

  /** Flags win over the config file, which wins over the defaults; `from` says which. */
  const settle = async (args: Record<string, unknown>): Promise<Settings | Diagnostic[]> => {
    const loaded = await loadConfig(io.cwd, text(args, 'config', 'a config file'));
    if (loaded.diagnostics.length) return loaded.diagnostics;
    const config: Config = loaded.config;
    const dir = loaded.dir ?? io.cwd;
    const file = loaded.file ?? 'default';
    const from: Record<string, Origin> = {};
    /** `key` as in the config file; `flag` names the command-line option when it differs. */
    const pick = <T>(
      key: string,
      given: T | undefined,
      inConfig: T | undefined,
      fallback: T,
      flag = key,
    ) => {
      from[key] = given !== undefined ? `--${flag}` : inConfig !== undefined ? file : 'default';
      return given ?? inConfig ?? fallback;
    };
    // The config's paths are relative to its own folder, the build's to the working folder.
    const rebase = (p: string) => path.relative(io.cwd, path.resolve(dir, p)) || '.';
    const given = (args.paths as string[]).filter((p) => p !== '');
    if ((args.paths as string[]).length > given.length)
      throw new UsageError('Unexpected empty path, expected a file or folder');
    const paths = given.length ? given : config.input?.map(rebase);
    from.input = given.length ? 'arguments' : config.input ? file : 'default';
    const bundle = pick(
      'bundle',
      args.bundle === undefined ? undefined : String(last(args.bundle)) || true,
      config.bundle,
      false,
    );
    const jobs = jobsOption(args, (line) => io.stderr.write(line));
    return {
      options: {
        paths: paths ?? DEFAULTS.input,
        cwd: io.cwd,
        out: pick(
          'out',
          text(args, 'out', 'a folder'),
          config.out && rebase(config.out),
          DEFAULTS.out,
        ),
        formats: pick(
          'formats',
          args.format === undefined ? undefined : parseFormats(args.format),
          config.formats,
          DEFAULTS.formats,
          'format',
        ),
        frozen: pick('frozen', args.frozen as boolean | undefined, undefined, false),
        bundle: bundle === false ? undefined : bundle === true ? 'deckc' : bundle,
        ignore: pick('ignore', undefined, config.ignore, []),
        compile: {
          rootDeck: pick(
            'rootDeck',
            text(args, 'root-deck', 'a deck name'),
            config.rootDeck,
            DEFAULTS.rootDeck,
            'root-deck',
          ),
          tags: pick('tags', undefined, config.tags, []),
          decks: pick('decks', undefined, config.decks, {}),
          reverse: pick('reverse', undefined, config.reverse, {}),
        },
        project: pick('project', undefined, config.project, undefined),
        limits: pick(
          'limits',
          undefined,
          config.limits && { ...DEFAULT_LIMITS, ...config.limits },
          DEFAULT_LIMITS,
        ),
        jobs: pick('jobs', jobs, undefined, defaultJobs()),
        cache: pick('cache', args.cache === false ? false : undefined, undefined, true),
        bail: pick('bail', args.bail as boolean | undefined, undefined, false),
      },
      strict: pick('strict', args.strict as boolean | undefined, config.strict, false),
      maxWarnings: pick(
        'maxWarnings',
        // -1, as in eslint: no limit.
        ((n) => (n === -1 ? undefined : n))(count(args, 'max-warnings', -1)),
        undefined,
        undefined,
        'max-warnings',
      ),
      from,
      file: loaded.file,
    };
  };

  const run = async (args: Record<string, unknown>, write: boolean) => {
    const sink = reportSink(args);
    const settled = await settle(args);
    if (Array.isArray(settled)) {
      await sink.write(sink.format(settled));
      code = EXIT.tool;
      return;
    }
    const { strict, maxWarnings, from } = settled;
    const options: BuildOptions = {
      ...settled.options,
      write,
      // `check` writes nothing at all: it reads the cache, but neither fills nor prunes it.
      cache: settled.options.cache && (write || 'read'),
      now,
      // SOURCE_DATE_EPOCH pins `now`: then the clock tells whether it is plausible.
      clock: pinned ? clockNow : undefined,
      signal: io.signal,
    };
    if (args.printConfig) {
      const o = settled.options;
      // The config file's keys (paths relative to the working folder), then the flags-only ones.
      const shown = {
        input: o.paths,
        out: o.out,
        formats: o.formats,
        rootDeck: o.compile.rootDeck,
        ignore: o.ignore,
        decks: o.compile.decks,
        reverse: o.compile.reverse,
        tags: o.compile.tags,
        bundle: o.bundle ?? false,
        strict,
        project: o.project ?? null,
        limits: o.limits,
        frozen: o.frozen,
        jobs: o.jobs,
        cache: o.cache,
        bail: o.bail,
        maxWarnings: maxWarnings ?? null,
      };
      const file = settled.file;
      io.stdout.write(`${JSON.stringify({ file, config: shown, from }, null, 2)}\n`);
      return;
    }
    if (write) {
      const out = path.resolve(io.cwd, options.out);
      // A name the file system refuses (too long, say) is reported when the folder is made.
      const found = (() => {
        try {
          return statSync(out, { throwIfNoEntry: false });
        } catch {
          return undefined;
        }
      })();
      if (found && !found.isDirectory())
        throw new UsageError(`Unexpected --out '${options.out}': a file, expected a folder`);
      await sweepLeftovers(io.cwd, options.out, options.paths);
    }
    const reporter = args.reporter as ReporterName;
    const quiet = Boolean(args.quiet);
    const tty = Boolean(io.stderr.isTTY) && !quiet && reporter !== 'json';
    const progress = tty ? new ProgressBar(io.stderr) : null;
    if (progress) {
      options.onFile = (done, total, cards) => progress.update(done, total, cards);
      options.onPhase = (phase) => progress.phase(phase);
    }
    const strictFrom = from.strict === '--strict' ? '--strict' : `"strict": true in ${from.strict}`;

    /** Prints a build's report; `previous` (watch mode) limits it to what changed since. */
    const report = async (result: BuildResult, ms: number, previous?: Previous) => {
      progress?.clear();
      const all = result.diagnostics;
      const shown = all.filter((d) => !quiet || d.severity === 'error');
      const counts = countBySeverity(all);
      const failure = [
        counts.error > 0 ? plural(counts.error, 'error') : '',
        strict && counts.warning > 0
          ? `${plural(counts.warning, 'warning')} with ${strictFrom}`
          : '',
        maxWarnings !== undefined && counts.warning > maxWarnings
          ? `${plural(counts.warning, 'warning')}, more than --max-warnings ${maxWarnings}`
          : '',
      ].filter(Boolean);
      if (previous) {
        const { added, resolved } = diffDiagnostics(previous.diagnostics, shown);
        const changed = result.compiled.length
          ? result.compiled.join(', ')
          : 'no file compiled again';
        io.stderr.write(`${c('note', `[${clock(io.now?.() ?? new Date())}]`)} ${changed}\n`);
        await sink.write(reporter === 'json' ? sink.format(shown) : sink.format(added));
        for (const d of resolved)
          io.stderr.write(
            `  ${c('ok', 'resolved')} ${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} ${c('rule', `[${d.rule}]`)}\n`,
          );
      } else if (reporter === 'json' || shown.length || sink.toFile)
        await sink.write(sink.format(shown));
      if (reporter === 'github' && io.env.GITHUB_STEP_SUMMARY && !previous)
        await appendFile(
          path.resolve(io.cwd, io.env.GITHUB_STEP_SUMMARY),
          formatJobSummary(all, {
            command: `deckc ${write ? 'build' : 'check'}`,
            ...result,
            failure: result.unreadable.length
              ? 'deckc could not read its input'
              : failure.length
                ? failure.join('; ')
                : undefined,
          }),
        );
      for (const problem of result.unreadable) io.stderr.write(`deckc: cannot read ${problem}\n`);
      const n = (k: number, word: string, style: 'error' | 'warning') =>
        k ? c(style, plural(k, word)) : plural(k, word);
      io.stderr.write(
        `deckc: ${plural(result.files, 'file')}, ${plural(result.cards, 'card')}, ${plural(result.packages, 'package')}` +
          `${result.retired ? `, ${result.retired} retired` : ''}; ${n(counts.error, 'error', 'error')}, ${n(counts.warning, 'warning', 'warning')} (${(ms / 1000).toFixed(2)} s)\n`,
      );
      if (all.length > 1 && !previous) io.stderr.write(formatRuleCounts(all, c));
      const fixable = countFixable(all).warning;
      if (fixable && !quiet && !previous)
        io.stderr.write(`deckc: ${plural(fixable, 'warning')} fixable by \`deckc fix\`\n`);
      if (result.bailed)
        io.stderr.write('deckc: stopped at the first file with errors (--bail); nothing written\n');
      for (const reason of result.withheld)
        io.stderr.write(`deckc: nothing written for ${reason}\n`);
      const failed = failure.length > 0;
      // Why the run fails, even with -q: errors speak for themselves, the other reasons not.
      if (failed && (counts.error === 0 || failure.length > 1))
        io.stderr.write(`deckc: ${c('error', 'failed:')} ${failure.join('; ')}\n`);
      const rewritten = write
        ? changedFiles(io.cwd, result.written, previous?.written)
        : new Map<string, string>();
      if (write && !quiet)
        for (const file of rewritten.keys()) io.stderr.write(`  wrote ${file}\n`);
      const next: Previous = {
        diagnostics: shown,
        written: new Map([...(previous?.written ?? []), ...rewritten]),
      };
      return {
        code: result.unreadable.length ? EXIT.tool : failed ? EXIT.input : EXIT.ok,
        next,
      };
    };

    if (args.watch) {
      const signal = io.signal ?? new AbortController().signal;
      let previous: Previous | undefined;
      await watch(options, {
        signal,
        onBuild: async (outcome, ms) => {
          if (outcome instanceof Error) {
            progress?.clear();
            io.stderr.write(`deckc: ${outcome.message}\n`);
            code = EXIT.tool;
          } else {
            const reported = await report(outcome, ms, previous);
            code = reported.code;
            previous = reported.next;
          }
          if (!quiet) io.stderr.write('deckc: watching for changes (Ctrl-C to stop)\n');
        },
      });
      // The watch ends only when interrupted: 130, as documented, whatever the last build said.
      code = EXIT.interrupted;
      return;
    }
    const started = performance.now();
    try {
      code = (await report(await build(options), performance.now() - started)).code;
    } finally {
      progress?.clear();
    }
  };

  const common = (y: ReturnType<typeof yargs>) =>
    y
      .positional('paths', {
        describe: 'Markdown files or folders; a folder is an input root (default: input)',
        type: 'string',
        array: true,
        default: [],
      })
      .option('reporter', {
        choices: Object.keys(REPORTERS),
        default: 'text',
        describe: 'How to print diagnostics (json: one array on stdout)',
      })
      .option('output-file', {
        type: 'string',
        describe: 'Write the diagnostics to this file instead (any reporter; no colour)',
      })
      .option('strict', { type: 'boolean', describe: 'Treat warnings as errors (exit 1)' })
      .option('max-warnings', {
        type: 'string',
        describe: 'Fail (exit 1) when there are more warnings than this (-1: no limit)',
      })
      .option('max-per-rule', {
        type: 'string',
        describe: `Text reporter: show this many of one rule in one file, then count the rest (default: ${MAX_PER_RULE}; 0: all)`,
      })
      .option('frozen', {
        type: 'boolean',
        describe: 'Fail if deckc.lock.json is missing or would change; write nothing (for CI)',
      })
      .option('root-deck', {
        type: 'string',
        describe: 'Deck for files in the input root that name no book (default: Default)',
      })
      .option('format', {
        alias: 'f',
        type: 'string',
        describe: `Comma-separated outputs: ${FORMATS.join(', ')} (default: ${DEFAULTS.formats.join(',')})`,
      })
      .option('out', { alias: 'o', type: 'string', describe: 'Output folder (default: dist)' })
      .option('bundle', {
        type: 'string',
        describe: 'One package for everything (optionally named)',
      })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'Print errors, the summary and why the run failed only',
      })
      .option('jobs', {
        alias: 'j',
        type: 'string',
        describe: 'Worker threads (default: the cores; 1: no threads; at most 64, or 2 per core)',
      })
      .option('cache', {
        type: 'boolean',
        describe: 'Reuse unchanged work from .deckc-cache/ in each input root (--no-cache: off)',
      })
      .option('bail', {
        type: 'boolean',
        describe: 'Stop at the first file with an error; write nothing',
      })
      .option('config', {
        alias: 'c',
        type: 'string',
        describe: `Config file (default: the nearest ${CONFIG_FILE} or package.json "deckc" key, up to the repository root)`,
      })
      .option('print-config', {
        type: 'boolean',
        describe: 'Print the merged settings, and where each came from, as JSON; build nothing',
      });

  try {
    const parser = yargs()
      .scriptName('deckc')
      .usage('$0 <command> [paths..]\n\nCompile Markdown flashcards into Anki decks.')
      .command(
        'build [paths..]',
        'Compile decks into --out (default: input/ → dist/)',
        (y) =>
          common(y).option('watch', {
            alias: 'w',
            type: 'boolean',
            default: false,
            describe: 'Rebuild on every change until Ctrl-C (exit 130)',
          }),
        (args) => run(args, true),
      )
      .command(
        'check [paths..]',
        'Report problems; write nothing (no outputs, lock or cache)',
        common,
        (args) => run(args, false),
      )
      .command(
        'fix [paths..]',
        'Apply every unambiguous fix to the sources (the cards stay the same)',
        (y) =>
          y
            .positional('paths', {
              describe: 'Markdown files or folders (default: input)',
              type: 'string',
              array: true,
              default: [],
            })
            .option('dry-run', {
              type: 'boolean',
              default: false,
              describe: 'Print a unified diff of the fixes on stdout; write nothing',
            })
            .option('reporter', {
              choices: Object.keys(REPORTERS),
              default: 'text',
              describe: 'How to print what is left to fix by hand',
            })
            .option('output-file', {
              type: 'string',
              describe: 'Write what is left to fix to this file instead',
            })
            .option('max-per-rule', {
              type: 'string',
              describe: `Text reporter: show this many of one rule in one file (default: ${MAX_PER_RULE}; 0: all)`,
            })
            .option('strict', { type: 'boolean', describe: 'Warnings left fail (exit 1)' })
            .option('config', { alias: 'c', type: 'string', describe: 'Config file' })
            .option('quiet', {
              alias: 'q',
              type: 'boolean',
              default: false,
              describe: 'Print errors and the summary only',
            }),
        async (args) => {
          code = await runFixCommand(args, io, reportSink);
        },
      )
      .command(
        'init',
        `Start a project here: ${CONFIG_FILE}, an example deck, .gitignore; prints a CI job`,
        (y) => y,
        async () => {
          for (const step of await initProject(io.cwd))
            io.stderr.write(
              `  ${step.action === 'kept' ? 'kept' : step.action} ${step.file}${step.action === 'kept' ? ' (exists)' : ''}\n`,
            );
          io.stderr.write(
            'deckc: next: `deckc build` (writes dist/ and decks/deckc.lock.json: commit the lock);\n' +
              '       the CI job below is on stdout (`deckc init > .github/workflows/decks.yml`)\n',
          );
          io.stdout.write(`# .github/workflows/decks.yml\n${CI_SNIPPET}`);
        },
      )
      .command(
        'lsp',
        'Run the language server on stdio (for editors)',
        (y) =>
          y.option('stdio', { type: 'boolean', describe: 'Talk LSP over stdio (the default)' }),
        async () => {
          // Loaded only here, and kept out of the command line's bundle.
          const { startServer } = await import(runtime('../lsp/server.js'));
          code = await startServer();
        },
      )
      .option('color', {
        type: 'boolean',
        describe: 'Colour (default: on a terminal, unless NO_COLOR; FORCE_COLOR forces it)',
      })
      .demandCommand(1, `Name a command: ${COMMANDS.join(', ')} (deckc --help lists them)`)
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new UsageError(message);
      })
      .epilogue(
        'Exit codes: 0 success (warnings allowed), 1 errors in the input (or warnings with --strict or past --max-warnings), 2 the tool could not run, 130 interrupted (nothing written).\n' +
          `Config: the nearest ${CONFIG_FILE} (or a "deckc" key in package.json), from the working folder up to the repository root, or --config; flags override it.`,
      )
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .showHelpOnFail(false)
      .version(packageVersion())
      .alias('v', 'version')
      .help()
      .alias('h', 'help');
    await parser.parseAsync(argv, {}, (error, _args, output) => {
      // yargs hands --help and --version text here instead of printing it: all output goes through io.
      if (output && !error) io.stdout.write(`${output}\n`);
    });
    return code;
  } catch (error) {
    if (error instanceof Interrupted) {
      io.stderr.write(`deckc: ${error.message}\n`);
      return EXIT.interrupted;
    }
    const fsFailure = describeFsFailure(error, io.cwd);
    if (error instanceof UsageError || error instanceof IoError) {
      io.stderr.write(`deckc: ${suggest((error as Error).message, argv)}\n`);
    } else if (fsFailure) {
      io.stderr.write(`deckc: ${fsFailure}\n`);
    } else {
      io.stderr.write(`deckc: internal error: ${(error as Error).stack ?? error}\n`);
    }
    return EXIT.tool;
  }
}

/** File-system failures the user can act on (permissions, a full disk, a name too long). */
const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'a folder, expected a file',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'busy',
  EXDEV: 'on another file system',
  EFBIG: 'file too large',
};

/** What Node's system calls are called in a message. */
const FS_VERBS: Record<string, string> = {
  open: 'open',
  write: 'write',
  read: 'read',
  close: 'write',
  mkdir: 'create the folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  stat: 'read',
  lstat: 'read',
  scandir: 'read the folder',
  realpath: 'read',
  copyfile: 'copy',
};

/**
 * One line for a file-system error (`cannot open 'dist/A.apkg': permission denied (EACCES)`),
 * naming the file deckc meant rather than its temporary stand-in; undefined for anything else,
 * which is a bug in deckc.
 */
export function describeFsFailure(error: unknown, cwd: string): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const reason = typeof e?.code === 'string' ? FS_REASONS[e.code] : undefined;
  if (!e || !reason) return undefined;
  const shown = (p: string) => {
    const target = stagedTarget(p) ?? p;
    const relative = path.relative(cwd, target);
    return relative && !relative.startsWith('..') ? relative : target;
  };
  const dest = (e as { dest?: unknown }).dest;
  const where =
    typeof e.path === 'string'
      ? ` '${shown(e.path)}'${typeof dest === 'string' && !stagedTarget(e.path) ? ` to '${shown(dest)}'` : ''}`
      : '';
  const verb = FS_VERBS[e.syscall ?? ''] ?? e.syscall ?? 'use';
  return where ? `cannot ${verb}${where}: ${reason} (${e.code})` : `${reason} (${e.code})`;
}

/** Every option name deckc takes, for "did you mean". */
const OPTION_NAMES = [
  'bail',
  'bundle',
  'cache',
  'color',
  'config',
  'dry-run',
  'format',
  'frozen',
  'help',
  'jobs',
  'max-per-rule',
  'max-warnings',
  'no-cache',
  'no-color',
  'out',
  'output-file',
  'print-config',
  'quiet',
  'reporter',
  'root-deck',
  'stdio',
  'strict',
  'version',
  'watch',
];

/**
 * yargs' "Unknown argument(s): a, b" with a suggestion for each: an option (`--ouput` → `--out`)
 * or, for the word where the command goes, a command (`bild` → `build`).
 */
function suggest(message: string, argv: readonly string[]): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match) return message;
  const command = argv.find((a) => !a.startsWith('-'));
  const unknown = match[1]!.split(', ');
  // After an unknown command, the words that follow are its arguments, not more mistakes.
  const badCommand = command !== undefined && !COMMANDS.includes(command as never);
  return (badCommand ? unknown.filter((name) => name === command) : unknown)
    .map((name) => {
      if (name === command && !COMMANDS.includes(name as never)) {
        const near = closest(name, COMMANDS);
        return `Unknown command '${name}'${near ? `; did you mean '${near}'?` : `, expected one of ${COMMANDS.join(', ')}`}`;
      }
      const typed = argv.find((a) => a.replace(/^-+/, '').split('=')[0] === name) ?? name;
      const near = closest(name, OPTION_NAMES);
      return `Unknown option '${typed}'${near ? `; did you mean '--${near}'?` : ' (deckc --help lists them)'}`;
    })
    .join('\ndeckc: ');
}

/** HH:MM:SS, local time. */
const clock = (date: Date) => date.toTimeString().slice(0, 8);

/** What the last build printed, so that watch mode prints only what changed. */
interface Previous {
  diagnostics: readonly Diagnostic[];
  /** Output files by their stat (size, mtime, inode) after they were last written. */
  written: ReadonlyMap<string, string>;
}

/**
 * Diagnostics new since `before` and those gone: the same diagnostic at the same place is not
 * new, nor one that only moved (same file, rule and message, another line).
 */
export function diffDiagnostics(before: readonly Diagnostic[], after: readonly Diagnostic[]) {
  const exact = (d: Diagnostic) =>
    `${d.file}:${d.line}:${d.column}\u0000${d.rule}\u0000${d.message}`;
  const loose = (d: Diagnostic) => `${d.file}\u0000${d.rule}\u0000${d.message}`;
  const take = (list: readonly Diagnostic[], key: (d: Diagnostic) => string) => {
    const bag = new Map<string, number>();
    for (const d of list) bag.set(key(d), (bag.get(key(d)) ?? 0) + 1);
    return bag;
  };
  const match = (
    a: readonly Diagnostic[],
    b: readonly Diagnostic[],
    key: (d: Diagnostic) => string,
  ) => {
    const bag = take(b, key);
    return a.filter((d) => {
      const n = bag.get(key(d)) ?? 0;
      if (n) bag.set(key(d), n - 1);
      return n === 0;
    });
  };
  let added = match(after, before, exact);
  let resolved = match(before, after, exact);
  [added, resolved] = [match(added, resolved, loose), match(resolved, added, loose)];
  return { added, resolved };
}

/** The files of `written` whose stat differs from `before` (all of them without a `before`). */
function changedFiles(
  cwd: string,
  written: readonly string[],
  before?: ReadonlyMap<string, string>,
) {
  const changed = new Map<string, string>();
  for (const file of written) {
    const s = statSync(path.resolve(cwd, file), { throwIfNoEntry: false });
    const id = s ? `${s.size}:${s.mtimeMs}:${s.ino}` : 'gone';
    if (!before || before.get(file) !== id) changed.set(file, id);
  }
  return changed;
}

/** A module of this tree by a path esbuild does not follow (the bundle loads it at run time). */
const runtime = (relative: string) => new URL(relative, import.meta.url).href;

type ReportSink = (args: Record<string, unknown>) => {
  format: (diagnostics: readonly Diagnostic[]) => string;
  toFile: boolean;
  write: (s: string) => Promise<void>;
};

/** `deckc fix`: runs the fixes, prints the diff (dry run) on stdout and the rest on stderr. */
async function runFixCommand(
  args: Record<string, unknown>,
  io: CliIo,
  reportSink: ReportSink,
): Promise<number> {
  const { runFix, formatFixResult } = (await import(
    runtime('../fix/run.js')
  )) as typeof import('../fix/run.js');
  const sink = reportSink(args);
  const loaded = await loadConfig(io.cwd, last(args.config) as string | undefined);
  const reporter = args.reporter as ReporterName;
  if (loaded.diagnostics.length) {
    await sink.write(sink.format(loaded.diagnostics));
    return EXIT.tool;
  }
  const dir = loaded.dir ?? io.cwd;
  const paths = (args.paths as string[]).filter(Boolean);
  const dryRun = Boolean(args.dryRun);
  const result = await runFix({
    paths: paths.length
      ? paths
      : (loaded.config.input?.map((p) => path.relative(io.cwd, path.resolve(dir, p)) || '.') ??
        DEFAULTS.input),
    cwd: io.cwd,
    ignore: loaded.config.ignore ?? [],
    dryRun,
    signal: io.signal,
  });
  // A dry run's stdout is the patch alone; otherwise what is left to fix by hand is listed.
  if (dryRun) io.stdout.write(result.patch);
  else {
    const shown = result.diagnostics.filter((d) => !args.quiet || d.severity === 'error');
    if (reporter === 'json' || shown.length) await sink.write(sink.format(shown));
  }
  io.stderr.write(formatFixResult(result, dryRun));
  if (result.interrupted) {
    io.stderr.write('deckc: interrupted; the files listed above are fixed, the others untouched\n');
    return EXIT.interrupted;
  }
  const counts = countBySeverity(result.diagnostics);
  const strict = (args.strict as boolean | undefined) ?? loaded.config.strict ?? false;
  const failed = counts.error > 0 || (strict && counts.warning > 0);
  if (failed && counts.error === 0)
    io.stderr.write(`deckc: failed: ${plural(counts.warning, 'warning')} left with --strict\n`);
  return failed ? EXIT.input : EXIT.ok;
}
