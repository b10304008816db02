import type { Severity } from '../validate/schema.js';

/**
 * The rule catalogue: every diagnostic deckc reports has a stable id from this table. Ids are
 * public API (users grep for them, CI annotations show them): never rename one, only add.
 *
 * `fix: true` marks the rules whose diagnostics carry an unambiguous repair (`Diagnostic.fix`),
 * one that `deckc fix` applies and after which the source compiles to the same cards. A rule
 * without it never carries one: its repair would change a card (a glued code fence, text after
 * `x??`) or needs the author to choose (a duplicate, an empty question).
 */
export const RULES = {
  // parse: answer markers
  'answer-closer': {
    severity: 'warning',
    summary: "an answer closed by '??x' instead of 'x??'",
    fix: true,
  },
  'missing-closer': {
    severity: 'warning',
    summary: "an answer that ends without 'x??'",
    fix: true,
  },
  'marker-spelling': {
    severity: 'warning',
    summary: "a misspelled marker such as ':x?' or '???x'",
    fix: true,
  },
  'marker-whitespace': {
    severity: 'warning',
    summary: 'a marker line with leading spaces',
    fix: true,
  },
  'glued-marker': {
    severity: 'warning',
    summary: 'a marker glued to the end of a text line',
    fix: true,
  },
  'answer-on-opener': { severity: 'warning', summary: "answer text on the '??x' line", fix: true },
  'text-after-closer': { severity: 'warning', summary: "text after 'x??' on its line" },
  'empty-question': {
    severity: 'warning',
    summary: "an empty ':p' whose question is taken from the title",
  },
  'missing-answer': { severity: 'error', summary: "a ':p' question with no answer" },
  'empty-answer': { severity: 'error', summary: "a ':p' question whose answer is empty" },
  'orphan-answer': {
    severity: 'warning',
    summary: "an answer with no ':p' question before it",
    fix: true,
  },
  'orphan-closer': { severity: 'warning', summary: "an 'x??' with no open answer", fix: true },
  // parse: structure
  'heading-space': {
    severity: 'warning',
    summary: "a '####' heading with no space after the hashes",
    fix: true,
  },
  'runaway-fence': {
    severity: 'warning',
    summary: 'a code fence that would swallow the cards after it',
  },
  'unclosed-fence': {
    severity: 'warning',
    summary: 'a code fence still open at the end of its card',
  },
  'control-token': {
    severity: 'warning',
    summary: 'a language-model control token such as [END_OF_TEXT]',
    fix: true,
  },
  'duplicate-id': { severity: 'error', summary: 'an explicit card id used twice' },
  'duplicate-question': { severity: 'warning', summary: 'the same question twice in one deck' },
  // input
  'linked-folder-read': {
    severity: 'warning',
    summary: 'a linked folder already read (a symlink loop, or one folder linked twice)',
  },
  'outside-root': {
    severity: 'warning',
    summary: 'a link to a Markdown file, media or a folder outside the input root (not followed)',
  },
  'not-a-file': {
    severity: 'warning',
    summary: 'a FIFO, device, socket or broken link where a file was expected (not read)',
  },
  'file-too-large': {
    severity: 'error',
    summary: "a Markdown file larger than the config's `limits.markdownBytes` (not read)",
  },
  'skipped-hidden': {
    severity: 'info',
    summary: 'hidden folders and files and node_modules in an input root (not read; once per root)',
  },
  'not-read': {
    severity: 'warning',
    summary: 'a file named on the command line that its input root does not read (hidden, ignored)',
  },
  // parse: file level
  'empty-file': { severity: 'info', summary: 'a file with no content' },
  'no-cards': { severity: 'info', summary: "a file with no ':p' question" },
  'invalid-utf8': { severity: 'warning', summary: 'bytes that are not valid UTF-8' },
  'front-matter': { severity: 'error', summary: 'YAML front matter that cannot be read' },
  'unsafe-name': {
    severity: 'warning',
    summary: 'a deck name or tag with `<`, `>`, `"` or control characters (removed)',
  },
  'invalid-card': { severity: 'error', summary: 'a card that fails schema validation' },
  // parse: added with the recovering parser
  'missing-opener': {
    severity: 'warning',
    summary: "an answer after ':p' with 'x??' but no '??x' opening it",
    fix: true,
  },
  'stray-opener': {
    severity: 'warning',
    summary: "a '??x' inside an answer that goes on",
    fix: true,
  },
  'missing-question': {
    severity: 'error',
    summary: "an empty ':p' with no title or context to take the question from",
  },
  'glued-fence': {
    severity: 'warning',
    summary: 'a code fence glued to the end of a text line',
  },
  'unused-text': {
    severity: 'warning',
    summary: "text after a section's last card that belongs to no card",
  },
  'invalid-id': { severity: 'warning', summary: "an explicit '{#id}' with characters not allowed" },
  'title-id-shared': {
    severity: 'warning',
    summary: "a '{#id}' on a '####' title whose section holds several cards",
  },
  // parse: the format author's second dialect (issue 14)
  'missing-prompt': {
    severity: 'warning',
    summary: "a '?x' answer with no header, '?p:' prompt or prompt line above it",
  },
  // render
  'unbalanced-math': { severity: 'warning', summary: "a '$' math delimiter with no partner" },
  'unsafe-html': { severity: 'warning', summary: 'raw HTML removed by the sanitizer' },
  'control-character': {
    severity: 'warning',
    summary: 'a NUL or other control character in a field (removed)',
  },
  'markdown-limit': {
    severity: 'warning',
    summary: 'a field nested or repetitive beyond the render limits (shown as plain text)',
  },
  'unsafe-math': {
    severity: 'warning',
    summary: 'TeX that writes links, CSS or attributes, or Anki LaTeX that reads files (removed)',
  },
  // render: cards of other kinds (issue 14)
  'cloze-markup': {
    severity: 'error',
    summary:
      "malformed Anki cloze markup: '{{c0::', '{{cx::', an unclosed or empty cloze, a cloze inside a cloze (disarmed)",
  },
  'missing-media': { severity: 'error', summary: 'an image whose file does not exist' },
  'media-outside-root': { severity: 'error', summary: 'an image path that leaves the input root' },
  // render: media that users write (issue 14)
  'unsupported-media': {
    severity: 'error',
    summary: 'an image, sound, embed or HTML media source of a kind Anki neither shows nor plays',
  },
  'note-embed': {
    severity: 'warning',
    summary: "an Obsidian embed of a note ('![[note]]'), which Anki cannot show (kept as text)",
  },
  'remote-media': {
    severity: 'info',
    summary: 'an image or media source at an http(s) URL, which Anki loads only when online',
  },
  // identity
  'lock-stale': {
    severity: 'error',
    summary: 'the lock file does not match the sources (--frozen)',
  },
  'lock-conflict': {
    severity: 'error',
    summary: 'git merge-conflict markers in the lock file that cannot be merged unambiguously',
  },
  'lock-duplicate': {
    severity: 'error',
    summary:
      'one GUID with two entries in the lock file (a bad merge or edit): two cards would share one note',
  },
  'lock-missing': {
    severity: 'warning',
    summary: 'no lock file in an input root that was built before: every card gets a new GUID',
  },
  'lock-project': {
    severity: 'warning',
    summary: "a configured project id that differs from the lock file's",
  },
  'clock-skew': {
    severity: 'warning',
    summary: "a build time (SOURCE_DATE_EPOCH) before the lock's newest change, or in the future",
  },
  'output-conflict': {
    severity: 'error',
    summary: 'two input roots that would write the same output file',
  },
  // config
  'config-invalid': { severity: 'error', summary: 'a config file that fails validation' },
  // build
  'internal-error': {
    severity: 'error',
    summary: 'a file deckc crashed on (a bug in deckc: please report it with the file)',
  },
} as const satisfies Record<string, { severity: Severity; summary: string; fix?: true }>;

export type RuleId = keyof typeof RULES;
