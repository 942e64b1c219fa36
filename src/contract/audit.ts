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
  keyId: z.string().nullable().describe('root key whose chain key made the hash; null before keying'),
});

export const auditCheckpointSchema = z.object({
  seq: z.number().int().min(1).describe('the last record when the checkpoint was taken'),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal characters')
    .describe('its chain hash'),
});

export const auditCheckpointResponse = auditCheckpointSchema.extend({ at: timestamp });

export const auditVerifyQuery = z
  .strictObject({
    checkpointSeq: z.coerce.number().int().min(1).optional(),
    checkpointHash: auditCheckpointSchema.shape.hash.optional(),
  })
  .refine((q) => (q.checkpointSeq === undefined) === (q.checkpointHash === undefined), {
    message: 'give checkpointSeq and checkpointHash together',
    path: ['checkpointHash'],
  });

export const auditVerifyResponse = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  keyedFrom: z
    .number()
    .int()
    .nullable()
    .describe('first record chained with a key; records before it predate keying and prove little'),
  problems: z.array(z.object({ seq: z.number().int(), problem: z.string(), message: z.string() })),
});
