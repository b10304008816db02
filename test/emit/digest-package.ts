/** The package whose bytes the time-zone test compares across processes. */
import type { ApkgOptions } from '../../src/emit/apkg.js';
import { makePackage, PNG, SVG } from './make-package.js';

export const DIGEST_PACKAGE = makePackage(20, { name: 'digest', media: [PNG, SVG] }, (n) => ({
  deck: n < 10 ? 'Book::Part 1' : 'Book::Part 2',
}));

export const DIGEST_OPTIONS: ApkgOptions = { notetypeMod: 1_767_225_000 };
