// HTTP routes for objects: anything monitored, hosted on a computer or pool directly or through a chain.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../../contract/common.js';
import {
  createObjectBody,
  deletedSchema,
  deleteQuery,
  listObjectsQuery,
  objectDetailSchema,
  objectListSchema,
  objectSchema,
  updateObjectBody,
} from '../../../contract/inventory.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import { objectDto } from './inventory-dto.js';
import type { ObjectsService } from './objects-service.js';

export function registerObjects(fastify: FastifyInstance, objects: ObjectsService): void {
  const app = typed(fastify);
  const tags = ['inventory'];

  app.get('/api/v1/objects', {
    schema: {
      tags,
      summary: 'List objects by class (with derived classes), direct host, or computer; pages by id',
      querystring: listObjectsQuery,
      response: { 200: objectListSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => {
      const r = await objects.list(req.query);
      return { items: r.items.map(objectDto), nextAfterId: r.nextAfterId };
    },
  });

  app.post('/api/v1/objects', {
    schema: {
      tags,
      summary: 'Create an object hosted on a computer, a pool or another object',
      body: createObjectBody,
      response: { 201: objectSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req, reply) =>
      reply.code(201).send(objectDto(await objects.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/objects/:id', {
    schema: {
      tags,
      summary: 'Show an object with its hosting chain and top host',
      params: idParams,
      response: { 200: objectDetailSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => {
      const r = await objects.get(req.params.id);
      return { ...objectDto(r.row), hostChain: r.hostChain, topHost: r.topHost, topHostKind: r.topHostKind };
    },
  });

  app.patch('/api/v1/objects/:id', {
    schema: {
      tags,
      summary: 'Change the display name or properties of an object (key properties stay)',
      params: idParams,
      body: updateObjectBody,
      response: { 200: objectSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => objectDto(await objects.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/objects/:id', {
    schema: {
      tags,
      summary: 'Delete an object; one that hosts others needs ?cascade=true, which deletes them too',
      params: idParams,
      querystring: deleteQuery,
      response: { 200: deletedSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => ({
      deleted: await objects.remove(principalOf(req), req.params.id, req.query.cascade === 'true'),
    }),
  });
}
