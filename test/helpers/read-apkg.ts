/**
 * An independent reader for .apkg files, for tests: it shares no code with the writer. It walks
 * the zip's local headers itself (names, order, DOS dates, methods), inflates with fflate and
 * reads `collection.anki2` with sql.js as plain rows and parsed JSON.
 */
import { unzipSync } from 'fflate';
import initSqlJs from 'sql.js';

export type ZipEntry = {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  /** General purpose flags (bit 11: UTF-8 name). */
  flags: number;
  /** Raw MS-DOS time and date words of the local header. */
  dosTime: number;
  dosDate: number;
  crc: number;
  compressedSize: number;
  size: number;
};

export type NoteRow = {
  id: number;
  guid: string;
  mid: number;
  mod: number;
  usn: number;
  tags: string;
  flds: string;
  sfld: string | number;
  csum: number;
  flags: number;
  data: string;
};

export type CardRow = {
  id: number;
  nid: number;
  did: number;
  ord: number;
  mod: number;
  usn: number;
  type: number;
  queue: number;
  due: number;
  ivl: number;
  factor: number;
  reps: number;
  lapses: number;
  left: number;
  odue: number;
  odid: number;
  flags: number;
  data: string;
};

export type ApkgContents = {
  entries: ZipEntry[];
  files: Record<string, Uint8Array>;
  /** The `media` entry, parsed. */
  media: Record<string, string>;
  /** Media bytes by file name, resolved through the `media` map. */
  mediaFiles: Record<string, Uint8Array>;
  /** `sqlite_master` rows: type and name, sorted by name. */
  schema: { type: string; name: string; sql: string }[];
  /** Column names of each table, in order. */
  columns: Record<string, string[]>;
  col: {
    id: number;
    crt: number;
    mod: number;
    scm: number;
    ver: number;
    dty: number;
    usn: number;
    ls: number;
    conf: Record<string, unknown>;
    models: Record<string, Record<string, unknown>>;
    decks: Record<string, Record<string, unknown>>;
    dconf: Record<string, Record<string, unknown>>;
    tags: Record<string, unknown>;
  };
  /** In id order. */
  notes: NoteRow[];
  /** In id order. */
  cards: CardRow[];
  revlogCount: number;
  gravesCount: number;
};

export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ZipEntry[] = [];
  let offset = 0;
  while (offset + 4 <= bytes.length && view.getUint32(offset, true) === 0x04034b50) {
    const flags = view.getUint16(offset + 6, true);
    const method = view.getUint16(offset + 8, true);
    const dosTime = view.getUint16(offset + 10, true);
    const dosDate = view.getUint16(offset + 12, true);
    const crc = view.getUint32(offset + 14, true);
    const compressedSize = view.getUint32(offset + 18, true);
    const size = view.getUint32(offset + 22, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(offset + 30, offset + 30 + nameLength));
    entries.push({ name, method, flags, dosTime, dosDate, crc, compressedSize, size });
    offset += 30 + nameLength + extraLength + compressedSize;
  }
  return entries;
}

export async function readApkg(bytes: Uint8Array): Promise<ApkgContents> {
  const files = unzipSync(bytes);
  const media = JSON.parse(new TextDecoder().decode(files.media)) as Record<string, string>;
  const mediaFiles: Record<string, Uint8Array> = {};
  for (const [key, name] of Object.entries(media)) mediaFiles[name] = files[key]!;

  const SQL = await initSqlJs();
  const db = new SQL.Database(files['collection.anki2']);
  try {
    const rows = <T>(sql: string): T[] => {
      const result = db.exec(sql)[0];
      if (!result) return [];
      return result.values.map(
        (values) => Object.fromEntries(result.columns.map((column, i) => [column, values[i]])) as T,
      );
    };
    const colRow = rows<Record<string, string | number>>('select * from col')[0]!;
    const json = (key: string) => JSON.parse(String(colRow[key]));
    const schema = rows<{ type: string; name: string; sql: string }>(
      "select type, name, sql from sqlite_master where name not like 'sqlite_%' order by name",
    );
    const columns: Record<string, string[]> = {};
    for (const { type, name } of schema) {
      if (type !== 'table') continue;
      const info = db.prepare('select name from pragma_table_info(?) order by cid');
      info.bind([name]);
      columns[name] = [];
      while (info.step()) columns[name].push(String(info.get()[0]));
      info.free();
    }
    return {
      entries: zipEntries(bytes),
      files,
      media,
      mediaFiles,
      schema,
      columns,
      col: {
        id: Number(colRow.id),
        crt: Number(colRow.crt),
        mod: Number(colRow.mod),
        scm: Number(colRow.scm),
        ver: Number(colRow.ver),
        dty: Number(colRow.dty),
        usn: Number(colRow.usn),
        ls: Number(colRow.ls),
        conf: json('conf'),
        models: json('models'),
        decks: json('decks'),
        dconf: json('dconf'),
        tags: json('tags'),
      },
      notes: rows<NoteRow>('select * from notes order by id'),
      cards: rows<CardRow>('select * from cards order by id'),
      revlogCount: Number(rows<{ n: number }>('select count(*) as n from revlog')[0]!.n),
      gravesCount: Number(rows<{ n: number }>('select count(*) as n from graves')[0]!.n),
    };
  } finally {
    db.close();
  }
}
