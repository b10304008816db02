import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildNotetype,
  FIELD_IDS,
  KIND_NOTETYPES,
  kindStyleHash,
  NOTETYPE_ID,
  notetypeModOf,
  notetypeStyleHash,
  TEMPLATE_ID,
} from '../../src/emit/notetype.js';

/** Loads notetype.ts against a changed copy of templates.ts. */
async function hashWith(change: Record<string, string>): Promise<string> {
  vi.resetModules();
  vi.doMock('../../src/render/templates.js', async (importOriginal) => ({
    ...(await importOriginal<object>()),
    ...change,
  }));
  const { notetypeStyleHash: hash } = await import('../../src/emit/notetype.js');
  return hash();
}

describe('the deckc note type', () => {
  afterEach(() => {
    vi.doUnmock('../../src/render/templates.js');
    vi.resetModules();
  });

  it('keeps its identifying ids: a past ms timestamp and distinct safe integers', () => {
    expect(NOTETYPE_ID).toBeGreaterThan(1_000_000_000_000);
    expect(NOTETYPE_ID).toBeLessThan(Date.now());
    const ids = [...Object.values(FIELD_IDS), TEMPLATE_ID];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });

  it('has a style hash that ignores mod', () => {
    expect(notetypeStyleHash()).toMatch(/^[0-9a-f]{40}$/);
    const { mod: _a, ...a } = buildNotetype(1);
    const { mod: _b, ...b } = buildNotetype(2);
    expect(a).toEqual(b);
  });

  it('has a style hash that changes with the CSS or a template', async () => {
    const original = await hashWith({});
    expect(original).toBe(notetypeStyleHash());
    expect(await hashWith({ CSS: '.card { color: red; }' })).not.toBe(original);
    expect(await hashWith({ FRONT_TEMPLATE: '{{Question}}' })).not.toBe(original);
    expect(await hashWith({ BACK_TEMPLATE: '{{FrontSide}}<hr id="answer">{{Answer}}' })).not.toBe(
      original,
    );
  });
});

describe('the cloze and reversed note types', () => {
  it('pin their style: a change to their templates or CSS must raise their styleSince', () => {
    // The lock's style entry follows "deckc" only; these note types' `mod` is at least their
    // styleSince (emit/notetype.ts). When this fails, set styleSince to the day of the change
    // (seconds), then update the hash here.
    expect(KIND_NOTETYPES.cloze.styleSince).toBe(1_796_083_200);
    expect(kindStyleHash('cloze')).toBe('826d7436107bdefd4cca0a42b8117d786bf582d3');
    expect(KIND_NOTETYPES.reversed.styleSince).toBe(1_796_083_200);
    expect(kindStyleHash('reversed')).toBe('09d3149a0f7ea4fbdbfa4cc06d3e6c0b9eb525f2');
  });

  it('take the lock’s mod when it is newer than their styleSince', () => {
    expect(notetypeModOf('cloze', 1)).toBe(KIND_NOTETYPES.cloze.styleSince);
    expect(notetypeModOf('reversed', 2_000_000_000)).toBe(2_000_000_000);
    expect(notetypeModOf('basic', 5)).toBe(5);
  });
});
