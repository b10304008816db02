/**
 * Allow-list sanitizer for card HTML. Anki runs card HTML as a web page, scripts included, so raw
 * HTML from Markdown is cut down to a safe subset; every removal is reported (the author should
 * know their `<iframe>` is gone). Own code instead of hast-util-sanitize because that package
 * removes silently and we must say what went where; the lists follow its GitHub-like default
 * schema, plus a few benign tags real notes use (`u`, `mark`, `small`, `center`, `font`), and
 * `<audio>`, `<video>` and `<source>` with their playback attributes only (no handlers, no
 * `poster`, `src` only relative or http(s)): the media pass packages their local files.
 */
import type { Element, ElementContent, Root as HastRoot, Properties, RootContent } from 'hast';

/** Removed with their content. */
const DROP = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'noscript',
  'template',
  'base',
  'link',
  'meta',
  'title',
  'head',
  'form',
  'svg',
  'math',
  'track',
  'canvas',
  'portal',
  'textarea',
  'select',
  'button',
]);

/** Kept (with their allowed attributes). Unknown tags are unwrapped: their children stay. */
const ALLOW = new Set(
  (
    'a abbr audio b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn ' +
    'div dl dt em figcaption figure font h1 h2 h3 h4 h5 h6 hr i img input ins kbd li mark ol p pre ' +
    'q rp rt ruby s samp section small source span strike strong sub summary sup table tbody td ' +
    'tfoot th thead tr tt u ul var video wbr html body'
  ).split(' '),
);

/**
 * Every standard HTML element name. A "tag" whose name is not here is not HTML but prose or code
 * written outside backticks: `List<T>`, `BufferBlock<int>`, `Task<TResult>` (real files do this
 * hundreds of times). Such tags are kept as the text they are instead of becoming elements.
 */
export const HTML_TAG_NAMES = new Set(
  (
    'a abbr address area article aside audio b base bdi bdo blockquote body br button canvas ' +
    'caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt em ' +
    'embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head ' +
    'header hgroup hr html i iframe img input ins kbd label legend li link main map mark math ' +
    'menu meta meter nav noscript object ol optgroup option output p param picture portal pre ' +
    'progress q rp rt ruby s samp script search section select slot small source span strike ' +
    'strong style sub summary sup svg table tbody td template textarea tfoot th thead time title ' +
    'tr track tt u ul var video wbr applet'
  ).split(' '),
);

/** Whether a raw HTML snippet from Markdown names at least one real HTML element (or is a comment). */
export function looksLikeHtml(raw: string): boolean {
  if (raw.startsWith('<!')) return true;
  for (const m of raw.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g)) {
    if (HTML_TAG_NAMES.has(m[1]!.toLowerCase())) return true;
  }
  return false;
}

/** Attributes (hast property names) allowed on every kept element. */
const GLOBAL_ATTRIBUTES = new Set(['title', 'lang', 'dir', 'align', 'className', 'ariaHidden']);
/** Extra attributes per element. */
const ELEMENT_ATTRIBUTES: Record<string, Set<string>> = {
  a: new Set(['href', 'dataFootnoteRef', 'dataFootnoteBackref', 'ariaDescribedBy', 'ariaLabel']),
  img: new Set(['src', 'alt', 'width', 'height']),
  audio: new Set(['src', 'controls', 'loop', 'muted', 'preload', 'autoPlay']),
  video: new Set(['src', 'controls', 'loop', 'muted', 'preload', 'autoPlay', 'width', 'height']),
  source: new Set(['src', 'type']),
  ol: new Set(['start', 'reversed', 'type']),
  li: new Set(['value']),
  td: new Set(['colSpan', 'rowSpan']),
  th: new Set(['colSpan', 'rowSpan', 'scope']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
  input: new Set(['type', 'checked', 'disabled']),
  details: new Set(['open']),
  font: new Set(['color', 'size']),
  blockquote: new Set(['cite']),
  q: new Set(['cite']),
  del: new Set(['cite', 'dateTime']),
  ins: new Set(['cite', 'dateTime']),
  section: new Set(['dataFootnotes']),
};
/** `id` is allowed only where the Markdown footnote machinery puts it (with its prefix). */
const SAFE_ID = /^user-content-(?:fn|fnref|footnote)/;

/** URL attributes and the schemes they may use; relative URLs (no scheme) are always allowed. */
const URL_SCHEMES: Record<string, Set<string>> = {
  href: new Set(['http', 'https', 'mailto']),
  src: new Set(['http', 'https']),
  cite: new Set(['http', 'https']),
};
/**
 * Classes that make Anki's MathJax typeset inside `<code>` and `<pre>` (its `processHtmlClass`
 * `tex2jax_process`, and MathJax's default `mathjax_process`), where deckc does not check TeX.
 */
const TEX_PROCESS_CLASS = /^(?:tex2jax_process|mathjax_process)$/i;
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp);/i;

export interface Removal {
  node: Element;
  /** What was removed, for the message: `<script> element`, `onclick attribute on <a>`. */
  what: string;
}

function urlScheme(value: string): string | null {
  // Browsers ignore control characters and spaces inside a scheme (`java\tscript:`).
  let compact = '';
  for (const c of value) if (c > ' ' && c !== '\u007f') compact += c.toLowerCase();
  const m = /^([a-z][a-z0-9+.-]*):/.exec(compact);
  return m ? m[1]! : null;
}

function attributeName(property: string): string {
  if (property === 'className') return 'class';
  if (/^on[A-Z]/.test(property)) return property.toLowerCase();
  return property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function cleanProperties(element: Element, removals: Removal[]): void {
  const allowed = ELEMENT_ATTRIBUTES[element.tagName];
  const properties: Properties = {};
  for (const [key, value] of Object.entries(element.properties)) {
    if (value === undefined || value === null) continue;
    let ok = GLOBAL_ATTRIBUTES.has(key) || allowed?.has(key) === true;
    if (key === 'id' && typeof value === 'string' && SAFE_ID.test(value)) ok = true;
    if (ok && key in URL_SCHEMES) {
      const url = String(value);
      const scheme = urlScheme(url);
      const dataImage = key === 'src' && element.tagName === 'img' && DATA_IMAGE.test(url);
      if (scheme !== null && !URL_SCHEMES[key]!.has(scheme) && !dataImage) {
        removals.push({
          node: element,
          what: `'${scheme}:' URL in the ${attributeName(key)} attribute of <${element.tagName}>`,
        });
        continue;
      }
    }
    if (ok && key === 'className' && Array.isArray(value)) {
      const classes = value.filter((c) => !TEX_PROCESS_CLASS.test(String(c)));
      if (classes.length < value.length) {
        removals.push({
          node: element,
          what: `MathJax process class on <${element.tagName}> (it would typeset the text of code)`,
        });
      }
      if (classes.length > 0) properties[key] = classes as string[];
      continue;
    }
    if (ok) properties[key] = value;
    else {
      removals.push({
        node: element,
        what: `${attributeName(key)} attribute on <${element.tagName}>`,
      });
    }
  }
  element.properties = properties;
}

type Parent = HastRoot | Element;

const isBlank = (element: Element) =>
  element.children.every((c) => c.type === 'text' && c.value.trim() === '');

function cleanChildren(parent: Parent, removals: Removal[]): void {
  const out: Array<RootContent> = [];
  for (const child of parent.children as RootContent[]) {
    if (child.type === 'comment' || child.type === 'doctype') continue;
    if (child.type !== 'element') {
      out.push(child);
      continue;
    }
    if (DROP.has(child.tagName)) {
      removals.push({ node: child, what: `<${child.tagName}> element` });
      continue;
    }
    const before = removals.length;
    cleanChildren(child, removals);
    // A paragraph that held only removed HTML would leave an empty <p></p> gap.
    if (child.tagName === 'p' && removals.length > before && isBlank(child)) continue;
    if (!ALLOW.has(child.tagName)) {
      removals.push({
        node: child,
        what: `<${child.tagName}> element (its content is kept)`,
      });
      out.push(...child.children);
      continue;
    }
    cleanProperties(child, removals);
    out.push(child);
  }
  parent.children = out as ElementContent[];
}

/** Sanitizes the tree in place; returns what was removed, in document order of discovery. */
export function sanitize(tree: HastRoot): Removal[] {
  const removals: Removal[] = [];
  cleanChildren(tree, removals);
  return removals;
}
