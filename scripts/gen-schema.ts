/** Writes the shipped JSON Schemas from the zod schemas: `npm run schema`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { jsonSchemas } from '../src/validate/json-schema.js';

mkdirSync('schema', { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(`schema/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schema/${name}`);
}
