// HTTP routes for jobs: start a runbook (operators and up), list and show jobs, read or follow their streams,
// stop one.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  jobListQuery,
  jobListResponse,
  jobSchema,
  startJobBody,
  streamsQuery,
  streamsResponse,
} from '../../../contract/automation-jobs.js';
import { idParams } from '../../../contract/common.js';
import type { JobStatus, JobStream } from '../../../domain/automation/jobs.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { JobRow } from './jobs-repo.js';
import type { JobsService } from './jobs-service.js';

export const jobDto = (j: JobRow): z.infer<typeof jobSchema> => ({
  id: j.id,
  automationAccountId: j.automationAccountId,
  runbookId: j.runbookId,
  runbookName: j.runbookName,
  runbookType: j.runbookType,
  runbookVersion: j.runbookVersion,
  isTest: j.isTest,
  runOn: j.runOn,
  parameters: j.parameters,
  secretParameters: j.secretParameters,
  startedBy: j.startedBy,
  source: j.source as 'api' | 'schedule' | 'webhook',
  status: j.status as JobStatus,
  statusReason: j.statusReason,
  restarts: j.restarts,
  claimedBy: j.claimedBy,
  exitCode: j.exitCode,
  exception: j.exception,
  createdAt: iso(j.createdAt),
  startedAt: isoOrNull(j.startedAt),
  endedAt: isoOrNull(j.endedAt),
});

export function registerJobs(fastify: FastifyInstance, jobs: JobsService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read', { scope: app.scopes.job('id'), action: 'jobs.read' });
  const run = app.authorize('automation.jobs', { scope: app.scopes.job('id') });

  app.post('/api/v1/runbooks/:id/jobs', {
    schema: {
      tags,
      summary: 'Start a job of the runbook: its published version, or the draft as a test run',
      params: idParams,
      body: startJobBody,
      response: { 201: jobSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.jobs', { scope: app.scopes.runbook('id') }),
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(
          jobDto(await jobs.start({ kind: 'user', principal: principalOf(req) }, req.params.id, req.body)),
        ),
  });

  app.get('/api/v1/jobs', {
    schema: {
      tags,
      summary: 'Jobs, newest first',
      querystring: jobListQuery,
      response: { 200: jobListResponse, ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: app.scopes.jobList(), action: 'jobs.read' }),
    handler: async (req) => ({ items: (await jobs.list(req.query)).map(jobDto) }),
  });

  app.get('/api/v1/jobs/:id', {
    schema: {
      tags,
      summary: 'One job: status, times, exit code and exception',
      params: idParams,
      response: { 200: jobSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => jobDto(await jobs.get(req.params.id)),
  });

  app.get('/api/v1/jobs/:id/streams', {
    schema: {
      tags,
      summary: 'Stream records after a sequence number; with wait, a long poll while the job runs',
      params: idParams,
      querystring: streamsQuery,
      response: { 200: streamsResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => {
      const { job, items, next } = await jobs.streams(
        req.params.id,
        req.query.after,
        req.query.wait,
        req.query.limit,
      );
      return {
        items: items.map((r) => ({ seq: r.seq, stream: r.stream as JobStream, at: iso(r.at), text: r.text })),
        status: job.status as JobStatus,
        next,
      };
    },
  });

  app.post('/api/v1/jobs/:id/stop', {
    schema: {
      tags,
      summary: 'Stop a job: a queued one never runs, a running one has its process tree ended',
      params: idParams,
      response: { 200: jobSchema, ...errorResponses },
    },
    onRequest: run,
    handler: async (req) => jobDto(await jobs.stop(principalOf(req), req.params.id)),
  });

  app.post('/api/v1/jobs/:id/resume', {
    schema: {
      tags,
      summary:
        'Resume a suspended job (its agent stopped while it ran it): queued again for its worker group, run from the start',
      params: idParams,
      response: { 200: jobSchema, ...errorResponses },
    },
    onRequest: run,
    handler: async (req) => jobDto(await jobs.resume(principalOf(req), req.params.id)),
  });
}
