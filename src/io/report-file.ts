/** The files the command line writes its report to: --output-file and GitHub's job summary. */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes the diagnostics to `target`, making its folder; a failure names the file. */
export async function writeReportFile(target: string, text: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text).catch((error: NodeJS.ErrnoException) => {
    // A full disk's write error has no path: name the file.
    throw Object.assign(error, { path: error.path ?? target, syscall: 'write' });
  });
}

/** Adds `text` at the end of `target` (GITHUB_STEP_SUMMARY: each step appends its own). */
export const appendReportFile = (target: string, text: string): Promise<void> =>
  appendFile(target, text);
