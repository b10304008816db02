/**
 * The preview page: every card's front and back, built with exactly the note type's templates and
 * CSS, beside the diagnostics of its source lines. One self-contained HTML string: inline CSS, one
 * small inline script for the light/dark switch (it toggles Anki's `nightMode` / `night_mode`
 * classes), nothing fetched.
 *
 * Math: Anki typesets `\(…\)` / `\[…\]` with MathJax at review time; the preview typesets them at
 * build time (MathJax's SVG output, preview-math.ts), so the page needs no script and no network
 * for them. Sounds (`[sound:name]`) become `<audio controls>` players of the packaged file.
 */

import { escapeHtml } from '../render/escape.js';
import { renderTemplate } from '../render/render-template.js';
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
import type { Diagnostic, MediaFile, Note } from '../validate/schema.js';
import { cardOrds } from './notetype.js';
import { typesetPage } from './preview-math.js';

export interface PreviewInput {
  deck: string;
  notes: Note[];
  diagnostics: Diagnostic[];
  /** The package's media, inlined as data: URLs so the page stays self-contained. */
  media?: MediaFile[];
}

const MIME: Record<string, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
  webm: 'audio/webm',
};

/** Points `src="name"` of packaged media at data: URLs (the page has no media folder beside it). */
function inlineMedia(html: string, media: readonly MediaFile[]): string {
  if (media.length === 0) return html;
  const urls = new Map(
    media.map((m) => {
      const type = MIME[m.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
      return [m.name, `data:${type};base64,${Buffer.from(m.data).toString('base64')}`];
    }),
  );
  return html.replace(/\bsrc="([^"]+)"/g, (all, name: string) => {
    const url = urls.get(name);
    return url ? `src="${url}"` : all;
  });
}

/**
 * Assigns each diagnostic to the note whose source lines hold it: a note owns the lines from its
 * `:p` up to the next note's `:p` in the same file. Diagnostics before a file's first note, or in
 * files without notes, are unmatched.
 */
function matchDiagnostics(notes: readonly Note[], diagnostics: readonly Diagnostic[]) {
  const byNote = new Map<number, Diagnostic[]>();
  const unmatched: Diagnostic[] = [];
  const byFile = new Map<string, Array<{ line: number; index: number }>>();
  notes.forEach((note, index) => {
    const list = byFile.get(note.source.file) ?? [];
    list.push({ line: note.source.line, index });
    byFile.set(note.source.file, list);
  });
  for (const list of byFile.values()) list.sort((a, b) => a.line - b.line);
  for (const d of diagnostics) {
    const list = byFile.get(d.file);
    let owner: number | undefined;
    if (list) {
      // The last note at or above the diagnostic's line (binary search: files of 10,000 notes).
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.line <= d.line) lo = mid + 1;
        else hi = mid;
      }
      owner = lo > 0 ? list[lo - 1]!.index : undefined;
    }
    if (owner === undefined) unmatched.push(d);
    else {
      const own = byNote.get(owner);
      if (own) own.push(d);
      else byNote.set(owner, [d]);
    }
  }
  return { byNote, unmatched };
}

function diagnosticItem(d: Diagnostic): string {
  return `<li class="sev-${d.severity}"><code>${escapeHtml(`${d.file}:${d.line}:${d.column}`)}</code> <b>${d.severity}</b> ${escapeHtml(d.message)} <span class="rule">[${escapeHtml(d.rule)}]</span></li>`;
}

/** One card of a note as Anki shows it: its label (none for a basic note's one card), both sides. */
interface PreviewCard {
  label: string | null;
  /** Anki's `card{ord+1}` class of the card's template. */
  template: number;
  front: string;
  back: string;
}

/**
 * A note's cards, each side built with its template as Anki builds it: one for a basic note;
 * each direction of a reversed note; one per cloze number of a cloze note, that cloze hidden on
 * the front and revealed on the back.
 */
function noteCards(note: Note): PreviewCard[] {
  const { fields } = note;
  if (note.kind === 'cloze') {
    return cardOrds(note).map((ord) => {
      const number = ord + 1;
      const side = (template: string, question: boolean) =>
        renderTemplate(template, fields, '', { cloze: { number, question } });
      return {
        label: `Cloze ${number}`,
        template: 1,
        front: side(CLOZE_FRONT_TEMPLATE, true),
        back: side(CLOZE_BACK_TEMPLATE, false),
      };
    });
  }
  const front = renderTemplate(FRONT_TEMPLATE, fields);
  const back = renderTemplate(BACK_TEMPLATE, fields, front);
  if (note.kind !== 'reversed') return [{ label: null, template: 1, front, back }];
  const reverse = renderTemplate(REVERSE_FRONT_TEMPLATE, fields);
  return [
    { label: 'Card 1', template: 1, front, back },
    {
      label: 'Card 2',
      template: 2,
      front: reverse,
      back: renderTemplate(REVERSE_BACK_TEMPLATE, fields, reverse),
    },
  ];
}

function sidesOf(card: PreviewCard): string {
  const label = card.label === null ? '' : ` · ${card.label}`;
  return `<div class="sides">
<section class="side"><h3>Front${label}</h3><div class="card card${card.template}">${card.front}</div></section>
<section class="side"><h3>Back${label}</h3><div class="card card${card.template}">${card.back}</div></section>
</div>`;
}

function noteSection(
  note: Note,
  cards: readonly PreviewCard[],
  index: number,
  diagnostics: readonly Diagnostic[],
): string {
  const where = `${note.source.file}:${note.source.line}`;
  const list =
    diagnostics.length > 0
      ? `<ul class="diagnostics">${diagnostics.map(diagnosticItem).join('')}</ul>`
      : '';
  const kind = note.kind ? ` <span class="kind">${note.kind}</span>` : '';
  return `<article class="preview-note" id="note-${index + 1}" data-guid="${escapeHtml(note.guid)}">
<header><a href="#note-${index + 1}">#${index + 1}</a> <code>${escapeHtml(where)}</code> <span class="deck">${escapeHtml(note.deck)}</span>${note.tags.length > 0 ? ` <span class="tags">${note.tags.map(escapeHtml).join(' ')}</span>` : ''}${kind}</header>
${list}${cards.map(sidesOf).join('\n')}
</article>`;
}

const PAGE_CSS = `body { margin: 0; font-family: system-ui, sans-serif; background: #eef1f4; color: #1f2328; }
body.nightMode { background: #111214; color: #e6edf3; }
.top { position: sticky; top: 0; z-index: 1; display: flex; gap: 1em; align-items: center;
  padding: 0.6em 1em; background: inherit; border-bottom: 1px solid #8884; }
.top h1 { font-size: 1.1em; margin: 0; flex: 1; }
.top button { font: inherit; padding: 0.3em 0.8em; border-radius: 6px; border: 1px solid #8888;
  background: transparent; color: inherit; cursor: pointer; }
main { padding: 1em; max-width: 110em; margin: 0 auto; }
.preview-note { margin: 0 0 1.8em; }
.preview-note > header a, .top a { color: inherit; }
.unmatched { margin: 0 0 1.8em; }
.unmatched h2 { font-size: 0.95em; margin: 0 0 0.3em; }
.preview-note > header { font-size: 0.8em; opacity: 0.8; margin-bottom: 0.3em; }
.preview-note .deck, .preview-note .tags { opacity: 0.7; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(20em, 1fr)); gap: 1em; }
.side h3 { font-size: 0.7em; text-transform: uppercase; letter-spacing: 0.05em; margin: 0 0 0.2em;
  opacity: 0.6; }
.side > .card { border-radius: 8px; box-shadow: 0 1px 3px #0003; max-width: none; min-height: 4em; }
.diagnostics { margin: 0.3em 0; padding-left: 1.2em; font-size: 0.85em; }
.diagnostics .rule { opacity: 0.7; }
.sev-error b { color: #d1242f; } .sev-warning b { color: #bf8700; } .sev-info b { color: #0969da; }
.summary { font-size: 0.85em; opacity: 0.8; }
@media (max-width: 600px) { .top { flex-wrap: wrap; } .top .summary { order: 3; flex-basis: 100%; } }`;

/** Light/dark switch: toggles Anki's night-mode classes on <body>, remembered for the session. */
const SCRIPT = `(function () {
  var b = document.body, t = document.getElementById('theme');
  function set(night) { b.classList.toggle('nightMode', night); b.classList.toggle('night_mode', night);
    t.textContent = night ? 'Light mode' : 'Dark mode'; t.setAttribute('aria-pressed', String(night)); }
  t.addEventListener('click', function () { set(!b.classList.contains('nightMode')); });
  set(false);
})();`;

/** Builds the preview page of one deck. */
export function emitPreview(input: PreviewInput): string {
  const { byNote, unmatched } = matchDiagnostics(input.notes, input.diagnostics);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of input.diagnostics) counts[d.severity]++;
  const cards = input.notes.map(noteCards);
  const cardCount = cards.reduce((n, list) => n + list.length, 0);
  const typeset = typesetPage(
    input.notes.map((note, i) => noteSection(note, cards[i]!, i, byNote.get(i) ?? [])).join('\n'),
    new Set((input.media ?? []).map((m) => m.name)),
  );
  const notes = inlineMedia(typeset.html, input.media ?? []);
  // The cloze note type's CSS, only on a page that shows cloze cards.
  const css = input.notes.some((note) => note.kind === 'cloze') ? `${CSS}${CLOZE_CSS}` : CSS;
  const other =
    unmatched.length > 0
      ? `<section class="unmatched"><h2>Diagnostics outside cards</h2><ul class="diagnostics">${unmatched.map(diagnosticItem).join('')}</ul></section>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.deck)} — deckc preview</title>
<style>
${css}
${PAGE_CSS}${typeset.css ? `\n${typeset.css}` : ''}
</style>
</head>
<body>
<div class="top"><h1>${escapeHtml(input.deck)}</h1><span class="summary">${cardCount} cards · ${counts.error} errors · ${counts.warning} warnings · math typeset with MathJax at build time</span><button id="theme" type="button">Dark mode</button></div>
<main>${typeset.defs ? `\n${typeset.defs}` : ''}
${other}
${notes}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
