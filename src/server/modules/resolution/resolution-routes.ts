// HTTP routes for resolution: explain, findings, each health service's configuration and suggested distribution.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  explainQuery,
  explanationSchema,
  findingSchema,
  findingsQuery,
  healthServiceConfigSchema,
  suggestionSchema,
} from '../../../contract/resolution.js';
import { explain } from '../../../domain/resolution/explain.js';
import { AppError, notFound } from '../../errors.js';
import { errorResponses, typed } from '../../http.js';
import type { FindingsService } from './findings-service.js';
import type { ResolutionService } from './resolution-service.js';

export function registerResolution(
  fastify: FastifyInstance,
  deps: { resolution: ResolutionService; findings: FindingsService },
): void {
  const app = typed(fastify);
  const tags = ['resolution'];
  const auth = app.authorize('accounts.manage');

  app.get('/api/v1/explain', {
    schema: {
      tags,
      summary: 'Which account a workflow (or profile) uses for an object, and the chain of reasons',
      querystring: explainQuery,
      response: { 200: explanationSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => {
      const engine = await deps.resolution.current();
      if (!engine.hasObject(req.query.object)) throw notFound('Object', req.query.object);
      if (req.query.workflow && !engine.hasWorkflow(req.query.workflow))
        throw notFound('Workflow', req.query.workflow);
      const e = explain(engine, {
        workflowId: req.query.workflow,
        profileId: req.query.profile,
        objectId: req.query.object,
      });
      const { runnerId, ...rest } = e;
      return { ...rest, healthServiceId: runnerId };
    },
  });

  app.get('/api/v1/findings', {
    schema: {
      tags,
      summary: 'Targeted but not distributed, conflicts, over-distribution, unused, dangling and expiring',
      querystring: findingsQuery,
      response: { 200: z.object({ items: z.array(findingSchema) }), ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => {
      const all = await deps.findings.compute();
      return {
        items: all.filter(
          (f) =>
            (!req.query.severity || f.severity === req.query.severity) &&
            (!req.query.kind || f.kind === req.query.kind),
        ),
      };
    },
  });

  app.get('/api/v1/health-services/:id/config', {
    schema: {
      tags,
      summary: 'What a computer or pool must run and the accounts it receives (never the secrets)',
      params: idParams,
      response: { 200: healthServiceConfigSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => {
      const engine = await deps.resolution.current();
      const id = engine.hasRunner(req.params.id)
        ? req.params.id
        : await deps.findings.runnerIdByName(req.params.id);
      const config = id ? engine.configOf(id) : undefined;
      if (!config) throw notFound('Computer or pool', req.params.id);
      const { runnerId, ...rest } = config;
      return { ...rest, healthServiceId: runnerId };
    },
  });

  app.get('/api/v1/accounts/:id/distribution/suggested', {
    schema: {
      tags: ['accounts'],
      summary:
        'Computers and pools hosting objects the account targets; applying a suggestion is a separate, explicit act (R12)',
      params: idParams,
      response: { 200: suggestionSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => {
      const engine = await deps.resolution.current();
      const account = await deps.findings.account(req.params.id);
      if (!account) throw notFound('Run As account', req.params.id);
      const runners = new Set(engine.objectsUsingAccount(account.id).map((o) => engine.runnerOfObject(o)));
      if (account.security === 'less-secure')
        throw new AppError('RULE_VIOLATION', 'A less secure account already reaches every health service.');
      const approved = new Set(account.approved);
      return {
        accountId: account.id,
        suggested: [...runners].filter((r) => !approved.has(r)).sort(),
        alreadyApproved: [...runners].filter((r) => approved.has(r)).sort(),
      };
    },
  });
}
