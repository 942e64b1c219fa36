// HTTP routes for groups and their computed members.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  createGroupBody,
  groupMembersSchema,
  groupSchema,
  updateGroupBody,
} from '../../../contract/inventory.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { GroupsService } from './groups-service.js';
import { groupDto } from './inventory-dto.js';

export function registerGroups(fastify: FastifyInstance, groups: GroupsService): void {
  const app = typed(fastify);
  const tags = ['inventory'];

  app.get('/api/v1/groups', {
    schema: {
      tags,
      summary: 'List groups',
      response: { 200: z.object({ items: z.array(groupSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async () => ({ items: (await groups.list()).map(groupDto) }),
  });

  app.post('/api/v1/groups', {
    schema: {
      tags,
      summary: 'Create a group: explicit members, dynamic rules and nested groups',
      body: createGroupBody,
      response: { 201: groupSchema, ...errorResponses },
    },
    onRequest: app.authorize('groups.write'),
    handler: async (req, reply) =>
      reply.code(201).send(groupDto(await groups.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/groups/:id', {
    schema: {
      tags,
      summary: 'Show a group',
      params: idParams,
      response: { 200: groupSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => groupDto(await groups.get(req.params.id)),
  });

  app.get('/api/v1/groups/:id/members', {
    schema: {
      tags,
      summary: 'The objects a group contains, and how: explicit, rule, subgroup or hosted-by',
      params: idParams,
      response: { 200: groupMembersSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => ({ groupId: req.params.id, items: await groups.members(req.params.id) }),
  });

  app.patch('/api/v1/groups/:id', {
    schema: {
      tags,
      summary: 'Change a group; each list given replaces the current one',
      params: idParams,
      body: updateGroupBody,
      response: { 200: groupSchema, ...errorResponses },
    },
    onRequest: app.authorize('groups.write'),
    handler: async (req) => groupDto(await groups.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/groups/:id', {
    schema: {
      tags,
      summary: 'Delete a group that no other group nests',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize('groups.write'),
    handler: async (req, reply) => {
      await groups.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
