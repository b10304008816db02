/**
 * A build's outputs: which formats of a package the cache holds already, and emitting the others
 * (on workers when given them), staged as temporary files that the build renames into place.
 */
import { createHash } from 'node:crypto';
import { packageFileName } from '../decks/name.js';
import type { Format } from '../emit/formats.js';
import type { Lock, LockEntry } from '../identity/lock.js';
import { type BuildCache, sha256 } from '../io/cache.js';
import type { Pool } from '../io/pool.js';
import type { LinkedPackage } from '../link/link.js';

/** An output to put in place: a staged temporary file, or a cached blob. */
export interface Output {
  base: string;
  format: Format;
  blob: string;
  temp: string | null;
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
  for (const m of pkg.media) hash.update(`\u0000${m.name}`);
  return hash.digest('hex');
}

export interface OutputPlan {
  pkg: LinkedPackage;
  keys: Map<Format, string>;
  /** Blob hashes of the outputs found in the cache. */
  found: Map<Format, string>;
  missing: Format[];
}

export async function planOutputs(
  pkg: LinkedPackage,
  formats: readonly Format[],
  cache: BuildCache | null,
  base: string,
): Promise<OutputPlan> {
  const plan: OutputPlan = { pkg, keys: new Map(), found: new Map(), missing: [] };
  for (const format of formats) {
    const key = sha256(`${base}\u0000${format}`);
    plan.keys.set(format, key);
    const hash = cache ? await cache.getOutputHash(key) : null;
    if (hash && (await cache!.hasBlob(hash))) plan.found.set(format, hash);
    else plan.missing.push(format);
  }
  return plan;
}

/**
 * A package's outputs, each as its blob hash plus, when emitted now (on a worker when several
 * packages need it), the temporary file it was staged in; emitted outputs go to the cache too.
 */
export async function emitPlanned(
  plan: OutputPlan,
  formats: readonly Format[],
  notetype: Lock['notetype'],
  cache: BuildCache | null,
  pool: (formats: readonly Format[]) => Promise<Pool>,
  stage: (base: string, format: Format, bytes: Uint8Array) => Promise<string>,
): Promise<Output[]> {
  const base = packageFileName(plan.pkg.name);
  const emitted = new Map<Format, Output>();
  // The .apkg (the slowest) and the other formats are two tasks: the .apkg on a worker when
  // `pool` gives one, the others where `pool` says (this thread, when it has workers: sending
  // them the cards would cost this thread about as much as writing the formats itself).
  const groups = [
    plan.missing.filter((f) => f === 'apkg'),
    plan.missing.filter((f) => f !== 'apkg'),
  ].filter((g) => g.length > 0);
  await Promise.all(
    groups.map(async (group) => {
      // An .apkg needs only the notes and media: the task does not carry the rest across.
      const pkg =
        group.length === 1 && group[0] === 'apkg'
          ? { ...plan.pkg, cards: [], diagnostics: [] }
          : plan.pkg;
      const task = await (await pool(group)).run({ kind: 'emit', pkg, formats: group, notetype });
      if (task.kind !== 'emit') throw new Error('unexpected task result');
      for (const [format, bytes, blob] of task.outputs) {
        const temp = await stage(base, format, bytes);
        emitted.set(format, { base, format, blob, temp });
        await cache?.putOutput(plan.keys.get(format)!, bytes, blob).catch(() => undefined);
      }
    }),
  );
  return formats.map(
    (format) => emitted.get(format) ?? { base, format, blob: plan.found.get(format)!, temp: null },
  );
}
