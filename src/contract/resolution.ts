// Responses of resolution: explain, findings, health-service configuration and distribution suggestions.
import { z } from 'zod';
import { scopeSchema } from './accounts.js';

export const resolutionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default-action-account') }),
  z.object({ kind: z.literal('account'), accountId: z.string(), associationId: z.string() }),
  z.object({ kind: z.literal('not-distributed'), accountId: z.string(), associationId: z.string() }),
]);

export const explainQuery = z
  .strictObject({
    workflow: z.string().min(1).max(256).optional(),
    profile: z.string().min(1).max(256).optional(),
    object: z.string().min(1).max(256),
  })
  .refine((q) => Boolean(q.workflow) !== Boolean(q.profile), {
    message: 'give exactly one of workflow or profile',
    path: ['workflow'],
  });

export const explanationSchema = z.object({
  workflowId: z.string().nullable(),
  profileId: z.string().nullable(),
  objectId: z.string(),
  healthServiceId: z.string(),
  hostChain: z.array(z.string()),
  resolution: resolutionSchema,
  candidates: z.array(
    z.object({
      associationId: z.string(),
      accountId: z.string(),
      scope: scopeSchema,
      enforced: z.boolean(),
      winner: z.boolean(),
    }),
  ),
  conflict: z.object({ associationIds: z.array(z.string()), accountIds: z.array(z.string()) }).nullable(),
  reasons: z.array(z.string()),
});

export const severitySchema = z.enum(['critical', 'warning', 'information']);

export const findingSchema = z.object({
  id: z.string(),
  kind: z.string(),
  severity: severitySchema,
  message: z.string(),
  fix: z.string().nullable(),
  subject: z.record(z.string(), z.unknown()),
});

export const findingsQuery = z.strictObject({
  severity: severitySchema.optional(),
  kind: z.string().min(1).max(64).optional(),
});

export const healthServiceConfigSchema = z.object({
  healthServiceId: z.string(),
  tag: z.string().describe('changes exactly when this configuration changes'),
  defaultActionAccountId: z.string().nullable(),
  entries: z.array(z.object({ workflowId: z.string(), objectId: z.string(), resolution: resolutionSchema })),
  accounts: z.array(z.object({ id: z.string(), version: z.number().int() })),
});

export const suggestionSchema = z.object({
  accountId: z.string(),
  suggested: z
    .array(z.string())
    .describe('computers and pools hosting objects the account targets, not yet approved'),
  alreadyApproved: z.array(z.string()),
});
