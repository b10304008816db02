/**
 * deckc's own Anki note types in Anki's schema-11 JSON (the `models` column of `col`): "deckc"
 * (basic cards), and since issue 14 "deckc cloze" and "deckc and reversed" (see KIND_NOTETYPES).
 *
 * Anki updates a note in place only if it still maps to the same note type, matched by id and
 * schema (field and template names, count and ids). So everything identifying here is frozen:
 * the note type id, the field names (FIELD_NAMES), the field and template ids and names. What may
 * change is styling (templates, CSS); the note type's `mod` must then rise, or existing users never
 * receive it (see ANKI.md). `notetypeStyleHash()` lets the lock file notice such a change.
 */
import { createHash } from 'node:crypto';
import { clozeNumbers } from '../render/cloze.js';
import {
  BACK_TEMPLATE,
  CLOZE_BACK_TEMPLATE,
  CLOZE_CSS,
  CLOZE_FRONT_TEMPLATE,
  CSS,
  FRONT_TEMPLATE,
  REVERSE_BACK_TEMPLATE,
  REVERSE_FRONT_TEMPLATE,
} from '../render/templates.js';
import { FIELD_NAMES, type FieldName, type Note, type NoteKind } from '../validate/schema.js';

/** Note type id: a fixed millisecond timestamp in the past (2020-11-23). Never change it. */
export const NOTETYPE_ID = 1_606_153_497_311;

/** Shown in Anki's note type list; Anki matches by id, not name, but keep it stable too. */
export const NOTETYPE_NAME = 'deckc';

/**
 * Stable per-field ids (schema11 `flds[].id`, Anki 2.1.50+). Modern Anki matches fields by id
 * when both sides carry one, so these never change, even if a field were renamed.
 */
export const FIELD_IDS = {
  Question: 4_173_002_101_436_551,
  Answer: 6_340_217_985_014_863,
  Title: 2_818_559_330_270_947,
  Context: 7_902_416_638_581_129,
  Source: 5_529_870_143_772_305,
} as const satisfies Record<FieldName, number>;

/** The one card template. Its name and id are frozen like the fields'. */
export const TEMPLATE_NAME = 'Card 1';
export const TEMPLATE_ID = 3_386_614_902_337_181;

/** The field that Anki sorts the browser by and dedupes on (`sortf`): Question. */
export const SORT_FIELD_INDEX = 0;

/** Anki's default LaTeX preamble (Anki 2.1 `models.defaultModel`), kept for compatibility. */
const LATEX_PRE =
  '\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n' +
  '\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n' +
  '\\begin{document}\n';
const LATEX_POST = '\\end{document}';

export type NotetypeSchema11 = ReturnType<typeof buildNotetype>;

/**
 * The note type as the JSON object stored in `col.models`, with every key Anki 2.1.15 reads and
 * the modern importer requires (`rslib/src/notetype/schema11.rs`).
 * @param mod seconds since the epoch; must rise whenever templates or CSS change.
 */
export function buildNotetype(mod: number) {
  return schema11(BASIC_NOTETYPE, mod);
}

/** A note type spec (see KindNotetype) as schema-11 JSON with `mod`. */
function schema11(spec: Omit<KindNotetype, 'styleSince'>, mod: number) {
  return {
    id: spec.id,
    name: spec.name,
    type: spec.type,
    mod,
    usn: 0,
    sortf: SORT_FIELD_INDEX,
    did: 1,
    tmpls: spec.templates.map((t, ord) => ({
      name: t.name,
      ord,
      qfmt: t.qfmt,
      afmt: t.afmt,
      did: null,
      bqfmt: '',
      bafmt: '',
      id: t.id,
    })),
    flds: FIELD_NAMES.map((name, ord) => ({
      name,
      ord,
      sticky: false,
      rtl: false,
      font: 'Arial',
      size: 20,
      media: [],
      id: spec.fieldIds[name],
    })),
    css: spec.css,
    latexPre: LATEX_PRE,
    latexPost: LATEX_POST,
    latexsvg: false,
    // Cloze: Anki 2.1.15 ignores `req` for cloze note types (models.py _updateRequired).
    req: spec.templates.map((t, ord) => [ord, 'any', requiredFieldOrds(t.qfmt)]),
    tags: [],
    vers: [],
  };
}

/**
 * Anki 2.1.15 generates a card only if its front would not be blank, using this cached
 * requirement (`m['req']`): any of the fields the front template prints. A field printed only
 * inside a `{{#Other}}` section still counts, which matches what Anki computes for our template
 * (checked against real Anki in test/anki). Modern Anki recomputes it from the template.
 */
export function requiredFieldOrds(template: string): number[] {
  const printed = new Set<number>();
  for (const match of template.matchAll(/\{\{([^#^/!{}][^{}]*)\}\}/g)) {
    const name = match[1]!.split(':').pop()!.trim();
    const ord = (FIELD_NAMES as readonly string[]).indexOf(name);
    if (ord >= 0) printed.add(ord);
  }
  return [...printed].sort((a, b) => a - b);
}

/**
 * A hash of everything in the note type except its `mod` (templates, CSS, fields, settings), as
 * 40 hex digits. When it changes, the lead's lock file raises the note type's `mod`.
 */
export function notetypeStyleHash(): string {
  return createHash('sha1')
    .update(JSON.stringify(buildNotetype(0)))
    .digest('hex');
}

/**
 * The note types of the other kinds of card (issue 14). Each is a note type of its own, with its
 * own constant id and frozen field and template ids, for the reason "deckc" is frozen: Anki
 * updates a note only under the note type it already has. Anki 2.1.15 ignores an incoming note
 * whose GUID it has under another note type ("Notes that could not be imported as note type has
 * changed", `anki/importing/anki2.py` `_importNotes`, `oldMid == note[MID]`), and today's
 * importer logs it as conflicting (`rslib/src/import_export/package/apkg/import/notes.rs`
 * `maybe_update_existing_note`). A note therefore never changes kind in place: a card whose kind
 * changes gets a new GUID and the old note is retired (identity/guid.ts `kindKey`).
 *
 * Reversed cards are a second note type with two templates, not "deckc" with an optional second
 * template switched on by a field (Anki's "Basic (optional reversed card)"):
 * - "deckc" cannot gain a template or a field: its schema is frozen, and a changed schema strands
 *   every existing note (2.1.15 `_mid` compares `scmhash`, then adds a copy of the note type;
 *   today's importer compares `schema_hash` / `equal_schema` and makes "deckc+"). So turning
 *   `reverse` on for an imported deck means new notes under either design.
 * - Turning it off again under an optional template would keep the note type but leave Card 2 in
 *   every collection as a blank card: neither importer deletes or regenerates cards (anki2.py
 *   `_importCards` only adds missing (guid, ord) pairs; rslib `apkg/import/cards.rs` likewise),
 *   and deckc would have to remember forever which notes were once reversed.
 * - With a note type per kind every toggle is a kind change, handled one way in both importers:
 *   the new kind's notes arrive (new GUIDs, ids and sort order from the lock), the old ones are
 *   retired (tagged `deckc::retired` by `<Deck>.retired.apkg`, history kept). Toggling back
 *   within the lock's year of memory finds the old notes again by their kind's key, so they
 *   return updated in place with their history, and the other kind's notes are retired.
 *
 * The cloze note type is Anki's cloze kind (`type: 1`): one template, and Anki makes one card per
 * cloze number of the Question field (deckc ships those cards, `ord` = number - 1).
 */
export interface KindNotetype {
  id: number;
  name: string;
  /** 0 = standard, 1 = cloze. */
  type: 0 | 1;
  fieldIds: Readonly<Record<FieldName, number>>;
  templates: readonly { name: string; id: number; qfmt: string; afmt: string }[];
  css: string;
  /**
   * The note type's `mod` is at least this (seconds): it stands in for the lock's style entry,
   * which tracks "deckc" only. Raise it to the day of any change to this note type's templates
   * or CSS; test/emit/notetype.test.ts pins the style hash to make sure it is raised.
   */
  styleSince: number;
}

/** Note type id of cloze notes: a fixed millisecond timestamp in the past. Never change it. */
export const CLOZE_NOTETYPE_ID = 1_606_154_118_629;
/** Note type id of reversed notes (not NOTETYPE_ID + n: Anki 2.1.15 probes id + 1 for copies). */
export const REVERSED_NOTETYPE_ID = 1_606_154_902_417;

/** "deckc" itself, as a spec: its ids are the frozen ones at the top of this file. */
const BASIC_NOTETYPE: Omit<KindNotetype, 'styleSince'> = {
  id: NOTETYPE_ID,
  name: NOTETYPE_NAME,
  type: 0,
  fieldIds: FIELD_IDS,
  templates: [{ name: TEMPLATE_NAME, id: TEMPLATE_ID, qfmt: FRONT_TEMPLATE, afmt: BACK_TEMPLATE }],
  css: CSS,
};

export const KIND_NOTETYPES: Readonly<Record<Exclude<NoteKind, 'basic'>, KindNotetype>> = {
  cloze: {
    id: CLOZE_NOTETYPE_ID,
    name: 'deckc cloze',
    type: 1,
    fieldIds: {
      Question: 6_547_337_268_665_717,
      Answer: 7_802_286_321_640_714,
      Title: 5_747_801_383_418_305,
      Context: 3_224_195_802_689_338,
      Source: 7_621_479_230_230_193,
    },
    templates: [
      {
        name: 'Cloze',
        id: 3_621_236_819_165_445,
        qfmt: CLOZE_FRONT_TEMPLATE,
        afmt: CLOZE_BACK_TEMPLATE,
      },
    ],
    css: CSS + CLOZE_CSS,
    styleSince: 1_796_083_200,
  },
  reversed: {
    id: REVERSED_NOTETYPE_ID,
    name: 'deckc and reversed',
    type: 0,
    fieldIds: {
      Question: 1_654_156_736_712_847,
      Answer: 5_050_912_902_393_394,
      Title: 5_202_923_153_202_866,
      Context: 8_861_682_876_049_144,
      Source: 4_547_120_704_186_210,
    },
    templates: [
      { name: 'Card 1', id: 3_373_545_465_179_946, qfmt: FRONT_TEMPLATE, afmt: BACK_TEMPLATE },
      {
        name: 'Card 2',
        id: 2_286_830_977_405_213,
        qfmt: REVERSE_FRONT_TEMPLATE,
        afmt: REVERSE_BACK_TEMPLATE,
      },
    ],
    css: CSS,
    styleSince: 1_796_083_200,
  },
};

/** The note type id of each kind. */
export const notetypeIdOf = (kind: NoteKind | undefined): number =>
  kind === undefined || kind === 'basic' ? NOTETYPE_ID : KIND_NOTETYPES[kind].id;

/** The `mod` of a kind's note type, given the lock's (the "deckc" note type's) mod. */
export const notetypeModOf = (kind: NoteKind | undefined, mod: number): number =>
  kind === undefined || kind === 'basic' ? mod : Math.max(mod, KIND_NOTETYPES[kind].styleSince);

/** The note type of a kind as schema-11 JSON, keyed like "deckc"'s (see buildNotetype). */
export function buildNotetypeOf(kind: NoteKind | undefined, mod: number) {
  if (kind === undefined || kind === 'basic') return buildNotetype(mod);
  return schema11(KIND_NOTETYPES[kind], notetypeModOf(kind, mod));
}

/** A kind's note type without its `mod`, hashed like notetypeStyleHash (pinned by a test). */
export function kindStyleHash(kind: Exclude<NoteKind, 'basic'>): string {
  const { mod: _mod, ...rest } = buildNotetypeOf(kind, 0);
  return createHash('sha1').update(JSON.stringify(rest)).digest('hex');
}

/**
 * The template ords of a note's cards: one for a basic note, two for a reversed one, one per
 * cloze number of a cloze note's Question field (`ord` = number - 1; a cloze note without a
 * cloze gets ord 0, as Anki's "empty clozes use first ord", models.py `_availClozeOrds`).
 */
export function cardOrds(note: Pick<Note, 'kind' | 'fields'>): number[] {
  if (note.kind === 'reversed') return [0, 1];
  if (note.kind !== 'cloze') return [0];
  const numbers = clozeNumbers(note.fields.Question);
  return numbers.length > 0 ? numbers.map((n) => n - 1) : [0];
}
