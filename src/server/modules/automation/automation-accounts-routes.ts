// HTTP routes for automation accounts: administrators and authors manage them, every signed-in role reads.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  automationAccountSchema,
  createAutomationAccountBody,
  updateAutomationAccountBody,
} from '../../../contract/automation.js';
import { idParams } from '../../../contract/common.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import type { AccountWithIdentity } from '../identity/identities-service.js';
import { type AutomationAccountsService, limitsOf } from './automation-accounts-service.js';

export const automationAccountDto = (r: AccountWithIdentity): z.infer<typeof automationAccountSchema> => ({
  id: r.id,
  name: r.name,
  description: r.description,
  disableLocalAuth: r.disableLocalAuth,
  limits: limitsOf(r),
  identity: r.identity,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

export function registerAutomationAccounts(
  fastify: FastifyInstance,
  accounts: AutomationAccountsService,
): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read', { scope: app.scopes.account('id') });
  const manage = app.authorize('automation.manage', { scope: app.scopes.account('id') });
  const everywhere = app.scopes.managementGroup();

  app.get('/api/v1/automation-accounts', {
    schema: {
      tags,
      summary: 'List automation accounts',
      response: { 200: z.object({ items: z.array(automationAccountSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: everywhere }),
    handler: async () => ({ items: (await accounts.list()).map(automationAccountDto) }),
  });

  app.post('/api/v1/automation-accounts', {
    schema: {
      tags,
      summary: 'Create an automation account (with the built-in connection types)',
      body: createAutomationAccountBody,
      response: { 201: automationAccountSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.manage', { scope: everywhere }),
    handler: async (req, reply) =>
      reply.code(201).send(automationAccountDto(await accounts.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/automation-accounts/:id', {
    schema: {
      tags,
      summary: 'Show an automation account',
      params: idParams,
      response: { 200: automationAccountSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => automationAccountDto(await accounts.get(req.params.id)),
  });

  app.patch('/api/v1/automation-accounts/:id', {
    schema: {
      tags,
      summary: 'Rename, describe, set disableLocalAuth, change limits or set the identity block (R56)',
      params: idParams,
      body: updateAutomationAccountBody,
      response: { 200: automationAccountSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      automationAccountDto(await accounts.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/automation-accounts/:id', {
    schema: {
      tags,
      summary: 'Delete an automation account with its runbooks and assets (never a Run As account)',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await accounts.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
