/**
 * Code fences during the card pass: opening one on a content line, closing it, and distrusting
 * one as runaway when a card marker inside it shows that it would swallow the cards after it
 * (see `distrusts`). Markers inside a trusted fence are content.
 */
import type { Assembler } from './assemble-state.js';
import { quote } from './assemble-state.js';
import { type FenceOpen, fenceCloser, fenceOpener, isMarkdownFence } from './fences.js';
import { STRONG } from './lookahead.js';
import type { Marker } from './markers.js';

/** Opens a fence if the content of line i (from column `from`) starts one. */
export function trackFence(s: Assembler, i: number, from: number) {
  const t = s.lineText(i);
  const f = fenceOpener(from > 0 ? t.slice(from) : t, i);
  if (!f) return;
  f.column += from;
  if (f.glued) {
    s.sink.report(
      'glued-fence',
      { start: s.loc.at(i, f.column), end: s.loc.at(i, f.column + f.length) },
      `Unexpected code fence '${'`'.repeat(f.length)}${f.info}' after text on the same line, expected it at the start of a line`,
    );
  }
  s.fence = f;
}

/**
 * Line i while a fence is open: true when the line is the fence's (content or its closer), false
 * when the fence has ended before it (distrusted), so that the line is read as structure.
 */
export function inFence(s: Assembler, i: number, m: Marker | null): boolean {
  const f = s.fence!;
  const text = s.lineText(i);
  const closer = fenceCloser(text, f);
  if (closer) {
    if (closer === 'glued') {
      const at = text.trimEnd().length - f.length;
      s.sink.report(
        'glued-fence',
        { start: s.loc.at(i, at), end: s.loc.at(i, at + f.length) },
        `Unexpected closing fence '${f.char.repeat(f.length)}' after text on the same line, expected it on a line of its own`,
      );
    }
    s.fence = null;
    return true;
  }
  if (!distrusts(s, i, m, f)) return true;
  reportDistrust(s, i, f, m!);
  s.fence = null;
  return false;
}

/** Whether a fence open at line i should be taken as runaway, given the marker there. */
function distrusts(s: Assembler, i: number, m: Marker | null, f: FenceOpen): boolean {
  if (!m || isMarkdownFence(f)) return false;
  const { ahead } = s;
  const n = s.lines.length;
  switch (m.kind) {
    case 'close':
      return !m.glued && m.rest < 0 && m.spelling.endsWith('??');
    case 'open':
      return !m.glued && m.rest < 0;
    case 'question':
      return !m.glued && !m.spaced && ahead.strongAfter(i + 1) === STRONG.open;
    case 'separator': {
      const k = ahead.nextKindAfter(i);
      return k === 'heading' || k === 'question';
    }
    case 'heading': {
      // `#### …` is a common comment in code: distrusted only before a `:p` with an answer.
      const q = ahead.nextStrongAt[i + 1]!;
      return (
        !m.glued &&
        !m.tight &&
        q < n &&
        ahead.marks[q]!.kind === 'question' &&
        ahead.strongAfter(q + 1) === STRONG.open
      );
    }
    default:
      return false;
  }
}

function reportDistrust(s: Assembler, i: number, f: FenceOpen, m: Marker) {
  const { loc, sink, ahead } = s;
  const fenceAt = { start: loc.at(f.line, f.column), end: loc.at(f.line, f.column + f.length) };
  const closes = f.char === '`' ? ahead.nextTick[i]! : ahead.nextTilde[i]!;
  const label = quote(`${f.char.repeat(f.length)}${f.info}`);
  const what = `'${m.spelling}' at line ${i + 1}`;
  if (closes >= 0) {
    sink.report(
      'runaway-fence',
      fenceAt,
      `Unexpected ${what} inside the code fence ${label} opened here, expected a closing '${f.char.repeat(f.length)}' first; the fence would run to line ${closes + 1}, so it is taken as closed before line ${i + 1}`,
    );
  } else {
    sink.report(
      'unclosed-fence',
      fenceAt,
      `Unexpected ${what} inside the code fence ${label} opened here, expected a closing '${f.char.repeat(f.length)}' first; the fence is taken as closed before line ${i + 1}`,
    );
  }
}

/** At the end of the file, a fence still open is reported at its opener. */
export function unclosedAtEnd(s: Assembler) {
  const f = s.fence;
  if (!f) return;
  s.sink.report(
    'unclosed-fence',
    { start: s.loc.at(f.line, f.column), end: s.loc.at(f.line, f.column + f.length) },
    `Unexpected end of file inside the code fence '${f.char.repeat(f.length)}${f.info}' opened here, expected a closing '${f.char.repeat(f.length)}'`,
  );
}
