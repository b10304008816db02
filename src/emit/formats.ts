/** The output formats, by file extension: a package, Anki's CSV, JSON decks, a preview page. */
export const FORMATS = ['apkg', 'csv', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];
