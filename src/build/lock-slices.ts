/**
 * The previous lock cut into slices, one per scope (top-level deck), and their hashes. While
 * the lock file and the explicit ids' owners are as the last build left them, the hashes come
 * from the cache's index (`known`) and nothing is parsed; outside watch mode such a lock file is
 * read by lines, and only the lines of the scopes linked again are parsed.
 */
import type { LockEntry, LockLine } from '../identity/lock.js';
import { parseLockLine, serializeEntries } from '../identity/lock.js';
import type { CacheIndex } from '../io/cache.js';
import { lineScopes, sliceLock } from '../link/link.js';
import { EMPTY_SLICE, sliceHash as hashSlice } from './keys.js';
import type { PreviousLock } from './previous-lock.js';

type Owners = Parameters<typeof sliceLock>[1];
type Spell = Parameters<typeof sliceLock>[2];
type Slice = Record<string, LockEntry>;

export class LockSlices {
  private all: Map<string, Slice> | undefined;
  private byLine: { lines: LockLine[]; scopes: string[] } | null | undefined;
  private readonly lineSlices = new Map<string, Slice>();

  constructor(
    private readonly previous: PreviousLock,
    private readonly owners: Owners,
    private readonly spell: Spell,
    /** The index's record of the lock, when it is the lock file on disk. */
    readonly known: NonNullable<CacheIndex['lock']> | null,
    /** Watch mode keeps the lock parsed: no reading by lines. */
    private readonly memo: boolean,
  ) {}

  /** Every slice of the previous lock, parsed whole. */
  allSlices(): Map<string, Slice> {
    this.all ??= sliceLock(this.previous.full(), this.owners, this.spell);
    return this.all;
  }

  /** The lock file's lines with the scope of each, when it is read by lines; else null. */
  lines(): { lines: LockLine[]; scopes: string[] } | null {
    if (this.byLine === undefined) {
      const lines = this.known && !this.memo && this.previous.lines();
      this.byLine = lines ? { lines, scopes: lineScopes(lines, this.owners, this.spell) } : null;
    }
    return this.byLine;
  }

  /** One scope's slice of the previous lock. */
  sliceOf(scope: string): Slice {
    const read = this.lines();
    if (!read) return this.allSlices().get(scope) ?? {};
    let slice = this.lineSlices.get(scope);
    if (!slice) {
      slice = {};
      for (const [n, line] of read.lines.entries())
        if (read.scopes[n] === scope) slice[line.guid] = parseLockLine(line);
      this.lineSlices.set(scope, slice);
    }
    return slice;
  }

  /** The hash of one scope's slice (EMPTY_SLICE for none). */
  sliceHash(scope: string): string {
    const known = this.known;
    return (
      known?.slices[scope] ??
      (known ? EMPTY_SLICE : hashSlice(serializeEntries(this.sliceOf(scope))))
    );
  }

  /** The scopes the previous lock has notes for. */
  scopes(): string[] {
    return this.known ? Object.keys(this.known.slices) : [...this.allSlices().keys()];
  }
}
