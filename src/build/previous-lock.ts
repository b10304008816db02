/**
 * The lock file an input root had when the build started: one object, one way to read it.
 *
 * Reading a large lock costs time, so this reads as little as each build needs: the file is
 * hashed as bytes; decoded only when some scope is linked; parsed whole only when something
 * asks for the whole (`full`). A lock that watch mode remembers parsed (same hash) is taken as
 * remembered; one that the cache's last build wrote (`canonical`: its hash is the index's)
 * needs no validating again, and may be read line by line (`lines`).
 */

import path from 'node:path';
import { visit } from 'jsonc-parser';
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
   * `lock` is null and the diagnostics say where, and `why` why. So it is when one GUID has two
   * entries (a bad merge or hand edit: JSON keeps the last, and the card of the other would
   * take over its note in Anki). Throws IoError on a lock that is not one.
   */
  static open(
    file: string,
    bytes: Buffer | null,
    known: { remembered: RememberedLock | undefined; indexHash: string | undefined },
  ): { lock: PreviousLock | null; diagnostics: Diagnostic[]; why?: string } {
    const hash = bytes && sha256(bytes);
    const remembered = known.remembered?.hash === hash ? known.remembered : undefined;
    const canonical = hash !== null && known.indexHash === hash;
    if (hash === null || remembered || canonical) {
      const parsed = remembered ? remembered.lock : hash === null ? null : undefined;
      return { lock: new PreviousLock(bytes, hash, canonical, parsed), diagnostics: [] };
    }
    const text = bytes!.toString('utf8');
    const conflict = resolveLockConflicts(text);
    if (conflict && !conflict.lock)
      return {
        lock: null,
        diagnostics: conflict.diagnostics,
        why: 'has merge conflicts to resolve',
      };
    const duplicates = conflict ? [] : duplicateGuids(text, file);
    if (duplicates.length > 0)
      return { lock: null, diagnostics: duplicates, why: 'has GUIDs with two entries' };
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

/** Second entries of one GUID in the lock's `notes`, each an error at its line. */
function duplicateGuids(text: string, file: string): Diagnostic[] {
  const seen = new Map<string, number>();
  const found: Diagnostic[] = [];
  // Depth 1 is the lock object, 2 the objects in it: note entries are the keys of `notes`.
  let depth = 0;
  let inNotes = false;
  let key = '';
  visit(text, {
    onObjectBegin: () => {
      depth++;
      if (depth === 2) inNotes = key === 'notes';
    },
    onObjectEnd: () => {
      depth--;
    },
    onObjectProperty: (property, _offset, length, line, character) => {
      if (depth === 1) key = property;
      if (depth !== 2 || !inNotes) return;
      const first = seen.get(property);
      if (first === undefined) {
        seen.set(property, line + 1);
        return;
      }
      found.push({
        file: path.basename(file),
        line: line + 1,
        column: character + 1,
        endLine: line + 1,
        endColumn: character + 1 + length,
        severity: 'error',
        rule: 'lock-duplicate',
        message: `Unexpected second entry for GUID ${property} (the first is at line ${first}), expected one entry per GUID: two cards would share one note in Anki; keep the entry of the card it belongs to and delete the other (its card gets a new GUID)`,
      });
    },
  });
  return found;
}
