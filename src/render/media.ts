/**
 * Local images: resolve `src` against the Markdown file's folder inside the input root, read the
 * bytes through the injected reader, and name them by content hash, the way Anki wants media
 * (bare names, identical content stored once, a changed picture never collides: see ANKI.md).
 */
import { createHash } from 'node:crypto';
import type { MediaFile } from '../validate/schema.js';

export type ResolvedImage =
  | { kind: 'remote' }
  | { kind: 'outside-root'; path: string }
  | { kind: 'local'; path: string };

/** How an image `src` relates to the input root. `file` is the Markdown file, root-relative. */
export function resolveImage(src: string, file: string): ResolvedImage {
  // Any scheme (http:, https:, data:) or a protocol-relative URL is remote: left as is.
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !/^[a-z]:[\\/]/i.test(src)) return { kind: 'remote' };
  if (src.startsWith('//')) return { kind: 'remote' };
  let path = src.replace(/[?#].*$/, '');
  try {
    path = decodeURI(path);
  } catch {
    // Keep the raw path: a stray '%' is a legal file name character.
  }
  path = path.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[a-z]:\//i.test(path)) return { kind: 'outside-root', path };
  const folder = file.split('/').slice(0, -1);
  const parts = [...folder];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return { kind: 'outside-root', path };
      parts.pop();
    } else parts.push(segment);
  }
  return { kind: 'local', path: parts.join('/') };
}

/** `deckc-<first 16 hex of sha256>.<ext>`: content-addressed, so equal bytes share one name. */
export function mediaName(path: string, data: Uint8Array): string {
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(path)?.[1]?.toLowerCase();
  return ext ? `deckc-${hash}.${ext}` : `deckc-${hash}`;
}

/** Adds a media file unless one with the same name (hence content) is already listed. */
export function addMedia(list: MediaFile[], file: MediaFile): void {
  if (!list.some((m) => m.name === file.name)) list.push(file);
}
