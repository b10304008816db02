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
  rule: 'note-embed' | 'unsupported-media';
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
  const visit = (node: MdastRoot | MdastContent) => {
    if (!('children' in node)) return;
    const children = node.children as MdastContent[];
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
      // Where the embed was written: found in the node's source (escapes may shift it).
      const at = source === null ? -1 : source.indexOf(m[0], searchFrom);
      const start = at === -1 ? (from ?? 0) : from! + at;
      const end = at === -1 ? (to ?? start) : start + m[0].length;
      if (at !== -1) searchFrom = at + m[0].length;
      if (target.includes('\uE000')) continue;
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
