// HTTP routes of legacy certificate Run As accounts: create, show, renew and delete one per automation account,
// and where every Run As account is still used. No answer carries a private key.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountParams } from '../../../contract/automation.js';
import {
  createRunAsBody,
  deleteRunAsQuery,
  renewRunAsBody,
  runAsAccountSchema,
  runAsUsageQuery,
  runAsUsageResponse,
} from '../../../contract/runas.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { RunAsService } from './runas-service.js';

export function registerRunAs(fastify: FastifyInstance, runAs: RunAsService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read');
  const manage = app.authorize('automation.manage');
  const url = '/api/v1/automation-accounts/:accountId/run-as-account';

  app.get(url, {
    schema: {
      tags,
      summary:
        'Show the legacy Run As account of an automation account: parts, status, certificate, advisory',
      params: accountParams,
      response: { 200: runAsAccountSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => runAs.get(req.params.accountId),
  });

  app.post(url, {
    schema: {
      tags,
      summary:
        'Create a legacy certificate Run As account: application, service principal, certificate, and the two assets',
      params: accountParams,
      body: createRunAsBody.default({}),
      response: { 201: runAsAccountSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) =>
      reply.code(201).send(await runAs.create(principalOf(req), req.params.accountId, req.body)),
  });

  app.post(`${url}/renew`, {
    schema: {
      tags,
      summary:
        'Renew the Run As certificate: a new one in both assets; the old one signs in until it expires',
      params: accountParams,
      body: renewRunAsBody.default({ revokePrevious: false }),
      response: { 200: runAsAccountSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => runAs.renew(principalOf(req), req.params.accountId, req.body),
  });

  app.delete(url, {
    schema: {
      tags,
      summary:
        'Delete the Run As account (application, principal, both assets); the automation account stays. Refused (409) while a runbook or a recent job still signs in with it',
      params: accountParams,
      querystring: deleteRunAsQuery,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await runAs.remove(principalOf(req), req.params.accountId, req.query.days);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/run-as-usage', {
    schema: {
      tags,
      summary:
        'Every automation account with a Run As account, the runbook versions that sign in with it, and the jobs that did',
      querystring: runAsUsageQuery,
      response: { 200: runAsUsageResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => runAs.usage(req.query.account, req.query.days),
  });
}
