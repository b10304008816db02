/**
 * Local media: resolve `src` against the Markdown file's folder inside the input root, read the
 * bytes through the injected reader, and name them by content hash, the way Anki wants media
 * (bare names, identical content stored once, a changed picture never collides: see ANKI.md).
 * What a file is (an image, a sound, something Anki shows neither way) is read from its
 * extension, as Anki's own editor decides between `<img>` and `[sound:]`.
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

/**
 * Image extensions Anki's web view shows in `<img>` (Anki 2.1.15's editor lists jpg, jpeg, png,
 * tif, tiff, gif, svg, webp; bmp, ico, avif and apng are shown by the same Chromium).
 */
const IMAGE_EXTENSIONS = new Set('apng avif bmp gif ico jpeg jpg png svg tif tiff webp'.split(' '));
/**
 * Extensions Anki plays as `[sound:]` (its editor's audio list, wav mp3 ogg flac mp4 mov mpeg mkv
 * m4a 3gp spx oga webm, plus opus, aac and the video containers its player, mpv, also reads).
 */
const SOUND_EXTENSIONS = new Set(
  '3gp aac avi flac m4a m4v mkv mov mp3 mp4 mpeg mpg oga ogg ogv opus spx wav weba webm'.split(' '),
);

export type MediaKind = 'image' | 'sound' | 'unsupported' | 'none';

/** The lower-case extension of a path ('' when it has none). */
export function extensionOf(path: string): string {
  return /\.([A-Za-z0-9]{1,8})$/.exec(path.replace(/[?#].*$/, ''))?.[1]?.toLowerCase() ?? '';
}

/**
 * What a file is by its extension: an image (`<img>`), a sound (`[sound:]`), `unsupported` (an
 * extension Anki shows neither way), or `none` (no extension: treated as an image, as before).
 */
export function mediaKind(path: string): MediaKind {
  const ext = extensionOf(path);
  if (ext === '') return 'none';
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (SOUND_EXTENSIONS.has(ext)) return 'sound';
  return 'unsupported';
}

/** `deckc-<first 16 hex of sha256>.<ext>`: content-addressed, so equal bytes share one name. */
export function mediaName(path: string, data: Uint8Array, prefix = ''): string {
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(path)?.[1]?.toLowerCase();
  return ext ? `${prefix}deckc-${hash}.${ext}` : `${prefix}deckc-${hash}`;
}

/**
 * The prefix of media referenced only from HTML `<audio>`, `<video>` and `<source>`: Anki copies
 * a package's media on import only when a note references it as `[sound:]` or `<img src>` (2.1.15's
 * MediaManager.regexps; later versions add `<audio>` and `<object>`, never `<video>`), except
 * files whose name starts with `_`, which it always copies (and never reports as unused). The
 * name stays content-addressed, so that "never overwritten once present" cannot go stale.
 */
export const HTML_MEDIA_PREFIX = '_';

/** Adds a media file unless one with the same name (hence content) is already listed. */
export function addMedia(list: MediaFile[], file: MediaFile): void {
  if (!list.some((m) => m.name === file.name)) list.push(file);
}
