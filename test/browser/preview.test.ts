/**
 * Loads a preview page in Debian's chromium (scripts/install-chromium.sh) through playwright-core,
 * which never downloads a browser here. Run with `npm run test:browser`. The screenshot lands in
 * test-results/ (gitignored) for a human look.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { emitPreview } from '../../src/emit/html.js';
import { renderCard } from '../../src/render/render-card.js';
import type { Card, Diagnostic, Note } from '../../src/validate/schema.js';
import { fieldOf } from '../render/helpers.js';

const CARDS: Array<{ title: string; question: string; answer: string; context?: string }> = [
  {
    title: 'Softmax',
    question: 'What does softmax compute for $z_i$?',
    answer:
      'A distribution:\n\n$$\n\\sigma(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}\n$$\n\nwith $0 < \\sigma_i < 1$.',
    context: 'Used as the last layer of a classifier.',
  },
  {
    title: 'Finetuning',
    question: 'How do you set up the optimizer?',
    answer:
      'With Adam:\n\n```python\nimport torch\n\ndef make(model):\n    # a learning rate that is small on purpose, to keep pretrained weights mostly intact while training\n    return torch.optim.Adam(model.parameters(), lr=1e-3)\n```',
  },
  {
    title: 'Complexity',
    question: 'Compare lookups.',
    answer:
      '| Structure | Lookup | Insert |\n| --- | --- | --- |\n| hash map | $O(1)$ | $O(1)$ |\n| B-tree | $O(\\log n)$ | $O(\\log n)$ |\n\nOld style: \\(n \\log n\\) and ~~never~~ `O(n!)`. Unbalanced $x here.',
  },
];

function buildDeck() {
  const diagnostics: Diagnostic[] = [];
  const notes: Note[] = CARDS.map((c, i) => {
    const line = 1 + i * 20;
    const card: Card = {
      type: 'card',
      title: fieldOf(c.title, line, 6),
      context: c.context ? fieldOf(c.context, line + 1) : null,
      question: fieldOf(c.question, line + 2, 4),
      answer: fieldOf(c.answer, line + 4),
      id: null,
      position: fieldOf(c.answer, line).position,
    };
    const sink = new DiagnosticSink('deck/cards.md');
    const { fields } = renderCard(card, { sink, file: 'deck/cards.md', readMedia: () => null });
    diagnostics.push(...sink.messages);
    return {
      guid: `guid-${i}`,
      deck: 'Preview::Test',
      tags: ['preview'],
      fields: { ...fields, Source: `Preview::Test · deck/cards.md:${line + 2}` },
      mod: 0,
      added: 0,
      source: { file: 'deck/cards.md', line: line + 2, column: 1 },
    };
  });
  diagnostics.push({
    file: 'deck/other.md',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    severity: 'info',
    rule: 'no-cards',
    message: "Unexpected file without ':p' questions",
  });
  return { deck: 'Preview::Test', notes, diagnostics };
}

describe('preview page in chromium', () => {
  const outDir = join(import.meta.dirname, '../../test-results');
  const userDataDir = mkdtempSync(join(tmpdir(), 'deckc-chromium-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows every card, math, highlighted code, diagnostics and a working dark switch', async () => {
    const input = buildDeck();
    expect(input.diagnostics.some((d) => d.rule === 'unbalanced-math')).toBe(true);
    mkdirSync(outDir, { recursive: true });
    const htmlPath = join(outDir, 'preview.html');
    writeFileSync(htmlPath, emitPreview(input));

    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);

    expect(await page.locator('.preview-note').count()).toBe(CARDS.length);
    // Math is typeset at build time: SVG in the page, no TeX delimiter left in what it shows.
    const text = await page.locator('main').textContent();
    expect(text).not.toMatch(/\\\(|\\\[/);
    expect(await page.locator('#note-1 mjx-container[jax="SVG"] > svg').count()).toBeGreaterThan(2);
    expect(await page.locator('#note-1 mjx-container[display="true"] > svg').count()).toBe(1);
    expect(await page.locator('#note-3 mjx-container svg').count()).toBeGreaterThan(4);
    const formula = await page
      .locator('#note-1 mjx-container[display="true"] > svg')
      .evaluate((e) => {
        const box = e.getBoundingClientRect();
        return { width: box.width, height: box.height, glyphs: e.querySelectorAll('use').length };
      });
    expect(formula.width).toBeGreaterThan(40);
    expect(formula.height).toBeGreaterThan(15);
    expect(formula.glyphs).toBeGreaterThan(5);
    // Each glyph drawn from the page's one font cache.
    const missing = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('mjx-container use')).filter((u) => {
          const id = (u.getAttribute('href') ?? u.getAttribute('xlink:href') ?? '').slice(1);
          return !document.getElementById(id);
        }).length,
    );
    expect(missing).toBe(0);
    expect(await page.locator('#MJX-SVG-global-cache').count()).toBe(1);
    expect(await page.locator('pre code .hljs-keyword').count()).toBeGreaterThan(0);
    expect(await page.locator('table td').count()).toBe(6);
    // The unbalanced '$' is listed beside its card; the file-level one at the top.
    expect(await page.locator('#note-3 .diagnostics li').count()).toBe(1);
    expect(await page.locator('.unmatched li').count()).toBe(1);

    const background = () =>
      page
        .locator('.side > .card')
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    const light = await background();
    await page.screenshot({ path: join(outDir, 'preview.png'), fullPage: true });
    await page.click('#theme');
    const dark = await background();
    expect(dark).not.toBe(light);
    expect(await page.evaluate(() => document.body.classList.contains('night_mode'))).toBe(true);
    // Either class alone is enough (desktop and AnkiDroid use nightMode, older clients night_mode).
    for (const only of ['nightMode', 'night_mode']) {
      await page.evaluate((keep) => {
        document.body.classList.remove('nightMode', 'night_mode');
        document.body.classList.add(keep);
      }, only);
      expect(await background()).toBe(dark);
    }
    await page.evaluate(() => document.body.classList.add('nightMode', 'night_mode'));
    await page.screenshot({ path: join(outDir, 'preview-dark.png'), fullPage: true });

    // Phone width, in a fresh page (after a full-page capture chromium without a GPU leaves
    // scrolling blocks unpainted): long code scrolls inside its block, nothing widens the page.
    const phone = await context.newPage();
    phone.on('pageerror', (e) => errors.push(String(e)));
    await phone.setViewportSize({ width: 390, height: 800 });
    await phone.goto(pathToFileURL(htmlPath).href);
    const pre = phone.locator('#note-2 .side:nth-child(2) pre');
    const { scroll, client, overflowX } = await pre.evaluate((e) => ({
      scroll: e.scrollWidth,
      client: e.clientWidth,
      overflowX: getComputedStyle(e).overflowX,
    }));
    expect(scroll).toBeGreaterThan(client);
    expect(overflowX).toBe('auto');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await pre.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(outDir, 'preview-phone.png') });

    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
  });

  it('typesets math and plays a sound with the network cut off', async () => {
    // A 0.1 s silent WAV: 8 kHz, 8-bit mono.
    const samples = 800;
    const wav = Buffer.alloc(44 + samples, 0x80);
    wav.write('RIFF', 0);
    wav.writeUInt32LE(36 + samples, 4);
    wav.write('WAVEfmt ', 8);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(8000, 28);
    wav.writeUInt16LE(1, 32);
    wav.writeUInt16LE(8, 34);
    wav.write('data', 36);
    wav.writeUInt32LE(samples, 40);
    const card: Card = {
      type: 'card',
      title: null,
      context: null,
      question: fieldOf('Say \\(\\ce{H2O}\\) aloud.', 3, 4),
      answer: fieldOf('[sound:water.wav]\n\n$$\\int_0^1 x\\,dx$$', 5),
      id: null,
      position: fieldOf('x', 3).position,
    };
    const sink = new DiagnosticSink('deck/sound.md');
    const { fields, media } = renderCard(card, {
      sink,
      file: 'deck/sound.md',
      readMedia: (path) => (path.endsWith('water.wav') ? new Uint8Array(wav) : null),
    });
    expect(sink.messages).toEqual([]);
    const note: Note = {
      guid: 'guid-sound',
      deck: 'Sound',
      tags: [],
      fields: { ...fields, Source: 'deck/sound.md:3' },
      mod: 0,
      added: 0,
      source: { file: 'deck/sound.md', line: 3, column: 1 },
    };
    mkdirSync(outDir, { recursive: true });
    const htmlPath = join(outDir, 'preview-sound.html');
    writeFileSync(htmlPath, emitPreview({ deck: 'Sound', notes: [note], diagnostics: [], media }));

    const page = await context.newPage();
    const outside: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Anything but the page itself and its data: URLs is refused (and counted).
    await page.route(/^(?!file:|data:)/, (route) => {
      outside.push(route.request().url());
      return route.abort();
    });
    await page.goto(pathToFileURL(htmlPath).href);
    expect(await page.locator('main').textContent()).not.toMatch(/\\\(|\\\[|\[sound:/);
    expect(await page.locator('mjx-container > svg').count()).toBe(3); // front, back ×2
    const audio = page.locator('.side audio[controls]');
    expect(await audio.count()).toBe(1);
    const played = await audio.evaluate(async (a: HTMLAudioElement) => {
      a.muted = true;
      a.preload = 'auto';
      a.load();
      await new Promise((resolve, reject) => {
        a.addEventListener('loadedmetadata', resolve, { once: true });
        a.addEventListener('error', () => reject(new Error('audio error')), { once: true });
      });
      return { src: a.currentSrc.slice(0, 20), duration: a.duration };
    });
    expect(played.src).toBe('data:audio/wav;base6');
    expect(played.duration).toBeCloseTo(0.1, 2);
    await page.screenshot({ path: join(outDir, 'preview-sound.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
  });
});
