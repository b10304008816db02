/**
 * Obsidian embeds, `![[file]]`, `![[file|alt]]` and `![[picture.png|100]]` (or `|100x80`): found
 * in the Markdown tree's text, so never inside code, inline code or math (math is a placeholder
 * by then, code is not text), and turned into image nodes that the media pass packages like any
 * image or sound, looked up as Obsidian does (see `embedCandidates`). An embed of a note (no
 * media extension) is left as the text it is, with a warning: Anki has no notes to embed.
 */
import type { Image, RootContent as MdastContent, Root as MdastRoot, Text } from 'mdast';
import { extensionOf, mediaKind, resolveImage } from './media.js';

/** An embed found in a field: what was written, and where (offsets in the rendered text). */
export interface Embed {
  /** The file as written, before `|`. */
  target: string;
  start: number;
  end: number;
}

/** A problem with an embed that is not turned into media, offsets as in `Embed`. */
export interface EmbedProblem {
  rule: 'note-embed' | 'unsupported-media' | 'remote-media';
  start: number;
  end: number;
  message: string;
}

/** One embed: `![[`, a target without `[`, `]`, `|` or a line break, an optional `|…`, `]]`. */
const EMBED = /!\[\[([^[\]|\n\r]+)(?:\|([^[\]\n\r]*))?\]\]/g;
/** `|100` or `|100x80`: Obsidian's width (and height) of an embedded picture, in pixels. */
const SIZE = /^\s*(\d{1,5})(?:\s*x\s*(\d{1,5}))?\s*$/;

/**
 * Replaces the media embeds in the tree's text nodes with image nodes (in place) and returns them
 * keyed by start offset, which the image elements keep through rehype (their position); embeds
 * that are not media stay text and are returned as problems. `text` is the parsed source.
 */
export function markEmbeds(
  tree: MdastRoot,
  text: string,
): { embeds: Map<number, Embed>; problems: EmbedProblem[] } {
  const embeds = new Map<number, Embed>();
  const problems: EmbedProblem[] = [];
  if (!text.includes('![[')) return { embeds, problems };
  let unplaced = 0;
  const visit = (node: MdastRoot | MdastContent) => {
    if (!('children' in node)) return;
    const children = rejoinUrls(node.children as MdastContent[]);
    const out: MdastContent[] = [];
    for (const child of children) {
      if (child.type === 'text' && child.value.includes('![[')) out.push(...split(child));
      else {
        visit(child);
        out.push(child);
      }
    }
    (node as { children: MdastContent[] }).children = out;
  };
  const split = (node: Text): MdastContent[] => {
    const from = node.position?.start.offset;
    const to = node.position?.end.offset;
    const source = from !== undefined && to !== undefined ? text.slice(from, to) : null;
    const parts: MdastContent[] = [];
    let last = 0;
    let searchFrom = 0;
    for (const m of node.value.matchAll(EMBED)) {
      const target = m[1]!.trim();
      // Where the embed was written: found in the node's source (escapes may shift it); a node
      // without a position (rejoined around an autolink, which GFM leaves without one) is
      // looked for in the whole text, after the last one found so.
      const at = source === null ? -1 : source.indexOf(m[0], searchFrom);
      const loose = source === null ? text.indexOf(m[0], unplaced) : -1;
      if (loose !== -1) unplaced = loose + m[0].length;
      const start = at !== -1 ? from! + at : loose !== -1 ? loose : (from ?? 0);
      const end = at !== -1 || loose !== -1 ? start + m[0].length : (to ?? start);
      if (at !== -1) searchFrom = at + m[0].length;
      if (target.includes('\uE000')) continue;
      if (resolveImage(target, '').kind === 'remote') {
        problems.push({
          rule: 'remote-media',
          start,
          end,
          message: `Unexpected embed of the URL '${target}', expected a file in the input root (kept as text: Obsidian embeds files, and Anki plays sounds only from its collection)`,
        });
        continue;
      }
      const kind = mediaKind(target);
      if (kind === 'none' || extensionOf(target) === 'md') {
        problems.push({
          rule: 'note-embed',
          start,
          end,
          message: `Unexpected embed of the note '${target}', expected an image or a sound (kept as text: Anki cannot embed a note)`,
        });
        continue;
      }
      if (kind === 'unsupported') {
        problems.push({
          rule: 'unsupported-media',
          start,
          end,
          message: `Unexpected embed of '${target}', a '.${extensionOf(target)}' file Anki shows neither as an image nor as a sound, expected an image (png, jpg, gif, svg, webp…) or a sound (mp3, ogg, wav, m4a…) (kept as text)`,
        });
        continue;
      }
      const index = m.index;
      if (index > last) parts.push({ type: 'text', value: node.value.slice(last, index) });
      const option = m[2]?.trim() ?? '';
      const size = kind === 'image' ? SIZE.exec(option) : null;
      const image: Image = {
        type: 'image',
        url: target,
        alt: size ? target.split('/').at(-1)! : option || target.split('/').at(-1)!,
        position: {
          start: { line: 1, column: 1, offset: start },
          end: { line: 1, column: 1, offset: end },
        },
      };
      if (size)
        image.data = {
          hProperties: { width: Number(size[1]), ...(size[2] ? { height: Number(size[2]) } : {}) },
        };
      parts.push(image);
      embeds.set(start, { target, start, end });
      last = index + m[0].length;
    }
    if (last === 0) return [node];
    if (last < node.value.length) parts.push({ type: 'text', value: node.value.slice(last) });
    return parts;
  };
  visit(tree);
  return { embeds, problems };
}

/**
 * GFM reads the URL in `![[https://…]]` as an autolink, which splits the embed over three nodes:
 * they are joined back into one text node, so that the embed is seen (and kept as text, not as
 * a link to follow).
 */
function rejoinUrls(children: MdastContent[]): MdastContent[] {
  const out: MdastContent[] = [];
  for (let i = 0; i < children.length; i++) {
    const [link, after] = [children[i]!, children[i + 1]];
    const before = out.at(-1);
    if (
      before?.type === 'text' &&
      /!\[\[$/.test(before.value) &&
      link.type === 'link' &&
      link.children.length === 1 &&
      link.children[0]!.type === 'text' &&
      after?.type === 'text' &&
      /^(?:\|[^\]\n]*)?\]\]/.test(after.value)
    ) {
      const url = (link.children[0] as Text).value;
      out[out.length - 1] = {
        type: 'text',
        value: before.value + url + after.value,
        ...(before.position && after.position
          ? { position: { start: before.position.start, end: after.position.end } }
          : {}),
      };
      i++;
    } else out.push(link);
  }
  return out;
}

/**
 * Where an embed's file is looked for, root-relative, in order: beside the Markdown file, then
 * from the input root (Obsidian resolves a bare name or a vault path either way). Null when the
 * path leaves the input root.
 */
export function embedCandidates(target: string, file: string): string[] | null {
  const beside = resolveImage(target, file);
  const fromRoot = resolveImage(target, '');
  if (beside.kind !== 'local' || fromRoot.kind !== 'local') return null;
  return beside.path === fromRoot.path ? [beside.path] : [beside.path, fromRoot.path];
}
