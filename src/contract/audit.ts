// Requests and responses for reading and verifying the audit log.
import { z } from 'zod';
import { isoDate, limitSchema, timestamp } from './common.js';

export const auditQuery = z.strictObject({
  actor: z.string().min(1).max(200).optional().describe('e.g. user:admin or system'),
  kind: z.string().min(1).max(100).optional().describe('exact kind, or a prefix ending in .* (user.*)'),
  since: isoDate.optional(),
  until: isoDate.optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: limitSchema,
});

export const auditRecordSchema = z.object({
  seq: z.number().int(),
  at: timestamp,
  actor: z.string(),
  kind: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export const auditVerifyResponse = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  problems: z.array(z.object({ seq: z.number().int(), problem: z.string(), message: z.string() })),
});
