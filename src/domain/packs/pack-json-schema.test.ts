// Proves the committed docs/pack.schema.json is exactly what the Zod schema generates (run scripts/generate-pack-schema.ts after changing it).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPackJsonSchema } from './pack-json-schema.js';
import { parsePackSource } from './pack-source.js';

describe('pack JSON Schema', () => {
  it('matches the committed docs/pack.schema.json', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/pack.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed, 'run: npx tsx scripts/generate-pack-schema.ts').toEqual(buildPackJsonSchema());
  });

  it('describes the top-level fields of a pack', () => {
    const schema = buildPackJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'sealed', 'references', 'classes', 'profiles', 'workflows']),
    );
    expect(schema.required).toEqual(['id', 'version']);
  });

  it('accepts the complete example of docs/packs.md', () => {
    const guide = readFileSync(new URL('../../../docs/packs.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    const parsed = parsePackSource(example!);
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });
});
