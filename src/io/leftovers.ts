/**
 * The temporary files that killed builds (SIGKILL, a crash, power lost) left behind, in the
 * output folder and beside the lock files of the folders named (io/write.ts sweepTemps).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { sweepTemps } from './write.js';

/**
 * Removes them; those of builds still running are kept (`alive`: whether a process runs, which
 * the command line tells, as `process` is its alone).
 */
export async function sweepLeftovers(
  cwd: string,
  out: string,
  paths: readonly string[],
  alive: (pid: number) => boolean,
): Promise<void> {
  const dirs = new Set([path.resolve(cwd, out)]);
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    const info = statSync(full, { throwIfNoEntry: false });
    if (info) dirs.add(info.isDirectory() ? full : path.dirname(full));
  }
  for (const dir of dirs) await sweepTemps(dir, alive);
}
