import { createHash } from 'node:crypto';
import type { NoteKind } from '../validate/schema.js';
import { hashBase62, hashHex } from './hash.js';

/**
 * A card's identity. deckc sources carry no ids, so identity is derived from what an author
 * rarely changes casually: the question, within the package (top-level deck) it belongs to.
 * Answer edits, reformatting (whitespace, emphasis markers, case) and moving a card among the
 * files of its package keep the identity; an author who wants more writes an explicit `{#id}`.
 * Question edits keep it through the lock file (see lock.ts).
 *
 * Anki matches notes by GUID across a whole collection, so every GUID is salted with the
 * project id (kept in the lock file): two projects with a `Rust` deck asking the same question,
 * or both using `{#intro}`, never share a GUID. Version 1 lock files hold unsalted GUIDs; the
 * lock keeps them (a note's GUID is looked up in the lock before one is derived).
 */

/** Normalises a question so that reformatting does not change identity. */
export function questionKey(markdown: string): string {
  return markdown
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The kind of a note is part of its identity (issue 14). Anki updates a note only under the note
 * type it already has (emit/notetype.ts KIND_NOTETYPES), so a card that turns from basic into
 * cloze, or is reversed, must become a new note, and its old note must be retired, never sent
 * under another note type with its old GUID (Anki would ignore it: "conflicting"). deckc keys
 * every identity by kind: the question key, the answer hash (which follows an edited question)
 * and the explicit id a card is looked up by carry the kind, except for basic cards, whose keys
 * are as they always were. The kind stays readable in the lock (`cloze:…`), so a retired note
 * is shipped under its own note type.
 */
export function kindKey(kind: NoteKind | undefined, keyHash: string): string {
  return kind === undefined || kind === 'basic' ? keyHash : `${kind}:${keyHash}`;
}

/** The kind a lock key (see kindKey) was made for. */
export function kindOfKey(key: string): NoteKind {
  const colon = key.indexOf(':');
  const kind = colon < 0 ? 'basic' : key.slice(0, colon);
  return kind === 'cloze' || kind === 'reversed' ? kind : 'basic';
}

/** The answer hash of a card of `kind`: an edited question is followed only within its kind. */
export function kindAnswerHash(kind: NoteKind | undefined, answer: string): string {
  return kind === undefined || kind === 'basic'
    ? hashHex(answer)
    : hashHex(`${kind}\u0000${answer}`);
}

/**
 * The explicit id a card of `kind` is looked up by (and the lock records): `my-id` for a basic
 * card, `my-id@cloze` otherwise. `@` is not allowed in ids (parse/markers.ts), so no author's id
 * can take another kind's.
 */
export function kindId(kind: NoteKind | undefined, id: string): string {
  return kind === undefined || kind === 'basic' ? id : `${id}@${kind}`;
}

/** Hash of the normalised question, as stored in the lock file. */
export function questionKeyHash(markdown: string, occurrence: number): string {
  const key = questionKey(markdown);
  return hashHex(occurrence > 1 ? `${key}\u0000#${occurrence}` : key);
}

/**
 * GUID of a new card identified by its question within a package scope (compared as Anki
 * compares deck names, without case: see scopeKey).
 */
export function derivedGuid(project: string, scope: string, keyHash: string): string {
  return hashBase62(`deckc\u0000q2\u0000${project}\u0000${scopeKey(scope)}\u0000${keyHash}`);
}

/** GUID of a new card with an explicit `{#id}`: project-wide, so the card may move between decks. */
export function explicitGuid(project: string, id: string): string {
  return hashBase62(`deckc\u0000id2\u0000${project}\u0000${id}`);
}

/** The GUID a version 1 lock gave an explicit `{#id}` (unsalted); kept where the lock has it. */
export function explicitGuidV1(id: string): string {
  return hashBase62(`deckc\u0000id\u0000${id}`);
}

/**
 * A scope (top-level deck name) as Anki tells decks apart: without case (Anki looks deck names
 * up case-insensitively, so `Café` and `café` are one deck).
 */
export function scopeKey(scope: string): string {
  return scope.normalize('NFC').toUpperCase().toLowerCase();
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A project id: 128 bits of the SHA-256 of `seed` in base 62 (22 characters). deckc seeds it
 * with the cards of a project's first build (see link/link.ts projectIdOf), so that identical
 * input still gives identical output, and unrelated projects get unrelated ids.
 */
export function projectId(seed: string): string {
  let n = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`);
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}
