// HTTP routes for run results: agents read the definitions of what they run and report results; people list them.
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../../contract/errors.js';
import {
  agentWorkflowsResponse,
  healthStatesQuery,
  healthStatesResponse,
  type RunOutcome,
  reportResultsBody,
  reportResultsResponse,
  resultsQuery,
  resultsResponse,
} from '../../../contract/results.js';
import type { HealthState } from '../../../domain/runtime/workflow-output.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import { agentOf } from '../agents/agent-auth.js';
import type { WorkflowResultRow } from './results-repo.js';
import type { ResultsService } from './results-service.js';
import type { RunEffects } from './run-effects.js';

const agentErrors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema } as const;

const resultDto = (r: WorkflowResultRow) => ({
  computerId: r.agentId,
  workflowId: r.workflowId,
  objectId: r.objectId,
  outcome: r.outcome as RunOutcome,
  startedAt: iso(r.startedAt),
  durationMs: r.durationMs,
  exitCode: r.exitCode,
  timedOut: r.timedOut,
  accountId: r.accountId,
  accountVersion: r.accountVersion,
  stdout: r.stdout,
  stderr: r.stderr,
  reportedAt: iso(r.reportedAt),
  notRunSince: isoOrNull(r.notRunSince),
});

/** Registers after `registerAgents`, which provides `app.authorizeAgent()`. */
export function registerResults(
  fastify: FastifyInstance,
  results: ResultsService,
  effects: Pick<RunEffects, 'listHealth'>,
): void {
  const app = typed(fastify);
  const tags = ['results'];

  app.get('/api/v1/agent/workflows', {
    schema: {
      tags,
      summary:
        'Definitions of the workflows in this agent’s configuration and the objects they run for (with properties)',
      response: { 200: agentWorkflowsResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req) => results.workflowsFor(agentOf(req).agentId),
  });

  app.post('/api/v1/agent/results', {
    schema: {
      tags,
      summary:
        'Report run results; a (workflow, object) pair outside this agent’s configuration is refused (and audited)',
      body: reportResultsBody,
      response: { 200: reportResultsResponse, ...agentErrors },
    },
    config: { outputKeys: ['stdout', 'stderr'] },
    onRequest: app.authorizeAgent(),
    handler: async (req) => results.report(agentOf(req).agentId, req.body.results),
  });

  app.get('/api/v1/results', {
    schema: {
      tags,
      summary: 'The latest run result of each (computer, workflow, object), newest report first',
      querystring: resultsQuery,
      response: { 200: resultsResponse, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => ({ items: (await results.list(req.query)).map(resultDto) }),
  });

  app.get('/api/v1/health-states', {
    schema: {
      tags,
      summary: 'The health state each monitor last set for each object (healthy, warning, critical)',
      querystring: healthStatesQuery,
      response: { 200: healthStatesResponse, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => ({
      items: (await effects.listHealth({ objectId: req.query.object, monitorId: req.query.monitor })).map(
        (h) => ({
          monitorId: h.monitorId,
          objectId: h.objectId,
          runnerId: h.runnerId,
          state: h.state as HealthState,
          message: h.message,
          since: iso(h.since),
          checkedAt: iso(h.checkedAt),
        }),
      ),
    }),
  });
}
