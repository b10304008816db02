import { readFile } from 'node:fs/promises';
import { Lock } from '../identity/lock.js';
import { IoError } from './input.js';

/** The bytes of a lock file; null when there is none yet. */
export async function readLockBytes(file: string): Promise<Buffer | null> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new IoError(`cannot read '${file}': ${error.message}`);
  });
}

/** Parses and validates the text of the lock file `file`. */
export function parseLock(text: string, file: string): Lock {
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
