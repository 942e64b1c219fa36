// HTTP routes for Run As accounts and their distribution (administrators only, R33; identities holding a role
// that reads Run As accounts, e.g. Run As Reader, read them).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  accountSchema,
  changeDistributionBody,
  createAccountBody,
  setDistributionBody,
  updateAccountBody,
} from '../../../contract/accounts.js';
import { idParams } from '../../../contract/common.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { AccountsService, AccountView } from './accounts-service.js';

export const accountDto = (a: AccountView): z.infer<typeof accountSchema> => ({
  id: a.id,
  name: a.name,
  description: a.description,
  type: a.type as z.infer<typeof accountSchema>['type'],
  version: a.version,
  publicFields: a.publicFields,
  distribution: { security: a.security as 'more-secure' | 'less-secure', approved: a.approved },
  expiresAt: isoOrNull(a.expiresAt),
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

export function registerAccounts(fastify: FastifyInstance, accounts: AccountsService): void {
  const app = typed(fastify);
  const tags = ['accounts'];
  const auth = app.authorize('accounts.manage');

  app.get('/api/v1/accounts', {
    schema: {
      tags,
      summary: 'List Run As accounts (never their secrets)',
      response: { 200: z.object({ items: z.array(accountSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('accounts.manage', {
      scope: app.scopes.managementGroup(),
      action: 'runas.read',
    }),
    handler: async () => ({ items: (await accounts.list()).map(accountDto) }),
  });

  app.post('/api/v1/accounts', {
    schema: {
      tags,
      summary: 'Create a Run As account: more secure with an empty distribution list (R3)',
      body: createAccountBody,
      response: { 201: accountSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req, reply) =>
      reply.code(201).send(accountDto(await accounts.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/accounts/:id', {
    schema: {
      tags,
      summary: 'Show a Run As account (never its secret)',
      params: idParams,
      response: { 200: accountSchema, ...errorResponses },
    },
    onRequest: app.authorize('accounts.manage', {
      scope: app.scopes.runAsAccount('id'),
      action: 'runas.read',
    }),
    handler: async (req) => accountDto(await accounts.get(req.params.id)),
  });

  app.patch('/api/v1/accounts/:id', {
    schema: {
      tags,
      summary: 'Rename, describe, set expiry or replace the secret (same type; the version goes up)',
      params: idParams,
      body: updateAccountBody,
      response: { 200: accountSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => accountDto(await accounts.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/accounts/:id', {
    schema: {
      tags,
      summary: 'Delete a Run As account that no profile uses (R5)',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: auth,
    handler: async (req, reply) => {
      await accounts.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.put('/api/v1/accounts/:id/distribution', {
    schema: {
      tags,
      summary: 'Set security and replace the approved list (more secure without a list empties it, R13)',
      params: idParams,
      body: setDistributionBody,
      response: { 200: accountSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) =>
      accountDto(await accounts.setDistribution(principalOf(req), req.params.id, req.body)),
  });

  app.patch('/api/v1/accounts/:id/distribution', {
    schema: {
      tags,
      summary: 'Add computers, servers or pools to the approved list, or remove them',
      params: idParams,
      body: changeDistributionBody,
      response: { 200: accountSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) =>
      accountDto(await accounts.changeDistribution(principalOf(req), req.params.id, req.body)),
  });
}
