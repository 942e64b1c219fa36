// Schemas shared by many endpoints: names, pagination, timestamps.
import { z } from 'zod';

/** Dotted identifiers as management packs use them: `Contoso.SQL.Instance`. */
export const elementIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/,
    'must be a dotted identifier like Contoso.SQL.Instance',
  );

export const displayNameSchema = z.string().trim().min(1).max(256);
export const descriptionSchema = z.string().max(4000);
export const isoDate = z.iso.datetime({ offset: true });
export const timestamp = z.string().describe('ISO 8601 timestamp');

export const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);

export const idParams = z.object({ id: z.string().min(1).max(256) });

export const okSchema = z.object({ ok: z.literal(true) });
