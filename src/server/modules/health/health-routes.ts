// Liveness, readiness (the database answers) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Database } from '../../../store/db.js';
import { typed } from '../../http.js';

export function registerHealth(
  fastify: FastifyInstance,
  deps: { database: Database; metrics: Registry },
): void {
  const app = typed(fastify);
  const tags = ['health'];
  app.get('/healthz', {
    schema: {
      tags,
      summary: 'The process is up',
      security: [],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/readyz', {
    schema: {
      tags,
      summary: 'The server can serve: its database answers',
      security: [],
      response: {
        200: z.object({ status: z.literal('ready') }),
        503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
      },
    },
    handler: async (_req, reply) => {
      try {
        await deps.database.query('SELECT 1');
        return { status: 'ready' as const };
      } catch {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, reason: 'The database does not answer.' });
      }
    },
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });
}
