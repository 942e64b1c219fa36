// HTTP routes for hybrid worker groups: administrators and authors create, change and delete them and add or
// remove their agents; everyone signed in reads them.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { idParams, okSchema } from '../../../contract/common.js';
import {
  addWorkerBody,
  createWorkerGroupBody,
  updateWorkerGroupBody,
  workerGroupListResponse,
  workerGroupSchema,
  workerParams,
} from '../../../contract/hybrid-workers.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { WorkerGroupsService, WorkerGroupView } from './worker-groups-service.js';

export const workerGroupDto = (g: WorkerGroupView): z.infer<typeof workerGroupSchema> => ({
  id: g.id,
  name: g.name,
  description: g.description,
  runAsAccountId: g.runAsAccountId,
  workers: g.workers.map((w) => ({
    ...w,
    lastSeenAt: isoOrNull(w.lastSeenAt),
    addedAt: iso(w.addedAt),
  })),
  createdAt: iso(g.createdAt),
  updatedAt: iso(g.updatedAt),
});

export function registerWorkerGroups(fastify: FastifyInstance, groups: WorkerGroupsService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read');
  const manage = app.authorize('automation.manage');

  app.post('/api/v1/worker-groups', {
    schema: {
      tags,
      summary: 'Create a hybrid worker group, optionally running its jobs as a Run As account',
      body: createWorkerGroupBody,
      response: { 201: workerGroupSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) =>
      reply.code(201).send(workerGroupDto(await groups.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/worker-groups', {
    schema: {
      tags,
      summary: 'Hybrid worker groups with their agents',
      response: { 200: workerGroupListResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async () => ({ items: (await groups.list()).map(workerGroupDto) }),
  });

  app.get('/api/v1/worker-groups/:id', {
    schema: {
      tags,
      summary: 'One hybrid worker group with its agents and whether each is available',
      params: idParams,
      response: { 200: workerGroupSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => workerGroupDto(await groups.get(req.params.id)),
  });

  app.patch('/api/v1/worker-groups/:id', {
    schema: {
      tags,
      summary: 'Rename a hybrid worker group, describe it, or change its Run As account',
      params: idParams,
      body: updateWorkerGroupBody,
      response: { 200: workerGroupSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => workerGroupDto(await groups.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/worker-groups/:id', {
    schema: {
      tags,
      summary: 'Delete a hybrid worker group; refused while it has jobs that have not ended',
      params: idParams,
      response: { 200: okSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => {
      await groups.remove(principalOf(req), req.params.id);
      return { ok: true as const };
    },
  });

  app.post('/api/v1/worker-groups/:id/agents', {
    schema: {
      tags,
      summary: 'Add an agent (by id or computer name) to a hybrid worker group',
      params: idParams,
      body: addWorkerBody,
      response: { 200: workerGroupSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      workerGroupDto(await groups.addWorker(principalOf(req), req.params.id, req.body.agentId)),
  });

  app.delete('/api/v1/worker-groups/:id/agents/:agentId', {
    schema: {
      tags,
      summary: 'Remove an agent from a hybrid worker group; the jobs it runs now go on there',
      params: workerParams,
      response: { 200: workerGroupSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      workerGroupDto(await groups.removeWorker(principalOf(req), req.params.id, req.params.agentId)),
  });
}
