// Task runs: a person asks for one task to run for one object; the health service that runs the object claims
// it, runs it with the account its configuration resolves, and reports the exit code and (redacted) output.
import { z } from 'zod';
import { timestamp } from './common.js';
import { workflowActionSchema } from './packs.js';
import { resolutionSchema } from './resolution.js';
import { agentObjectSchema, RESULT_OUTPUT_MAX_CHARS, runOutcomes } from './results.js';

/**
 * `queued` → `running` → one of the finished states. `not-run`: the account the profile resolves to is not
 * distributed to the runner (R22; never replaced by another). `expired`: nobody claimed it within its timeout.
 */
export const taskRunStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'not-run',
  'expired',
] as const;
export type TaskRunStatus = (typeof taskRunStatuses)[number];

export const finishedTaskRunStatuses: readonly TaskRunStatus[] = [
  'succeeded',
  'failed',
  'timed-out',
  'not-run',
  'expired',
];
export const isFinished = (s: TaskRunStatus) => finishedTaskRunStatuses.includes(s);

export const TASK_TIMEOUT_DEFAULT_SECONDS = 60;
export const TASK_TIMEOUT_MAX_SECONDS = 3600;
/** How long one caller's read waits for a run to finish, and one agent's claim waits for a run to arrive. */
export const TASK_RUN_WAIT_MAX_SECONDS = 60;
export const AGENT_TASK_WAIT_MAX_SECONDS = 30;

export const requestTaskRunParams = z.object({ taskId: z.string().min(1).max(256) });

export const requestTaskRunBody = z.strictObject({
  objectId: z.string().min(1).max(256).describe('the object to run the task for: its id, or a computer name'),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(TASK_TIMEOUT_MAX_SECONDS)
    .default(TASK_TIMEOUT_DEFAULT_SECONDS)
    .describe('how long the task may run once started, and how long it may wait to be picked up'),
});

export const taskRunQuery = z.strictObject({
  waitSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(TASK_RUN_WAIT_MAX_SECONDS)
    .default(0)
    .describe('wait up to this long for the run to finish before answering'),
});

export const taskRunListQuery = z.strictObject({
  object: z.string().min(1).max(256).optional().describe('object id, or a computer name'),
  task: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const taskRunSummarySchema = z.object({
  id: z.string(),
  taskId: z.string(),
  objectId: z.string(),
  runnerId: z.string().describe('the computer (agent) or pool whose health service runs it'),
  status: z.enum(taskRunStatuses),
  requestedBy: z.string(),
  requestedAt: timestamp,
  claimedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  timeoutSeconds: z.number().int(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  accountId: z.string().nullable().describe('the account it ran as (or was not run for), if any'),
  accountVersion: z.number().int().nullable(),
});
export type TaskRunSummary = z.infer<typeof taskRunSummarySchema>;

export const taskRunSchema = taskRunSummarySchema.extend({
  stdout: z.string().describe('redacted by the runner'),
  stderr: z.string(),
});
export type TaskRun = z.infer<typeof taskRunSchema>;

export const taskRunListResponse = z.object({ items: z.array(taskRunSummarySchema) });

// ---------------------------------------------------------------- agent side

export const agentTaskRunsQuery = z.strictObject({
  waitSeconds: z.coerce.number().int().min(0).max(AGENT_TASK_WAIT_MAX_SECONDS).default(0),
});

export const agentTaskRunSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  objectId: z.string(),
  timeoutSeconds: z.number().int().describe('the action is stopped once it has run this long'),
  action: workflowActionSchema,
  object: agentObjectSchema,
  resolution: resolutionSchema.describe(
    'how the runner’s configuration resolved the account when the run was claimed; the agent prefers its own',
  ),
});
export type AgentTaskRun = z.infer<typeof agentTaskRunSchema>;

export const agentTaskRunsResponse = z.object({ items: z.array(agentTaskRunSchema) });

export const finishTaskRunBody = z.strictObject({
  outcome: z.enum(runOutcomes),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  accountId: z.string().min(1).max(256).optional(),
  accountVersion: z.number().int().min(1).optional(),
  stdout: z
    .string()
    .max(RESULT_OUTPUT_MAX_CHARS)
    .describe('already redacted by the agent; NUL is kept as ␀ (U+2400), an unpaired surrogate as U+FFFD'),
  stderr: z.string().max(RESULT_OUTPUT_MAX_CHARS),
});
export type FinishTaskRun = z.infer<typeof finishTaskRunBody>;
