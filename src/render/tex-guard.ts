/**
 * TeX that cannot script. Anki typesets `\(…\)` / `\[…\]` with MathJax 3 (autoload on, with
 * `noerrors`, `mathtools`, `mhchem`), and several MathJax commands write HTML attributes, CSS or
 * links into the page: `\href{javascript:…}{\style{position:fixed;…}{X}}` is a full-screen link
 * that runs a script on click. The card-HTML sanitizer never sees them (they are text until
 * MathJax runs), so they are removed here, in two places:
 *
 * - `guardTex`: in each math span deckc found, every such command is removed with its attribute
 *   arguments (the math it decorates is kept) and reported where it was written.
 * - `disarmTex`: in any other text (math written in raw HTML, `&#92;(` decoded by Markdown, or a
 *   span that MathJax would pair differently because of an unbalanced `{`), the command is
 *   disarmed by a word joiner (U+2060) after its backslash, which MathJax reads as another
 *   control symbol; the text looks the same.
 *
 * A deny-list, not an allow-list: real decks use hundreds of commands and their own macros, and
 * every command that reaches the DOM is listed in MathJax's `html`, `unicode`, `require`,
 * `bbox` and base packages (and KaTeX's `\html…`, for notes moved between apps). `\def`,
 * `\newcommand` and `\let` cannot build a control-sequence name from pieces (MathJax has no
 * `\csname`), so an alias still names the command, and is caught.
 */

/**
 * Argument shapes of the commands removed: `drop` a brace group removed with the command, `keep`
 * a brace group whose content stays, `opt` an optional `[…]` group removed.
 */
type Arg = 'drop' | 'keep' | 'opt';
const UNSAFE: Record<string, readonly Arg[]> = {
  href: ['drop', 'keep'],
  url: ['drop'],
  class: ['drop', 'keep'],
  cssId: ['drop', 'keep'],
  style: ['drop', 'keep'],
  data: ['drop', 'keep'],
  unicode: ['opt', 'drop'],
  require: ['drop'],
  mmlToken: ['drop', 'opt', 'drop'],
  htmlClass: ['drop', 'keep'],
  htmlId: ['drop', 'keep'],
  htmlStyle: ['drop', 'keep'],
  htmlData: ['drop', 'keep'],
  includegraphics: ['opt', 'drop'],
};

/** `\bbox[…]` is safe with colours and padding, not with CSS declarations (`border:…;…`). */
const BBOX_CSS = /[:;]/;

/** A control word of the deny-list, or `\bbox` (checked for CSS separately). */
const COMMAND = new RegExp(`\\\\(${[...Object.keys(UNSAFE), 'bbox'].join('|')})(?![A-Za-z])`, 'g');

/** Anki's own LaTeX (`[latex]`, `[$]`): the commands Anki's latex.py refuses, refused here too. */
const ANKI_LATEX_UNSAFE =
  /\\(?:write18|readline|input|include|catcode|openout|write|loop|def|shipout)(?![A-Za-z])/;

export interface UnsafeTex {
  /** 0-based offset of the command's backslash in the TeX given. */
  offset: number;
  /** Length of what was removed from the source (the command and its dropped arguments). */
  length: number;
  /** The command, with its backslash. */
  command: string;
}

export interface GuardedTex {
  tex: string;
  removed: UnsafeTex[];
}

const skipSpace = (tex: string, i: number) => {
  while (i < tex.length && /\s/.test(tex[i]!)) i++;
  return i;
};

/** End (exclusive) of the balanced group opened at `i` (`{` or `[`), or the end of the TeX. */
function groupEnd(tex: string, i: number): number {
  const open = tex[i]!;
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  for (let j = i; j < tex.length; j++) {
    const c = tex[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === open && (open === '{' || depth === 0)) depth++;
    else if (open === '[' && c === '{') {
      j = groupEnd(tex, j) - 1;
    } else if (c === close && --depth === 0) return j + 1;
  }
  return tex.length;
}

/**
 * Removes the unsafe MathJax commands of one math span with their dropped arguments; a kept
 * argument stays where it is, braces and all (`\href{u}{x^2}` → `{x^2}`, typeset as `x^2`), and is
 * scanned like the rest, so `\href{u}{\style{…}{X}}` loses both. Linear: no character is scanned
 * twice.
 */
export function guardTex(tex: string): GuardedTex {
  if (!tex.includes('\\')) return { tex, removed: [] };
  const removed: UnsafeTex[] = [];
  let out = '';
  let last = 0;
  const command = new RegExp(COMMAND.source, 'g');
  for (let m = command.exec(tex); m; m = command.exec(tex)) {
    const name = m[1]!;
    const start = m.index;
    let i = start + m[0].length;
    if (name === 'bbox') {
      BBOX_GROUP.lastIndex = i;
      const group = BBOX_GROUP.exec(tex);
      if (!group || !BBOX_CSS.test(group[1]!)) continue;
      // Keep `\bbox` and its content; only the CSS goes.
      out += `${tex.slice(last, start)}\\bbox`;
      last = i + group[0].length;
      removed.push({ offset: start, length: last - start, command: '\\bbox[…]' });
      command.lastIndex = last;
      continue;
    }
    for (const arg of UNSAFE[name]!) {
      if (arg === 'keep') break;
      const at = skipSpace(tex, i);
      if (arg === 'opt') {
        if (tex[at] === '[') i = groupEnd(tex, at);
      } else if (tex[at] === '{') i = groupEnd(tex, at);
      // An undelimited argument is one token: a control sequence or a character.
      else if (at < tex.length) i = tex[at] === '\\' ? controlEnd(tex, at) : at + 1;
    }
    out += tex.slice(last, start);
    removed.push({ offset: start, length: i - start, command: `\\${name}` });
    last = i;
    command.lastIndex = i;
  }
  return removed.length === 0 ? { tex, removed } : { tex: out + tex.slice(last), removed };
}

/** `\bbox`'s optional group, read from right after the command (options are short). */
const BBOX_GROUP = /\s*\[([^\]]{0,200})\]/y;

function controlEnd(tex: string, at: number): number {
  let j = at + 1;
  if (!/[A-Za-z]/.test(tex[j] ?? '')) return j + 1;
  while (j < tex.length && /[A-Za-z]/.test(tex[j]!)) j++;
  return j;
}

/** Whether Anki's LaTeX (not MathJax) would refuse this source; the offending command, or null. */
export function unsafeAnkiLatex(tex: string): string | null {
  return ANKI_LATEX_UNSAFE.exec(tex)?.[0] ?? null;
}

/** U+2060 WORD JOINER: invisible, and not a letter, so `\⁠href` is no longer `\href`. */
const JOINER = '\u2060';
/** Same list as COMMAND (bbox with a CSS group), for text outside deckc's math spans. */
const STRAY = new RegExp(
  `\\\\(?=(?:${Object.keys(UNSAFE).join('|')})(?![A-Za-z])|bbox\\s*\\[[^\\]]{0,200}[:;])`,
  'g',
);

/** Disarms unsafe commands in text MathJax might typeset; returns the text and how many. */
export function disarmTex(text: string): { text: string; count: number } {
  if (!text.includes('\\')) return { text, count: 0 };
  let count = 0;
  const out = text.replace(STRAY, () => {
    count++;
    return `\\${JOINER}`;
  });
  return { text: out, count };
}
