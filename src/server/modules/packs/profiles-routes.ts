// HTTP routes for one Run As profile: show it with who uses it; make one by hand in an unsealed pack; delete it.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../../contract/common.js';
import {
  createProfileBody,
  deleteProfileQuery,
  deleteProfileResponse,
  profileDetailSchema,
} from '../../../contract/packs.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import { actorOf } from '../../principal.js';
import type { ProfilesService } from './profiles-service.js';

const detailDto = (d: Awaited<ReturnType<ProfilesService['show']>>) => ({
  id: d.profile.id,
  packId: d.profile.packId,
  displayName: d.profile.displayName,
  description: d.profile.description,
  contextClassId: d.profile.contextClassId,
  workflowCount: d.workflowCount,
  useCount: d.useCount,
  createdBy: d.profile.createdBy,
  createdAt: iso(d.profile.createdAt),
  workflows: d.workflows,
  uses: d.uses,
});

export function registerProfiles(fastify: FastifyInstance, profiles: ProfilesService): void {
  const app = typed(fastify);
  const tags = ['profiles'];

  app.get('/api/v1/profiles/:id', {
    schema: {
      tags,
      summary:
        'A Run As profile with the workflows that run as it and its profile uses (SCOM workflows and module types: counted, not run)',
      params: idParams,
      response: { 200: profileDetailSchema, ...errorResponses },
    },
    onRequest: app.authorize('profiles.read'),
    handler: async (req) => detailDto(await profiles.show(req.params.id)),
  });

  app.post('/api/v1/profiles', {
    schema: {
      tags,
      summary:
        "Create a Run As profile in an unsealed pack (SCOM's Create Run As Profile); never in a sealed one",
      body: createProfileBody,
      response: { 201: profileDetailSchema, ...errorResponses },
    },
    onRequest: app.authorize('accounts.manage'),
    handler: async (req, reply) =>
      reply.code(201).send(detailDto(await profiles.create(actorOf(principalOf(req)), req.body))),
  });

  app.delete('/api/v1/profiles/:id', {
    schema: {
      tags,
      summary:
        'Delete a profile made by hand: refused while workflows or channels use it, or it has associations (unless cascade=true)',
      params: idParams,
      querystring: deleteProfileQuery,
      response: { 200: deleteProfileResponse, ...errorResponses },
    },
    onRequest: app.authorize('accounts.manage'),
    handler: async (req) =>
      profiles.remove(actorOf(principalOf(req)), req.params.id, req.query.cascade === 'true'),
  });
}
