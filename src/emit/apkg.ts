import type { Package } from '../validate/schema.js';

/**
 * Writes an Anki .apkg (schema 11) for a package of notes. Returns the bytes; writes no file.
 * CONTRACT STUB: replaced by the sql.js + fflate writer.
 */
export async function emitApkg(pkg: Package): Promise<Uint8Array> {
  throw new Error(`apkg writer not implemented yet (${pkg.name})`);
}
