/**
 * Build-time syntax highlighting of fenced code: plain HTML spans with `hljs-*` classes, styled by
 * the card CSS (light and night mode). Nothing runs or loads at review time.
 *
 * Highlighter chosen by measurement over the 5,451 fenced blocks of the real corpus (Node 20, one
 * pass per highlighter in one process, grammar compilation on first use included; labels
 * normalised as in `resolveLanguage`; script /tmp/hl/cmp.mjs, reproduced in the render report):
 *
 * | highlighter                     | blocks highlighted | ms/block | class spans | installed |
 * | ------------------------------- | ------------------ | -------- | ----------- | --------- |
 * | lowlight 3.3 (`common`)         | 4,948              | 0.114    | 75,232      | 9.4 MB    |
 * | lowlight 3.3 (`all`)            | 5,065              | 0.083    | 76,666      | 9.4 MB    |
 * | @wooorm/starry-night 3.11 common| 4,850              | 0.810    | 115,913     | 24 MB     |
 * | @wooorm/starry-night 3.11 all   | 5,102              | 0.701    | 123,100     | 24 MB     |
 * | shiki 4.6 (24 languages)        | 5,087              | 1.968    | inline style| 18 MB     |
 *
 * lowlight is 7–20× faster, smallest, emits class names (so night mode is pure CSS), and covers the
 * corpus's languages once fsharp, cmake, powershell, groovy, … are added to `common`. starry-night
 * tokenises more finely (TextMate grammars) and knows HCL/Terraform (110 blocks), which
 * highlight.js lacks; not worth 7× the time and 2.5× the size. shiki inlines theme colours.
 */
import type { Element, ElementContent, Root as HastRoot, RootContent } from 'hast';
import cmake from 'highlight.js/lib/languages/cmake';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import fsharp from 'highlight.js/lib/languages/fsharp';
import groovy from 'highlight.js/lib/languages/groovy';
import haskell from 'highlight.js/lib/languages/haskell';
import latex from 'highlight.js/lib/languages/latex';
import powershell from 'highlight.js/lib/languages/powershell';
import scala from 'highlight.js/lib/languages/scala';
import { common, createLowlight } from 'lowlight';

const lowlight = createLowlight(common);
lowlight.register({ cmake, dockerfile, fsharp, groovy, haskell, latex, powershell, scala });

/** Labels seen in real files that highlight.js knows under another name. */
const ALIASES: Record<string, string> = {
  'c++': 'cpp',
  'c#': 'csharp',
  cs: 'csharp',
  'f#': 'fsharp',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  terminal: 'bash',
  js: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  py: 'python',
  python3: 'python',
  golang: 'go',
  yml: 'yaml',
  tex: 'latex',
  ps1: 'powershell',
  docker: 'dockerfile',
  html: 'xml',
  text: 'plaintext',
  txt: 'plaintext',
};

/**
 * The highlight.js language of a fence label, or null for plain code. The label is the first word
 * of the info string; junk after it (` ```shell $ terraform plan`, ` ```sh$ go test`) is ignored
 * by taking the leading run of name characters.
 */
export function resolveLanguage(label: string): string | null {
  const word = /^[A-Za-z][A-Za-z0-9_+#-]*/.exec(label.trim())?.[0]?.toLowerCase();
  if (!word) return null;
  const name = ALIASES[word] ?? word;
  if (name === 'plaintext') return null;
  return lowlight.registered(name) ? name : null;
}

function textOf(node: ElementContent | RootContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

/** Highlights every `pre > code` in the tree, in place. */
export function highlightCode(tree: HastRoot): void {
  const visit = (node: HastRoot | Element) => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      const code = child.children[0];
      if (child.tagName === 'pre' && code?.type === 'element' && code.tagName === 'code') {
        highlightBlock(code);
      } else {
        visit(child);
      }
    }
  };
  visit(tree);
}

function highlightBlock(code: Element): void {
  const classes = code.properties.className;
  const label =
    Array.isArray(classes) &&
    classes
      .map(String)
      .find((c) => c.startsWith('language-'))
      ?.slice('language-'.length);
  const language = label ? resolveLanguage(label) : null;
  if (!language) {
    code.properties.className = ['hljs'];
    return;
  }
  const tree = lowlight.highlight(language, code.children.map(textOf).join(''));
  code.properties.className = ['hljs', `language-${language}`];
  code.children = tree.children as ElementContent[];
}
