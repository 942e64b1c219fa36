// HTTP routes for associating Run As accounts with profiles (administrators only, R33).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { associationSchema, createAssociationBody } from '../../../contract/accounts.js';
import { idParams } from '../../../contract/common.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import type { AssociationRow } from './accounts-repo.js';
import { type AssociationsService, scopeOfRow } from './associations-service.js';

export const associationDto = (a: AssociationRow): z.infer<typeof associationSchema> => ({
  id: a.id,
  profileId: a.profileId,
  accountId: a.accountId,
  scope: scopeOfRow(a),
  enforced: a.enforced,
  createdAt: iso(a.createdAt),
});

export function registerAssociations(fastify: FastifyInstance, associations: AssociationsService): void {
  const app = typed(fastify);
  const tags = ['profiles'];
  const auth = app.authorize('accounts.manage');

  app.get('/api/v1/profiles/:id/associations', {
    schema: {
      tags,
      summary: "A profile's associations, oldest first",
      params: idParams,
      response: { 200: z.object({ items: z.array(associationSchema) }), ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) => ({ items: (await associations.list(req.params.id)).map(associationDto) }),
  });

  app.post('/api/v1/profiles/:id/associations', {
    schema: {
      tags,
      summary: 'Associate an account with a profile for a scope (default: all targeted objects)',
      params: idParams,
      body: createAssociationBody,
      response: { 201: associationSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(associationDto(await associations.create(principalOf(req), req.params.id, req.body))),
  });

  app.patch('/api/v1/associations/:id', {
    schema: {
      tags,
      summary: 'Mark an association enforced, or not',
      params: idParams,
      body: z.strictObject({ enforced: z.boolean() }),
      response: { 200: associationSchema, ...errorResponses },
    },
    onRequest: auth,
    handler: async (req) =>
      associationDto(await associations.setEnforced(principalOf(req), req.params.id, req.body.enforced)),
  });

  app.delete('/api/v1/associations/:id', {
    schema: {
      tags,
      summary: 'Remove an association',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: auth,
    handler: async (req, reply) => {
      await associations.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
