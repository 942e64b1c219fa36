// HTTP routes for task runs: people request a run and read it (waiting for its end); agents claim the runs
// queued for them and report each one's result.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../../contract/common.js';
import { errorBodySchema } from '../../../contract/errors.js';
import {
  agentTaskRunsQuery,
  agentTaskRunsResponse,
  finishTaskRunBody,
  requestTaskRunBody,
  requestTaskRunParams,
  type TaskRunStatus,
  taskRunListQuery,
  taskRunListResponse,
  taskRunQuery,
  taskRunSchema,
  taskRunSummarySchema,
} from '../../../contract/tasks.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import { longPollSignal } from '../../long-poll.js';
import { agentOf } from '../agents/agent-auth.js';
import type { TaskRunRow, TaskRunSummaryRow } from './tasks-repo.js';
import type { TasksService } from './tasks-service.js';

const agentErrors = {
  400: errorBodySchema,
  401: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
} as const;

const summaryDto = (r: TaskRunSummaryRow) => ({
  id: r.id,
  taskId: r.taskId,
  objectId: r.objectId,
  runnerId: r.runnerId,
  status: r.status as TaskRunStatus,
  requestedBy: r.requestedBy,
  requestedAt: iso(r.requestedAt),
  claimedAt: isoOrNull(r.claimedAt),
  finishedAt: isoOrNull(r.finishedAt),
  timeoutSeconds: r.timeoutSeconds,
  exitCode: r.exitCode,
  timedOut: r.timedOut,
  accountId: r.accountId,
  accountVersion: r.accountVersion,
});

const runDto = (r: TaskRunRow) => ({ ...summaryDto(r), stdout: r.stdout, stderr: r.stderr });

/**
 * Registers after `registerAgents`, which provides `app.authorizeAgent()`. Reading runs takes `tasks.run`
 * rather than `inventory.read`: a run's output comes from an action someone chose to run, and is for those
 * who may run tasks.
 */
export function registerTasks(fastify: FastifyInstance, tasks: TasksService): void {
  const app = typed(fastify);
  const tags = ['tasks'];
  fastify.addHook('preClose', async () => tasks.close());

  app.post('/api/v1/tasks/:taskId/runs', {
    schema: {
      tags,
      summary:
        'Run a task for one object on the health service that runs the object; answers at once with the queued run',
      params: requestTaskRunParams,
      body: requestTaskRunBody,
      response: { 202: taskRunSchema, ...errorResponses },
    },
    onRequest: app.authorize('tasks.run'),
    handler: async (req, reply) => {
      const run = await tasks.request(principalOf(req), req.params.taskId, req.body);
      return reply.code(202).send(runDto(run));
    },
  });

  app.get('/api/v1/task-runs/:id', {
    schema: {
      tags,
      summary:
        'A task run with its exit code and output; with `waitSeconds`, waits up to that long for its end',
      params: idParams,
      querystring: taskRunQuery,
      response: { 200: taskRunSchema, ...errorResponses },
    },
    onRequest: app.authorize('tasks.run'),
    handler: async (req, reply) => {
      const { signal, release } = longPollSignal(reply);
      try {
        return runDto(await tasks.get(req.params.id, { waitSeconds: req.query.waitSeconds, signal }));
      } finally {
        release();
      }
    },
  });

  app.get('/api/v1/task-runs', {
    schema: {
      tags,
      summary: 'Recent task runs, newest first, without their output',
      querystring: taskRunListQuery,
      response: { 200: taskRunListResponse, ...errorResponses },
    },
    onRequest: app.authorize('tasks.run'),
    handler: async (req) => ({ items: (await tasks.list(req.query)).map(summaryDto) }),
  });

  app.get('/api/v1/agent/task-runs', {
    schema: {
      tags,
      summary:
        'Claim the task runs queued for this agent (each handed out once); with `waitSeconds`, waits for one',
      querystring: agentTaskRunsQuery,
      response: { 200: agentTaskRunsResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req, reply) => {
      const { signal, release } = longPollSignal(reply);
      try {
        const agent = agentOf(req);
        const items = await tasks.claim(agent.agentId, {
          waitSeconds: req.query.waitSeconds,
          signal,
          admitted: agent.stillApproved,
        });
        return { items };
      } finally {
        release();
      }
    },
  });

  app.post('/api/v1/agent/task-runs/:id/result', {
    schema: {
      tags,
      summary:
        'Report the result of a task run this agent claimed; another agent’s run is not found (and audited)',
      params: idParams,
      body: finishTaskRunBody,
      response: { 200: taskRunSummarySchema, ...agentErrors },
    },
    config: { outputKeys: ['stdout', 'stderr'] },
    onRequest: app.authorizeAgent(),
    handler: async (req) => summaryDto(await tasks.finish(agentOf(req).agentId, req.params.id, req.body)),
  });
}
