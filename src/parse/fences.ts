/**
 * Code fences, tracked the way CommonMark opens and closes them, so that markers inside real
 * fences stay content. Two simplifications: indentation is ignored (fences indented inside list
 * items are common and are fences), and an opener glued after text (`$$```java`, which CommonMark
 * does not see as an opener) is taken as the opener its author meant, with a warning.
 */

export interface FenceOpen {
  /** 0-based index of the line that opens the fence. */
  line: number;
  /** Index in that line of the first fence character. */
  column: number;
  char: '`' | '~';
  length: number;
  /** The info string (language label), trimmed. */
  info: string;
  /** Opened by a fence glued after text (`$$```java`). */
  glued: boolean;
}

const OPEN_RE = /^[ \t]*(`{3,}|~{3,})(.*)$/;
const GLUED_OPEN_RE = /^(.*[^`\s])[ \t]*(`{3,})([A-Za-z][\w+#.-]*)[ \t]*$/;
const BARE_RE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
const GLUED_CLOSE_RE = /[^`\s][ \t]*(`{3,})[ \t]*$/;

/** The fence a content line opens, or null. */
export function fenceOpener(text: string, line: number): FenceOpen | null {
  const first = text.indexOf('`') >= 0 ? '`' : text.indexOf('~') >= 0 ? '~' : '';
  if (first === '') return null;
  const m = OPEN_RE.exec(text);
  if (m) {
    const run = m[1]!;
    const info = m[2]!;
    if (run[0] === '`' && info.includes('`')) return null; // inline code, not a fence
    return {
      line,
      column: text.indexOf(run),
      char: run[0] as '`' | '~',
      length: run.length,
      info: info.trim(),
      glued: false,
    };
  }
  if (first === '`') {
    const g = GLUED_OPEN_RE.exec(text);
    // An even number of backticks before the run: the run is not the end of inline code.
    if (g && (g[1]!.split('`').length - 1) % 2 === 0) {
      return {
        line,
        column: g[1]!.length + gap(text, g[1]!.length),
        char: '`',
        length: g[2]!.length,
        info: g[3]!,
        glued: true,
      };
    }
  }
  return null;
}

function gap(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - from;
}

/** How a line inside `fence` ends it: 'close', 'glued' (`code();```), or null (content). */
export function fenceCloser(text: string, fence: FenceOpen): 'close' | 'glued' | null {
  const c = fence.char;
  if (!text.includes(c + c + c)) return null;
  const m = BARE_RE.exec(text);
  if (m) return m[1]![0] === c && m[1]!.length >= fence.length ? 'close' : null;
  if (c === '`') {
    const g = GLUED_CLOSE_RE.exec(text);
    if (g && g[1]!.length >= fence.length) return 'glued';
  }
  return null;
}

/** A line that would close a fence of `char` (used to ask whether a fence ever closes). */
export function bareFenceChar(text: string): '`' | '~' | null {
  const m = BARE_RE.exec(text);
  return m ? (m[1]![0] as '`' | '~') : null;
}

/** Fences labelled as Markdown may legitimately show card markers (a deck about decks). */
export function isMarkdownFence(fence: FenceOpen): boolean {
  return /^(markdown|md)\b/i.test(fence.info);
}
