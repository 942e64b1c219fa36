// HTTP routes for user-assigned identities: administrators and authors manage them, every signed-in role reads.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import { createUserAssignedIdentityBody, userAssignedIdentitySchema } from '../../../contract/identities.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { IdentitiesService } from './identities-service.js';

export function registerIdentities(fastify: FastifyInstance, identities: IdentitiesService): void {
  const app = typed(fastify);
  const tags = ['identity'];
  const read = app.authorize('automation.read');
  const manage = app.authorize('automation.manage');
  const base = '/api/v1/user-assigned-identities';

  app.get(base, {
    schema: {
      tags,
      summary: 'List user-assigned identities',
      response: { 200: z.object({ items: z.array(userAssignedIdentitySchema) }), ...errorResponses },
    },
    onRequest: read,
    handler: async () => ({ items: await identities.list() }),
  });

  app.post(base, {
    schema: {
      tags,
      summary: 'Create a user-assigned identity (a principal with a client id; no rights until assigned)',
      body: createUserAssignedIdentityBody,
      response: { 201: userAssignedIdentitySchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => reply.code(201).send(await identities.create(principalOf(req), req.body)),
  });

  app.get(`${base}/:id`, {
    schema: {
      tags,
      summary: 'Show a user-assigned identity and the accounts it is attached to',
      params: idParams,
      response: { 200: userAssignedIdentitySchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => identities.get(req.params.id),
  });

  app.delete(`${base}/:id`, {
    schema: {
      tags,
      summary: 'Delete a user-assigned identity; the accounts it was attached to lose it',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await identities.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
