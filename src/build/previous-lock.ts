/**
 * The lock file an input root had when the build started: one object, one way to read it.
 *
 * Reading a large lock costs time, so this reads as little as each build needs: the file is
 * hashed as bytes; decoded only when some scope is linked; parsed whole only when something
 * asks for the whole (`full`). A lock that watch mode remembers parsed (same hash) is taken as
 * remembered; one that the cache's last build wrote (`canonical`: its hash is the index's)
 * needs no validating again, and may be read line by line (`lines`).
 */

import {
  type Lock,
  type LockLine,
  lockHead,
  lockLines,
  rememberEntryTexts,
} from '../identity/lock.js';
import { resolveLockConflicts } from '../identity/lock-merge.js';
import { parseLock } from '../io/lock-file.js';
import type { Diagnostic } from '../validate/schema.js';
import { sha256 } from './keys.js';

/** A lock file watch mode keeps parsed between builds, with the hash of its bytes. */
export interface RememberedLock {
  hash: string;
  lock: Lock;
}

export class PreviousLock {
  /** The hash of the file's bytes; null when there is no lock file. */
  readonly hash: string | null;
  /** Whether the file is as the cache's last build wrote it (canonical, validated then). */
  readonly canonical: boolean;
  /** The project id the lock holds; null without a lock file. */
  readonly project: string | null;
  private decoded: string | undefined;
  /** The whole lock, once parsed: undefined until then (null: no lock file). */
  private parsed: Lock | null | undefined;

  private constructor(
    private readonly bytes: Buffer | null,
    hash: string | null,
    canonical: boolean,
    parsed: Lock | null | undefined,
    decoded?: string,
  ) {
    this.decoded = decoded;
    this.hash = hash;
    this.canonical = canonical;
    this.parsed = parsed;
    this.project = hash === null ? null : (parsed?.project ?? lockHead(this.text()).project);
  }

  /**
   * Opens the lock file read as `bytes` (null: none) at `file`. A lock with git's merge-conflict
   * markers is merged as npm merges package-lock.json; when its ambiguities cannot be settled,
   * `lock` is null and the diagnostics say where. Throws IoError on a lock that is not one.
   */
  static open(
    file: string,
    bytes: Buffer | null,
    known: { remembered: RememberedLock | undefined; indexHash: string | undefined },
  ): { lock: PreviousLock | null; diagnostics: Diagnostic[] } {
    const hash = bytes && sha256(bytes);
    const remembered = known.remembered?.hash === hash ? known.remembered : undefined;
    const canonical = hash !== null && known.indexHash === hash;
    if (hash === null || remembered || canonical) {
      const parsed = remembered ? remembered.lock : hash === null ? null : undefined;
      return { lock: new PreviousLock(bytes, hash, canonical, parsed), diagnostics: [] };
    }
    const text = bytes!.toString('utf8');
    const conflict = resolveLockConflicts(text);
    if (conflict && !conflict.lock) return { lock: null, diagnostics: conflict.diagnostics };
    const parsed = conflict?.lock ?? parseLock(text, file);
    return {
      lock: new PreviousLock(bytes, hash, false, parsed, text),
      diagnostics: conflict?.diagnostics ?? [],
    };
  }

  /** The file's text (call only when there is a lock file). */
  text(): string {
    this.decoded ??= this.bytes!.toString('utf8');
    return this.decoded;
  }

  /** The whole lock, parsed now if it was not yet; null without a lock file. */
  full(): Lock | null {
    if (this.parsed === undefined && this.hash !== null) {
      this.parsed = JSON.parse(this.text()) as Lock;
      rememberEntryTexts(this.parsed, this.text());
    }
    return this.parsed ?? null;
  }

  /** The whole lock if it has been parsed (or remembered) already, without parsing it. */
  parsedSoFar(): Lock | null | undefined {
    return this.parsed;
  }

  /**
   * The lock's note lines, parsed one by one on demand, while nothing has parsed the whole:
   * for a canonical lock only (its layout is deckc's own); null when the text is not laid out
   * as deckc writes it.
   */
  lines(): LockLine[] | null {
    if (!this.canonical || this.parsed !== undefined) return null;
    return lockLines(this.text());
  }

  /** The newest `mod` the lock records, seconds (0 without a lock file). */
  newestMod(): number {
    let newest = 0;
    if (this.hash !== null)
      for (const m of this.text().matchAll(/"mod":(\d+)/g)) newest = Math.max(newest, +m[1]!);
    return newest;
  }
}
