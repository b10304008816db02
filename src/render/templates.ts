/**
 * The card templates and CSS of deckc's note type. They ship inside every .apkg and the preview
 * page, so what the preview shows is what Anki shows. Changing them raises the note type's `mod`
 * (computed from their hash), which is how styling reaches existing users.
 *
 * Anki's mustache subset only: `{{Field}}`, `{{#Field}}…{{/Field}}`, `{{^Field}}…{{/Field}}`,
 * `{{FrontSide}}` (see `renderTemplate`).
 */

/** Front: title and question. */
export const FRONT_TEMPLATE = `{{#Title}}<div class="deckc-title">{{Title}}</div>{{/Title}}
<div class="deckc-question">{{Question}}</div>`;

/** Back: the front, then the answer, the context (background) and the source in small print. */
export const BACK_TEMPLATE = `{{FrontSide}}
<hr id="answer">
<div class="deckc-answer">{{Answer}}</div>
{{#Context}}<div class="deckc-context"><div class="deckc-label">Background</div>{{Context}}</div>{{/Context}}
{{#Source}}<div class="deckc-source">{{Source}}</div>{{/Source}}`;

/**
 * The cloze note type's one template ("Cloze"). Its front and back both show the cloze text
 * through `{{cloze:Question}}` (Anki requires the filter on both sides, and `{{FrontSide}}` would
 * show the hidden clozes on the back); the Answer field is Anki's "Back Extra".
 */
export const CLOZE_FRONT_TEMPLATE = `{{#Title}}<div class="deckc-title">{{Title}}</div>{{/Title}}
<div class="deckc-question">{{cloze:Question}}</div>`;

export const CLOZE_BACK_TEMPLATE = `{{#Title}}<div class="deckc-title">{{Title}}</div>{{/Title}}
<div class="deckc-question">{{cloze:Question}}</div>
<hr id="answer">
{{#Answer}}<div class="deckc-answer">{{Answer}}</div>{{/Answer}}
{{#Context}}<div class="deckc-context"><div class="deckc-label">Background</div>{{Context}}</div>{{/Context}}
{{#Source}}<div class="deckc-source">{{Source}}</div>{{/Source}}`;

/** The reversed note type's second template ("Card 2"): the answer asks, the question answers. */
export const REVERSE_FRONT_TEMPLATE = `{{#Title}}<div class="deckc-title">{{Title}}</div>{{/Title}}
<div class="deckc-question">{{Answer}}</div>`;

export const REVERSE_BACK_TEMPLATE = `{{FrontSide}}
<hr id="answer">
<div class="deckc-answer">{{Question}}</div>
{{#Context}}<div class="deckc-context"><div class="deckc-label">Background</div>{{Context}}</div>{{/Context}}
{{#Source}}<div class="deckc-source">{{Source}}</div>{{/Source}}`;

/** What the cloze note type adds to CSS: the hidden and revealed cloze (`<span class=cloze>`). */
export const CLOZE_CSS = `.card .cloze { font-weight: 600; color: var(--deckc-accent); }
`;

/**
 * Colours are custom properties on `.card`, swapped in night mode. Anki marks night mode with
 * `.nightMode` (desktop, AnkiDroid) or `.night_mode` (older and other clients), on the `.card`
 * element itself (desktop puts both classes on `<body class="card">`) or on an ancestor; every
 * combination is covered. Code colours are a GitHub-like highlight.js palette (`hljs-*` classes
 * from build-time highlighting).
 */
export const CSS = `.card {
  --deckc-fg: #1f2328; --deckc-bg: #ffffff; --deckc-muted: #59636e; --deckc-border: #d1d9e0;
  --deckc-subtle: #f6f8fa; --deckc-link: #0969da; --deckc-accent: #0969da;
  --hl-keyword: #cf222e; --hl-string: #0a3069; --hl-comment: #59636e; --hl-number: #0550ae;
  --hl-title: #8250df; --hl-type: #953800; --hl-builtin: #0550ae; --hl-meta: #116329;
  --hl-variable: #953800; --hl-deletion-bg: #ffebe9; --hl-addition-bg: #dafbe1;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px; line-height: 1.55; text-align: left; color: var(--deckc-fg);
  background-color: var(--deckc-bg); overflow-wrap: break-word;
  margin: 0 auto; padding: 12px 16px; max-width: 48em; box-sizing: border-box;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --deckc-fg: #e6edf3; --deckc-bg: #1e1f22; --deckc-muted: #9198a1; --deckc-border: #3d444d;
  --deckc-subtle: #2a2c31; --deckc-link: #4493f8; --deckc-accent: #4493f8;
  --hl-keyword: #ff7b72; --hl-string: #a5d6ff; --hl-comment: #9198a1; --hl-number: #79c0ff;
  --hl-title: #d2a8ff; --hl-type: #ffa657; --hl-builtin: #79c0ff; --hl-meta: #7ee787;
  --hl-variable: #ffa657; --hl-deletion-bg: #490202; --hl-addition-bg: #04260f;
}
.card * { box-sizing: border-box; }
.card p { margin: 0.5em 0; }
.card a { color: var(--deckc-link); }
.card h1, .card h2, .card h3, .card h4, .card h5, .card h6 { line-height: 1.25; margin: 0.9em 0 0.4em; }
.card h1 { font-size: 1.35em; } .card h2 { font-size: 1.25em; } .card h3 { font-size: 1.12em; }
.card h4, .card h5, .card h6 { font-size: 1em; }
.card ul, .card ol { padding-left: 1.6em; margin: 0.5em 0; }
.card li + li { margin-top: 0.2em; }
.card li > p { margin: 0.25em 0; }
.card ul.contains-task-list { list-style: none; padding-left: 0.4em; }
.card blockquote { margin: 0.6em 0; padding: 0 0 0 0.9em; color: var(--deckc-muted);
  border-left: 0.25em solid var(--deckc-border); }
.card hr { border: 0; border-top: 1px solid var(--deckc-border); margin: 1em 0; }
.card img { max-width: 100%; height: auto; }
.card table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse;
  margin: 0.6em 0; font-size: 0.92em; }
.card th, .card td { border: 1px solid var(--deckc-border); padding: 0.3em 0.6em; vertical-align: top; }
.card th { background: var(--deckc-subtle); font-weight: 600; }
.card code, .card kbd, .card pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo,
  Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
.card :not(pre) > code { background: var(--deckc-subtle); border-radius: 4px; padding: 0.1em 0.3em; }
.card kbd { border: 1px solid var(--deckc-border); border-bottom-width: 2px; border-radius: 4px;
  padding: 0 0.3em; }
.card pre { background: var(--deckc-subtle); border: 1px solid var(--deckc-border);
  border-radius: 6px; padding: 0.7em 0.9em; margin: 0.6em 0; overflow-x: auto; line-height: 1.45;
  white-space: pre; -webkit-overflow-scrolling: touch; }
.card pre code { font-size: 1em; background: none; padding: 0; white-space: pre; }
.card details { margin: 0.5em 0; }
.card summary { cursor: pointer; }
.deckc-title { font-size: 0.8em; font-weight: 600; color: var(--deckc-muted);
  text-transform: none; margin-bottom: 0.3em; }
.deckc-question { font-size: 1.08em; font-weight: 500; }
.deckc-answer { margin-top: 0.2em; }
.card hr#answer { border-top: 2px solid var(--deckc-accent); opacity: 0.5; }
.deckc-context { margin-top: 1em; padding: 0.5em 0.8em; font-size: 0.9em; color: var(--deckc-muted);
  background: var(--deckc-subtle); border-radius: 6px; }
.deckc-label { font-size: 0.78em; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.deckc-source { margin-top: 1em; font-size: 0.7em; color: var(--deckc-muted); }
@media (max-width: 480px) { .card { font-size: 16px; padding: 8px 10px; } }
.hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-doctag, .hljs-template-tag,
.hljs-template-variable, .hljs-type.hljs-keyword { color: var(--hl-keyword); }
.hljs-string, .hljs-regexp, .hljs-char.escape_, .hljs-meta .hljs-string { color: var(--hl-string); }
.hljs-comment, .hljs-quote { color: var(--hl-comment); font-style: italic; }
.hljs-number, .hljs-attr, .hljs-attribute, .hljs-symbol, .hljs-bullet, .hljs-link,
.hljs-operator, .hljs-selector-attr, .hljs-selector-pseudo { color: var(--hl-number); }
.hljs-title, .hljs-title.function_, .hljs-section, .hljs-name { color: var(--hl-title); }
.hljs-type, .hljs-title.class_, .hljs-class .hljs-title, .hljs-params { color: var(--hl-type); }
.hljs-built_in, .hljs-selector-id, .hljs-selector-class { color: var(--hl-builtin); }
.hljs-meta, .hljs-tag { color: var(--hl-meta); }
.hljs-variable, .hljs-property { color: var(--hl-variable); }
.hljs-deletion { background: var(--hl-deletion-bg); }
.hljs-addition { background: var(--hl-addition-bg); }
.hljs-emphasis { font-style: italic; }
.hljs-strong { font-weight: 600; }
`;
