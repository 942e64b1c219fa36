// Requests and responses for hybrid worker groups (named sets of agents that run jobs) and for the agent's side
// of hybrid jobs: claim one, post its stream records, read its assets (sealed to the agent), report its end.
import { z } from 'zod';
import { MAX_RECORD_CHARS } from '../domain/automation/jobs.js';
import { sealedEnvelopeSchema } from './agents.js';
import { automationNameSchema } from './automation.js';
import { jobStreamSchema } from './automation-jobs.js';
import { descriptionSchema, timestamp } from './common.js';

/** Run As account types a worker group can run its jobs as: those with a user name and a password. */
export const runAsAccountTypes = [
  'windows',
  'action',
  'basic',
  'digest',
  'simple',
  'unix-monitoring',
  'unix-maintenance',
] as const;

const agentIdSchema = z
  .string()
  .min(1)
  .max(256)
  .describe('the agent (computer) id, cmp_…, or its computer name');
const runAsAccountIdSchema = z
  .string()
  .min(1)
  .max(256)
  .describe('a Run As account (acct_…) with a user name: hybrid jobs of the group run as it');

export const createWorkerGroupBody = z.strictObject({
  name: automationNameSchema,
  description: descriptionSchema.optional(),
  runAsAccountId: runAsAccountIdSchema.nullable().optional(),
});

export const updateWorkerGroupBody = z
  .strictObject({
    name: automationNameSchema.optional(),
    description: descriptionSchema.optional(),
    runAsAccountId: runAsAccountIdSchema
      .nullable()
      .optional()
      .describe('null: run as the agent’s own account'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const addWorkerBody = z.strictObject({ agentId: agentIdSchema });

export const workerParams = z.object({ id: z.string().min(1).max(256), agentId: z.string().min(1).max(256) });

export const workerSchema = z.object({
  agentId: z.string(),
  computerName: z.string(),
  status: z.string().describe('the agent’s status: approved, pending or revoked'),
  lastSeenAt: timestamp.nullable(),
  available: z.boolean().describe('approved and heard from within the missed-heartbeat time'),
  addedAt: timestamp,
  addedBy: z.string(),
});

export const workerGroupSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  runAsAccountId: z.string().nullable(),
  workers: z.array(workerSchema),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type WorkerGroup = z.infer<typeof workerGroupSchema>;

export const workerGroupListResponse = z.object({ items: z.array(workerGroupSchema) });

// The agent's side.

export const agentJobsQuery = z.strictObject({
  waitSeconds: z.coerce.number().int().min(0).max(30).default(0),
  max: z.coerce.number().int().min(1).max(10).default(1).describe('jobs this agent can start now'),
});

/** What an agent receives for a job it claimed. Secrets travel sealed to its key. */
export const agentJobSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  groupId: z.string(),
  runbookName: z.string(),
  runbookType: z.enum(['shell', 'python', 'node', 'powershell']),
  content: z.string(),
  parameters: z.record(z.string(), z.unknown()).describe('values of the parameters not declared secret'),
  secretParameters: sealedEnvelopeSchema
    .nullable()
    .describe('JSON of the secret parameters’ values, sealed; associated data jobSecretAad()'),
  runAs: z
    .object({
      accountId: z.string(),
      version: z.number().int(),
      envelope: sealedEnvelopeSchema.describe('as /api/v1/agent/credentials delivers it'),
    })
    .nullable()
    .describe('the group’s Run As account, delivered because it is distributed to this agent'),
  nextSeq: z.number().int().describe('the sequence number of the first record this run posts'),
  streamBytes: z.number().int().describe('bytes of stream text already kept (an earlier run of the job)'),
  restarts: z.number().int(),
  statusReason: z.string().nullable(),
});
export type AgentJob = z.infer<typeof agentJobSchema>;

export const agentJobsResponse = z.object({ items: z.array(agentJobSchema) });

export const agentStreamRecord = z.strictObject({
  seq: z.number().int().min(1),
  stream: jobStreamSchema,
  at: z.iso.datetime({ offset: true }),
  text: z.string().max(MAX_RECORD_CHARS),
});

export const MAX_RECORDS_PER_POST = 500;

export const postJobStreamsBody = z.strictObject({
  records: z
    .array(agentStreamRecord)
    .max(MAX_RECORDS_PER_POST)
    .describe('in order, numbered from the job’s nextSeq; an empty list renews the claim'),
});

export const postJobStreamsResponse = z.object({
  next: z.number().int().describe('the sequence number the next record must have'),
  stop: z.boolean().describe('a user asked to stop the job: end its process tree and report'),
});

export const finishJobBody = z.strictObject({
  exitCode: z.number().int().nullable(),
  error: z
    .string()
    .max(2000)
    .nullable()
    .describe('why it did not run or not end by itself (the interpreter is missing, the credential…)'),
  exception: z.string().max(2000).nullable().describe('the last error lines of a failed job'),
  stopped: z.boolean().describe('its process tree was ended on request'),
  interrupted: z.boolean().default(false).describe('the agent is stopping: the job is suspended, not ended'),
});
export type FinishJob = z.infer<typeof finishJobBody>;

export const agentJobAssetParams = z.object({
  id: z.string().min(1).max(256),
  kind: z.enum(['variable', 'credential', 'connection', 'certificate']),
  name: z.string().min(1).max(256),
});

export const agentJobAssetResponse = z.object({
  envelope: sealedEnvelopeSchema.describe('JSON of the asset, sealed; associated data jobAssetAad()'),
});

/** Associated data of a job's sealed secret parameters. */
export const jobSecretAad = (agentId: string, jobId: string) => `${agentId}:${jobId}:parameters`;
/** Associated data of an asset sealed for a job. */
export const jobAssetAad = (agentId: string, jobId: string, kind: string, name: string) =>
  `${agentId}:${jobId}:asset:${kind}:${name}`;
