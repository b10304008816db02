import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCK_FILE, Lock } from '../identity/lock.js';
import { IoError } from './input.js';

/** Reads the lock file of an input root; null when there is none yet. */
export async function readLock(root: string): Promise<Lock | null> {
  const file = path.join(root, LOCK_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new IoError(`cannot read '${file}': ${error.message}`);
  });
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new IoError(
      `'${file}' is not valid JSON (${(error as Error).message}); restore it from version control or delete it`,
    );
  }
  const parsed = Lock.safeParse(json);
  if (!parsed.success) {
    throw new IoError(
      `'${file}' is not a deckc lock file: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
