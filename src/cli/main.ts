/**
 * The deckc command line: the context of the run, the command it names (commands.ts), and the
 * exit code, of the command or of what stopped it.
 */
import { IoError } from '../io/input.js';
import { Interrupted } from './build.js';
import { commandLine } from './commands.js';
import { type CliIo, contextOf } from './context.js';
import { EXIT, UsageError } from './exit.js';
import { describeFsFailure } from './fs-failure.js';
import { suggest } from './suggest.js';

export type { CliIo } from './context.js';
export { EXIT } from './exit.js';
export { describeFsFailure } from './fs-failure.js';
export { signalOnInterrupt } from './interrupt.js';
export { maxJobs } from './option-values.js';

/** The deckc command line. Testable in-process: all I/O goes through `io` and the file system. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const ctx = contextOf(argv, io);
  try {
    const parser = commandLine(ctx, (exit) => {
      code = exit;
    });
    await parser.parseAsync(argv, {}, (error, _args, output) => {
      // yargs hands --help and --version text here instead of printing it: all output goes through io.
      if (output && !error) io.stdout.write(`${output}\n`);
    });
    return code;
  } catch (error) {
    return failed(error, argv, io);
  }
}

/** The one line on stderr for what stopped a run, and its exit code. */
function failed(error: unknown, argv: readonly string[], io: CliIo): number {
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
