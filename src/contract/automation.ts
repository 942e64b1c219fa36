// Requests and responses for automation accounts and runbooks (Azure Automation's model, domain-spec §1.3).

import { z } from 'zod';
import { parameterTypes } from '../domain/automation/parameters.js';
import { descriptionSchema, timestamp } from './common.js';
import { accountIdentityInput, accountIdentitySchema } from './identities.js';
import { utf8Length } from './text.js';

/** Names of automation accounts and runbooks: a letter, then letters, digits, _ and - (at most 63), as Azure's. */
export const automationNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and hold only letters, digits, _ and -');

export const accountIdSchema = z.string().regex(/^aa_[a-z0-9]+$/, 'must be an automation account id (aa_…)');

export const limitsSchema = z.object({
  maxConcurrentJobs: z.number().int().describe('running jobs at once; more wait in Queued'),
  maxNewJobsPer30s: z.number().int().describe('jobs started per 30 seconds; more are refused with 429'),
  fairShareSeconds: z.number().int().describe('run time after which a cloud job is stopped'),
  jobRetentionDays: z.number().int().describe('days a finished job is kept'),
});
export type AutomationLimits = z.infer<typeof limitsSchema>;

export const defaultLimits: AutomationLimits = {
  maxConcurrentJobs: 10,
  maxNewJobsPer30s: 100,
  fairShareSeconds: 10_800,
  jobRetentionDays: 30,
};

const limitsInput = z.strictObject({
  maxConcurrentJobs: z.number().int().min(1).max(1000).optional(),
  maxNewJobsPer30s: z.number().int().min(1).max(100_000).optional(),
  fairShareSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional(),
  jobRetentionDays: z.number().int().min(1).max(3650).optional(),
});

export const createAutomationAccountBody = z.strictObject({
  name: automationNameSchema,
  description: descriptionSchema.optional(),
  disableLocalAuth: z.boolean().default(false),
  limits: limitsInput.optional().describe('omitted limits take their defaults'),
  identity: accountIdentityInput.optional().describe('default: a system-assigned identity (R54)'),
});

export const updateAutomationAccountBody = z
  .strictObject({
    name: automationNameSchema.optional(),
    description: descriptionSchema.optional(),
    disableLocalAuth: z.boolean().optional(),
    limits: limitsInput.optional().describe('only the limits given change'),
    identity: accountIdentityInput.optional().describe('the whole identity block, as Azure (R56)'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const automationAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  disableLocalAuth: z.boolean(),
  limits: limitsSchema,
  identity: accountIdentitySchema,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type AutomationAccount = z.infer<typeof automationAccountSchema>;

export const runbookTypes = ['shell', 'python', 'node', 'powershell'] as const;
export type RunbookType = (typeof runbookTypes)[number];

/** A runbook's content is at most 1 MiB of UTF-8. */
export const MAX_RUNBOOK_CONTENT_BYTES = 1024 * 1024;

export const runbookContentSchema = z
  .string()
  .max(MAX_RUNBOOK_CONTENT_BYTES)
  .refine(
    // The console checks drafts with this schema in the browser.
    (s) => utf8Length(s) <= MAX_RUNBOOK_CONTENT_BYTES,
    'must be at most 1 MiB (1,048,576 bytes of UTF-8)',
  );

const jsonValue: z.ZodType<unknown> = z.unknown();

export const parameterDeclarationSchema = z.strictObject({
  name: z.string().min(1).max(128),
  type: z.enum(parameterTypes).default('string'),
  required: z.boolean().default(false),
  default: jsonValue.optional().describe('for optional, non-secret parameters; of the declared type'),
  secret: z.boolean().default(false).describe('the value is never audited, shown or logged'),
  description: z.string().max(1000).optional(),
});

export const parametersSchema = z.array(parameterDeclarationSchema).max(50);

export const createRunbookBody = z.strictObject({
  name: automationNameSchema,
  type: z.enum(runbookTypes),
  description: descriptionSchema.optional(),
  content: runbookContentSchema.default('').describe('the first draft'),
  parameters: parametersSchema.default([]),
});

export const updateRunbookBody = z
  .strictObject({ name: automationNameSchema.optional(), description: descriptionSchema.optional() })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const setDraftBody = z.strictObject({
  content: runbookContentSchema,
  parameters: parametersSchema.optional().describe('omitted keeps the draft parameters'),
});

export const rollbackBody = z.strictObject({
  version: z.number().int().min(1).describe('the published version whose content becomes current again'),
});

export const parameterSchema = z.object({
  name: z.string(),
  type: z.enum(parameterTypes),
  required: z.boolean(),
  default: z.unknown().optional(),
  secret: z.boolean(),
  description: z.string().optional(),
});

export const runbookSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  name: z.string(),
  type: z.enum(runbookTypes),
  description: z.string(),
  draft: z.object({
    parameters: z.array(parameterSchema),
    contentBytes: z.number().int(),
    updatedAt: timestamp,
    /** The draft holds changes not published yet (always true before the first publish). */
    differsFromPublished: z.boolean(),
  }),
  published: z
    .object({
      version: z.number().int(),
      parameters: z.array(parameterSchema),
      contentBytes: z.number().int(),
      publishedAt: timestamp,
      publishedBy: z.string(),
    })
    .nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Runbook = z.infer<typeof runbookSchema>;

export const runbookVersionSchema = z.object({
  version: z.number().int(),
  parameters: z.array(parameterSchema),
  contentBytes: z.number().int(),
  rolledBackFrom: z.number().int().nullable(),
  publishedAt: timestamp,
  publishedBy: z.string(),
});

export const contentQuery = z.strictObject({
  version: z
    .union([
      z.enum(['draft', 'published']),
      z.string().regex(/^[1-9][0-9]{0,8}$/, 'must be draft, published or a version number'),
    ])
    .default('draft'),
});

export const runbookContentResponse = z.object({
  runbookId: z.string(),
  name: z.string(),
  type: z.enum(runbookTypes),
  version: z.union([z.literal('draft'), z.number().int()]),
  content: z.string(),
  parameters: z.array(parameterSchema),
});
export type RunbookContent = z.infer<typeof runbookContentResponse>;

export const accountParams = z.object({ accountId: z.string().min(1).max(256) });
