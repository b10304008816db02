import { z } from 'zod';
import { derivedGuid, explicitGuid, explicitGuidV1, scopeKey } from './guid.js';

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
  /** The card's file. */
  at: string;
  q: string;
}

export interface Identity {
  guid: string;
  mod: number;
  /** The note's id: its creation time in ms (see LockEntry.added). */
  added: number;
}

/** What resolveNotes gives back. */
export interface ResolvedNotes {
  /** In the order of the inputs. */
  identities: Identity[];
  /** Notes in the lock whose cards are gone from the sources and not yet forgotten. */
  retired: [string, LockEntry & { added: number; retired: number }][];
  /** The next lock's entries: the cards', then the retired ones. */
  notes: Record<string, LockEntry>;
}

/** What a link shares with the others of its build, and the build's rules. */
export interface ResolveContext {
  /** Salts every new GUID (see guid.ts). */
  project: string;
  /** Build time, seconds since the epoch: the mod of changed notes, the creation time of new ones. */
  now: number;
  /**
   * Note ids given to new notes earlier in this build (other scopes link before this one): never
   * given again, so that a bundle of scopes has unique ids. Filled by resolveNotes.
   */
  taken: Set<number>;
  /** Seconds a retired note is remembered (and shipped in the retirements package). */
  keepRetired: number;
}

/**
 * How long the lock remembers a retired note: a year. Within it, the retirements package tells
 * any collection that imports it which notes went, and a card that comes back gets its old
 * identity (and history) back; after it, the entry is dropped so the lock does not grow forever.
 */
export const KEEP_RETIRED_SECONDS = 365 * 24 * 60 * 60;

/** A deck's scope: its top-level deck, within which questions identify cards. */
export const scopeOf = (deck: string) => deck.split('::')[0] ?? deck;

/** The note type's lock entry: its `mod` rises exactly when the templates or CSS change. */
export function resolveNotetype(
  previous: Pick<Lock, 'notetype'> | null,
  style: string,
  now: number,
): Lock['notetype'] {
  return previous && previous.notetype.style === style
    ? previous.notetype
    : { style, mod: Math.max(now, (previous?.notetype.mod ?? 0) + 1) };
}

const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/**
 * Gives each card its GUID, `mod` and note id against the previous lock's entries `old`, and
 * returns the next entries (the cards', then the retired ones still remembered).
 * A card keeps its GUID (1) by explicit id (as the lock records it, or a version 1 lock's
 * unsalted GUID for it), (2) by its question within its scope, (3) when its question was edited:
 * by an unclaimed note of the previous build in the same scope with the same answer, if exactly
 * one such note and one such card exist. Otherwise it gets a new one, salted with the project.
 * A note's `mod` becomes `max(now, previous + 1)` when its content changed; its id (`added`) is
 * given once, when the note is first built.
 */
export function resolveNotes(
  cards: readonly IdentityInput[],
  old: Readonly<Record<string, LockEntry>>,
  context: ResolveContext,
): ResolvedNotes {
  const { project, now } = context;
  const byKey = new Map<string, string>();
  const byId = new Map<string, string>();
  for (const [guid, entry] of Object.entries(old)) {
    byKey.set(`${scopeKey(scopeOf(entry.deck))}\u0000${entry.key}`, guid);
    if (entry.id !== undefined) byId.set(entry.id, guid);
  }
  const guidOfId = (id: string) => {
    const known = byId.get(id);
    if (known !== undefined) return known;
    const v1 = explicitGuidV1(id);
    return old[v1] !== undefined ? v1 : explicitGuid(project, id);
  };

  // Explicit ids first: a note found by its question is not handed to a card that lost its id
  // while another card now holds that id.
  const explicit = new Set(cards.flatMap((card) => (card.id === null ? [] : [guidOfId(card.id)])));
  const guids: (string | null)[] = cards.map((card) => {
    if (card.id !== null) return guidOfId(card.id);
    const found = byKey.get(`${scopeKey(card.scope)}\u0000${card.key}`);
    return found !== undefined && !explicit.has(found) ? found : null;
  });
  const claimed = new Set(guids.filter((g): g is string => g !== null));

  // (3) follow edited questions: match unresolved cards to unclaimed live notes by answer.
  const group = (scope: string, answer: string) => `${scopeKey(scope)}\u0000${answer}`;
  const orphans = new Map<string, string[]>();
  for (const [guid, entry] of Object.entries(old)) {
    if (claimed.has(guid) || entry.retired !== undefined) continue;
    push(orphans, group(scopeOf(entry.deck), entry.answer), guid);
  }
  const unresolved = new Map<string, number[]>();
  guids.forEach((g, i) => {
    if (g === null) push(unresolved, group(cards[i]!.scope, cards[i]!.answer), i);
  });
  for (const [k, indexes] of unresolved) {
    const candidates = orphans.get(k);
    if (indexes.length === 1 && candidates?.length === 1) {
      guids[indexes[0]!] = candidates[0]!;
      claimed.add(candidates[0]!);
    }
  }

  const resolved = cards.map((card, i) => {
    let guid = guids[i] ?? derivedGuid(project, card.scope, card.key);
    // A derived GUID can be held already by a note whose question was edited away from this one.
    for (let n = 2; guids[i] === null && claimed.has(guid); n++)
      guid = derivedGuid(project, card.scope, `${card.key}#${n}`);
    claimed.add(guid);
    return guid;
  });

  // The retired notes still remembered: those of the previous lock no card claims.
  const retiredGuids = Object.keys(old).filter((guid) => {
    const entry = old[guid]!;
    return !claimed.has(guid) && (entry.retired ?? now) + context.keepRetired >= now;
  });

  // Note ids for notes that have none yet (new ones, and those of a version 1 lock): the
  // latest free milliseconds before `now`, in source order (new cards are studied in id order).
  const ids = allocateIds(
    [...resolved, ...retiredGuids].filter((guid) => old[guid]?.added === undefined).length,
    old,
    context,
  );
  let nextId = 0;
  const addedOf = (guid: string) => old[guid]?.added ?? ids[nextId++]!;

  const notes: Record<string, LockEntry> = {};
  const identities = cards.map((card, i) => {
    const guid = resolved[i]!;
    const before = old[guid];
    const added = addedOf(guid);
    const unchanged =
      before !== undefined && before.content === card.content && before.retired === undefined;
    const mod = unchanged ? before.mod : Math.max(now, (before?.mod ?? 0) + 1);
    const id = card.id ?? undefined;
    // An entry that stays the same is kept as it is (it keeps its serialised text, see below).
    notes[guid] =
      unchanged &&
      before.added === added &&
      before.deck === card.deck &&
      before.id === id &&
      before.key === card.key &&
      before.answer === card.answer &&
      before.at === card.at &&
      before.q === card.q
        ? before
        : {
            added,
            deck: card.deck,
            ...(id === undefined ? {} : { id }),
            key: card.key,
            answer: card.answer,
            content: card.content,
            mod,
            at: card.at,
            q: card.q,
          };
    return { guid, mod, added };
  });

  const retired: ResolvedNotes['retired'] = [];
  for (const guid of retiredGuids) {
    const entry = old[guid]!;
    const added = addedOf(guid);
    const next =
      entry.retired !== undefined && entry.added === added
        ? (entry as LockEntry & { added: number; retired: number })
        : {
            ...entry,
            added,
            retired: entry.retired ?? now,
            mod: entry.retired !== undefined ? entry.mod : Math.max(now, entry.mod + 1),
          };
    notes[guid] = next;
    retired.push([guid, next]);
  }

  return { identities, retired, notes };
}

/**
 * `count` note ids, ascending: the latest milliseconds before `now` (seconds) that no entry of
 * `old` and no earlier link of this build holds. Ids must not lie in the future (Anki renumbers
 * those), and read as the time the note was first built.
 */
function allocateIds(
  count: number,
  old: Readonly<Record<string, LockEntry>>,
  context: ResolveContext,
): number[] {
  if (count === 0) return [];
  const used = new Set(context.taken);
  for (const entry of Object.values(old)) if (entry.added !== undefined) used.add(entry.added);
  const ids: number[] = [];
  for (let id = context.now * 1000 - 1; ids.length < count && id > 0; id--)
    if (!used.has(id)) ids.push(id);
  ids.reverse();
  for (const id of ids) context.taken.add(id);
  return ids;
}

/**
 * The version and project id of a lock file's text, read from its head without parsing its
 * notes (a rebuild that links nothing does not parse a lock of tens of thousands of lines).
 */
export function lockHead(text: string): { version: number | null; project: string | null } {
  const head = text.slice(0, Math.max(0, text.indexOf('"notes"')) || 400);
  const version = /"lockfileVersion"\s*:\s*(\d+)/.exec(head)?.[1];
  const project = /"project"\s*:\s*"([0-9A-Za-z_-]+)"/.exec(head)?.[1];
  return { version: version === undefined ? null : Number(version), project: project ?? null };
}
