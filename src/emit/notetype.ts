/**
 * deckc's own Anki note type, "deckc", in Anki's schema-11 JSON (the `models` column of `col`).
 *
 * Anki updates a note in place only if it still maps to the same note type, matched by id and
 * schema (field and template names, count and ids). So everything identifying here is frozen:
 * the note type id, the field names (FIELD_NAMES), the field and template ids and names. What may
 * change is styling (templates, CSS); the note type's `mod` must then rise, or existing users never
 * receive it (see ANKI.md). `notetypeStyleHash()` lets the lock file notice such a change.
 */
import { createHash } from 'node:crypto';
import { BACK_TEMPLATE, CSS, FRONT_TEMPLATE } from '../render/templates.js';
import { FIELD_NAMES, type FieldName } from '../validate/schema.js';

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
  return {
    id: NOTETYPE_ID,
    name: NOTETYPE_NAME,
    /** 0 = standard (not cloze). */
    type: 0,
    mod,
    usn: 0,
    sortf: SORT_FIELD_INDEX,
    did: 1,
    tmpls: [
      {
        name: TEMPLATE_NAME,
        ord: 0,
        qfmt: FRONT_TEMPLATE,
        afmt: BACK_TEMPLATE,
        did: null,
        bqfmt: '',
        bafmt: '',
        id: TEMPLATE_ID,
      },
    ],
    flds: FIELD_NAMES.map((name, ord) => ({
      name,
      ord,
      sticky: false,
      rtl: false,
      font: 'Arial',
      size: 20,
      media: [],
      id: FIELD_IDS[name],
    })),
    css: CSS,
    latexPre: LATEX_PRE,
    latexPost: LATEX_POST,
    latexsvg: false,
    req: [[0, 'any', requiredFieldOrds(FRONT_TEMPLATE)]],
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
function requiredFieldOrds(template: string): number[] {
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
