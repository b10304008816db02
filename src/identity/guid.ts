import { createHash } from 'node:crypto';
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
