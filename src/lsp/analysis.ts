/**
 * What the language server knows of one open document, computed by the library's parser and
 * renderer, never by the build engine: the parse (cards, diagnostics with their fixes), the
 * render diagnostics of each card (cached by the card's content, so a keystroke renders only
 * the card it touched), and the document's summary for the workspace checks (workspace.ts).
 */
import picomatch from 'picomatch';
import { deckNameFor, normalizeDeckName } from '../decks/name.js';
import { DiagnosticSink } from '../diagnostics/report.js';
import { questionKeyHash } from '../identity/guid.js';
import { type ParseResult, parseFile } from '../parse/parse-file.js';
import { renderCard } from '../render/render-card.js';
import type { Card, Diagnostic, SourceFile } from '../validate/schema.js';

/** What the workspace checks need of a file: its top-level deck, explicit ids and questions. */
export interface FileSummary {
  /** The top-level deck (the scope of question identity), lower-cased as Anki compares; null without cards. */
  scope: string | null;
  ids: { id: string; line: number; column: number }[];
  /** Question keys of cards without an explicit id, as the linker computes them. */
  questions: { key: string; line: number; column: number }[];
}

export interface DeckOptions {
  rootDeck: string;
  decks: Readonly<Record<string, string>>;
}

/** The deck of a file, as compileFile names it: front matter, a configured glob, the folders. */
export function deckOf(path: string, meta: SourceFile['meta'], options: DeckOptions): string {
  if (!meta.deck) {
    for (const [glob, deck] of Object.entries(options.decks)) {
      if (picomatch.isMatch(path, glob)) return normalizeDeckName(deck);
    }
  }
  return deckNameFor(path, meta, options.rootDeck);
}

export function summarize(parsed: ParseResult, path: string, options: DeckOptions): FileSummary {
  const { file, markers } = parsed;
  const deck = file.children.length ? deckOf(path, file.meta, options) : null;
  const summary: FileSummary = {
    scope: deck === null ? null : (deck.split('::')[0] ?? deck).toLowerCase(),
    ids: [],
    questions: [],
  };
  file.children.forEach((card, k) => {
    const at = { line: markers[k]!.line, column: markers[k]!.column };
    if (card.id !== null) summary.ids.push({ id: card.id, ...at });
    else summary.questions.push({ key: questionKeyHash(card.question.value, 1), ...at });
  });
  return summary;
}

/** A card's render diagnostics, lines relative to the card's first line. */
interface Rendered {
  diagnostics: Diagnostic[];
}

/**
 * Render diagnostics by card content. The key holds each field's value and its place relative
 * to the card's first line, so a card that only moved (lines added above it) is a hit: its
 * diagnostics move with it.
 */
export class RenderCache {
  private entries = new Map<string, Rendered>();
  private used = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly readMedia: (path: string) => Uint8Array | null,
  ) {}

  private static key(card: Card): string {
    const base = card.position.start.line;
    const f = (field: Card['question'] | null) =>
      field ? [field.value, field.position.start.line - base, field.position.start.column] : null;
    return JSON.stringify([f(card.title), f(card.context), f(card.question), f(card.answer)]);
  }

  /** The card's render diagnostics if known, without rendering. */
  peek(card: Card): Diagnostic[] | null {
    const key = RenderCache.key(card);
    const hit = this.entries.get(key);
    if (!hit) return null;
    this.used.add(key);
    return shift(hit.diagnostics, card.position.start.line);
  }

  /** Renders the card (unless known) and returns its diagnostics. */
  get(card: Card): Diagnostic[] {
    const known = this.peek(card);
    if (known) return known;
    const sink = new DiagnosticSink(this.path);
    renderCard(card, { sink, file: this.path, readMedia: this.readMedia });
    const key = RenderCache.key(card);
    this.entries.set(key, { diagnostics: shift(sink.messages, -card.position.start.line) });
    this.used.add(key);
    return sink.messages;
  }

  /** Forgets the cards not asked for since the last sweep (edited away). */
  sweep(): void {
    for (const key of this.entries.keys()) if (!this.used.has(key)) this.entries.delete(key);
    this.used.clear();
  }

  clear(): void {
    this.entries.clear();
  }
}

function shift(diagnostics: readonly Diagnostic[], by: number): Diagnostic[] {
  return diagnostics.map((d) => ({ ...d, line: d.line + by, endLine: d.endLine + by }));
}

/** Analysis of one version of a document. */
export interface Analysis {
  text: string;
  parsed: ParseResult;
  summary: FileSummary;
  /** Render diagnostics of each card, null while not rendered yet. */
  rendered: (Diagnostic[] | null)[];
}

export function analyse(
  text: string,
  path: string,
  options: DeckOptions,
  cache: RenderCache,
): Analysis {
  const parsed = parseFile(text, path);
  return {
    text,
    parsed,
    summary: summarize(parsed, path, options),
    rendered: parsed.file.children.map((card) => cache.peek(card)),
  };
}

/** The card whose `:p` line (or question) holds the 1-based `line`, if any. */
export function cardAtLine(parsed: ParseResult, line: number): Card | null {
  const cards = parsed.file.children;
  for (let k = 0; k < cards.length; k++) {
    const q = cards[k]!.question.position;
    if (parsed.markers[k]!.line === line || (q.start.line <= line && line <= q.end.line))
      return cards[k]!;
  }
  return null;
}
