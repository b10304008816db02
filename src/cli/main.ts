import yargs from 'yargs';
import type { Config } from '../config/schema.js';
import { REPORTERS, type ReporterName } from '../diagnostics/format.js';
import { countBySeverity, countFixable } from '../diagnostics/report.js';
import { FORMATS, type Format } from '../emit/formats.js';
import { loadConfig } from '../io/config-file.js';
import { IoError } from '../io/input.js';
import { defaultJobs } from '../io/pool.js';
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
}

/** Exit codes: 0 success (warnings allowed), 1 problems in the input, 2 the tool could not run. */
export const EXIT = { ok: 0, input: 1, tool: 2, interrupted: 130 } as const;

/** The preview page (html) is opt-in: `--format apkg,csv,json,html`. */
const DEFAULTS = {
  input: ['input'],
  out: 'dist',
  formats: ['apkg', 'csv', 'json'] as Format[],
  rootDeck: 'Default',
};

const parseFormats = (value: string | string[]): Format[] => {
  const list = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new Error(`Unknown format '${f}', expected one of ${FORMATS.join(', ')}`);
  }
  return [...new Set(list)] as Format[];
};

/**
 * For the bin: a signal raised by the first SIGINT or SIGTERM, which stops the build before it
 * writes anything (outputs and lock stay as they were); a second one exits at once.
 */
export function signalOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      controller.abort();
    });
  }
  return controller.signal;
}

const parseJobs = (value: unknown): number => {
  if (value === undefined) return defaultJobs();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`Unexpected --jobs ${String(value)}, expected a whole number ≥ 1`);
  return n;
};

/** The deckc command line. Testable in-process: all I/O goes through `io` and the file system. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const epoch = io.env.SOURCE_DATE_EPOCH;
  const clockNow = Math.floor(Date.now() / 1000);
  const pinned = epoch !== undefined && /^\d+$/.test(epoch);
  const now = pinned ? Number(epoch) : clockNow;

  const run = async (args: Record<string, unknown>, write: boolean) => {
    const reporter = args.reporter as ReporterName;
    const tty = Boolean(io.stderr.isTTY) && !args.quiet && reporter !== 'json';
    const progress = tty ? new ProgressBar(io.stderr) : null;
    const loaded = await loadConfig(io.cwd);
    if (loaded.diagnostics.length) {
      (reporter === 'json' ? io.stdout : io.stderr).write(REPORTERS[reporter](loaded.diagnostics));
      code = EXIT.tool;
      return;
    }
    const config: Config = loaded.config;
    // Flags win over the config file, which wins over the defaults.
    const bundle = (args.bundle as string | undefined) ?? config.bundle;
    const strict = (args.strict as boolean | undefined) ?? config.strict ?? false;
    const paths = args.paths as string[];
    const options: BuildOptions = {
      paths: paths.length ? paths : (config.input ?? DEFAULTS.input),
      cwd: io.cwd,
      out: (args.out as string | undefined) ?? config.out ?? DEFAULTS.out,
      formats: args.format
        ? parseFormats(args.format as string)
        : (config.formats ?? DEFAULTS.formats),
      write,
      frozen: Boolean(args.frozen),
      bundle: typeof bundle === 'string' ? bundle || 'deckc' : bundle ? 'deckc' : undefined,
      ignore: config.ignore ?? [],
      compile: {
        rootDeck: (args.rootDeck as string | undefined) ?? config.rootDeck ?? DEFAULTS.rootDeck,
        tags: config.tags ?? [],
        decks: config.decks ?? {},
      },
      now,
      // SOURCE_DATE_EPOCH pins `now`: then the clock tells whether it is plausible.
      clock: pinned ? clockNow : undefined,
      project: config.project,
      jobs: parseJobs(args.jobs),
      cache: args.cache !== false,
      bail: Boolean(args.bail),
      signal: io.signal,
      onFile: progress ? (done, total, cards) => progress.update(done, total, cards) : undefined,
    };
    const report = (result: BuildResult, ms: number, only?: Set<string>) => {
      progress?.clear();
      const shown = result.diagnostics.filter(
        (d) => (!args.quiet || d.severity === 'error') && (!only || only.has(d.file)),
      );
      (reporter === 'json' ? io.stdout : io.stderr).write(REPORTERS[reporter](shown));
      for (const problem of result.unreadable) io.stderr.write(`deckc: cannot read ${problem}\n`);
      const counts = countBySeverity(result.diagnostics);
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      io.stderr.write(
        `deckc: ${plural(result.files, 'file')}, ${plural(result.cards, 'card')}, ${plural(result.packages, 'package')}` +
          `${result.retired ? `, ${result.retired} retired` : ''}; ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')} (${(ms / 1000).toFixed(2)} s)\n`,
      );
      const fixable = countFixable(result.diagnostics).warning;
      if (fixable)
        io.stderr.write(`deckc: ${plural(fixable, 'warning')} fixable by \`deckc fix\`\n`);
      if (result.bailed)
        io.stderr.write('deckc: stopped at the first file with errors (--bail); nothing written\n');
      for (const reason of result.withheld)
        io.stderr.write(`deckc: nothing written for ${reason}\n`);
      if (write && !args.quiet)
        for (const file of result.written) io.stderr.write(`  wrote ${file}\n`);
      const failed = counts.error > 0 || (strict && counts.warning > 0);
      return result.unreadable.length ? EXIT.tool : failed ? EXIT.input : EXIT.ok;
    };
    if (args.watch) {
      const signal = io.signal ?? new AbortController().signal;
      await watch(options, {
        signal,
        onBuild: (outcome, ms, first) => {
          if (outcome instanceof Error) {
            progress?.clear();
            io.stderr.write(`deckc: ${outcome.message}\n`);
            code = EXIT.tool;
          } else code = report(outcome, ms, first ? undefined : new Set(outcome.compiled));
          if (!args.quiet) io.stderr.write('deckc: watching for changes (Ctrl-C to stop)\n');
        },
      });
      return;
    }
    const started = performance.now();
    try {
      code = report(await build(options), performance.now() - started);
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
      .option('strict', { type: 'boolean', describe: 'Treat warnings as errors (exit 1)' })
      .option('frozen', {
        type: 'boolean',
        default: false,
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
        describe: 'Print errors and the summary only',
      })
      .option('jobs', {
        alias: 'j',
        type: 'number',
        describe: 'Worker threads (default: the number of cores; 1: no threads)',
      })
      .option('cache', {
        type: 'boolean',
        default: true,
        describe: 'Reuse unchanged work from .deckc-cache/ in each input root (--no-cache: off)',
      })
      .option('bail', {
        type: 'boolean',
        default: false,
        describe: 'Stop at the first file with an error; write nothing',
      });

  try {
    await yargs()
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
            describe: 'Rebuild on every change until Ctrl-C',
          }),
        (args) => run(args, true),
      )
      .command('check [paths..]', 'Report problems without writing anything', common, (args) =>
        run(args, false),
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
            .option('strict', { type: 'boolean', describe: 'Warnings left fail (exit 1)' })
            .option('quiet', {
              alias: 'q',
              type: 'boolean',
              default: false,
              describe: 'Print errors and the summary only',
            }),
        async (args) => {
          code = await runFixCommand(args, io);
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
      .demandCommand(1, 'Name a command: build, check, fix or lsp')
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new UsageError(message);
      })
      .epilogue(
        'Exit codes: 0 success (warnings allowed), 1 errors in the input (or warnings with --strict), 2 the tool could not run, 130 interrupted (nothing written).\n' +
          'Config: deckc.config.json (or a "deckc" key in package.json) in the working folder; flags override it.',
      )
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .showHelpOnFail(false)
      .version()
      .help()
      .parseAsync(argv, {}, (error, _args, output) => {
        // yargs hands --help and --version text here instead of printing it: all output goes through io.
        if (output && !error) io.stdout.write(`${output}\n`);
      });
    return code;
  } catch (error) {
    if (error instanceof Interrupted) {
      io.stderr.write(`deckc: ${error.message}\n`);
      return EXIT.interrupted;
    }
    if (
      error instanceof UsageError ||
      error instanceof IoError ||
      (error as Error).message?.startsWith('Unknown format')
    ) {
      io.stderr.write(`deckc: ${(error as Error).message}\n`);
    } else {
      io.stderr.write(`deckc: internal error: ${(error as Error).stack ?? error}\n`);
    }
    return EXIT.tool;
  }
}

class UsageError extends Error {}

/** A module of this tree by a path esbuild does not follow (the bundle loads it at run time). */
const runtime = (relative: string) => new URL(relative, import.meta.url).href;

/** `deckc fix`: runs the fixes, prints the diff (dry run) on stdout and the rest on stderr. */
async function runFixCommand(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const { runFix, formatFixResult } = (await import(
    runtime('../fix/run.js')
  )) as typeof import('../fix/run.js');
  const loaded = await loadConfig(io.cwd);
  const reporter = args.reporter as ReporterName;
  if (loaded.diagnostics.length) {
    (reporter === 'json' ? io.stdout : io.stderr).write(REPORTERS[reporter](loaded.diagnostics));
    return EXIT.tool;
  }
  const paths = args.paths as string[];
  const dryRun = Boolean(args.dryRun);
  const result = await runFix({
    paths: paths.length ? paths : (loaded.config.input ?? DEFAULTS.input),
    cwd: io.cwd,
    ignore: loaded.config.ignore ?? [],
    dryRun,
    signal: io.signal,
  });
  // A dry run's stdout is the patch alone; otherwise what is left to fix by hand is listed.
  if (dryRun) io.stdout.write(result.patch);
  else {
    const shown = result.diagnostics.filter((d) => !args.quiet || d.severity === 'error');
    if (reporter === 'json' || shown.length)
      (reporter === 'json' ? io.stdout : io.stderr).write(REPORTERS[reporter](shown));
  }
  io.stderr.write(formatFixResult(result, dryRun));
  if (result.interrupted) {
    io.stderr.write('deckc: interrupted; the files listed above are fixed, the others untouched\n');
    return EXIT.interrupted;
  }
  const counts = countBySeverity(result.diagnostics);
  const strict = (args.strict as boolean | undefined) ?? loaded.config.strict ?? false;
  return counts.error > 0 || (strict && counts.warning > 0) ? EXIT.input : EXIT.ok;
}
