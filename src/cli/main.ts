import yargs, { type Argv } from 'yargs';
import { FORMATS, type Format } from '../compile.js';
import type { Config } from '../config/schema.js';
import { REPORTERS, type ReporterName } from '../diagnostics/format.js';
import { countBySeverity } from '../diagnostics/report.js';
import { loadConfig } from '../io/config-file.js';
import { IoError } from '../io/input.js';
import type { Diagnostic } from '../validate/schema.js';
import { build } from './build.js';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Exit codes: 0 success (warnings allowed), 1 problems in the input, 2 the tool could not run. */
export const EXIT = { ok: 0, input: 1, tool: 2 } as const;

/** The preview page (html) is opt-in: `--format apkg,csv,json,html`. */
const DEFAULTS = {
  input: ['input'],
  out: 'dist',
  formats: ['apkg', 'csv', 'json'] as Format[],
  rootDeck: 'Default',
};

class UsageError extends Error {}

function parseFormats(value: string): Format[] {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      throw new UsageError(`Unknown format '${f}', expected one of ${FORMATS.join(', ')}`);
    }
  }
  return [...new Set(list)] as Format[];
}

interface Args {
  paths: string[];
  reporter: ReporterName;
  strict?: boolean | undefined;
  frozen: boolean;
  rootDeck?: string | undefined;
  format?: string | undefined;
  out?: string | undefined;
  bundle?: string | undefined;
  quiet: boolean;
}

const options = (y: Argv) =>
  y
    .positional('paths', {
      describe: 'Markdown files or folders; a folder is an input root (default: input)',
      type: 'string',
      array: true,
      default: [] as string[],
    })
    .option('out', { alias: 'o', type: 'string', describe: 'Output folder (default: dist)' })
    .option('format', {
      alias: 'f',
      type: 'string',
      describe: `Comma-separated outputs: ${FORMATS.join(', ')} (default: ${DEFAULTS.formats.join(',')})`,
    })
    .option('reporter', {
      choices: Object.keys(REPORTERS) as ReporterName[],
      default: 'text' as ReporterName,
      describe: 'Diagnostics as text, json (one array on stdout) or github annotations',
    })
    .option('strict', { type: 'boolean', describe: 'Treat warnings as errors (exit 1)' })
    .option('frozen', {
      type: 'boolean',
      default: false,
      describe: 'Fail if deckc.lock.json is missing or would change; write nothing then (for CI)',
    })
    .option('bundle', {
      type: 'string',
      describe: 'One package for all decks, optionally named (default: one per top-level deck)',
    })
    .option('root-deck', {
      type: 'string',
      describe: 'Deck for files in the input root that name no book (default: Default)',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'Print errors and the summary only',
    });

/** The deckc command line. Testable in-process: all output goes through `io`. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const epoch = io.env.SOURCE_DATE_EPOCH;
  const now = epoch && /^\d+$/.test(epoch) ? Number(epoch) : Math.floor(Date.now() / 1000);

  const report = (diagnostics: Diagnostic[], args: Args) => {
    const shown = args.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
    (args.reporter === 'json' ? io.stdout : io.stderr).write(REPORTERS[args.reporter](shown));
  };

  const run = async (args: Args, write: boolean) => {
    const loaded = await loadConfig(io.cwd);
    if (loaded.diagnostics.length) {
      report(loaded.diagnostics, args);
      code = EXIT.tool;
      return;
    }
    const config: Config = loaded.config;
    const bundle = args.bundle ?? config.bundle;
    const strict = args.strict ?? config.strict ?? false;
    const started = performance.now();
    const result = await build({
      paths: args.paths.length ? args.paths : (config.input ?? DEFAULTS.input),
      cwd: io.cwd,
      out: args.out ?? config.out ?? DEFAULTS.out,
      formats: args.format ? parseFormats(args.format) : (config.formats ?? DEFAULTS.formats),
      write,
      frozen: args.frozen,
      bundle:
        typeof bundle === 'string' && bundle
          ? bundle
          : bundle === false
            ? undefined
            : bundle !== undefined
              ? 'deckc'
              : undefined,
      ignore: config.ignore ?? [],
      compile: {
        rootDeck: args.rootDeck ?? config.rootDeck ?? DEFAULTS.rootDeck,
        tags: config.tags ?? [],
        decks: config.decks ?? {},
      },
      now,
    });
    report(result.diagnostics, args);
    const counts = countBySeverity(result.diagnostics);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
    io.stderr.write(
      `deckc: ${n(result.files, 'file')}, ${n(result.cards, 'card')}, ${n(result.packages, 'package')}` +
        `${result.retired ? `, ${result.retired} retired` : ''}; ` +
        `${n(counts.error, 'error')}, ${n(counts.warning, 'warning')} (${seconds} s)\n`,
    );
    if (!args.quiet) for (const file of result.written) io.stderr.write(`  wrote ${file}\n`);
    code = counts.error > 0 || (strict && counts.warning > 0) ? EXIT.input : EXIT.ok;
  };

  try {
    await yargs()
      .scriptName('deckc')
      .usage('$0 <command> [paths..]\n\nCompile Markdown flashcards into Anki decks.')
      .command('build [paths..]', 'Compile decks into the output folder', options, (args) =>
        run(args as unknown as Args, true),
      )
      .command('check [paths..]', 'Report problems; write nothing', options, (args) =>
        run(args as unknown as Args, false),
      )
      .demandCommand(1, 'Name a command: build or check')
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new UsageError(message);
      })
      .epilogue(
        'Exit codes: 0 success (warnings allowed), 1 errors in the input (or warnings with --strict), 2 the tool could not run.\n' +
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
    const known = error instanceof UsageError || error instanceof IoError;
    io.stderr.write(
      known
        ? `deckc: ${(error as Error).message}\n`
        : `deckc: internal error: ${(error as Error).stack ?? error}\n`,
    );
    return EXIT.tool;
  }
}
