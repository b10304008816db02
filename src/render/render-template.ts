/**
 * Anki's template subset, so the preview shows cards exactly as Anki builds them:
 * `{{Field}}` (the field's HTML), `{{#Field}}…{{/Field}}` (shown when the field is not empty),
 * `{{^Field}}…{{/Field}}` (shown when it is empty), `{{FrontSide}}` (the rendered front), and
 * the `cloze:` filter (`{{cloze:Field}}`, for one cloze card: see `TemplateOptions`).
 * Sections nest. An unknown field renders as '' (Anki shows an error there; our templates only
 * use our own fields). Pure: no I/O.
 */

import { revealCloze } from './cloze.js';

/**
 * Anki treats a field as empty when it holds only whitespace, `&nbsp;`, `<br>` or empty `<div>`s
 * (rslib `field_is_empty`).
 */
export function fieldIsEmpty(html: string): boolean {
  return /^(?:\s|&nbsp;|\u00a0|<br\s*\/?>|<\/?div>)*$/i.test(html);
}

type Node =
  | { kind: 'text'; value: string }
  | { kind: 'field'; name: string }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[] };

const TAG = /\{\{([#^/]?)\s*([^{}]*?)\s*\}\}/g;

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ name: string; children: Node[] }> = [{ name: '', children: root }];
  let last = 0;
  for (const m of template.matchAll(TAG)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.children.push({ kind: 'text', value: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, sigil, name = ''] = m;
    if (sigil === '#' || sigil === '^') {
      const section: Node = { kind: 'section', name, inverted: sigil === '^', children: [] };
      top.children.push(section);
      stack.push({ name, children: section.children });
    } else if (sigil === '/') {
      // A closer that matches nothing open is ignored, like a stray tag in Anki.
      const at = stack.findLastIndex((s, i) => i > 0 && s.name === name);
      if (at > 0) stack.length = at;
    } else {
      top.children.push({ kind: 'field', name });
    }
  }
  const top = stack[stack.length - 1]!;
  if (last < template.length) top.children.push({ kind: 'text', value: template.slice(last) });
  return root;
}

/** Which card of a cloze note is rendered: its cloze number, and the side. */
export interface TemplateOptions {
  cloze?: { number: number; question: boolean };
}

/** Fills a card template with field HTML. `frontSide` is what `{{FrontSide}}` becomes. */
export function renderTemplate(
  template: string,
  fields: Readonly<Record<string, string>>,
  frontSide = '',
  options: TemplateOptions = {},
): string {
  const field = (name: string) =>
    name === 'FrontSide' ? frontSide : Object.hasOwn(fields, name) ? fields[name]! : '';
  // `{{filter:Field}}`: Anki applies the filters right to left; only `cloze` changes anything here.
  const value = (name: string) => {
    if (!name.includes(':')) return field(name);
    const parts = name.split(':');
    const html = field(parts.pop()!.trim());
    const { cloze } = options;
    return parts.some((f) => f.trim() === 'cloze') && cloze
      ? revealCloze(html, cloze.number, cloze.question)
      : html;
  };
  const render = (nodes: Node[]): string => {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.value;
      else if (node.kind === 'field') out += value(node.name);
      else if (fieldIsEmpty(value(node.name)) === node.inverted) out += render(node.children);
    }
    return out;
  };
  return render(parse(template));
}
