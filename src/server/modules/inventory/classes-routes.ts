// HTTP routes for classes.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  classSchema,
  createClassBody,
  listClassesQuery,
  updateClassBody,
} from '../../../contract/inventory.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { ClassesService } from './classes-service.js';
import { classDto } from './inventory-dto.js';

export function registerClasses(fastify: FastifyInstance, classes: ClassesService): void {
  const app = typed(fastify);
  const tags = ['inventory'];

  app.get('/api/v1/classes', {
    schema: {
      tags,
      summary: 'List classes; ?base= gives a class and every class derived from it',
      querystring: listClassesQuery,
      response: { 200: z.object({ items: z.array(classSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => ({ items: (await classes.list(req.query.base)).map(classDto) }),
  });

  app.post('/api/v1/classes', {
    schema: {
      tags,
      summary: 'Create a class derived from another (System.Entity by default)',
      body: createClassBody,
      response: { 201: classSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req, reply) =>
      reply.code(201).send(classDto(await classes.create(principalOf(req), req.body))),
  });

  app.get('/api/v1/classes/:id', {
    schema: {
      tags,
      summary: 'Show a class',
      params: idParams,
      response: { 200: classSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.read'),
    handler: async (req) => classDto(await classes.get(req.params.id)),
  });

  app.patch('/api/v1/classes/:id', {
    schema: {
      tags,
      summary: 'Change the display name, description or abstract flag of a class made through the API',
      params: idParams,
      body: updateClassBody,
      response: { 200: classSchema, ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req) => classDto(await classes.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/classes/:id', {
    schema: {
      tags,
      summary: 'Delete a class nothing uses (pack classes go with their pack)',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize('inventory.write'),
    handler: async (req, reply) => {
      await classes.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
