/** Writes the shipped JSON Schemas from the zod schemas: `npm run schema`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deckJsonSchema } from '../src/validate/json-schema.js';

mkdirSync('schema', { recursive: true });
writeFileSync('schema/deck.schema.json', `${JSON.stringify(deckJsonSchema(), null, 2)}\n`);
console.log('wrote schema/deck.schema.json');
