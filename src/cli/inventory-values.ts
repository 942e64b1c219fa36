// Turns `--property key=value` text into the typed values a class declares (int, double, bool stay JSON numbers and booleans).
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { apiPath, type Client } from '../contract/client.js';
import { classSchema } from '../contract/inventory.js';
import { CliError } from './cli-error.js';

/** The properties a class declares, with those of its base classes. */
export async function declaredProperties(client: Client, classId: string): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  let next: string | null = classId;
  for (let depth = 0; next && depth < 64; depth++) {
    const c: z.infer<typeof classSchema> = await client.request('GET', apiPath`/api/v1/classes/${next}`, {
      schema: classSchema,
    });
    for (const p of c.properties) if (!types.has(p.name)) types.set(p.name, p.type);
    next = c.baseClassId;
  }
  return types;
}

export function coerceValue(name: string, text: string, type: string | undefined): string | number | boolean {
  switch (type?.toLowerCase()) {
    case 'int':
    case 'integer': {
      if (!/^-?\d+$/.test(text)) throw badValue(name, text, 'an integer');
      return Number(text);
    }
    case 'double':
    case 'decimal':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw badValue(name, text, 'a number');
      return n;
    }
    case 'bool':
    case 'boolean': {
      const t = text.toLowerCase();
      if (['true', 'yes', '1'].includes(t)) return true;
      if (['false', 'no', '0'].includes(t)) return false;
      throw badValue(name, text, 'true or false');
    }
    default:
      return text;
  }
}

const badValue = (name: string, text: string, what: string) =>
  CliError.fromCode('VALIDATION_FAILED', `--property ${name}=${text}: must be ${what}.`);

/** Coerces every given property to the type its class declares; undeclared ones stay text (the server names them). */
export async function typedProperties(
  client: Client,
  classId: string,
  raw: Record<string, string>,
): Promise<Record<string, string | number | boolean>> {
  if (Object.keys(raw).length === 0) return {};
  const types = await declaredProperties(client, classId);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, coerceValue(k, v, types.get(k))]));
}

/** `--property-type name:type` for class declarations. */
export function collectPropertyDeclaration(
  value: string,
  previous: { name: string; type: string }[] = [],
): { name: string; type: string }[] {
  const m = /^([^:]+):([a-z]+)$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`'${value}' is not name:type (e.g. Port:int).`);
  return [...previous, { name: m[1]!, type: m[2]!.toLowerCase() }];
}
