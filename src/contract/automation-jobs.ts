// Requests and responses for jobs: start a runbook, list and show jobs, read and follow their streams, stop one.
import { z } from 'zod';
import { jobStatuses, jobStreams } from '../domain/automation/jobs.js';

export { jobStatuses };

import { limitSchema, timestamp } from './common.js';

/** The header a job proves itself with at its job-local endpoint (AUTOMATION_JOB_TOKEN). */
export const JOB_TOKEN_HEADER = 'x-automation-job-token';

export const jobStatusSchema = z.enum(jobStatuses);
export const jobStreamSchema = z.enum(jobStreams);

export const runOnSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^(cloud|hwg_[a-z0-9]+)$/, 'must be cloud or a hybrid worker group id (hwg_…)')
  .describe('cloud: a server of the Automation Pool; hwg_…: an agent of that hybrid worker group');

export const startJobBody = z.strictObject({
  parameters: z
    .record(z.string().max(128), z.unknown())
    .default({})
    .describe('values of the runbook’s declared parameters, by name'),
  runOn: runOnSchema.default('cloud'),
  test: z.boolean().default(false).describe('run the draft instead of the published version (a test run)'),
});

export const jobSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  runbookId: z.string().nullable().describe('null once the runbook is deleted'),
  runbookName: z.string(),
  runbookType: z.string(),
  runbookVersion: z.string().describe('the published version number run, or draft for a test run'),
  isTest: z.boolean(),
  runOn: z.string(),
  parameters: z
    .record(z.string(), z.unknown())
    .describe('parameter values; those declared secret are never shown, only named in secretParameters'),
  secretParameters: z.array(z.string()),
  startedBy: z.string().describe('user:…, schedule:… or webhook:…'),
  source: z.enum(['api', 'schedule', 'webhook']),
  status: jobStatusSchema,
  statusReason: z.string().nullable(),
  restarts: z.number().int().describe('times it started again: its server stopped, or it was resumed'),
  claimedBy: z
    .string()
    .nullable()
    .describe('the server (srv_…) or hybrid worker agent (cmp_…) that runs it, or ran it last'),
  exitCode: z.number().int().nullable(),
  exception: z.string().nullable().describe('why it failed: the last error lines, or what stopped it'),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  endedAt: timestamp.nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobListQuery = z.strictObject({
  account: z.string().max(256).optional().describe('automation account id'),
  runbook: z.string().max(256).optional().describe('runbook id'),
  status: jobStatusSchema.optional(),
  limit: limitSchema,
});

export const jobListResponse = z.object({ items: z.array(jobSchema) });

export const streamsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('records after this sequence number'),
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .default(0)
    .describe('seconds to wait for a record while the job runs (long poll)'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const streamRecordSchema = z.object({
  seq: z.number().int(),
  stream: jobStreamSchema,
  at: timestamp,
  text: z.string(),
});

export const streamsResponse = z.object({
  items: z.array(streamRecordSchema),
  status: jobStatusSchema.describe('the job’s status when the records were read'),
  next: z.number().int().describe('ask again with after=next for what follows'),
});
