/**
 * Every file deckc writes is written whole to a temporary file beside it, then renamed into
 * place. Temporary names are `<name>.deckc-<pid>-<8 hex>.tmp`: the process id of the build that
 * made them (setTempOwner; 0, never swept, when nobody set it), so that a later build can remove
 * those of a build that was killed (sweepTemps) and never those of one still running beside it.
 * They always fit a 255-byte file name (the name is shortened first). This process's live
 * temporary files are known (removeTempsSync, for exit after Ctrl-C).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes `data` to `file`; a failure names the file (a full disk's write error has no path). */
const writeNamed = (file: string, data: Uint8Array | string) =>
  writeFile(file, data).catch((error: NodeJS.ErrnoException) => {
    throw Object.assign(error, { path: error.path ?? file, syscall: error.syscall ?? 'write' });
  });

/** The most bytes a file name may have (ext4, xfs, btrfs, APFS, NTFS in UTF-16 units). */
export const MAX_NAME_BYTES = 255;

let owner = 0;

/** The process id temporary names carry (the command line sets its own). */
export function setTempOwner(pid: number): void {
  owner = pid;
}

/** Temporary files of this process not yet renamed or removed, with the file each stands for. */
const live = new Map<string, string>();

const TEMP = /\.deckc-(\d+)-[0-9a-f]{8}\.tmp$/;

/** `name` cut to at most `bytes` UTF-8 bytes, never inside a character. */
function cutUtf8(name: string, bytes: number): string {
  let kept = '';
  let size = 0;
  for (const c of name) {
    size += Buffer.byteLength(c);
    if (size > bytes) break;
    kept += c;
  }
  return kept;
}

/** A temporary file beside `file`, for writing it whole before renaming it into place. */
export function tempBeside(file: string): string {
  const suffix = `.deckc-${owner}-${randomBytes(4).toString('hex')}.tmp`;
  const base = path.basename(file);
  const room = MAX_NAME_BYTES - Buffer.byteLength(suffix);
  const temp = path.join(
    path.dirname(file),
    (Buffer.byteLength(base) > room ? cutUtf8(base, room) : base) + suffix,
  );
  live.set(temp, file);
  return temp;
}

/** The file a temporary name of this module stands for, or null for any other path. */
export const stagedTarget = (temp: string): string | null =>
  live.get(temp) ?? (TEMP.test(temp) ? temp.replace(TEMP, '') : null);

/** Removes a temporary file (it is no longer this process's to clean up). */
const drop = async (temp: string) => {
  await rm(temp, { force: true });
  live.delete(temp);
};

/** Renames a temporary file into place. */
const promote = async (temp: string, file: string) => {
  await rename(temp, file);
  live.delete(temp);
};

/**
 * Removes every temporary file this process made and did not rename, synchronously: for the
 * command line's exit after Ctrl-C or SIGTERM, when writes still in flight may have finished
 * after the build discarded what it had staged.
 */
export function removeTempsSync(): void {
  for (const temp of live.keys()) rmSync(temp, { force: true });
  live.clear();
}

/**
 * Removes the temporary files in `dir` (not below it) left by builds whose process is gone
 * (`alive` says, by process id): a build killed with SIGKILL, or a machine that lost power.
 * Those of running builds, this one's included, and of unknown owners (0) are kept. Returns the
 * names removed.
 */
export async function sweepTemps(dir: string, alive: (pid: number) => boolean): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP.exec(name)?.[1] ?? 0);
    if (pid === 0 || alive(pid)) continue;
    await rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename. A failed or interrupted
 * run leaves either the old file or the new one, never half of one.
 */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempBeside(file);
  try {
    await writeNamed(temp, data);
    await promote(temp, file);
  } catch (error) {
    await drop(temp);
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
export const putInPlace = (temp: string, file: string): Promise<void> => promote(temp, file);

/** Removes a file (a staged one, say), if it is there. */
export const discard = (file: string): Promise<void> => drop(file);

/** Creates a folder and its parents, if they are not there; returns the first one it created. */
export const ensureFolder = (dir: string): Promise<string | undefined> =>
  mkdir(dir, { recursive: true });

/** Removes `dir` and its parents up to `top` (which `ensureFolder` created), while empty. */
export async function removeEmptyFolders(dir: string, top: string): Promise<void> {
  for (let at = dir; ; at = path.dirname(at)) {
    if (
      !(await rmdir(at).then(
        () => true,
        () => false,
      )) ||
      at === top
    )
      return;
    if (path.dirname(at) === at) return;
  }
}

/** A file's size and mtime, or null when there is no such file. */
export const statOf = (file: string): Promise<{ size: number; mtimeMs: number } | null> =>
  stat(file).then(
    (s) => ({ size: s.size, mtimeMs: s.mtimeMs }),
    () => null,
  );

/** A file's bytes, or null when it cannot be read. */
export const readIfThere = (file: string): Promise<Uint8Array | null> =>
  readFile(file).catch(() => null);
