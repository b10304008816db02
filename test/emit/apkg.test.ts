import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emitApkg, fieldChecksum, joinTags, stripHtmlMedia } from '../../src/emit/apkg.js';
import { FIELD_IDS, NOTETYPE_ID, TEMPLATE_ID } from '../../src/emit/notetype.js';
import { BACK_TEMPLATE, CSS, FRONT_TEMPLATE } from '../../src/render/templates.js';
import { FIELD_NAMES, Package } from '../../src/validate/schema.js';
import { readApkg } from '../helpers/read-apkg.js';
import { DIGEST_OPTIONS, DIGEST_PACKAGE } from './digest-package.js';
import { BASE_MOD, makeNote, makePackage, PNG, SVG } from './make-package.js';

const OPTIONS = { notetypeMod: 1_767_000_000 };

async function roundTrip(pkg: Package, options = OPTIONS) {
  return readApkg(await emitApkg(Package.parse(pkg), options));
}

const sha1Prefix = (text: string) =>
  Number.parseInt(createHash('sha1').update(text).digest('hex').slice(0, 8), 16);

describe('emitApkg: the container', () => {
  it('holds collection.anki2, the media map and numbered media files, and no meta entry', async () => {
    const apkg = await roundTrip(makePackage(2, { media: [PNG, SVG] }));
    expect(apkg.entries.map((entry) => entry.name).sort()).toEqual(
      ['0', '1', 'collection.anki2', 'media'].sort(),
    );
    expect(apkg.media).toEqual({ 0: PNG.name, 1: SVG.name });
    expect(apkg.mediaFiles[PNG.name]).toEqual(PNG.data);
    expect(apkg.mediaFiles[SVG.name]).toEqual(SVG.data);
  });

  it('writes an empty media map when there is no media', async () => {
    const apkg = await roundTrip(makePackage(1));
    expect(new TextDecoder().decode(apkg.files.media)).toBe('{}');
    expect(apkg.entries.map((entry) => entry.name).sort()).toEqual(['collection.anki2', 'media']);
  });

  it('stores already-compressed media and deflates the rest', async () => {
    const apkg = await roundTrip(makePackage(1, { media: [PNG, SVG] }));
    const method = (name: string) => apkg.entries.find((entry) => entry.name === name)?.method;
    expect(method('0')).toBe(0); // png
    expect(method('1')).toBe(8); // svg
    expect(method('collection.anki2')).toBe(8);
  });

  it('ships identical media once and refuses two different files of one name', async () => {
    const once = await roundTrip(makePackage(1, { media: [PNG, { ...PNG }] }));
    expect(once.media).toEqual({ 0: PNG.name });
    const clash = { name: PNG.name, data: SVG.data };
    await expect(emitApkg(makePackage(1, { media: [PNG, clash] }), OPTIONS)).rejects.toThrow(
      PNG.name,
    );
  });

  it('dates every zip entry 2020-01-01 12:00 (a fixed DOS date)', async () => {
    const apkg = await roundTrip(makePackage(1, { media: [PNG] }));
    for (const entry of apkg.entries) {
      expect(entry.dosDate).toBe(((2020 - 1980) << 9) | (1 << 5) | 1);
      expect(entry.dosTime).toBe(12 << 11);
    }
  });
});

describe('emitApkg: the collection', () => {
  it("has Anki's schema 11 tables and indexes", async () => {
    const apkg = await roundTrip(makePackage(1));
    expect(apkg.schema.filter((row) => row.type === 'table').map((row) => row.name)).toEqual([
      'cards',
      'col',
      'graves',
      'notes',
      'revlog',
    ]);
    expect(apkg.schema.filter((row) => row.type === 'index').map((row) => row.name)).toEqual([
      'ix_cards_nid',
      'ix_cards_sched',
      'ix_cards_usn',
      'ix_notes_csum',
      'ix_notes_usn',
      'ix_revlog_cid',
      'ix_revlog_usn',
    ]);
    expect(apkg.columns).toEqual({
      col: 'id crt mod scm ver dty usn ls conf models decks dconf tags'.split(' '),
      notes: 'id guid mid mod usn tags flds sfld csum flags data'.split(' '),
      cards:
        'id nid did ord mod usn type queue due ivl factor reps lapses left odue odid flags data'.split(
          ' ',
        ),
      revlog: 'id cid usn ease ivl lastIvl factor time type'.split(' '),
      graves: 'usn oid type'.split(' '),
    });
    expect(apkg.revlogCount).toBe(0);
    expect(apkg.gravesCount).toBe(0);
  });

  it('writes one col row, version 11, modified at the newest mod (ms)', async () => {
    const pkg = makePackage(3);
    const apkg = await roundTrip(pkg, { notetypeMod: BASE_MOD - 50 });
    expect(apkg.col).toMatchObject({ id: 1, ver: 11, dty: 0, usn: 0, ls: 0 });
    expect(apkg.col.crt).toBeGreaterThan(0);
    expect(apkg.col.mod).toBe((BASE_MOD + 2) * 1000);
    expect(apkg.col.scm).toBe(apkg.col.mod);
    const later = await roundTrip(pkg, { notetypeMod: BASE_MOD + 99 });
    expect(later.col.mod).toBe((BASE_MOD + 99) * 1000);
  });

  it('writes collection settings with every key Anki 2.1 keeps', async () => {
    const apkg = await roundTrip(makePackage(4));
    expect(Object.keys(apkg.col.conf).sort()).toEqual(
      [
        'activeDecks',
        'addToCur',
        'collapseTime',
        'curDeck',
        'curModel',
        'dayLearnFirst',
        'dueCounts',
        'estTimes',
        'newBury',
        'newSpread',
        'nextPos',
        'sortBackwards',
        'sortType',
        'timeLim',
      ].sort(),
    );
    expect(apkg.col.conf.curModel).toBe(NOTETYPE_ID);
    expect(apkg.col.conf.nextPos).toBe(5);
  });

  it('writes deck options group 1 complete', async () => {
    const apkg = await roundTrip(makePackage(1));
    expect(Object.keys(apkg.col.dconf)).toEqual(['1']);
    const conf = apkg.col.dconf['1']!;
    for (const key of ['id', 'mod', 'name', 'usn', 'maxTaken', 'autoplay', 'timer', 'replayq']) {
      expect(conf).toHaveProperty(key);
    }
    expect(conf.id).toBe(1);
    expect(Object.keys(conf.new as object).sort()).toEqual(
      ['bury', 'delays', 'initialFactor', 'ints', 'order', 'perDay', 'separate'].sort(),
    );
    expect(Object.keys(conf.rev as object).sort()).toEqual(
      ['bury', 'ease4', 'fuzz', 'hardFactor', 'ivlFct', 'maxIvl', 'minSpace', 'perDay'].sort(),
    );
    expect(Object.keys(conf.lapse as object).sort()).toEqual(
      ['delays', 'leechAction', 'leechFails', 'minInt', 'mult'].sort(),
    );
  });

  it('lists every tag in the tags column', async () => {
    const pkg = makePackage(3, {}, (n) => ({ tags: n === 0 ? [] : ['shared', `own${n}`] }));
    const apkg = await roundTrip(pkg);
    expect(apkg.col.tags).toEqual({ own1: 0, own2: 0, shared: 0 });
  });
});

describe('emitApkg: the note type', () => {
  it("is deckc's own, with a constant id, the frozen fields and the card template", async () => {
    const apkg = await roundTrip(makePackage(1));
    expect(Object.keys(apkg.col.models)).toEqual([String(NOTETYPE_ID)]);
    const model = apkg.col.models[String(NOTETYPE_ID)]!;
    for (const key of ['id', 'name', 'type', 'mod', 'usn', 'sortf', 'did', 'tmpls', 'flds']) {
      expect(model).toHaveProperty(key);
    }
    for (const key of ['css', 'latexPre', 'latexPost', 'req', 'tags', 'vers']) {
      expect(model).toHaveProperty(key);
    }
    expect(model).toMatchObject({ id: NOTETYPE_ID, name: 'deckc', type: 0, sortf: 0, css: CSS });
    expect(model.mod).toBe(OPTIONS.notetypeMod);

    const fields = model.flds as Record<string, unknown>[];
    expect(fields.map((field) => field.name)).toEqual([...FIELD_NAMES]);
    expect(fields.map((field) => field.ord)).toEqual([0, 1, 2, 3, 4]);
    expect(fields.map((field) => field.id)).toEqual(FIELD_NAMES.map((name) => FIELD_IDS[name]));
    for (const field of fields) {
      for (const key of ['sticky', 'rtl', 'font', 'size']) expect(field).toHaveProperty(key);
    }

    const templates = model.tmpls as Record<string, unknown>[];
    expect(templates).toHaveLength(1);
    expect(templates[0]).toMatchObject({
      name: 'Card 1',
      ord: 0,
      qfmt: FRONT_TEMPLATE,
      afmt: BACK_TEMPLATE,
      did: null,
      id: TEMPLATE_ID,
    });
  });

  it('requires any field the front prints (Question or Title)', async () => {
    const apkg = await roundTrip(makePackage(1));
    const model = apkg.col.models[String(NOTETYPE_ID)]!;
    expect(model.req).toEqual([[0, 'any', [FIELD_NAMES.indexOf('Question'), 2]]]);
  });

  it('carries the mod it is given and nothing else from the options', async () => {
    const a = await roundTrip(makePackage(1), { notetypeMod: 1_000 });
    const b = await roundTrip(makePackage(1), { notetypeMod: 2_000 });
    const { mod: modA, ...restA } = a.col.models[String(NOTETYPE_ID)]!;
    const { mod: modB, ...restB } = b.col.models[String(NOTETYPE_ID)]!;
    expect([modA, modB]).toEqual([1_000, 2_000]);
    expect(restA).toEqual(restB);
  });
});

describe('emitApkg: decks', () => {
  it('creates every deck and all its parents, plus Default with id 1', async () => {
    const decks = ['Physics::Mechanics::Waves', 'Physics::Optics', 'Chemistry'];
    const pkg = makePackage(3, {}, (n) => ({ deck: decks[n]! }));
    const apkg = await roundTrip(pkg);
    const byName = Object.fromEntries(
      Object.values(apkg.col.decks).map((deck) => [deck.name, deck]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'Chemistry',
      'Default',
      'Physics',
      'Physics::Mechanics',
      'Physics::Mechanics::Waves',
      'Physics::Optics',
    ]);
    expect(byName.Default!.id).toBe(1);
    for (const [key, deck] of Object.entries(apkg.col.decks)) {
      expect(String(deck.id)).toBe(key);
      for (const field of [
        'id',
        'mod',
        'name',
        'usn',
        'lrnToday',
        'revToday',
        'newToday',
        'timeToday',
        'collapsed',
        'dyn',
        'conf',
        'desc',
      ]) {
        expect(deck).toHaveProperty(field);
      }
      expect(deck).toMatchObject({ dyn: 0, conf: 1 });
    }
    // each card sits in its note's deck
    const deckName = (did: number) => apkg.col.decks[String(did)]!.name;
    expect(apkg.cards.map((card) => deckName(card.did))).toEqual(decks);
  });

  it('derives deck ids from the full name alone, as past ms timestamps', async () => {
    const one = await roundTrip(makePackage(1, {}, () => ({ deck: 'A::B' })));
    const two = await roundTrip(makePackage(5, { name: 'other' }, () => ({ deck: 'A::B' })));
    const ids = (apkg: typeof one) =>
      Object.fromEntries(Object.values(apkg.col.decks).map((deck) => [deck.name, deck.id]));
    expect(ids(one)).toEqual(ids(two));
    for (const id of Object.values(ids(one)) as number[]) {
      if (id === 1) continue;
      expect(id).toBeGreaterThan(1_000_000_000_000);
      expect(id).toBeLessThan(Date.now());
    }
  });

  it('maps a deck named Default to the default deck', async () => {
    const apkg = await roundTrip(
      makePackage(2, {}, (n) => ({ deck: ['Default', 'Default::Sub'][n]! })),
    );
    expect(
      Object.values(apkg.col.decks)
        .map((deck) => deck.name)
        .sort(),
    ).toEqual(['Default', 'Default::Sub']);
    expect(apkg.cards[0]!.did).toBe(1);
  });

  it('dates a deck by the newest note in its subtree', async () => {
    const pkg = makePackage(3, {}, (n) => ({ deck: ['A::B', 'A::C', 'A::C'][n]!, mod: 100 + n }));
    const apkg = await roundTrip(pkg);
    const mod = (name: string) =>
      Object.values(apkg.col.decks).find((deck) => deck.name === name)!.mod;
    expect([mod('A'), mod('A::B'), mod('A::C')]).toEqual([102, 100, 102]);
  });
});

describe('emitApkg: notes and cards', () => {
  it('writes one note and one new card per Note, in source order', async () => {
    const pkg = makePackage(30);
    const apkg = await roundTrip(pkg);
    expect(apkg.notes.map((note) => note.guid)).toEqual(pkg.notes.map((note) => note.guid));
    expect(apkg.cards.map((card) => card.nid)).toEqual(apkg.notes.map((note) => note.id));
    expect(apkg.cards.map((card) => card.due)).toEqual(pkg.notes.map((_, index) => index + 1));
    for (const card of apkg.cards) {
      expect(card).toMatchObject({ ord: 0, type: 0, queue: 0, ivl: 0, reps: 0, odid: 0 });
    }
  });

  it('gives notes and cards ids that look like past ms timestamps', async () => {
    const apkg = await roundTrip(makePackage(10));
    for (const id of [...apkg.notes.map((n) => n.id), ...apkg.cards.map((c) => c.id)]) {
      expect(id).toBeGreaterThan(1_000_000_000_000);
      expect(id).toBeLessThan(Date.now());
    }
  });

  it("uses each note's creation time as its id and its card's, unique within the package", async () => {
    const added = [1_767_225_600_123, 1_767_225_600_500, 1_767_225_600_500, 1_767_225_600_499];
    const apkg = await roundTrip(makePackage(4, {}, (n) => ({ added: added[n]! })));
    // The second note created in the same millisecond as another (two builds at one
    // SOURCE_DATE_EPOCH) takes the next free one before it, and the one after it the next.
    const byGuid = new Map(apkg.notes.map((note) => [note.guid, note.id]));
    const ids = [1_767_225_600_123, 1_767_225_600_500, 1_767_225_600_499, 1_767_225_600_498];
    expect([0, 1, 2, 3].map((n) => byGuid.get(`guid-${n}`))).toEqual(ids);
    for (const card of apkg.cards) expect(card.id).toBe(card.nid);
    // New cards are studied in source order, whatever their ids.
    const dueOf = new Map(apkg.cards.map((card) => [card.nid, card.due]));
    expect(ids.map((id) => dueOf.get(id))).toEqual([1, 2, 3, 4]);
  });

  it('joins fields with 0x1f in FIELD_NAMES order and drops stray 0x1f', async () => {
    const note = makeNote(0, {
      fields: { Question: 'q', Answer: 'a\x1fb', Title: 't', Context: 'c', Source: 's' },
    });
    const apkg = await roundTrip(makePackage(0, { notes: [note] }));
    expect(apkg.notes[0]!.flds.split('\x1f')).toEqual(['q', 'ab', 't', 'c', 's']);
  });

  it('writes mod (seconds), mid, usn and the tag string as Anki expects', async () => {
    const pkg = makePackage(2, {}, (n) => ({ tags: n === 0 ? ['a', 'b::c'] : [] }));
    const apkg = await roundTrip(pkg);
    expect(apkg.notes.map((note) => note.mod)).toEqual([BASE_MOD, BASE_MOD + 1]);
    expect(apkg.cards.map((card) => card.mod)).toEqual([BASE_MOD, BASE_MOD + 1]);
    expect(apkg.notes.map((note) => note.tags)).toEqual([' a b::c ', '']);
    for (const note of apkg.notes) expect(note).toMatchObject({ mid: NOTETYPE_ID, usn: -1 });
  });

  it('fills sfld with the stripped Question and csum with its checksum', async () => {
    const question = `<p>Q <b>one</b> <img src="${PNG.name}"> &amp; &lt;x&gt;&nbsp;&#233;<!-- c --></p>`;
    const note = makeNote(0, {
      fields: { Question: question, Answer: 'a', Title: '', Context: '', Source: '' },
    });
    const apkg = await roundTrip(makePackage(0, { notes: [note] }));
    const stripped = `Q one  ${PNG.name}  & <x> é`;
    expect(apkg.notes[0]!.sfld).toBe(stripped);
    expect(apkg.notes[0]!.csum).toBe(sha1Prefix(stripped));
  });

  it('refuses two notes with one GUID (an identity bug upstream)', async () => {
    const pkg = makePackage(2, {}, () => ({ guid: 'same' }));
    await expect(emitApkg(pkg, OPTIONS)).rejects.toThrow('same');
  });

  it('writes a valid package with no notes', async () => {
    const apkg = await roundTrip(makePackage(0));
    expect(apkg.notes).toEqual([]);
    expect(Object.values(apkg.col.decks).map((deck) => deck.name)).toEqual(['Default']);
  });
});

describe('emitApkg: determinism', () => {
  it('writes the same bytes twice', async () => {
    const pkg = makePackage(50, { media: [PNG] });
    const a = await emitApkg(pkg, OPTIONS);
    const b = await emitApkg(structuredClone(pkg), OPTIONS);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('writes the same bytes in other time zones', async () => {
    const here = createHash('sha256')
      .update(await emitApkg(DIGEST_PACKAGE, DIGEST_OPTIONS))
      .digest('hex');
    const script = fileURLToPath(new URL('./emit-digest.ts', import.meta.url));
    for (const TZ of ['Pacific/Kiritimati', 'America/St_Johns', 'UTC']) {
      const there = execFileSync(process.execPath, ['--import', 'tsx', script], {
        env: { ...process.env, TZ },
        encoding: 'utf8',
      }).trim();
      expect(there, TZ).toBe(here);
    }
  });
});

describe('field cache helpers', () => {
  it('strip HTML like Anki, keeping image file names', () => {
    expect(stripHtmlMedia('<img class="x" src="a.png" alt=""> <i>b</i>')).toBe(' a.png  b');
    expect(stripHtmlMedia('<style>p{}</style><script>x()</script>&#x41;&bogus;')).toBe('A&bogus;');
  });

  it('checksum the stripped first field as an unsigned 32-bit integer', () => {
    expect(fieldChecksum('<b>hello</b>')).toBe(sha1Prefix('hello'));
    expect(fieldChecksum('')).toBe(sha1Prefix(''));
  });

  it('join tags with a space on each side, empty when none', () => {
    expect(joinTags(['a', 'b'])).toBe(' a b ');
    expect(joinTags([])).toBe('');
  });
});
