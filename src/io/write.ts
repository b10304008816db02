import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes `data` to `file`; a failure names the file (a full disk's write error has no path). */
const writeNamed = (file: string, data: Uint8Array | string) =>
  writeFile(file, data).catch((error: NodeJS.ErrnoException) => {
    throw Object.assign(error, { path: error.path ?? file, syscall: error.syscall ?? 'write' });
  });

/** A temporary file beside `file`, for writing it whole before renaming it into place. */
const tempBeside = (file: string) => `${file}.${randomBytes(8).toString('hex')}.tmp`;

/** The file a temporary name made by this module stands for, or null for any other path. */
export const stagedTarget = (temp: string): string | null =>
  /^(.+)\.[0-9a-f]{16}\.tmp$/.exec(temp)?.[1] ?? null;

/**
 * Writes a file atomically: a temporary file beside it, then a rename. A failed or interrupted
 * run leaves either the old file or the new one, never half of one.
 */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempBeside(file);
  try {
    await writeNamed(temp, data);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes only when the content differs, so unchanged outputs keep their timestamps. */
export async function writeIfChanged(file: string, data: Uint8Array | string): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const current = await readFile(file).catch(() => null);
  if (current && Buffer.compare(current, bytes) === 0) return false;
  await writeAtomic(file, bytes);
  return true;
}

/**
 * Stages `bytes` for `file`: writes them to a temporary file beside it (so that they need not
 * stay in memory) and returns its path, for `putInPlace` or `discard` later.
 */
export async function stage(file: string, bytes: Uint8Array): Promise<string> {
  const temp = tempBeside(file);
  await writeNamed(temp, bytes);
  return temp;
}

/** Renames a staged file into place. */
export const putInPlace = (temp: string, file: string): Promise<void> => rename(temp, file);

/** Removes a file, if it is there. */
export const discard = (file: string): Promise<void> => rm(file, { force: true });

/** Creates a folder and its parents, if they are not there. */
export const ensureFolder = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
};

/** A file's size and mtime, or null when there is no such file. */
export const statOf = (file: string): Promise<{ size: number; mtimeMs: number } | null> =>
  stat(file).then(
    (s) => ({ size: s.size, mtimeMs: s.mtimeMs }),
    () => null,
  );

/** A file's bytes, or null when it cannot be read. */
export const readIfThere = (file: string): Promise<Uint8Array | null> =>
  readFile(file).catch(() => null);
