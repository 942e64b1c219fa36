// HTTP routes for resource pools and their current members.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  createPoolBody,
  deletedSchema,
  deleteQuery,
  poolSchema,
  updatePoolBody,
} from '../../../contract/inventory.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import { poolDto } from './inventory-dto.js';
import type { PoolsService } from './pools-service.js';

export function registerPools(fastify: FastifyInstance, pools: PoolsService): void {
  const app = typed(fastify);
  const tags = ['inventory'];

  app.get('/api/v1/pools', {
    schema: {
      tags,
      summary: 'List resource pools with their current members',
      response: { 200: z.object({ items: z.array(poolSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async () => ({ items: (await pools.list()).map(poolDto) }),
  });

  app.post('/api/v1/pools', {
    schema: {
      tags,
      summary: 'Create a resource pool with manual or automatic membership',
      body: createPoolBody,
      response: { 201: poolSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req, reply) =>
      reply.code(201).send(poolDto(await pools.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/pools/:id', {
    schema: {
      tags,
      summary: 'Show a resource pool',
      params: idParams,
      response: { 200: poolSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => poolDto(await pools.get(req.params.id)),
  });

  app.patch('/api/v1/pools/:id', {
    schema: {
      tags,
      summary: 'Change the display name (not of a built-in pool) or the members of a manual pool',
      params: idParams,
      body: updatePoolBody,
      response: { 200: poolSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => poolDto(await pools.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/pools/:id', {
    schema: {
      tags,
      summary: 'Delete a custom pool; one that hosts objects needs ?cascade=true',
      params: idParams,
      querystring: deleteQuery,
      response: { 200: deletedSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => ({
      deleted: await pools.remove(principalOf(req), req.params.id, req.query.cascade === 'true'),
    }),
  });
}
