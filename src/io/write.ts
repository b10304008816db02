import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file atomically: a temporary file beside it, then a rename. A failed or interrupted
 * run leaves either the old file or the new one, never half of one.
 */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
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
