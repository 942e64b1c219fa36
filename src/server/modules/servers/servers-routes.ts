// HTTP routes for management servers.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { serverSchema } from '../../../contract/servers.js';
import { errorResponses, iso, typed } from '../../http.js';
import type { ServerRow } from './servers-repo.js';
import type { ServersService } from './servers-service.js';

export const serverDto = (s: ServerRow, live: boolean) => ({
  id: s.id,
  name: s.name,
  address: s.address,
  version: s.version,
  startedAt: iso(s.startedAt),
  heartbeatAt: iso(s.heartbeatAt),
  live,
});

export function registerServers(fastify: FastifyInstance, servers: ServersService): void {
  const app = typed(fastify);
  app.get('/api/v1/servers', {
    schema: {
      tags: ['servers'],
      summary: 'List management servers; live ones are members of the automatic pools',
      querystring: z.strictObject({ live: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(serverSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('servers.read'),
    handler: async (req) => {
      const rows = await servers.list();
      const items = rows.map((s) => serverDto(s, servers.isLive(s)));
      return { items: req.query.live === 'true' ? items.filter((s) => s.live) : items };
    },
  });
}
