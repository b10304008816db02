/**
 * What Anki does to a card's HTML when it shows it, done once at build time for the preview:
 * MathJax typesets `\(…\)` (inline) and `\[…\]` (display) in text, and `[sound:name]` of a
 * packaged file becomes a player (any other name stays text: the page fetches nothing). As in Anki's MathJax, only text is read: never a tag or an attribute, and never the
 * inside of `pre`, `code`, `script`, `style` or `textarea`.
 *
 * The fields carry TeX that src/render/tex-guard.ts has already made safe, and the TeX packages
 * that could write links, styles or ids are not loaded (mathjax.ts). A formula MathJax cannot
 * typeset stays as its TeX, as Anki's `noerrors` shows it.
 */
import { escapeHtml } from '../render/escape.js';
import { pageMath } from './mathjax.js';

/** A tag (attribute values may hold `>`), a comment, or a run of text. */
const PIECE = /<!--[\s\S]*?-->|<[a-zA-Z/!?][^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>|[^<]+|</g;
/** Elements whose text MathJax leaves alone (its `skipHtmlTags`). */
const SKIP = /^<(\/?)(pre|code|script|style|textarea)\b/i;
/** Math as Anki's MathJax finds it, and a sound tag. */
const MATH_OR_SOUND = /\\\(([\s\S]*?)\\\)|\\\[([\s\S]*?)\\\]|\[sound:([^\]<>\n\r]+)\]/g;

const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos|nbsp));/g;
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** The text of HTML-escaped text, as the browser (and so MathJax) reads it. */
function decode(html: string): string {
  return html.replace(ENTITY, (all, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name]!;
    const code = dec ? Number(dec) : Number.parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

export interface TypesetPage {
  html: string;
  /** MathJax's CSS for the page ('' when no math was typeset). */
  css: string;
  /** The glyphs the formulas use, one hidden `<svg>` ('' when no math was typeset). */
  defs: string;
}

/** Typesets the math and the sounds (those of the files in `sounds`) of a page's HTML. */
export function typesetPage(html: string, sounds: ReadonlySet<string> = new Set()): TypesetPage {
  const math = pageMath();
  let skipping = 0;
  const out = html.replace(PIECE, (piece) => {
    if (piece[0] === '<' && piece.length > 1) {
      const skip = SKIP.exec(piece);
      if (skip) skipping = Math.max(0, skipping + (skip[1] ? -1 : 1));
      return piece;
    }
    if (skipping > 0) return piece;
    return piece.replace(
      MATH_OR_SOUND,
      (all, inline?: string, display?: string, sound?: string) => {
        if (sound !== undefined) {
          if (!sounds.has(decode(sound))) return all;
          const name = escapeHtml(decode(sound));
          return `<audio controls preload="none" src="${name}" title="${name}"></audio>`;
        }
        const tex = inline ?? display!;
        return math?.typeset(decode(tex), display !== undefined) ?? all;
      },
    );
  });
  const head = math?.head() ?? { css: '', defs: '' };
  return { html: out, ...head };
}
