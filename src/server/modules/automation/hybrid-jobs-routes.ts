// HTTP routes for the agent's half of hybrid jobs, on its signed channel: claim jobs of its worker groups (a
// long poll), post a job's stream records (the answer says whether to stop), read the job's assets sealed to
// its key, report the end. Another agent's job is not found, and the attempt audited.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jobStatusSchema } from '../../../contract/automation-jobs.js';
import { idParams } from '../../../contract/common.js';
import { errorBodySchema } from '../../../contract/errors.js';
import {
  agentJobAssetParams,
  agentJobAssetResponse,
  agentJobsQuery,
  agentJobsResponse,
  finishJobBody,
  postJobStreamsBody,
  postJobStreamsResponse,
} from '../../../contract/hybrid-workers.js';
import type { JobStatus } from '../../../domain/automation/jobs.js';
import { typed } from '../../http.js';
import { longPollSignal } from '../../long-poll.js';
import { agentOf } from '../agents/agent-auth.js';
import type { HybridJobs } from './hybrid-jobs-service.js';

const agentErrors = {
  400: errorBodySchema,
  401: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
} as const;

/** Registers after `registerAgents`, which provides `app.authorizeAgent()`. */
export function registerHybridJobs(fastify: FastifyInstance, hybrid: HybridJobs): void {
  const app = typed(fastify);
  const tags = ['automation'];
  fastify.addHook('preClose', async () => hybrid.close());

  app.get('/api/v1/agent/jobs', {
    schema: {
      tags,
      summary:
        'Claim queued jobs of the hybrid worker groups this agent belongs to (each handed out once); with `waitSeconds`, waits for one',
      querystring: agentJobsQuery,
      response: { 200: agentJobsResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req, reply) => {
      const { signal, release } = longPollSignal(reply);
      try {
        const items = await hybrid.claim(agentOf(req), {
          waitSeconds: req.query.waitSeconds,
          max: req.query.max,
          signal,
        });
        return { items };
      } finally {
        release();
      }
    },
  });

  app.post('/api/v1/agent/jobs/:id/streams', {
    schema: {
      tags,
      summary:
        'Post stream records of a job this agent runs (also renews its claim); the answer says whether to stop it',
      params: idParams,
      body: postJobStreamsBody,
      response: { 200: postJobStreamsResponse, ...agentErrors },
    },
    config: { outputKeys: ['text'] },
    onRequest: app.authorizeAgent(),
    handler: async (req) => hybrid.postStreams(agentOf(req).agentId, req.params.id, req.body.records),
  });

  app.post('/api/v1/agent/jobs/:id/finish', {
    schema: {
      tags,
      summary: 'Report how a job this agent ran ended (or that the agent stops: the job is suspended)',
      params: idParams,
      body: finishJobBody,
      response: { 200: z.object({ id: z.string(), status: jobStatusSchema }), ...agentErrors },
    },
    config: { outputKeys: ['error', 'exception'] },
    onRequest: app.authorizeAgent(),
    handler: async (req) => {
      const row = await hybrid.finish(agentOf(req).agentId, req.params.id, req.body);
      return { id: row.id, status: row.status as JobStatus };
    },
  });

  app.get('/api/v1/agent/jobs/:id/assets/:kind/:name', {
    schema: {
      tags,
      summary:
        'An asset of the account of a job this agent runs, sealed to its key (audited with the job id)',
      params: agentJobAssetParams,
      response: { 200: agentJobAssetResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req) => hybrid.readAsset(agentOf(req), req.params.id, req.params.kind, req.params.name),
  });
}
