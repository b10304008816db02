/**
 * A note's kind (basic, cloze, reversed: issue 14) is part of its identity: which cards are of
 * which kind, keys that carry the kind (basic keys as they always were), a kind change that makes
 * a new GUID and retires the old note under its own kind, and the `reverse` glob map.
 */
import { describe, expect, it } from 'vitest';
import { kindId, kindKey, kindOfKey, questionKeyHash } from '../../src/identity/guid.js';
import { compileFile, linkProject } from '../../src/index.js';

const NOW = 1_700_000_000;
const file = (body: string, front = '') =>
  `${front ? `---\n${front}\n---\n\n` : ''}# Flashcards: Kinds (Part 1)\n\n${body}`;
const card = (q: string, a = 'An answer.') => `:p ${q}\n??x\n${a}\nx??\n`;
const compile = (source: string, path = 'Kinds/part-1.md', reverse?: Record<string, boolean>) =>
  compileFile(source, path, () => null, { rootDeck: 'Default', ...(reverse ? { reverse } : {}) });

describe('kinds of cards', () => {
  it('cloze markup makes a cloze card; reverse makes the others reversed; else basic', () => {
    const source = card('What is {{c1::this}}?') + card('And this?');
    expect(compile(file(source)).cards.map((c) => c.kind)).toEqual(['cloze', undefined]);
    expect(compile(file(source, 'reverse: true')).cards.map((c) => c.kind)).toEqual([
      'cloze',
      'reversed',
    ]);
  });

  it('the config map reverses files by glob; front matter wins over it', () => {
    const source = file(card('Q?'));
    expect(compile(source, 'vocab/a.md', { 'vocab/**': true }).cards[0]!.kind).toBe('reversed');
    expect(compile(source, 'other/a.md', { 'vocab/**': true }).cards[0]!.kind).toBeUndefined();
    const off = file(card('Q?'), 'reverse: false');
    expect(compile(off, 'vocab/a.md', { 'vocab/**': true }).cards[0]!.kind).toBeUndefined();
  });

  it('a `reverse` that is not a boolean is a front-matter error at its line', () => {
    const compiled = compile(file(card('Q?'), 'reverse: sometimes'));
    expect(compiled.diagnostics.map((d) => [d.rule, d.line])).toEqual([['front-matter', 2]]);
    expect(compiled.cards[0]!.kind).toBeUndefined();
  });

  it('keys carry the kind, except a basic card’s, which is as before', () => {
    const [basic] = compile(file(card('Q?'))).cards;
    const [reversed] = compile(file(card('Q?'), 'reverse: true')).cards;
    expect(basic!.hashes.key).toBe(questionKeyHash('Q?', 1));
    expect(reversed!.hashes.key).toBe(`reversed:${questionKeyHash('Q?', 1)}`);
    expect(reversed!.hashes.answer).not.toBe(basic!.hashes.answer);
    expect(kindOfKey(kindKey('cloze', 'abc'))).toBe('cloze');
    expect(kindOfKey('0123456789abcdef')).toBe('basic');
    expect([kindId('basic', 'x'), kindId('cloze', 'x')]).toEqual(['x', 'x@cloze']);
  });
});

describe('changing kind', () => {
  it('gives a new GUID and retires the old note under its own kind (answer unchanged, id too)', () => {
    const before = compile(file(card('Largest planet?', 'Jupiter.') + card('Water? {#water}')));
    const first = linkProject([before], null, { now: NOW });
    const after = compile(
      file(card('Largest {{c1::planet}}?', 'Jupiter.') + card('{{c1::Water}}? {#water}')),
    );
    const second = linkProject([after], first.lock, { now: NOW + 10 });
    const [pkg] = second.packages;
    const oldGuids = first.packages[0]!.notes.map((n) => n.guid);
    expect(pkg!.notes.map((n) => n.kind)).toEqual(['cloze', 'cloze']);
    for (const note of pkg!.notes) expect(oldGuids).not.toContain(note.guid);
    expect(pkg!.retired.map((n) => n.guid).sort()).toEqual([...oldGuids].sort());
    expect(pkg!.retired.map((n) => n.kind)).toEqual([undefined, undefined]);
    // The lock says which kind each note is, so the cloze ones retire as cloze notes later.
    const third = linkProject([before], second.lock, { now: NOW + 20 });
    expect(third.packages[0]!.notes.map((n) => n.guid)).toEqual(oldGuids);
    const retired = third.packages[0]!.retired;
    expect(retired.map((n) => n.kind)).toEqual(['cloze', 'cloze']);
    for (const note of retired) expect(note.fields.Question).toMatch(/^\{\{c1::.+\}\}$/);
    expect(Object.values(third.lock.notes).some((e) => e.id === 'water@cloze')).toBe(true);
  });

  it('an explicit id stays unique across kinds: one `{#x}` twice is still a duplicate-id', () => {
    const both = compile(file(card('A? {#x}') + card('{{c1::B}}? {#x}')));
    const { diagnostics } = linkProject([both], null, { now: NOW });
    expect([...both.diagnostics, ...diagnostics].map((d) => d.rule)).toEqual(['duplicate-id']);
  });
});
