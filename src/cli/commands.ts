/** The command line's table: each command with its options and its runner, then help. */
import yargs from 'yargs';
import { CONFIG_FILE } from '../io/config-file.js';
import { packageVersion } from '../io/package-version.js';
import type { Context } from './context.js';
import { UsageError } from './exit.js';
import { buildOptions, fixOptions } from './options.js';
import { runBuild } from './run-build.js';
import { runFixCommand } from './run-fix.js';
import { runInit } from './run-init.js';
import { runLsp } from './run-lsp.js';
import { COMMANDS } from './suggest.js';

/** The parser of deckc's arguments; the command it runs hands its exit code to `exit`. */
export function commandLine(ctx: Context, exit: (code: number) => void) {
  return yargs()
    .scriptName('deckc')
    .usage('$0 <command> [paths..]\n\nCompile Markdown flashcards into Anki decks.')
    .command(
      'build [paths..]',
      'Compile decks into --out (default: input/ → dist/)',
      (y) =>
        buildOptions(y).option('watch', {
          alias: 'w',
          type: 'boolean',
          default: false,
          describe: 'Rebuild on every change until Ctrl-C (exit 130)',
        }),
      async (args) => exit(await runBuild(args, ctx, true)),
    )
    .command(
      'check [paths..]',
      'Report problems; write nothing (no outputs, lock or cache)',
      buildOptions,
      async (args) => exit(await runBuild(args, ctx, false)),
    )
    .command(
      'fix [paths..]',
      'Apply every unambiguous fix to the sources (the cards stay the same)',
      fixOptions,
      async (args) => exit(await runFixCommand(args, ctx)),
    )
    .command(
      'init',
      `Start a project here: ${CONFIG_FILE}, an example deck, .gitignore; prints a CI job`,
      (y) => y,
      () => runInit(ctx.io),
    )
    .command(
      'lsp',
      'Run the language server on stdio (for editors)',
      (y) => y.option('stdio', { type: 'boolean', describe: 'Talk LSP over stdio (the default)' }),
      async () => exit(await runLsp()),
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
}
