import { type Paint, paint, useColor } from '../diagnostics/color.js';
import { setTempOwner } from '../io/write.js';

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

/** What the commands share, worked out once at the start of a run. */
export interface Context {
  io: CliIo;
  /** `--color` or `--no-color`, the last one given; undefined when neither is. */
  colorFlag: boolean | undefined;
  /** The styles of the lines on stderr. */
  c: Paint;
  /** The build's time, in Unix seconds: SOURCE_DATE_EPOCH when it is a number, else the clock. */
  now: number;
  /** The clock, in Unix seconds, when SOURCE_DATE_EPOCH pins `now` (to tell if it is plausible). */
  clock: number | undefined;
}

export function contextOf(argv: readonly string[], io: CliIo): Context {
  // Temporary files carry this process's id, so that no other build sweeps them while it runs.
  setTempOwner(process.pid);
  const epoch = io.env.SOURCE_DATE_EPOCH;
  const clockNow = Math.floor(Date.now() / 1000);
  const pinned = epoch !== undefined && /^\d+$/.test(epoch);
  const i = argv.findLastIndex((a) => a === '--color' || a === '--no-color');
  const colorFlag = i < 0 ? undefined : argv[i] === '--color';
  return {
    io,
    colorFlag,
    c: paint(useColor(colorFlag, io.env, Boolean(io.stderr.isTTY))),
    now: pinned ? Number(epoch) : clockNow,
    clock: pinned ? clockNow : undefined,
  };
}
