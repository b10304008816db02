import type { DiagnosticSink } from '../diagnostics/report.js';
import type { Card, MediaFile } from '../validate/schema.js';

export interface RenderContext {
  /** Where render problems are reported (file path already set). */
  sink: DiagnosticSink;
  /** The Markdown file's path relative to the input root, `/` separators. */
  file: string;
  /** Reads a file by path relative to the input root; null when it does not exist. Injected: render does no I/O. */
  readMedia(path: string): Uint8Array | null;
}

export interface RenderedCard {
  /** Anki HTML of each Markdown field ('' when the card has none). */
  fields: { Question: string; Answer: string; Title: string; Context: string };
  /** Media the fields reference, named by content hash. */
  media: MediaFile[];
}

/**
 * Renders a card's Markdown fields to Anki HTML.
 * CONTRACT STUB: replaced by the remark → rehype renderer.
 */
export function renderCard(card: Card, ctx: RenderContext): RenderedCard {
  void ctx;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    fields: {
      Question: esc(card.question.value),
      Answer: esc(card.answer.value),
      Title: esc(card.title?.value ?? ''),
      Context: esc(card.context?.value ?? ''),
    },
    media: [],
  };
}
