/**
 * The zod schemas here are the single source of deckc's data types: the card tree the parser
 * produces, the compiled files linking takes (and workers and the cache carry), the linked
 * packages the emitters consume, and the JSON deck format users read. Types are derived with
 * `z.infer`; the shipped JSON Schema is generated from these schemas.
 */
import { z } from 'zod';

/** A place in a source file, as in unist: line and column 1-based, offset 0-based (UTF-16 units). */
export const Point = z.object({
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  offset: z.number().int().min(0),
});
export type Point = z.infer<typeof Point>;

export const Position = z.object({ start: Point, end: Point });
export type Position = z.infer<typeof Position>;

/** A Markdown field of a card, markers removed, with the span of its source. */
export const Field = z.object({
  type: z.literal('field'),
  /** Markdown source of the field, markers and surrounding blank lines removed. */
  value: z.string(),
  position: Position,
});
export type Field = z.infer<typeof Field>;

/** One question and its answer, as written in the source. */
export const Card = z.object({
  type: z.literal('card'),
  /** The `#### Title` the card stands under, if any. */
  title: Field.nullable(),
  /** Background text between the title and `:p`, shown with the answer. */
  context: Field.nullable(),
  question: Field,
  answer: Field,
  /** An explicit identity chosen by the author (`{#id}` at the end of the `:p` or `####` line). */
  id: z.string().min(1).nullable(),
  /** The span from the title (or `:p`) to the end of the answer. */
  position: Position,
});
export type Card = z.infer<typeof Card>;

/** What the file says about itself: title line, chapter line, front matter. */
export const FileMeta = z.object({
  /** Text of the `# ...` title line, if any. */
  title: z.string().nullable(),
  /** Book name from `# Flashcards: <name> (Part N)`. */
  book: z.string().nullable(),
  /** Part number from `(Part N)`. */
  part: z.number().int().nullable(),
  /** `**Starting Chapter:** <text>`. */
  chapter: z.string().nullable(),
  /** Deck name set in YAML front matter (`deck: A::B`). */
  deck: z.string().nullable(),
  /** Tags set in YAML front matter (`tags: [a, b]`). */
  tags: z.array(z.string()),
  /** `reverse: true` in front matter: each basic card also asks answer → question. */
  reverse: z.boolean().optional(),
});
export type FileMeta = z.infer<typeof FileMeta>;

/** The card tree of one source file (a unist parent). */
export const SourceFile = z.object({
  type: z.literal('file'),
  /** Path relative to the input root, with `/` separators. */
  path: z.string(),
  meta: FileMeta,
  children: z.array(Card),
  position: Position,
});
export type SourceFile = z.infer<typeof SourceFile>;

export const Severity = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

/** A problem in the user's input. Data, rendered separately by a formatter. */
export const Diagnostic = z.object({
  /** Path relative to the input root (or as given on the command line). */
  file: z.string(),
  /** 1-based. */
  line: z.number().int().min(1),
  /** 1-based, in UTF-16 units like editors and GitHub annotations. */
  column: z.number().int().min(1),
  endLine: z.number().int().min(1),
  endColumn: z.number().int().min(1),
  severity: Severity,
  /** Stable rule id from the catalogue in `src/diagnostics/rules.ts`. */
  rule: z.string(),
  message: z.string(),
  /** Another place the message is about (the first of two repeated questions, say). */
  related: z
    .object({
      file: z.string(),
      line: z.number().int().min(1),
      column: z.number().int().min(1),
      message: z.string(),
    })
    .optional(),
  /**
   * The repair, when it is unambiguous (see `fix` in the rule catalogue): edits on the source
   * text, which `deckc fix` and the language server apply. Ranges use the same 1-based lines and
   * UTF-16 columns as the diagnostic, the end exclusive; the edits of one fix never overlap.
   */
  fix: z
    .object({
      /** What the fix does, for a quick-fix menu: "Replace '??x' with 'x??'". */
      message: z.string(),
      edits: z
        .array(
          z.object({
            line: z.number().int().min(1),
            column: z.number().int().min(1),
            endLine: z.number().int().min(1),
            endColumn: z.number().int().min(1),
            /** The replacement text; line endings as the file writes them. */
            text: z.string(),
          }),
        )
        .min(1),
    })
    .optional(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

/** Where a card came from. */
export const SourceRef = z.object({
  /** Relative to the input root, `/` separators. */
  file: z.string(),
  /** 1-based line of the `:p` marker. */
  line: z.number().int().min(1),
  /** 1-based column of the `:p` marker. */
  column: z.number().int().min(1),
});
export type SourceRef = z.infer<typeof SourceRef>;

/**
 * The note type's fields, in order. Frozen forever: Anki matches notes to note types by schema,
 * so adding, removing or reordering a field would strand every existing note (see ANKI.md).
 */
export const FIELD_NAMES = ['Question', 'Answer', 'Title', 'Context', 'Source'] as const;
export const FieldName = z.enum(FIELD_NAMES);
export type FieldName = z.infer<typeof FieldName>;

/**
 * The kind of note a card becomes, each with its own note type (emit/notetype.ts): `basic`
 * (question → answer), `cloze` (Anki cloze markup in the question or answer: one card per cloze
 * number) and `reversed` (`reverse: true`: a second card, answer → question). Where a kind is
 * optional below, absent means `basic`, so that outputs of basic cards stay as they were.
 */
export const NOTE_KINDS = ['basic', 'cloze', 'reversed'] as const;
export const NoteKind = z.enum(NOTE_KINDS);
export type NoteKind = z.infer<typeof NoteKind>;

/** A card compiled for Anki: rendered HTML fields and its identity. */
export const Note = z.object({
  /** Anki note GUID: stable across rebuilds, unique across decks. */
  guid: z.string().min(1),
  /** Full deck name, `Parent::Child`. */
  deck: z.string().min(1),
  /** Anki tags: no spaces inside a tag, `::` for hierarchy. */
  tags: z.array(z.string().regex(/^\S+$/)),
  /** Field HTML keyed by field name. */
  fields: z.object({
    Question: z.string(),
    Answer: z.string(),
    Title: z.string(),
    Context: z.string(),
    Source: z.string(),
  }),
  /** Last content change, in seconds since the epoch (Anki's `notes.mod`). */
  mod: z.number().int().min(0),
  /**
   * The note's id in Anki (and its card's): when deckc first built it, in milliseconds since
   * the epoch, as Anki's own ids are (the browser's "Added" column and `added:N` read it).
   */
  added: z.number().int().min(0),
  source: SourceRef,
  /** The note's kind (its note type); absent: `basic`. */
  kind: z.enum(['cloze', 'reversed']).optional(),
});
export type Note = z.infer<typeof Note>;

/** A media file to ship in the package, named by content hash. */
export const MediaFile = z.object({
  name: z.string().regex(/^[^/\\]+$/),
  data: z.instanceof(Uint8Array),
});
export type MediaFile = z.infer<typeof MediaFile>;

/** Everything that goes into one output package. */
export const Package = z.object({
  /** Output base name, without extension. */
  name: z.string().min(1),
  notes: z.array(Note),
  media: z.array(MediaFile),
});
export type Package = z.infer<typeof Package>;

/** A card in the JSON deck format (Markdown source and rendered HTML side by side). */
export const JsonCard = z.object({
  guid: z.string(),
  id: z.string().nullable(),
  deck: z.string(),
  tags: z.array(z.string()),
  title: z.string().nullable(),
  context: z.string().nullable(),
  question: z.string(),
  answer: z.string(),
  html: Note.shape.fields,
  source: SourceRef,
  /**
   * `cloze`: a cloze note (html.Question is its cloze text, one Anki card per cloze number);
   * `reversed`: a note with a second card, answer → question. Absent: a basic note.
   */
  kind: z.enum(['cloze', 'reversed']).optional(),
});
export type JsonCard = z.infer<typeof JsonCard>;

/** One JSON deck file. */
export const JsonDeck = z.object({
  $schema: z.string().optional(),
  format: z.literal('deckc-deck@1'),
  deck: z.string(),
  cards: z.array(JsonCard),
});
export type JsonDeck = z.infer<typeof JsonDeck>;

/** One card after parse and render: everything linking needs, serialisable (for workers and cache). */
export const CompiledCard = z.object({
  deck: z.string(),
  tags: z.array(z.string()),
  id: z.string().nullable(),
  markdown: z.object({
    title: z.string().nullable(),
    context: z.string().nullable(),
    question: z.string(),
    answer: z.string(),
  }),
  /** The note's fields, `Source` included. */
  html: Note.shape.fields,
  source: SourceRef,
  /** The note's kind (see NoteKind); absent: basic. */
  kind: z.enum(['cloze', 'reversed']).optional(),
  /**
   * What identity resolution compares (see identity/lock.ts), computed by the compiler, where
   * it can be cached and run in parallel, rather than at link time: the question's key (first
   * occurrence), the answer's hash, the hash of everything the note carries to Anki (fields and
   * tags). The key and the answer hash carry the kind (identity/guid.ts kindKey).
   */
  hashes: z.object({ key: z.string(), answer: z.string(), content: z.string() }),
});
export type CompiledCard = z.infer<typeof CompiledCard>;

/** One source file after parse and render: what compile.ts makes and link/ takes. */
export const CompiledFile = z.object({
  path: z.string(),
  cards: z.array(CompiledCard),
  media: z.array(MediaFile),
  diagnostics: z.array(Diagnostic),
});
export type CompiledFile = z.infer<typeof CompiledFile>;

/**
 * What linking needs to know of a file before its cards (link/link.ts summarize): its scope
 * (top-level deck; null for a file without cards) and its explicit ids. The cache keeps one per
 * file, so that a build whose files are unchanged need not read their cards.
 */
export const FileSummary = z.object({
  scope: z.string().nullable(),
  ids: z.array(z.object({ id: z.string(), line: z.number().int(), column: z.number().int() })),
});
export type FileSummary = z.infer<typeof FileSummary>;

/** A package made of linked scopes (one by default, every scope with --bundle). */
export const LinkedPackage = Package.extend({
  /**
   * The notes of cards gone from the sources that the lock still remembers, tagged
   * `deckc::retired`, by GUID: shipped apart (`<Deck>.retired.apkg`), never in the package a
   * new user imports.
   */
  retired: z.array(Note),
  cards: z.array(JsonCard),
  /** Diagnostics of the files whose cards are in this package (for the preview page). */
  diagnostics: z.array(Diagnostic),
});
export type LinkedPackage = z.infer<typeof LinkedPackage>;
