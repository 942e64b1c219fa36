// HTTP routes for computers: registered before any agent exists, each with a default action account reference.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../../contract/common.js';
import {
  computerListSchema,
  computerSchema,
  createComputerBody,
  deletedSchema,
  deleteQuery,
  listComputersQuery,
  updateComputerBody,
} from '../../../contract/inventory.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import { computerDto } from './inventory-dto.js';
import type { ComputersService } from './objects-service.js';

export function registerComputers(fastify: FastifyInstance, computers: ComputersService): void {
  const app = typed(fastify);
  const tags = ['inventory'];

  app.get('/api/v1/computers', {
    schema: {
      tags,
      summary: 'List computers, paged by id',
      querystring: listComputersQuery,
      response: { 200: computerListSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => {
      const r = await computers.list(req.query);
      return { items: r.items.map(computerDto), nextAfterId: r.nextAfterId };
    },
  });

  app.post('/api/v1/computers', {
    schema: {
      tags,
      summary: 'Register a computer (before its agent enrolls)',
      body: createComputerBody,
      response: { 201: computerSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req, reply) =>
      reply.code(201).send(computerDto(await computers.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/computers/:id', {
    schema: {
      tags,
      summary: 'Show a computer',
      params: idParams,
      response: { 200: computerSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => computerDto(await computers.get(req.params.id)),
  });

  app.patch('/api/v1/computers/:id', {
    schema: {
      tags,
      summary: 'Change the display name or the default action account of a computer',
      params: idParams,
      body: updateComputerBody,
      response: { 200: computerSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => computerDto(await computers.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/computers/:id', {
    schema: {
      tags,
      summary: 'Delete a computer; one that hosts objects needs ?cascade=true, which deletes them too',
      params: idParams,
      querystring: deleteQuery,
      response: { 200: deletedSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => ({
      deleted: await computers.remove(principalOf(req), req.params.id, req.query.cascade === 'true'),
    }),
  });
}
