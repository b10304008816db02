import { describe, expect, it } from 'vitest';
import { derivedGuid, explicitGuidV1, questionKeyHash } from '../../src/identity/guid.js';
import {
  type IdentityInput,
  KEEP_RETIRED_SECONDS,
  Lock,
  type LockEntry,
  lockLines,
  parseLockLine,
  rememberEntryTexts,
  resolveNotes,
  resolveNotetype,
  serializeLock,
  serializeLockLines,
} from '../../src/identity/lock.js';
import { compileFile, linkProject } from '../../src/index.js';

const PROJECT = 'TestProject0000000000a';

/** A whole build's identities and next lock, as linking computes them per scope. */
function resolveIdentities(
  cards: readonly IdentityInput[],
  previous: Lock | null,
  style: string,
  now: number,
) {
  const { identities, retired, notes } = resolveNotes(cards, previous?.notes ?? {}, {
    project: PROJECT,
    now,
    taken: new Set(),
    keepRetired: KEEP_RETIRED_SECONDS,
  });
  const notetype = resolveNotetype(previous, style, now);
  return {
    identities,
    retired,
    lock: { lockfileVersion: 2 as const, project: PROJECT, notetype, notes },
  };
}

const card = (
  q: string,
  answer = 'a',
  content = `${q}|${answer}`,
  extra: Partial<IdentityInput> = {},
): IdentityInput => ({
  scope: 'Book',
  deck: 'Book::Part 01',
  id: null,
  key: questionKeyHash(q, 1),
  answer,
  content,
  at: 'book/p1.md:3',
  q,
  ...extra,
});

describe('resolveIdentities', () => {
  it('derives GUIDs from scope and question, never from time', () => {
    const a = resolveIdentities([card('What is X?')], null, 's', 1000);
    const b = resolveIdentities([card('What is X?')], null, 's', 9999);
    expect(a.identities[0]!.guid).toBe(b.identities[0]!.guid);
    expect(a.identities[0]!.guid).toBe(
      derivedGuid(PROJECT, 'Book', questionKeyHash('What is X?', 1)),
    );
    expect(a.identities[0]!.guid).toMatch(/^[0-9A-Za-z]{11}$/);
  });

  it('keeps identity through reformatting of the question', () => {
    expect(questionKeyHash('What is  **X**?', 1)).toBe(questionKeyHash('what is\nX?', 1));
  });

  it('keeps GUIDs apart across scopes', () => {
    const r = resolveIdentities(
      [card('Q'), card('Q', 'a', 'c', { scope: 'Other', deck: 'Other' })],
      null,
      's',
      1,
    );
    expect(r.identities[0]!.guid).not.toBe(r.identities[1]!.guid);
  });

  it('keeps mod when content is unchanged and raises it exactly when content changes', () => {
    const first = resolveIdentities([card('Q1'), card('Q2')], null, 's', 1000);
    expect(first.identities.map((i) => i.mod)).toEqual([1000, 1000]);
    const same = resolveIdentities([card('Q1'), card('Q2')], first.lock, 's', 2000);
    expect(same.identities.map((i) => i.mod)).toEqual([1000, 1000]);
    expect(serializeLock(same.lock)).toBe(serializeLock(first.lock));
    const edited = resolveIdentities([card('Q1', 'a2'), card('Q2')], first.lock, 's', 3000);
    expect(edited.identities.map((i) => i.mod)).toEqual([3000, 1000]);
    expect(edited.identities[0]!.guid).toBe(first.identities[0]!.guid);
  });

  it('raises mod even when the clock is behind the lock', () => {
    const first = resolveIdentities([card('Q1')], null, 's', 5000);
    const edited = resolveIdentities([card('Q1', 'changed')], first.lock, 's', 10);
    expect(edited.identities[0]!.mod).toBe(5001);
  });

  it('follows a card whose question was edited when the match by answer is unambiguous', () => {
    const first = resolveIdentities(
      [card('What is X?', 'ans-x'), card('What is Y?', 'ans-y')],
      null,
      's',
      1000,
    );
    const next = resolveIdentities(
      [card('What is X exactly?', 'ans-x'), card('What is Y?', 'ans-y')],
      first.lock,
      's',
      2000,
    );
    expect(next.identities[0]!.guid).toBe(first.identities[0]!.guid);
    expect(next.identities[0]!.mod).toBe(2000);
    expect(next.retired).toEqual([]);
  });

  it('does not guess when two edited cards share an answer', () => {
    const first = resolveIdentities([card('A?', 'same'), card('B?', 'same')], null, 's', 1000);
    const next = resolveIdentities(
      [card('A2?', 'same'), card('B2?', 'same')],
      first.lock,
      's',
      2000,
    );
    const old = new Set(first.identities.map((i) => i.guid));
    expect(next.identities.every((i) => !old.has(i.guid))).toBe(true);
    expect(next.retired).toHaveLength(2);
  });

  it('retires notes whose cards vanished, once, and revives them when they return', () => {
    const first = resolveIdentities([card('Q1'), card('Q2', 'b')], null, 's', 1000);
    const removed = resolveIdentities([card('Q1')], first.lock, 's', 2000);
    expect(removed.retired).toHaveLength(1);
    const [guid, entry] = removed.retired[0]!;
    expect(guid).toBe(first.identities[1]!.guid);
    expect(entry.retired).toBe(2000);
    expect(entry.mod).toBe(2000);
    const again = resolveIdentities([card('Q1')], removed.lock, 's', 3000);
    expect(again.retired[0]![1].mod).toBe(2000);
    expect(serializeLock(again.lock)).toBe(serializeLock(removed.lock));
    const back = resolveIdentities([card('Q1'), card('Q2', 'b')], removed.lock, 's', 4000);
    expect(back.identities[1]).toEqual({ guid, mod: 4000, added: first.identities[1]!.added });
    expect(back.lock.notes[guid]!.retired).toBeUndefined();
  });

  it('forgets a retired note a year after it was retired, not before', () => {
    const first = resolveIdentities([card('Q1'), card('Q2')], null, 's', 1000);
    const removed = resolveIdentities([card('Q1')], first.lock, 's', 2000);
    const guid = removed.retired[0]![0];
    const within = resolveIdentities([card('Q1')], removed.lock, 's', 2000 + KEEP_RETIRED_SECONDS);
    expect(within.retired.map(([g]) => g)).toEqual([guid]);
    const after = resolveIdentities([card('Q1')], within.lock, 's', 2001 + KEEP_RETIRED_SECONDS);
    expect(after.retired).toEqual([]);
    expect(after.lock.notes[guid]).toBeUndefined();
  });

  it('salts new GUIDs with the project id, so two projects never share one', () => {
    const other = resolveNotes(
      [card('Q'), card('E', 'a', 'c', { id: 'intro' })],
      {},
      {
        project: 'OtherProject0000000000',
        now: 1000,
        taken: new Set(),
        keepRetired: KEEP_RETIRED_SECONDS,
      },
    );
    const ours = resolveIdentities(
      [card('Q'), card('E', 'a', 'c', { id: 'intro' })],
      null,
      's',
      1000,
    );
    expect(other.identities[0]!.guid).not.toBe(ours.identities[0]!.guid);
    expect(other.identities[1]!.guid).not.toBe(ours.identities[1]!.guid);
    expect(ours.lock.notes[ours.identities[1]!.guid]!.id).toBe('intro');
  });

  it('keeps the GUIDs of a version 1 lock, explicit ids included, and gives their notes ids', () => {
    const v1: Record<string, LockEntry> = {
      oldDerived1: {
        deck: 'Book::Part 01',
        key: questionKeyHash('Q', 1),
        answer: 'a',
        content: 'Q|a',
        mod: 900,
        at: 'book/p1.md:3',
        q: 'Q',
      },
      [explicitGuidV1('intro')]: {
        deck: 'Book::Part 01',
        key: questionKeyHash('E', 1),
        answer: 'a',
        content: 'c',
        mod: 900,
        at: 'book/p1.md:9',
        q: 'E',
      },
    };
    const r = resolveNotes([card('Q'), card('E', 'a', 'c', { id: 'intro' })], v1, {
      project: PROJECT,
      now: 1000,
      taken: new Set(),
      keepRetired: KEEP_RETIRED_SECONDS,
    });
    expect(r.identities.map((i) => i.guid)).toEqual(['oldDerived1', explicitGuidV1('intro')]);
    // Content unchanged ('Q|a' and 'c'): mods kept; each note gets an id before `now`.
    expect(r.identities.map((i) => i.mod)).toEqual([900, 900]);
    expect(r.identities.map((i) => i.added)).toEqual([999_998, 999_999]);
    expect(r.retired).toEqual([]);
  });

  it('gives new notes ids before now in source order, never one already taken', () => {
    const taken = new Set([999_999]);
    const context = { project: PROJECT, now: 1000, taken, keepRetired: KEEP_RETIRED_SECONDS };
    const first = resolveNotes([card('A'), card('B')], {}, context);
    expect(first.identities.map((i) => i.added)).toEqual([999_997, 999_998]);
    expect([...taken].sort()).toEqual([999_997, 999_998, 999_999]);
    // Later, a card inserted above them is newer: its id is later, and theirs stay.
    const next = resolveNotes([card('C'), card('A'), card('B')], first.notes, {
      ...context,
      now: 2000,
      taken: new Set(),
    });
    expect(next.identities.map((i) => i.added)).toEqual([1_999_999, 999_997, 999_998]);
  });

  it('uses explicit ids across scopes', () => {
    const a = resolveIdentities([card('Q', 'a', 'c', { id: 'my-id' })], null, 's', 1);
    const b = resolveIdentities(
      [card('Other?', 'a', 'c', { id: 'my-id', scope: 'Else', deck: 'Else' })],
      null,
      's',
      1,
    );
    expect(a.identities[0]!.guid).toBe(b.identities[0]!.guid);
  });

  it('never hands one GUID to two cards', () => {
    // Q1 edited to Q3 keeps Q1's GUID; a new card asking Q1 again must get a different one.
    const first = resolveIdentities([card('Q1', 'x')], null, 's', 1);
    const edited = resolveIdentities([card('Q3', 'x')], first.lock, 's', 2);
    const both = resolveIdentities([card('Q3', 'x'), card('Q1', 'y')], edited.lock, 's', 3);
    expect(new Set(both.identities.map((i) => i.guid)).size).toBe(2);
    expect(both.identities[0]!.guid).toBe(first.identities[0]!.guid);
  });

  it('never hands one GUID to two cards when an id passes to another card', () => {
    const first = resolveIdentities([card('Q1', 'a', 'c', { id: 'x' })], null, 's', 1);
    const next = resolveIdentities(
      [card('Q1'), card('Q2', 'b', 'd', { id: 'x' })],
      first.lock,
      's',
      2,
    );
    expect(next.identities[1]!.guid).toBe(first.identities[0]!.guid);
    expect(next.identities[0]!.guid).not.toBe(first.identities[0]!.guid);
  });

  it('raises the note type mod exactly when the style changes', () => {
    const first = resolveIdentities([], null, 'style-1', 100);
    expect(resolveIdentities([], first.lock, 'style-1', 200).lock.notetype.mod).toBe(100);
    expect(resolveIdentities([], first.lock, 'style-2', 200).lock.notetype.mod).toBe(200);
  });

  it('writes a parsed lock again from the texts of its entries, unchanged', () => {
    const r = resolveIdentities([card('Q1'), card('Q2'), card('Q3')], null, 's', 1);
    const text = serializeLock(r.lock);
    const parsed = JSON.parse(text) as Lock & { project: string };
    rememberEntryTexts(parsed, text);
    expect(serializeLock(parsed)).toBe(text);
    // The remembered texts are what gets written: an entry's line comes from the file it was read from.
    const marked = text.replace('"mod":1,"q":"Q2"', '"mod":1 ,"q":"Q2"');
    const again = JSON.parse(marked) as Lock & { project: string };
    rememberEntryTexts(again, marked);
    expect(serializeLock(again)).toBe(marked);
  });

  it('reads a lock file by lines and writes it again with some entries replaced', () => {
    const cards = ['Q1', 'Q2', 'Q3', 'Q4'].map((q, n) =>
      card(q, 'a', `${q}|a`, n % 2 ? {} : { scope: 'Other', deck: 'Other::Part 1' }),
    );
    const r = resolveIdentities(cards, null, 's', 1);
    const text = serializeLock(r.lock);
    const lines = lockLines(text)!;
    expect(lines.map((l) => l.guid)).toEqual(Object.keys(r.lock.notes).sort());
    expect(lines.map((l) => l.deck)).toContain('Book::Part 01');
    for (const line of lines) expect(parseLockLine(line)).toEqual(r.lock.notes[line.guid]);
    // Kept lines as they are, and replaced and added entries where serializeLock puts them.
    const [first, second, ...rest] = lines;
    const replaced: LockEntry = { ...r.lock.notes[second!.guid]!, mod: 2 };
    const added: LockEntry = { ...replaced, q: 'new' };
    const notes = { [second!.guid]: replaced, zzzzzzzzzz: added, '0': added };
    const expected = serializeLock({
      ...r.lock,
      notes: {
        ...Object.fromEntries([first!, ...rest].map((l) => [l.guid, r.lock.notes[l.guid]!])),
        ...notes,
      },
    });
    expect(serializeLockLines(r.lock, [first!, second!, ...rest], notes)).toBe(expected);
    expect(serializeLockLines(r.lock, lines, {})).toBe(text);
    expect(serializeLockLines(r.lock, [], {})).toBe(serializeLock({ ...r.lock, notes: {} }));
    expect(lockLines(serializeLock({ ...r.lock, notes: {} }))).toEqual([]);
  });

  it('reads by lines only a lock file as serializeLock writes it', () => {
    const r = resolveIdentities([card('Q1'), card('Q2')], null, 's', 1);
    const text = serializeLock(r.lock);
    const guid = Object.keys(r.lock.notes)[0]!;
    const escaped = (from: string, to: string) => text.replace(from, to);
    expect(lockLines(escaped('Book::Part 01', 'Book::Part \\"01'))).toBeNull();
    expect(lockLines(escaped(`"${guid}"`, `"${guid}\\u0041"`))).toBeNull();
    expect(lockLines(escaped('\n  }\n}\n', '\n  },\n  "extra": 1\n}\n'))).toBeNull();
    expect(lockLines(escaped('"deck"', '"dock"'))).toBeNull();
    expect(lockLines(`${text} `)).toBeNull();
    expect(lockLines(JSON.stringify(r.lock))).toBeNull();
  });

  it('serializes a lock that parses back', () => {
    const r = resolveIdentities([card('Q1'), card('Q2')], null, 's', 1);
    const text = serializeLock(r.lock);
    expect(Lock.parse(JSON.parse(text))).toEqual(r.lock);
    expect(text.split('\n').filter((l) => l.includes('"deck"'))).toHaveLength(2);
  });
});

describe('linkProject', () => {
  it('gives a lock that serializeLock writes and Lock reads back, with its project id', () => {
    const file = compileFile(':p Q?\n??x\nA.\nx??\n', 'a.md', () => null, { rootDeck: 'D' });
    const { lock } = linkProject([file], null, { now: 1_764_000_000 });
    const text = serializeLock(lock);
    expect(Lock.parse(JSON.parse(text))).toEqual(lock);
    expect(lock.project).toMatch(/^[0-9A-Za-z]{22}$/);
  });
});
