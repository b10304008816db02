import type { Diagnostic } from '../validate/schema.js';
import { LOCK_FILE, Lock, LockEntry, ProjectId, scopeOf } from './lock.js';

/**
 * A lock file with git conflict markers, resolved the way npm resolves a conflicted
 * package-lock.json: both sides are read and merged; what cannot be merged is reported at its
 * line with the fix, and then no lock comes back (the build must not go on from a guess).
 *
 * Why a merge is safe at all: deckc never deletes an entry (a vanished card is retired, not
 * forgotten), so the union of both sides loses nothing; and the lock is rebuilt from the merged
 * sources by the next build, which fixes everything but the `mod` clocks. Those it cannot
 * fix: Anki updates a note only when the incoming `mod` is newer, so the merged `mod` of a note
 * must be at least every `mod` either branch has shipped. Hence "the greater `mod` wins" — for
 * live, edited and retired entries alike:
 * - the winner's `mod` is the maximum, so the next change of the note gets a newer one than any
 *   collection holds, whichever branch that collection imported;
 * - if the merged sources match the loser, the build sees a content change against the winner
 *   and raises `mod` again, so collections that imported the winner get the loser's content;
 * - retired vs live is no exception: retiring raises `mod` like an edit does. If the merged
 *   sources still hold the card the build revives the entry (with a newer `mod`), and if they do
 *   not it retires the live one (with a newer `mod`). Taking the entry with the smaller `mod`
 *   instead could leave a collection holding a newer `mod` than the lock, deaf to updates.
 * Two versions with the same `mod` are ambiguous: whichever is kept, collections that imported
 * the other would never be updated. So is a card claimed by two notes (see cardCollisions).
 */

/** What resolveLockConflicts gives back: a merged lock, or null and the errors that stop it. */
export interface LockConflictResolution {
  /** The merged lock, notes in GUID order; null when any diagnostic is an error. */
  lock: Lock | null;
  /** Errors (rule `lock-conflict`) with the fix; with a lock, one 'info' saying what was merged. */
  diagnostics: Diagnostic[];
}

export const LOCK_CONFLICT_RULE = 'lock-conflict';

/**
 * Resolves the git conflict markers in `text`, a lock file: null when it has none. Both sides
 * (text outside the conflicts shared) are read line by line — a conflict breaks the commas of
 * JSON, not the lines serializeLock writes — and merged: every GUID of either side; of two
 * different entries the one with the greater `mod`; the note type with the greater `mod`; the
 * project id either side has; the greater lockfileVersion. diff3's base sections are ignored.
 */
export function resolveLockConflicts(text: string): LockConflictResolution | null {
  // The common case, a lock without markers, costs a few scans and no split.
  if (!['<<<<<<<', '|||||||', '=======', '>>>>>>>'].some((m) => text.includes(m))) return null;
  const raw = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (raw[raw.length - 1] === '') raw.pop();
  if (!raw.some((line) => MARKER.test(line))) return null;

  const problems = new Problems(raw);
  const split = splitConflicts(raw, problems);
  const { notes, heads } = readLines(split.lines, problems);
  const head = mergeHead(heads, split.firstMarker, problems);
  const merged = mergeNotes(notes, problems);
  cardCollisions(merged, notes, problems);
  if (problems.errors.length > 0 || head === null) {
    return { lock: null, diagnostics: problems.errors.sort((a, b) => a.line - b.line) };
  }
  const lock: Lock = {
    lockfileVersion: head.lockfileVersion,
    ...(head.project === undefined ? {} : { project: head.project }),
    notetype: head.notetype,
    notes: {},
  };
  for (const guid of [...merged.keys()].sort()) lock.notes[guid] = merged.get(guid)!.entry;
  return { lock, diagnostics: [summary(problems, split, notes, merged)] };
}

/** Which side of the conflicts a line belongs to: a bit each, both for shared text. */
const OURS = 1;
const THEIRS = 2;
const BOTH = OURS | THEIRS;

interface SourceLine {
  /** 1-based, in the conflicted text. */
  line: number;
  /** Without its line ending. */
  text: string;
  sides: number;
  /** Counts marker lines: consecutive lines of one section share it. */
  section: number;
}

/** The `lock-conflict` errors of one conflicted text, each spanning the line it is reported at. */
class Problems {
  readonly errors: Diagnostic[] = [];

  constructor(private readonly raw: readonly string[]) {}

  /** An error at `line` (1-based); `related` points at the other line it is about. */
  report(line: number, message: string, related?: { line: number; message: string }): Diagnostic {
    const error = this.at(line, 'error', message, related);
    this.errors.push(error);
    return error;
  }

  /** A `lock-conflict` diagnostic spanning line `line`, not recorded. */
  at(
    line: number,
    severity: Diagnostic['severity'],
    message: string,
    related?: { line: number; message: string },
  ): Diagnostic {
    return {
      file: LOCK_FILE,
      line,
      column: 1,
      endLine: line,
      endColumn: (this.raw[line - 1]?.length ?? 0) + 1,
      severity,
      rule: LOCK_CONFLICT_RULE,
      message,
      ...(related ? { related: { file: LOCK_FILE, column: 1, ...related } } : {}),
    };
  }

  /** Widens `error` to end with line `line`. */
  extend(error: Diagnostic, line: number): void {
    error.endLine = line;
    error.endColumn = (this.raw[line - 1]?.length ?? 0) + 1;
  }
}

interface Split {
  lines: SourceLine[];
  /** The line of the first marker, where problems of no line of their own are reported. */
  firstMarker: number;
  hunks: number;
}

// Markers are 7 characters; longer ones (`<<<<<<<<<`) are the nested markers of a virtual merge
// base inside a diff3 base section, which is skipped whole.
const MARKER = /^(?:(<{7}|\|{7}|>{7})(?: |$)|(={7})$)/;

/** The lines of `raw` with the side each belongs to, marker and base lines left out. */
function splitConflicts(raw: readonly string[], problems: Problems): Split {
  const lines: SourceLine[] = [];
  let state: 'out' | 'ours' | 'base' | 'theirs' = 'out';
  let opened = 0;
  let firstMarker = 0;
  let hunks = 0;
  let section = 0;
  const misplaced = (n: number, marker: string, expected: string) => {
    const where =
      state === 'out'
        ? 'outside a conflict'
        : `in the ${state === 'ours' ? 'first' : 'second'} side of the conflict at line ${opened}`;
    problems.report(n, `Unexpected '${marker}' ${where}, expected ${expected}; ${FIX_MARKERS}`);
  };
  raw.forEach((text, i) => {
    const n = i + 1;
    const match = MARKER.exec(text);
    if (match === null) {
      if (state !== 'base') {
        const sides = state === 'out' ? BOTH : state === 'ours' ? OURS : THEIRS;
        lines.push({ line: n, text, sides, section });
      }
      return;
    }
    const marker = match[1] ?? match[2]!;
    firstMarker ||= n;
    section++;
    if (marker === '<<<<<<<') {
      if (state === 'out') {
        state = 'ours';
        opened = n;
        hunks++;
      } else if (state !== 'base') misplaced(n, marker, "'=======' or '>>>>>>>' first");
    } else if (marker === '|||||||') {
      if (state === 'ours') state = 'base';
      else if (state !== 'base') misplaced(n, marker, "it between '<<<<<<<' and '======='");
    } else if (marker === '=======') {
      if (state === 'ours' || state === 'base') state = 'theirs';
      else misplaced(n, marker, "it between '<<<<<<<' and '>>>>>>>'");
    } else if (state === 'theirs') state = 'out';
    else if (state !== 'base') misplaced(n, marker, "'=======' before it");
  });
  if (state !== 'out') {
    problems.report(
      opened,
      `Unexpected end of the lock file in the conflict that starts here, expected '>>>>>>>'; ${FIX_MARKERS}`,
    );
  }
  return { lines, firstMarker, hunks };
}

/** A note line as read on one side, or several (shared text is read once for both). */
interface NoteLine {
  guid: string;
  entry: LockEntry;
  line: number;
  sides: number;
}

type HeadLine =
  | { field: 'lockfileVersion'; value: Lock['lockfileVersion']; line: number }
  | { field: 'project'; value: string; line: number }
  | { field: 'notetype'; value: Lock['notetype']; line: number };

const HEAD_VALUES = {
  lockfileVersion: Lock.shape.lockfileVersion,
  project: ProjectId,
  notetype: Lock.shape.notetype,
} as const;

/** The lines that only frame the JSON document (with or without a trailing comma). */
const FRAME = new Set(['', '{', '}', '"notes": {', '"notes": {}']);

/**
 * Reads each line as serializeLock writes it — `"key": value`, a trailing comma or none — so
 * that the commas a conflict leaves wrong (two lines without one, a last one with one) do not
 * matter. A run of lines that cannot be read is one error, spanning the run.
 */
function readLines(lines: readonly SourceLine[], problems: Problems) {
  const notes: NoteLine[] = [];
  const heads: HeadLine[] = [];
  let run: { line: number; section: number; error: Diagnostic } | null = null;
  const fail = (source: SourceLine, message: string) => {
    if (run && run.line === source.line - 1 && run.section === source.section) {
      problems.extend(run.error, source.line);
      run.line = source.line;
    } else run = { ...source, error: problems.report(source.line, message) };
  };
  for (const source of lines) {
    const body = source.text.trim().replace(/,$/, '');
    if (FRAME.has(body)) continue;
    const pair = parsePair(body);
    if (pair === null) {
      fail(
        source,
        `Unexpected '${excerpt(source.text)}' in a conflicted lock file, expected a note line ('"GUID": {…}') or a header line; ${FIX_LINE}`,
      );
      continue;
    }
    const [key, value] = pair;
    if (key === 'lockfileVersion' || key === 'project' || key === 'notetype') {
      const parsed = HEAD_VALUES[key].safeParse(value);
      if (parsed.success)
        heads.push({ field: key, value: parsed.data, line: source.line } as HeadLine);
      else
        fail(
          source,
          `Unexpected "${key}" ${excerpt(JSON.stringify(value))} (${issue(parsed.error)}), expected ${HEAD_EXPECTED[key]}; ${FIX_LINE}`,
        );
      continue;
    }
    const parsed = LockEntry.safeParse(value);
    if (parsed.success)
      notes.push({ guid: key, entry: parsed.data, line: source.line, sides: source.sides });
    else
      fail(
        source,
        `Unexpected entry for note '${key}' (${issue(parsed.error)}), expected a lock entry as deckc writes it; ${FIX_LINE}`,
      );
  }
  return { notes, heads };
}

const HEAD_EXPECTED = {
  lockfileVersion: '1 or 2',
  project: 'a project id',
  notetype: '{"mod": …, "style": …}',
} as const;

/** `"key": value` as one JSON pair, or null. */
function parsePair(body: string): [string, unknown] | null {
  if (!body.startsWith('"')) return null;
  try {
    const object = JSON.parse(`{${body}}`) as Record<string, unknown>;
    const keys = Object.keys(object);
    return keys.length === 1 ? [keys[0]!, object[keys[0]!]] : null;
  } catch {
    return null;
  }
}

interface Head {
  lockfileVersion: Lock['lockfileVersion'];
  project: string | undefined;
  notetype: Lock['notetype'];
}

/** The merged header; null (with an error) when a part is ambiguous or missing. */
function mergeHead(heads: readonly HeadLine[], firstMarker: number, problems: Problems) {
  const of = <F extends HeadLine['field']>(field: F) =>
    heads.filter((h): h is Extract<HeadLine, { field: F }> => h.field === field);
  const versions = of('lockfileVersion');
  const notetypes = of('notetype');
  let ok = true;

  // A version 1 side has no project id: the other side's is the project's.
  const ids = distinct(of('project'), (p) => p.value);
  if (ids.length > 1) {
    ok = false;
    problems.report(
      ids[0]!.line,
      `Unexpected two project ids ${ids.map((p) => `'${p.value}' (line ${p.line})`).join(' and ')}, expected one; keep the line of the project whose notes your Anki collections hold (every GUID depends on it), delete the other and run deckc build`,
      { line: ids[1]!.line, message: 'the other project id' },
    );
  }

  // The note type's `mod` is a clock like a note's: the newer style wins, a tie is ambiguous.
  const newest = Math.max(...notetypes.map((n) => n.value.mod));
  const styles = distinct(
    notetypes.filter((n) => n.value.mod === newest),
    (n) => n.value.style,
  );
  if (styles.length > 1) {
    ok = false;
    problems.report(
      styles[0]!.line,
      `Unexpected two note type styles with the same mod ${newest} (lines ${styles[0]!.line} and ${styles[1]!.line}), expected one newer than the other; ${FIX_SAME_MOD}`,
      { line: styles[1]!.line, message: 'the other note type' },
    );
  }

  for (const [field, found] of [
    ['lockfileVersion', versions],
    ['notetype', notetypes],
  ] as const) {
    if (found.length > 0) continue;
    ok = false;
    problems.report(
      firstMarker,
      `Unexpected conflicted lock file without a "${field}" line on either side, expected one; ${FIX_MARKERS}`,
    );
  }
  if (!ok) return null;
  const lockfileVersion = Math.max(...versions.map((v) => v.value)) as Lock['lockfileVersion'];
  return { lockfileVersion, project: ids[0]?.value, notetype: styles[0]!.value } satisfies Head;
}

/** The first of each group of `items` with the same `by`, in order. */
function distinct<T>(items: readonly T[], by: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [by(item), item] as const).reverse()).values()].reverse();
}

interface Merged {
  entry: LockEntry;
  /** The line the entry (or the first of its equal versions) was read at. */
  line: number;
  sides: number;
  /** Whether an older version was left for a newer one (not: two forms of one version). */
  changed: boolean;
}

/** Every GUID of either side with its newest entry; a tie of different versions is an error. */
function mergeNotes(notes: readonly NoteLine[], problems: Problems): Map<string, Merged> {
  const byGuid = new Map<string, NoteLine[]>();
  for (const note of notes) byGuid.set(note.guid, [...(byGuid.get(note.guid) ?? []), note]);
  const merged = new Map<string, Merged>();
  for (const [guid, versions] of byGuid) {
    const newest = Math.max(...versions.map((v) => v.entry.mod));
    const top = versions.filter((v) => v.entry.mod === newest);
    let entry: LockEntry | null = top[0]!.entry;
    for (const other of top.slice(1)) {
      entry = combineEqualMod(entry, other.entry);
      if (entry === null) {
        problems.report(
          top[0]!.line,
          `Unexpected two versions of note '${guid}' with the same mod ${newest} (lines ${top[0]!.line} and ${other.line}), expected one newer than the other; ${FIX_SAME_MOD}`,
          { line: other.line, message: `the other version of note '${guid}'` },
        );
        break;
      }
    }
    if (entry === null) continue;
    // `added` is allocated once and `id` makes the GUID: a side that lacks them (a version 1
    // side) knows less, not something else, so the winner takes them from the other side.
    const added = entry.added ?? versions.find((v) => v.entry.added !== undefined)?.entry.added;
    const id = entry.id ?? versions.find((v) => v.entry.id !== undefined)?.entry.id;
    entry = withIdentity(entry, added, id);
    merged.set(guid, {
      entry,
      line: top[0]!.line,
      sides: versions.reduce((sides, v) => sides | v.sides, 0),
      changed: versions.some((v) => v.entry.mod < newest),
    });
  }
  return merged;
}

/**
 * Two entries of one note with the same `mod` are the same version when they differ only in
 * what a version 1 lock did not write: `added`, `id`, and `at` without its `:line`. Null otherwise.
 */
function combineEqualMod(a: LockEntry, b: LockEntry): LockEntry | null {
  const same = (['deck', 'key', 'answer', 'content', 'q', 'retired'] as const).every(
    (field) => a[field] === b[field],
  );
  const compatible = (x: unknown, y: unknown) => x === undefined || y === undefined || x === y;
  if (!same || !compatible(a.added, b.added) || !compatible(a.id, b.id)) return null;
  const at = a.at === b.at || isWithLine(b.at, a.at) ? a.at : isWithLine(a.at, b.at) ? b.at : null;
  if (at === null) return null;
  return withIdentity({ ...a, at }, a.added ?? b.added, a.id ?? b.id);
}

/** `entry` with `added` and `id` when they are defined (no keys holding undefined). */
function withIdentity(entry: LockEntry, added: number | undefined, id: string | undefined) {
  if (entry.added === added && entry.id === id) return entry;
  const { added: _added, id: _id, ...rest } = entry;
  return {
    ...rest,
    ...(added === undefined ? {} : { added }),
    ...(id === undefined ? {} : { id }),
  } as LockEntry;
}

/** Whether `long` is `short` with a version 1 `:line` after it. */
const isWithLine = (long: string, short: string) =>
  long.startsWith(`${short}:`) && /^\d+$/.test(long.slice(short.length + 1));

/**
 * Two GUIDs of the merged lock for one card: the same explicit id, or the same question key in
 * one scope. It happens when one branch followed an edited question to key K while the other
 * added a card whose question is K. The next build would give the card to whichever GUID sorts
 * last and retire the other — whose collections lose the card's review history — so the choice
 * is left to a person: an error, unless one side already held the pair (not the merge's doing).
 * Pairs that are both retired are let be: no card is at stake until one comes back.
 */
function cardCollisions(
  merged: ReadonlyMap<string, Merged>,
  notes: readonly NoteLine[],
  problems: Problems,
): void {
  const cardsOf = (entry: LockEntry) => [
    `deck '${scopeOf(entry.deck)}', question key '${entry.key}'`,
    ...(entry.id === undefined ? [] : [`explicit id '{#${entry.id}}'`]),
  ];
  const groups = new Map<string, string[]>();
  for (const guid of [...merged.keys()].sort())
    for (const card of cardsOf(merged.get(guid)!.entry))
      groups.set(card, [...(groups.get(card) ?? []), guid]);
  const held = (side: number, guid: string, card: string) =>
    notes.some((n) => n.guid === guid && n.sides & side && cardsOf(n.entry).includes(card));
  const reported = new Set<string>();
  for (const [card, guids] of groups) {
    if (guids.length < 2 || guids.every((g) => merged.get(g)!.entry.retired !== undefined))
      continue;
    if ([OURS, THEIRS].some((side) => guids.every((g) => held(side, g, card)))) continue;
    // The same two notes may share both their key and their id: one error is enough.
    if (reported.has(guids.join())) continue;
    reported.add(guids.join());
    const [first, second] = guids.map((guid) => ({ guid, line: merged.get(guid)!.line }));
    problems.report(
      first!.line,
      `Unexpected notes ${guids.map((g) => `'${g}' (line ${merged.get(g)!.line})`).join(' and ')} for one card (${card}), expected one note per card; delete the line of the note that should not keep the card and its review history, and run deckc build`,
      { line: second!.line, message: `note '${second!.guid}', for the same card` },
    );
  }
}

/** What was merged, as an 'info' for the user who will commit the rewritten lock. */
function summary(
  problems: Problems,
  split: Split,
  notes: readonly NoteLine[],
  merged: ReadonlyMap<string, Merged>,
): Diagnostic {
  const inConflict = new Set(notes.filter((n) => n.sides !== BOTH).map((n) => n.guid));
  let oneSide = 0;
  let newer = 0;
  for (const [guid, m] of merged) {
    if (!inConflict.has(guid)) continue;
    if (m.changed) newer++;
    else if (m.sides !== BOTH) oneSide++;
  }
  return problems.at(
    split.firstMarker,
    'info',
    `Unexpected git conflict markers (${plural(split.hunks, 'conflict')}), expected a resolved lock file; merged both sides: ${plural(oneSide, 'note')} from one side, ${newer} changed on both (the newer kept); commit the rewritten ${LOCK_FILE}`,
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const FIX_MARKERS = `resolve the conflict by hand or take one side whole ('git checkout --theirs ${LOCK_FILE}') and run deckc build`;
const FIX_LINE = `fix or delete the line, or take one side whole ('git checkout --theirs ${LOCK_FILE}'), and run deckc build`;
const FIX_SAME_MOD =
  'keep one of the two lines, add 1 to its "mod" (so that collections which imported the other get it too) and run deckc build';

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 40 ? `${trimmed.slice(0, 39)}…` : trimmed;
}

function issue(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  return first.path.length
    ? `${first.path.map(String).join('.')}: ${first.message}`
    : first.message;
}
