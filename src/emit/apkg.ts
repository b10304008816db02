import type { Package } from '../validate/schema.js';

/**
 * Writes an Anki .apkg (schema 11) for a package of notes. Returns the bytes; writes no file.
 * CONTRACT STUB: replaced by the sql.js + fflate writer.
 */
export interface ApkgOptions {
  /** Seconds; raised by the lock file when templates or CSS change. */
  notetypeMod: number;
}

export async function emitApkg(pkg: Package, options: ApkgOptions): Promise<Uint8Array> {
  void options;
  throw new Error(`apkg writer not implemented yet (${pkg.name})`);
}
