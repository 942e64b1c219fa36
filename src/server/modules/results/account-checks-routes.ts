// HTTP route for the Run As account checks an agent makes on its own computer.
import type { FastifyInstance } from 'fastify';
import { reportAccountChecksBody, reportAccountChecksResponse } from '../../../contract/account-checks.js';
import { errorBodySchema } from '../../../contract/errors.js';
import { typed } from '../../http.js';
import { agentOf } from '../agents/agent-auth.js';
import type { AccountChecksService } from './account-checks-service.js';

/** Registers after `registerAgents`, which provides `app.authorizeAgent()`. */
export function registerAccountChecks(fastify: FastifyInstance, checks: AccountChecksService): void {
  const app = typed(fastify);
  app.put('/api/v1/agent/account-checks', {
    schema: {
      tags: ['results'],
      summary:
        'Report the current state of this agent’s Run As account checks (logon, logon type, expiry, default action account type); warning and critical raise alerts, healthy resolves them',
      body: reportAccountChecksBody,
      response: {
        200: reportAccountChecksResponse,
        400: errorBodySchema,
        401: errorBodySchema,
        404: errorBodySchema,
      },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req) => checks.report(agentOf(req).agentId, req.body.checks),
  });
}
