/**
 * Anki versions for the importer model, and the releases at which a modelled rule changed.
 * Versions are compared numerically: 2.1.55 < 2.1.66 < 23.10 < 24.11 < 25.02 < 26.08.
 */

/** A desktop Anki release: `2.1.55` … `2.1.66`, then `23.10`, `24.11`, `25.02`, … */
export type AnkiVersion = string;

/** The releases the model is meant for (any version from 2.1.55 on is accepted). */
export const MODELLED_VERSIONS = ['2.1.55', '2.1.66', '23.10', '24.04', '24.11', '25.02', '26.08'];

/** The first release of each change the model follows, found by `git tag --contains <commit>`. */
export const CHANGES = {
  /** rslib/src/import_export/package/apkg/import/mod.rs calls `maybe_fix_invalid_ids` (039ebfeed6). */
  fixInvalidIdsOnImport: '2.1.61',
  /** csv/metadata.rs parses `#if matches:` (2.1.58). */
  csvIfMatchesHeader: '2.1.58',
  /**
   * "Merging Notetypes on Import" (#2612, 14de8451dc): update options (if newer / always /
   * never), schemas compared field by field and template by template (ids when both have one,
   * else names) instead of by a hash of the names, a note type copied on a schema mismatch is
   * reused by later imports (`original_id`), and a note whose note type differs is conflicting
   * whatever its mtime.
   */
  importOptionsAndIdSchemas: '23.10',
  /** decks/name.rs trims `:` with the white space of each component (#2748, 0e24532439). */
  deckComponentColonTrim: '23.10',
  /** text/import.rs looks CSV deck names up case-insensitively (UniCase, #3008, 2b4cb2992b). */
  csvDeckLookupFolded: '24.04',
  /** decks/name.rs no longer strips `"` from deck names (#3407, 73c97de5d0, 24.10 betas). */
  deckQuotesKept: '24.10',
  /** apkg/import/notes.rs keeps an updated note's incoming mtime (#3693, 2a1448bc45). */
  keepIncomingMtime: '25.02',
  /** text/import.rs treats a numeric CSV deck name that is no deck id as a name (#3748). */
  csvNumericDeckNames: '25.02',
} as const;

function parts(version: AnkiVersion): number[] {
  if (!/^\d+(\.\d+){1,2}$/.test(version)) throw new Error(`Unexpected Anki version '${version}'`);
  return version.split('.').map(Number);
}

/** True if `version` is `since` or later. */
export function atLeast(version: AnkiVersion, since: AnkiVersion): boolean {
  const a = parts(version);
  const b = parts(since);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Throws for versions the model does not cover (the Rust importer arrived in 2.1.55). */
export function checkVersion(version: AnkiVersion): void {
  if (!atLeast(version, '2.1.55')) {
    throw new Error(`Unexpected Anki version '${version}', expected 2.1.55 or later`);
  }
}
