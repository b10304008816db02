/**
 * The card templates and CSS of deckc's note type. They ship inside every .apkg and the preview
 * page, so what the preview shows is what Anki shows. Changing them raises the note type's `mod`
 * (computed from their hash), which is how styling reaches existing users.
 */

/** Front: title and question. */
export const FRONT_TEMPLATE = `{{#Title}}<div class="deckc-title">{{Title}}</div>{{/Title}}
<div class="deckc-question">{{Question}}</div>`;

/** Back: the front, then the answer, the context and the source in small print. */
export const BACK_TEMPLATE = `{{FrontSide}}
<hr id="answer">
<div class="deckc-answer">{{Answer}}</div>
{{#Context}}<div class="deckc-context">{{Context}}</div>{{/Context}}
{{#Source}}<div class="deckc-source">{{Source}}</div>{{/Source}}`;

export const CSS = `.card { font-family: system-ui, sans-serif; font-size: 18px; line-height: 1.5; text-align: left; }
.deckc-title { font-size: 0.8em; opacity: 0.7; }
.deckc-context { font-size: 0.9em; opacity: 0.8; }
.deckc-source { font-size: 0.7em; opacity: 0.6; }
`;
