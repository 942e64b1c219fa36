// HTTP routes for management servers.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import { serverSchema, setServerActionAccountBody } from '../../../contract/servers.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import { actorOf } from '../../principal.js';
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
  defaultActionAccountId: s.defaultActionAccountId,
});

export interface ServersRoutesHooks {
  /** After a server's action account changed: the former account's alerts are resolved, the new one checked. */
  actionAccountChanged?(actor: string, serverId: string, accountId: string | null): Promise<void>;
}

export function registerServers(
  fastify: FastifyInstance,
  servers: ServersService,
  hooks: ServersRoutesHooks = {},
): void {
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

  app.put('/api/v1/servers/:id/action-account', {
    schema: {
      tags: ['servers'],
      summary:
        "Set a management server's default action account: pool-hosted workflows on it run as this account (SCOM's management server action account)",
      params: idParams,
      body: setServerActionAccountBody,
      response: { 200: serverSchema, ...errorResponses },
    },
    onRequest: app.authorize('accounts.manage'),
    handler: async (req) => {
      const actor = actorOf(principalOf(req));
      const row = await servers.setActionAccount(actor, req.params.id, req.body.accountId);
      await hooks.actionAccountChanged?.(actor, row.id, row.defaultActionAccountId);
      return serverDto(row, servers.isLive(row));
    },
  });
}
