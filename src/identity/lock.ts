import { z } from 'zod';
import { derivedGuid, explicitGuid } from './guid.js';

/**
 * The lock file (`deckc.lock.json`, committed beside the sources like package-lock.json) is
 * deckc's memory between builds. Anki updates a note only when the incoming `mod` is newer, so
 * `mod` must rise exactly when a note's content changes: the lock remembers each note's content
 * hash and mod. It also keeps identities through question edits and remembers retired notes.
 */
export const LockEntry = z.object({
  /**
   * The note's id: the time it was first built, in milliseconds (Anki reads note and card ids
   * as creation times: `added:1`). Allocated once, unique in the project; missing in entries of
   * a version 1 lock until the note's scope is linked again.
   */
  added: z.number().int().min(0).optional(),
  /** Full deck name the note was last compiled into. */
  deck: z.string(),
  /** The card's explicit `{#id}`, when it has one (version 2). */
  id: z.string().min(1).optional(),
  /** Hash of the normalised question (see guid.ts); how a card finds its GUID again. */
  key: z.string(),
  /** Hash of the answer Markdown; used to follow a card whose question was edited. */
  answer: z.string(),
  /** Hash of everything the note carries to Anki (fields and tags). */
  content: z.string(),
  /** Last content change, seconds since the epoch. */
  mod: z.number().int().min(0),
  /**
   * The file the card was last seen in (version 1: `file:line`), for people reading the lock and
   * for retired notes. No line: moving a card within its file changes nothing here.
   */
  at: z.string(),
  /** The question, shortened, for people reading the lock and for retired notes. */
  q: z.string(),
  /** Seconds since the epoch when the card vanished from the sources. */
  retired: z.number().int().min(0).optional(),
});
export type LockEntry = z.infer<typeof LockEntry>;

export const LOCKFILE_VERSION = 2;

/**
 * A project id: 128 random bits in base 62 (22 characters), made once when a project's first
 * lock is written. It salts every GUID deckc derives, so two projects never share one.
 */
export const ProjectId = z.string().regex(/^[0-9A-Za-z_-]{8,64}$/);

export const Lock = z.object({
  /** 1: before project ids (GUIDs unsalted, `at` with a line); 2: today's. */
  lockfileVersion: z.union([z.literal(1), z.literal(2)]),
  /** Version 2: the project id (see ProjectId). A version 1 lock has none. */
  project: ProjectId.optional(),
  notetype: z.object({ style: z.string(), mod: z.number().int().min(0) }),
  notes: z.record(z.string(), LockEntry),
});
export type Lock = z.infer<typeof Lock>;

export const LOCK_FILE = 'deckc.lock.json';

/** One line per note, sorted by GUID, so a changed card changes exactly one line of the diff. */
export function serializeLock(lock: LockHead & { notes: Lock['notes'] }): string {
  return lockText(lock, serializeEntries(lock.notes));
}

/** What a lock file holds besides its notes; it is always written as version 2. */
export interface LockHead {
  project: string;
  notetype: Lock['notetype'];
}

function lockText({ project, notetype }: LockHead, lines: string): string {
  return [
    '{',
    `  "lockfileVersion": ${LOCKFILE_VERSION},`,
    `  "project": ${JSON.stringify(project)},`,
    `  "notetype": ${JSON.stringify({ mod: notetype.mod, style: notetype.style })},`,
    lines ? `  "notes": {\n${lines}\n  }` : '  "notes": {}',
    '}',
    '',
  ].join('\n');
}

/** One note's line of a lock file, not parsed: its GUID, its deck and its text (no comma). */
export interface LockLine {
  guid: string;
  deck: string;
  text: string;
}

const NOTES = '\n  "notes": {\n';

/**
 * The note lines of `text`, a lock file as serializeLock writes it, in order, read without
 * parsing their entries (a one-file rebuild of a large library parses only its scope's lines).
 * Null when a line is not as serializeLock writes it, or its GUID or deck holds an escape.
 */
export function lockLines(text: string): LockLine[] | null {
  const start = text.indexOf(NOTES);
  if (start < 0) return /\n {2}"notes": \{\}\n\}\n$/.test(text) ? [] : null;
  const lines: LockLine[] = [];
  let at = start + NOTES.length;
  for (;;) {
    const end = text.indexOf('\n', at);
    if (end < 0) return null;
    const line = text.slice(at, end);
    at = end + 1;
    if (!line.startsWith('    "')) return line === '  }' && text.slice(at) === '}\n' ? lines : null;
    const body = line.endsWith(',') ? line.slice(4, -1) : line.slice(4);
    // An unescaped quote ends a JSON string: with no backslash before it, the GUID ends there.
    const guidEnd = body.indexOf('"', 1);
    const deckStart = body.indexOf(',"deck":"', guidEnd) + 9;
    const deckEnd = body.indexOf('"', deckStart);
    if (guidEnd < 0 || deckStart < 9 || deckEnd < 0 || !body.startsWith('": {', guidEnd))
      return null;
    const deck = body.slice(deckStart, deckEnd);
    if (body.lastIndexOf('\\', guidEnd) >= 0 || deck.includes('\\')) return null;
    lines.push({ guid: body.slice(1, guidEnd), deck, text: body });
  }
}

/** The entry of a line read by lockLines (its text is remembered for writing it again). */
export function parseLockLine(line: LockLine): LockEntry {
  const entry = JSON.parse(line.text.slice(line.guid.length + 4)) as LockEntry;
  texts.set(entry, line.text);
  return entry;
}

/**
 * serializeLock of the notes `kept` (lines of a lock file, in its order) and `notes`, which win
 * over kept lines of the same GUID: a lock file rewritten without parsing what it keeps.
 */
export function serializeLockLines(
  head: LockHead,
  kept: readonly LockLine[],
  notes: Readonly<Record<string, LockEntry>>,
): string {
  const out: string[] = [];
  let k = 0;
  for (const guid of Object.keys(notes).sort()) {
    while (k < kept.length && kept[k]!.guid < guid) out.push(kept[k++]!.text);
    if (k < kept.length && kept[k]!.guid === guid) k++;
    out.push(entryText(guid, notes[guid]!));
  }
  while (k < kept.length) out.push(kept[k++]!.text);
  return lockText(head, out.length ? `    ${out.join(',\n    ')}` : '');
}

/** The `notes` lines of a lock file, for any set of entries (a scope's slice as well). */
export function serializeEntries(notes: Readonly<Record<string, LockEntry>>): string {
  const guids = Object.keys(notes).sort();
  return guids
    .map((g, i) => `    ${entryText(g, notes[g]!)}${i < guids.length - 1 ? ',' : ''}`)
    .join('\n');
}

/** Entries are never changed once made, so each one's text is kept (a watch build reuses most). */
const texts = new WeakMap<LockEntry, string>();

/**
 * Remembers each entry's text as it stands in `text`, a lock file in canonical form (as written
 * by serializeLock) that parsed into `lock`: writing it again then costs little.
 */
export function rememberEntryTexts(lock: Lock, text: string): void {
  const start = text.indexOf('\n  "notes": {\n');
  if (start < 0) return;
  for (const line of text.slice(start + 14).split('\n')) {
    if (!line.startsWith('    "')) break;
    const guid = line.slice(5, line.indexOf('"', 5));
    const entry = lock.notes[guid];
    if (entry) texts.set(entry, line.slice(4, line.endsWith(',') ? -1 : undefined));
  }
}

function entryText(guid: string, entry: LockEntry): string {
  let text = texts.get(entry);
  if (text === undefined) {
    const { added, answer, at, content, deck, id, key, mod, q, retired } = entry;
    // Keys in alphabetical order, whatever order the entry was built in (undefined ones vanish).
    const ordered = { added, answer, at, content, deck, id, key, mod, q, retired };
    text = `${JSON.stringify(guid)}: ${JSON.stringify(ordered)}`;
    texts.set(entry, text);
  }
  return text;
}

/** What identity resolution needs to know about one compiled card. */
export interface IdentityInput {
  /** Package scope: the top-level deck. */
  scope: string;
  deck: string;
  /** Explicit `{#id}`, or null. */
  id: string | null;
  key: string;
  answer: string;
  content: string;
  at: string;
  q: string;
}

export interface Identity {
  guid: string;
  mod: number;
}

/** What resolveNotes gives back. */
export interface ResolvedNotes {
  /** In the order of the inputs. */
  identities: Identity[];
  /** Notes in the lock whose cards are gone from the sources (GUID and entry). */
  retired: [string, LockEntry][];
  /** The next lock's entries: the cards', then the retired ones. */
  notes: Record<string, LockEntry>;
}

/** A deck's scope: its top-level deck, within which questions identify cards. */
export const scopeOf = (deck: string) => deck.split('::')[0] ?? deck;

/** The note type's lock entry: its `mod` rises exactly when the templates or CSS change. */
export function resolveNotetype(
  previous: Lock | null,
  style: string,
  now: number,
): Lock['notetype'] {
  return previous && previous.notetype.style === style
    ? previous.notetype
    : { style, mod: Math.max(now, (previous?.notetype.mod ?? 0) + 1) };
}

/**
 * Gives each card its GUID and `mod` against the previous lock's entries `old`, and returns the
 * next entries (the cards', then the retired ones).
 * A card keeps its GUID (1) by explicit id, (2) by its question within its scope, (3) when its
 * question was edited: by an unclaimed note of the previous build in the same scope with the
 * same answer, if exactly one such note and one such card exist. Otherwise it gets a new one.
 * `now` is in seconds; a note's `mod` becomes `max(now, previous + 1)` when its content changed.
 */
export function resolveNotes(
  cards: readonly IdentityInput[],
  old: Readonly<Record<string, LockEntry>>,
  now: number,
): ResolvedNotes {
  const byKey = new Map<string, string>();
  for (const [guid, entry] of Object.entries(old))
    byKey.set(`${scopeOf(entry.deck)}\u0000${entry.key}`, guid);

  // Explicit ids first: a note found by its question is not handed to a card that lost its id
  // while another card now holds that id.
  const explicit = new Set(
    cards.flatMap((card) => (card.id === null ? [] : [explicitGuid(card.id)])),
  );
  const guids: (string | null)[] = cards.map((card) => {
    if (card.id !== null) return explicitGuid(card.id);
    const found = byKey.get(`${card.scope}\u0000${card.key}`);
    return found !== undefined && !explicit.has(found) ? found : null;
  });
  const claimed = new Set(guids.filter((g): g is string => g !== null));

  // (3) follow edited questions: match unresolved cards to unclaimed live notes by answer.
  const group = (scope: string, answer: string) => `${scope}\u0000${answer}`;
  const orphans = new Map<string, string[]>();
  for (const [guid, entry] of Object.entries(old)) {
    if (claimed.has(guid) || entry.retired !== undefined) continue;
    const k = group(scopeOf(entry.deck), entry.answer);
    orphans.set(k, [...(orphans.get(k) ?? []), guid]);
  }
  const unresolved = new Map<string, number[]>();
  guids.forEach((g, i) => {
    if (g !== null) return;
    const k = group(cards[i]!.scope, cards[i]!.answer);
    unresolved.set(k, [...(unresolved.get(k) ?? []), i]);
  });
  for (const [k, indexes] of unresolved) {
    const candidates = orphans.get(k);
    if (indexes.length === 1 && candidates?.length === 1) {
      guids[indexes[0]!] = candidates[0]!;
      claimed.add(candidates[0]!);
    }
  }

  const notes: Record<string, LockEntry> = {};
  const identities = cards.map((card, i) => {
    let guid = guids[i] ?? derivedGuid(card.scope, card.key);
    // A derived GUID can be held already by a note whose question was edited away from this one.
    for (let n = 2; guids[i] === null && claimed.has(guid); n++)
      guid = derivedGuid(card.scope, `${card.key}#${n}`);
    claimed.add(guid);
    const before = old[guid];
    const unchanged =
      before !== undefined && before.content === card.content && before.retired === undefined;
    const mod = unchanged ? before.mod : Math.max(now, (before?.mod ?? 0) + 1);
    // An entry that stays the same is kept as it is (it keeps its serialised text, see below).
    notes[guid] =
      unchanged &&
      before.deck === card.deck &&
      before.key === card.key &&
      before.answer === card.answer &&
      before.at === card.at &&
      before.q === card.q
        ? before
        : {
            deck: card.deck,
            key: card.key,
            answer: card.answer,
            content: card.content,
            mod,
            at: card.at,
            q: card.q,
          };
    return { guid, mod };
  });

  const retired: [string, LockEntry][] = [];
  for (const [guid, entry] of Object.entries(old)) {
    if (notes[guid]) continue;
    const next =
      entry.retired !== undefined
        ? entry
        : { ...entry, retired: now, mod: Math.max(now, entry.mod + 1) };
    notes[guid] = next;
    retired.push([guid, next]);
  }

  return { identities, retired, notes };
}
