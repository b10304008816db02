/**
 * The previews of issue 15's hostile vectors (test/security/vectors.ts) in Debian's chromium:
 * nothing executes — no dialog, no page error, no request leaving the file, no element with an
 * event handler or a script URL — even when every link of every card is clicked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVector, VECTORS } from '../security/vectors.js';

describe('hostile previews in chromium', () => {
  const outDir = join(import.meta.dirname, '../../test-results/security');
  const userDataDir = mkdtempSync(join(tmpdir(), 'deckc-chromium-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    // Every way a script could announce itself ends up in window.__ran.
    await context.addInitScript(() => {
      const w = window as unknown as Record<string, unknown> & { __ran: string[] };
      w.__ran = [];
      for (const name of ['alert', 'confirm', 'prompt', 'print']) {
        w[name] = (...args: unknown[]) => w.__ran.push(`${name}(${args.join(',')})`);
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  for (const [i, v] of VECTORS.entries()) {
    it(v.name, async () => {
      const { out } = await buildVector(v);
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `vector-${i}.html`);
      writeFileSync(file, out.get('html')!);

      const page = await context.newPage();
      const problems: string[] = [];
      page.on('dialog', (d) => {
        problems.push(`dialog ${d.message()}`);
        void d.dismiss();
      });
      page.on('pageerror', (e) => problems.push(`error ${e}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:'))
          problems.push(`request ${r.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      const dom = await page.evaluate(() => {
        const bad: string[] = [];
        for (const e of Array.from(document.querySelectorAll('*'))) {
          for (const a of Array.from(e.attributes)) {
            if (/^on/i.test(a.name)) bad.push(`${e.tagName} ${a.name}`);
            if (/^\s*(?:javascript|vbscript):/i.test(a.value)) bad.push(`${e.tagName} ${a.name}`);
          }
        }
        return { bad, scripts: document.scripts.length };
      });
      expect(dom.bad).toEqual([]);
      expect(dom.scripts).toBe(1);
      for (const link of await page.locator('.card a').all()) await link.click({ timeout: 2000 });
      await page.waitForTimeout(50);
      expect(await page.evaluate(() => (window as unknown as { __ran: string[] }).__ran)).toEqual(
        [],
      );
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
