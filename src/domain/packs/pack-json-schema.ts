// The JSON Schema of the native pack format, generated from the Zod schema (committed as docs/pack.schema.json).
import { z } from 'zod';
import { packDocumentSchema } from './pack-document.js';

export function buildPackJsonSchema(): Record<string, unknown> {
  // `input` so that fields with defaults are optional, as they are in a file.
  return z.toJSONSchema(packDocumentSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}

/** The exact text of docs/pack.schema.json. */
export const packJsonSchemaText = () => `${JSON.stringify(buildPackJsonSchema(), null, 2)}\n`;
