/**
 * Every cache key of the build, and what each one covers. A cached result may depend only on
 * what its key covers; anything else it depends on must be checked again on every hit (the
 * media a file read) or keep it out of the cache (a scope whose link depends on `now` is not
 * `settled` and gets no record). The stores behind the keys are in io/cache.ts.
 *
 * - **salt** (`compilerSalt`): the compiler fingerprint (deckc's own source, its dependencies'
 *   versions, package-lock.json: see io/cache.ts), empty when the cache is off. It is part of
 *   every key below, so that any change to deckc misses the whole cache.
 * - **source salt** (`sourceSalt`): the salt, the compile options, defaults filled in (equal
 *   options give equal keys), and the media size limit (a larger image is not packaged).
 * - **file key** (`fileKey`): source salt, the file's path in its input root, its bytes. Keys a
 *   compiled file (`files/`), its summary in the index, and its entry in `sources.json`.
 * - **stat shortcut** (`sameStat`): not a key but what lets a file's recorded key stand for its
 *   bytes without reading them: same size, mtime and inode as when it was read, and not modified
 *   within 2 s of that read (as git's index does; coarse timestamps could hide a second change).
 * - **slice hash** (`sliceHash`): a scope's entries of the lock file, serialized. `EMPTY_SLICE`
 *   is a scope the lock knows nothing of.
 * - **owners** (`ownersKey`): which scope owns each explicit id, and how scopes are spelt: the
 *   lock's slices as recorded in the index hold only while it is unchanged.
 * - **scope key** (`scopeKey`): salt, whether outputs are written, the formats, the note type, the
 *   project id, the scope, its files' keys in order, the explicit-id diagnostics of its files,
 *   and the slice hash of its lock entries. Keys a scope's record (`scope/`): its diagnostics,
 *   counts and outputs' blobs. Everything the link and the outputs depend on but `now`.
 * - **package key** (`packageKey`): a package's outputs, without hashing its HTML again (below).
 * - **output key** (`outputKey`): package key, format, and whether it is the retirements
 *   package. Keys the blob hash of one emitted file (`out/`).
 */
import { createHash } from 'node:crypto';
import type { CompileOptions } from '../compile.js';
import type { Format } from '../emit/formats.js';
import type { Lock, LockEntry } from '../identity/lock.js';
import { compilerFingerprint, type SourceStat, sha256 } from '../io/cache.js';
import type { FileStat } from '../io/input.js';
import type { Diagnostic, LinkedPackage } from '../validate/schema.js';

export { sha256 };

/** The salt of every key: the compiler's fingerprint, or nothing when the cache is off. */
export const compilerSalt = (cache: boolean): string => (cache ? compilerFingerprint() : '');

/** The salt of file keys: the compiler and the compile options (defaults filled in). */
export const sourceSalt = (salt: string, options: CompileOptions, mediaBytes: number): string =>
  `${salt}\u0000${JSON.stringify(options)}\u0000${mediaBytes}`;

/** The cache key of one source file. */
export function fileKey(salt: string, filePath: string, bytes: Uint8Array): string {
  return createHash('sha256').update(`${salt}\u0000${filePath}\u0000`).update(bytes).digest('hex');
}

/** Whether a file's recorded key still stands for its bytes, judged by its stat (see header). */
export const sameStat = (a: SourceStat, b: FileStat): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && b.mtimeMs < a.read - 2000;

/** The hash of a scope without lock entries. */
export const EMPTY_SLICE = sha256('');

/** The hash of a scope's slice of the lock, given serialized. */
export const sliceHash = (serialized: string): string => sha256(serialized);

/** Which scope owns each explicit id, and how scopes are spelt. */
export const ownersKey = (owners: Iterable<unknown>, scopes: Iterable<string | null>): string =>
  sha256(JSON.stringify([[...owners], [...new Set(scopes)]]));

/** What a scope's record depends on (see scopeKey). */
export interface ScopeKeyParts {
  salt: string;
  write: boolean;
  formats: readonly Format[];
  notetype: Lock['notetype'];
  project: string;
  scope: string;
  /** Its files' keys, in input order. */
  fileKeys: readonly string[];
  /** The explicit-id diagnostics of its files. */
  idDiagnostics: readonly Diagnostic[];
}

/** The cache key of a scope's record: everything its link and outputs depend on but `now`. */
export function scopeKey(parts: ScopeKeyParts, slice: string): string {
  const { salt, write, formats, notetype, project, scope, fileKeys, idDiagnostics } = parts;
  return sha256(
    `${JSON.stringify([salt, write, formats, notetype, project, scope, fileKeys, idDiagnostics])}\u0000${slice}`,
  );
}

/**
 * The cache key of a package's outputs, without hashing its megabytes of HTML again. A package
 * is made of (see linkProject):
 * - cards, each entirely determined by its source file, whose cache key (bytes, path, options,
 *   compiler) is known: the keys of the package's files, in order, stand for them;
 * - identities and mods, each note's lock entry, which also carries `content`, the hash of the
 *   note's deck, tags and fields (retired notes are made from their lock entry alone);
 * - media, named by their content hash; the note type's mod; the package name.
 * The compiler fingerprint in `salt` covers any change to how these are turned into bytes.
 */
export function packageKey(
  pkg: LinkedPackage,
  entries: Readonly<Record<string, LockEntry>>,
  notetype: Lock['notetype'],
  fileKeys: ReadonlyMap<string, string>,
  salt: string,
): string {
  const hash = createHash('sha256').update(`${salt}\u0000${notetype.mod}\u0000`);
  hash.update(`${JSON.stringify(pkg.name)}\u0000`);
  let last = '';
  for (const card of pkg.cards) {
    if (card.source.file === last) continue;
    last = card.source.file;
    hash.update(`${fileKeys.get(last) ?? `?${last}`}\u0000`);
  }
  for (const note of pkg.notes)
    hash.update(`${note.guid}${JSON.stringify(entries[note.guid] ?? note)}`);
  hash.update('\u0000retired');
  for (const note of pkg.retired)
    hash.update(`${note.guid}${JSON.stringify(entries[note.guid] ?? note)}`);
  for (const m of pkg.media) hash.update(`\u0000${m.name}`);
  return hash.digest('hex');
}

/** The cache key of one output file of a package: a format, or its retirements package. */
export const outputKey = (packageKey: string, format: Format, retired: boolean): string =>
  sha256(`${packageKey}\u0000${format}${retired ? '\u0000retired' : ''}`);
