/**
 * Prints the SHA-256 of the .apkg written for a fixed package, so tests can compare builds made
 * in child processes under other time zones (`TZ=… node --import tsx test/emit/emit-digest.ts`).
 */
import { createHash } from 'node:crypto';
import { emitApkg } from '../../src/emit/apkg.js';
import { DIGEST_OPTIONS, DIGEST_PACKAGE } from './digest-package.js';

const bytes = await emitApkg(DIGEST_PACKAGE, DIGEST_OPTIONS);
process.stdout.write(`${createHash('sha256').update(bytes).digest('hex')}\n`);
