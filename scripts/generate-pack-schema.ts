// Writes docs/pack.schema.json from the Zod schema of the native pack format: npx tsx scripts/generate-pack-schema.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packJsonSchemaText } from '../src/domain/packs/pack-json-schema.js';

const target = fileURLToPath(new URL('../docs/pack.schema.json', import.meta.url));
writeFileSync(target, packJsonSchemaText());
// Formatted the way `biome check` expects, so the lint stays clean; the drift test compares parsed JSON.
execFileSync(
  fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url)),
  ['format', '--write', target],
  {
    stdio: 'ignore',
  },
);
console.log(`wrote ${target}`);
