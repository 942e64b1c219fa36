// What an agent runs and what it reports: workflow definitions and objects of its configuration, run results.
import { z } from 'zod';
import { workflowKinds } from '../domain/packs/pack-document.js';
import { healthStates } from '../domain/runtime/workflow-output.js';
import { timestamp } from './common.js';
import { workflowActionSchema, workflowScheduleSchema } from './packs.js';

export const agentWorkflowSchema = z.object({
  id: z.string(),
  kind: z.enum(workflowKinds),
  targetClassId: z.string(),
  profileId: z.string().nullable(),
  action: workflowActionSchema,
  schedule: workflowScheduleSchema.nullable(),
});
export type AgentWorkflow = z.infer<typeof agentWorkflowSchema>;

export const agentObjectSchema = z.object({
  id: z.string(),
  classId: z.string(),
  name: z.string(),
  properties: z.record(z.string(), z.unknown()),
});
export type AgentObject = z.infer<typeof agentObjectSchema>;

export const agentWorkflowsResponse = z.object({
  tag: z.string().describe('the configuration tag these definitions belong to'),
  workflows: z.array(agentWorkflowSchema),
  objects: z.array(agentObjectSchema),
});

export const runOutcomes = ['ran', 'not-run-credentials-not-found', 'failed-to-start'] as const;
export type RunOutcome = (typeof runOutcomes)[number];

/** Per stream; the agent cuts its output to this before reporting. */
export const RESULT_OUTPUT_MAX_CHARS = 65_536;
export const RESULTS_BATCH_MAX = 500;

export const runResultSchema = z.strictObject({
  workflowId: z.string().min(1).max(256),
  objectId: z.string().min(1).max(256),
  startedAt: z.iso.datetime({ offset: true }),
  durationMs: z
    .number()
    .int()
    .min(0)
    .max(31 * 86_400_000),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  outcome: z.enum(runOutcomes),
  accountId: z.string().min(1).max(256).optional(),
  accountVersion: z.number().int().min(1).optional(),
  stdout: z
    .string()
    .max(RESULT_OUTPUT_MAX_CHARS)
    .describe('already redacted by the agent; NUL is kept as ␀ (U+2400), an unpaired surrogate as U+FFFD'),
  stderr: z.string().max(RESULT_OUTPUT_MAX_CHARS),
});
export type RunResult = z.infer<typeof runResultSchema>;

export const reportResultsBody = z.strictObject({
  results: z.array(runResultSchema).min(1).max(RESULTS_BATCH_MAX),
});

export const reportResultsResponse = z.object({
  accepted: z.number().int(),
  problems: z
    .array(
      z.object({
        index: z.number().int(),
        workflowId: z.string(),
        objectId: z.string(),
        line: z.number().int().describe('line of standard output; 0 for the run as a whole'),
        message: z.string(),
      }),
    )
    .describe(
      'what the server could not use in the output of accepted runs (bad JSON lines, unknown classes…)',
    ),
  refused: z.array(
    z.object({
      index: z.number().int(),
      workflowId: z.string(),
      objectId: z.string(),
      reason: z.string(),
    }),
  ),
});

export const resultsQuery = z.strictObject({
  object: z.string().min(1).max(256).optional(),
  workflow: z.string().min(1).max(256).optional(),
  computer: z.string().min(1).max(256).optional().describe('computer id (cmp_…) or name'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const workflowResultSchema = z.object({
  computerId: z.string(),
  workflowId: z.string(),
  objectId: z.string(),
  outcome: z.enum(runOutcomes),
  startedAt: timestamp,
  durationMs: z.number().int(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  accountId: z.string().nullable(),
  accountVersion: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  reportedAt: timestamp,
  notRunSince: timestamp
    .nullable()
    .describe('first report of not-run-credentials-not-found in the current streak, else null'),
});

export const resultsResponse = z.object({ items: z.array(workflowResultSchema) });

export const healthStatesQuery = z.strictObject({
  object: z.string().min(1).max(256).optional(),
  monitor: z.string().min(1).max(256).optional(),
});

export const healthStatesResponse = z.object({
  items: z.array(
    z.object({
      monitorId: z.string(),
      objectId: z.string(),
      runnerId: z.string().describe('the agent (computer id) or pool whose run set it'),
      state: z.enum(healthStates),
      message: z.string(),
      since: timestamp.describe('when the object entered this state'),
      checkedAt: timestamp,
    }),
  ),
});
