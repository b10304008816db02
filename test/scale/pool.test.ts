import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/io/pool.js';
import type { Task } from '../../src/io/worker.js';
import { FIXTURES } from './helpers.js';

const compile = (text: string | null): Task => ({
  kind: 'compile',
  root: `${FIXTURES}library`,
  path: 'deck.md',
  bytes: text === null ? (null as unknown as Uint8Array) : new TextEncoder().encode(text),
  options: { rootDeck: 'Default' },
  cache: null,
});

describe('worker pool', () => {
  it('runs tasks on worker threads and survives a task that throws', async () => {
    const pool = await createPool(2);
    try {
      expect(pool.size).toBe(2);
      // The error crosses the thread boundary with its name and message.
      await expect(pool.run(compile(null))).rejects.toMatchObject({ name: 'TypeError' });
      const results = await Promise.all(
        ['one', 'two', 'three'].map((w) => pool.run(compile(`:p ${w}?\n??x\n${w}\nx??\n`))),
      );
      expect(
        results.map((r) => (r.kind === 'compile' ? r.compiled.cards[0]!.markdown.answer : '')),
      ).toEqual(['one', 'two', 'three']);
    } finally {
      await pool.close();
    }
  });

  it('rejects tasks still queued when closed', async () => {
    const pool = await createPool(2);
    const pending = pool.run(compile(':p q?\n??x\na\nx??\n')).catch((error: Error) => error);
    await pool.close();
    expect(((await pending) as Error).message).toBe('build stopped');
    await expect(pool.run(compile(''))).rejects.toThrow('pool is closed');
  });
});
