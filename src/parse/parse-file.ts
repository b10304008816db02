/**
 * The recovering parser: one flashcard file → its card tree and diagnostics. Never throws.
 *
 * Why two passes of different kinds: the card block structure (`####`, `:p`, `??x` … `x??`, `---`)
 * is not CommonMark, and real files break it in many ways, so a line-oriented structure pass
 * (`cards.ts`) recognises it, while tracking code fences the way CommonMark would (`fences.ts`) so
 * markers inside code stay code. Each field's Markdown is left to remark (remark-parse +
 * remark-gfm), which the render stage runs on field values. Field values are source slices with
 * markers removed, so positions map back to the file.
 *
 * Positions: line and column 1-based, offset 0-based, all in UTF-16 units of the decoded text
 * (leading BOM removed, line endings kept as written, CRLF counting two). Columns therefore match
 * what an editor shows; offsets index the decoded text, not the bytes.
 */
import { compareDiagnostics, DiagnosticSink } from '../diagnostics/report.js';
import { Card, type Diagnostic, type Point, type SourceFile } from '../validate/schema.js';
import { assembleCards } from './cards.js';
import { decode } from './decode.js';
import type { Dialect } from './dialect.js';
import { Locator, splitLines } from './lines.js';
import { emptyMeta, readFrontMatter } from './meta.js';

export interface ParseResult {
  file: SourceFile;
  diagnostics: Diagnostic[];
  /** The `:p` marker of each card in `file.children`, parallel to it (for `Note.source`). */
  markers: Point[];
  /** The form the file is written in: the main one, the second dialect, or both (dialect.ts). */
  dialect: Dialect;
}

/** Parses one flashcard file into its card tree. Never throws on any input. */
export function parseFile(input: Uint8Array | string, path: string): ParseResult {
  const { text, encoding, invalidAt, invalidByte } = decode(input);
  const sink = new DiagnosticSink(path);
  const lines = splitLines(text);
  const loc = new Locator(lines);
  const meta = emptyMeta();
  const file: SourceFile = {
    type: 'file',
    path,
    meta,
    children: [],
    position: { start: loc.point(0), end: loc.point(text.length) },
  };
  const result: ParseResult = { file, diagnostics: sink.messages, markers: [], dialect: 'main' };

  if (invalidAt >= 0 && input instanceof Uint8Array) {
    sink.report(
      'invalid-utf8',
      { start: loc.point(invalidAt) },
      encoding === 'utf-8'
        ? `Unexpected byte 0x${hex(input[invalidByte]!, 2)} at byte ${invalidByte}, expected UTF-8; invalid bytes are read as U+FFFD`
        : invalidUtf16(input, invalidByte, encoding),
    );
  }
  if (text.trim() === '') {
    sink.report('empty-file', { start: loc.point(0) }, 'Unexpected empty file, expected cards');
    return result;
  }

  const firstLine = readFrontMatter(lines, loc, meta, sink);
  const { cards, markers, questions, dialect } = assembleCards(
    text,
    lines,
    firstLine,
    loc,
    meta,
    sink,
  );
  result.dialect = dialect;

  cards.forEach((card, k) => {
    const checked = Card.safeParse(card);
    if (checked.success) {
      file.children.push(card);
      result.markers.push(markers[k]!);
    } else {
      const issue = checked.error.issues[0];
      sink.report(
        'invalid-card',
        { start: markers[k]! },
        `Unexpected card shape at ${issue?.path.join('.') || 'card'}: ${issue?.message ?? 'invalid'}`,
      );
    }
  });
  if (questions === 0) {
    sink.report('no-cards', { start: loc.point(0) }, "Unexpected file with no ':p' question");
  }
  sink.messages.sort(compareDiagnostics);
  return result;
}

const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');

/** The message for a bad unit in a file read as UTF-16: an unpaired surrogate or a lone last byte. */
function invalidUtf16(bytes: Uint8Array, at: number, encoding: 'utf-16le' | 'utf-16be'): string {
  const name = encoding.toUpperCase();
  const why = bytes[0] === 0xff || bytes[0] === 0xfe ? 'its byte-order mark' : 'its NUL bytes';
  if (at + 1 >= bytes.length)
    return `Unexpected lone last byte 0x${hex(bytes[at]!, 2)} at byte ${at}, expected UTF-16 (the file is read as ${name}, by ${why}, and has an odd length); it is read as U+FFFD`;
  const unit =
    encoding === 'utf-16le'
      ? bytes[at]! | (bytes[at + 1]! << 8)
      : (bytes[at]! << 8) | bytes[at + 1]!;
  return `Unexpected unpaired surrogate 0x${hex(unit, 4)} at byte ${at}, expected UTF-16 (the file is read as ${name}, by ${why}); it is read as U+FFFD`;
}
